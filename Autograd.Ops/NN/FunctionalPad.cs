using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>F.pad.</summary>
public static partial class Functional
{
    /// <summary>
    /// F.pad: <paramref name="pad"/> lists (left, right) amounts from the last dim backwards, as PyTorch's. "constant"
    /// fills with <paramref name="value"/> (negative amounts crop); "reflect" mirrors without repeating the edge and
    /// "replicate" repeats it, over the last 1, 2 or 3 dims of a batched (or unbatched) input.
    /// </summary>
    public static Tensor Pad(Tensor input, int[] pad, string mode = "constant", double value = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(pad);
        ArgumentNullException.ThrowIfNull(mode);
        if (pad.Length % 2 != 0) throw new ArgumentException("Padding length must be divisible by 2");
        if (pad.Length / 2 > input.Rank) throw new ArgumentException("Padding length too large");
        switch (mode)
        {
            case "constant": return Padding.Constant(input, pad, value);
            case "reflect" or "replicate":
                if (value != 0) throw new ArgumentException($"Padding mode \"{mode}\" doesn't take in value argument");
                return Padding.Indexed(input, pad, reflect: mode == "reflect");
            case "circular":
                throw new NotSupportedException("Padding mode \"circular\" is not supported here; use \"constant\", \"reflect\" or \"replicate\"");
            default: throw new NotSupportedException($"Unrecognised padding mode {mode}");
        }
    }
}

/// <summary>Padding kernels: constant padding (whose gradient is the opposite padding), and reflect/replicate as index maps.</summary>
internal static class Padding
{
    /// <summary>PyTorch's constant_pad_nd, with its checks (its narrow's, for negative amounts).</summary>
    public static Tensor Constant(Tensor input, int[] pad, double value)
    {
        int rank = input.Rank, padded = pad.Length / 2, first = rank - padded;
        // The crop of the negative amounts, checked as PyTorch's narrow does.
        var start = new int[rank];
        var cropped = (int[])input.Dims.Clone();
        bool anyPositive = false;
        for (int d = first; d < rank; d++)
        {
            int left = pad[2 * (rank - d - 1)], right = pad[2 * (rank - d - 1) + 1];
            if (left < 0) { Narrow(cropped, d, -left, cropped[d] + left); start[d] = -left; cropped[d] += left; }
            else if (left != 0) anyPositive = true;
            if (right < 0) { Narrow(cropped, d, 0, cropped[d] + right); cropped[d] += right; }
            else if (right != 0) anyPositive = true;
        }
        var shape = (int[])input.Dims.Clone();
        if (anyPositive)
        {
            for (int d = first; d < rank; d++)
            {
                int left = pad[2 * (rank - d - 1)], right = pad[2 * (rank - d - 1) + 1];
                shape[d] = input.Dims[d] + left + right;
                if (shape[d] <= 0)
                    throw new ArgumentException(
                        $"The input size {input.Dims[d]}, plus negative padding {left} and {right} resulted in a negative output size, which is invalid. Check dimension {d} of your input.");
            }
        }
        else shape = cropped;
        var result = Kernels.Full(input.DType, shape, anyPositive ? value : 0);
        // Element (i) of the result comes from input (i - left) where that lies inside the input.
        var offsets = new int[rank];
        for (int d = 0; d < rank; d++) offsets[d] = d < first ? 0 : pad[2 * (rank - d - 1)];
        if (!anyPositive) for (int d = 0; d < rank; d++) offsets[d] = -start[d];
        CopyShifted(input, result, offsets);
        if (Graph.NeedsGrad(input))
        {
            // The opposite padding takes the gradient back to the input's shape.
            int[] inverse = [.. pad.Select(amount => -amount)];
            Graph.Record(result, "ConstantPadNdBackward0", [input], g => [Constant(g, inverse, 0)], saved: []);
        }
        return result;
    }

    private static void Narrow(int[] shape, int dim, int start, int length)
    {
        int size = shape[dim];
        if (start > size)
            throw new ArgumentOutOfRangeException(null, $"Dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {start})");
        if (length < 0 || start > size - length)
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"start ({start}) + length ({length}) exceeds dimension size ({size})."));
    }

    /// <summary>Copies every input element i to result element i + offsets where that lies inside the result.</summary>
    private static void CopyShifted(Tensor input, Tensor result, int[] offsets)
    {
        DTypes.Dispatch(input.DType, new ShiftedCopy(input, result, offsets));
    }

    private readonly struct ShiftedCopy(Tensor input, Tensor result, int[] offsets) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            ReadOnlySpan<T> source = input.Span<T>();
            var target = result.Span<T>();
            int rank = input.Rank;
            var index = new int[rank];
            var inShape = input.Dims;
            var outShape = result.Dims;
            for (int i = 0; i < source.Length; i++)
            {
                int position = 0;
                bool inside = true;
                for (int d = 0; d < rank; d++)
                {
                    int o = index[d] + offsets[d];
                    if (o < 0 || o >= outShape[d]) { inside = false; break; }
                    position = position * outShape[d] + o;
                }
                if (inside) target[position] = source[i];
                for (int d = rank - 1; d >= 0; d--)
                {
                    if (++index[d] < inShape[d]) break;
                    index[d] = 0;
                }
            }
        }
    }

    /// <summary>Reflect or replicate padding of the last 1, 2 or 3 dims, as PyTorch's ReflectionPad/ReplicationPad{1,2,3}d.</summary>
    public static Tensor Indexed(Tensor input, int[] pad, bool reflect)
    {
        int rank = input.Rank, padded = pad.Length / 2;
        if (!(rank == padded + 1 || rank == padded + 2))
            throw new NotSupportedException("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
        int first = rank - padded;
        var shape = (int[])input.Dims.Clone();
        for (int d = first; d < rank; d++)
        {
            int left = pad[2 * (rank - d - 1)], right = pad[2 * (rank - d - 1) + 1], size = input.Dims[d];
            if (reflect && (left >= size || right >= size))
                throw new ArgumentException(
                    $"Argument #{4 + 2 * (rank - d - 1)}: Padding size should be less than the corresponding input dimension, but got: padding ({left}, {right}) at dimension {d} of input {Shapes.Format(input.Dims)}");
            shape[d] = size + left + right;
            if (shape[d] < 1)
                throw new ArgumentException($"input (size {size}) is too small. Calculated output size: {shape[d]}");
        }
        // The input element each output element reads.
        var source = new int[Shapes.NumElements(shape)];
        var index = new int[rank];
        for (int o = 0; o < source.Length; o++)
        {
            int position = 0;
            for (int d = 0; d < rank; d++)
            {
                int i = index[d], size = input.Dims[d];
                if (d >= first)
                {
                    i -= pad[2 * (rank - d - 1)];
                    if (reflect) i = i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i;
                    else i = Math.Clamp(i, 0, size - 1);
                }
                position = position * size + i;
            }
            source[o] = position;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
        string name = $"{(reflect ? "Reflection" : "Replication")}Pad{padded}DBackward0";
        return IndexMap.Gather(input, source, shape, name);
    }
}

/// <summary>
/// result[o] = x[source[o]], and its adjoint, the sum of g[o] into position source[o]. Each is the other's gradient, so
/// both are differentiable to any order.
/// </summary>
internal static class IndexMap
{
    public static Tensor Gather(Tensor x, int[] source, int[] shape, string name)
    {
        var result = Tensor.Uninitialized(x.DType, shape);
        DTypes.DispatchNumeric(x.DType, new Take(x, source, result), KernelName(name));
        int[] inputShape = x.Dims;
        if (Graph.NeedsGrad(x)) Graph.Record(result, name, [x], g => [ScatterAdd(g, source, inputShape, name)], saved: []);
        return result;
    }

    private static string KernelName(string gradFn) => gradFn.StartsWith("Reflection", StringComparison.Ordinal) ? "reflection_pad" : "replication_pad";

    private readonly struct Take(Tensor x, int[] source, Tensor result) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            ReadOnlySpan<T> from = x.Span<T>();
            var to = result.Span<T>();
            for (int o = 0; o < to.Length; o++) to[o] = from[source[o]];
        }
    }

    private static Tensor ScatterAdd(Tensor g, int[] source, int[] shape, string name)
    {
        var result = Tensor.Empty(g.DType, shape);
        DTypes.DispatchFloating(g.DType, new Add(g, source, result), KernelName(name));
        int[] gradShape = g.Dims;
        if (Graph.NeedsGrad(g)) Graph.Record(result, name.Replace("Backward0", "BackwardBackward0"), [g], h => [Gather(h, source, gradShape, name)], saved: []);
        return result;
    }

    private readonly struct Add(Tensor g, int[] source, Tensor result) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> from = g.Span<T>();
            var to = result.Span<T>();
            for (int o = 0; o < from.Length; o++) to[source[o]] += from[o];
        }
    }
}
