using System.Numerics;
using System.Numerics.Tensors;
using static Autograd.Differentiable;

namespace Autograd;

/// <summary>Sum, Mean, Max and Min over all elements, along one dim or over a list of dims.</summary>
public static class Reductions
{
    extension(Tensor self)
    {
        /// <summary>torch.sum(x): the sum of all elements, in PyTorch's cascade order (bit-identical float sums).</summary>
        public Tensor Sum() => SumOver(Argument.NotNull(self), null, keepDim: false, "SumBackward0");

        /// <summary>torch.sum(x, dim, keepdim).</summary>
        public Tensor Sum(int dim, bool keepDim = false) => SumOver(Argument.NotNull(self), [dim], keepDim, "SumBackward1");

        /// <summary>torch.sum(x, dims, keepdim) over a list of dims (null or empty: all).</summary>
        public Tensor Sum(int[]? dims, bool keepDim = false) => SumOver(Argument.NotNull(self), dims, keepDim, dims is null ? "SumBackward0" : "SumBackward1");

        /// <summary>torch.mean(x): PyTorch's sum divided by the count.</summary>
        public Tensor Mean() => MeanOver(Argument.NotNull(self), null, keepDim: false, "MeanBackward0");

        /// <summary>torch.mean(x, dim, keepdim).</summary>
        public Tensor Mean(int dim, bool keepDim = false) => MeanOver(Argument.NotNull(self), [dim], keepDim, "MeanBackward1");

        /// <summary>torch.mean(x, dims, keepdim) over a list of dims (null or empty: all).</summary>
        public Tensor Mean(int[]? dims, bool keepDim = false) => MeanOver(Argument.NotNull(self), dims, keepDim, dims is null ? "MeanBackward0" : "MeanBackward1");

        /// <summary>torch.max(x): the largest element (NaN if any); its gradient is shared evenly among the elements equal to it (NaN equal to NaN), as in PyTorch.</summary>
        public Tensor Max() => Extreme(Argument.NotNull(self), largest: true);

        /// <summary>torch.min(x): the smallest element (NaN if any), with Max's gradient rule.</summary>
        public Tensor Min() => Extreme(Argument.NotNull(self), largest: false);

        /// <summary>torch.max(x, dim, keepdim): values and first indices of the maxima (a NaN counts as the maximum).</summary>
        public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => ExtremeAlong(Argument.NotNull(self), dim, keepDim, largest: true);

        /// <summary>torch.min(x, dim, keepdim): values and first indices of the minima (a NaN counts as the minimum).</summary>
        public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) => ExtremeAlong(Argument.NotNull(self), dim, keepDim, largest: false);
    }

    /// <summary>The dims flagged for reduction; null or empty means all, as PyTorch's dim=[]; repeated dims are PyTorch's error.</summary>
    internal static bool[] ReduceMask(int rank, int[]? dims)
    {
        var mask = new bool[rank];
        if (dims is null || dims.Length == 0) { Array.Fill(mask, true); return mask; }
        foreach (int dim in dims)
        {
            int d = Shapes.WrapDim(dim, rank);
            if (rank == 0) continue;
            if (mask[d]) throw new ArgumentException($"dim {d} appears multiple times in the list of dims");
            mask[d] = true;
        }
        return mask;
    }

    /// <summary>The result shape of a reduction over <paramref name="mask"/>.</summary>
    internal static int[] ReducedShape(int[] shape, bool[] mask, bool keepDim) =>
        keepDim ? [.. shape.Select((s, i) => mask[i] ? 1 : s)] : [.. shape.Where((_, i) => !mask[i])];

    /// <summary>A reduced tensor with its reduced dims put back as size 1, so it broadcasts against the input.</summary>
    internal static Tensor Restore(Tensor reduced, int[] inputShape, bool[] mask, bool keepDim) =>
        keepDim ? reduced : reduced.Reshape(ReducedShape(inputShape, mask, keepDim: true));

    private static Tensor SumOver(Tensor self, int[]? dims, bool keepDim, string name)
    {
        var mask = ReduceMask(self.Rank, dims);
        // A Bool tensor sums as int64, a count, as in PyTorch.
        var result = CascadeSum.Sum(self.DType == DType.Bool ? Kernels.Cast(self, DType.Int64) : self, mask, ReducedShape(self.Dims, mask, keepDim));
        // The closure keeps the input's shape, not the input (a kept loss must not hold its activations).
        int[] shape = self.Dims;
        if (Graph.NeedsGrad(self))
            Graph.Record(result, name, [self], g => [ExpandTo(Restore(g, shape, mask, keepDim), shape)], saved: []);
        return result;
    }

    private static Tensor MeanOver(Tensor self, int[]? dims, bool keepDim, string name)
    {
        RequireFloating(self, "mean");
        var mask = ReduceMask(self.Rank, dims);
        int n = 1;
        for (int i = 0; i < self.Rank; i++) if (mask[i]) n *= self.Dims[i];
        var result = CascadeSum.Sum(self, mask, ReducedShape(self.Dims, mask, keepDim));
        DivideInPlace(result, n);
        // PyTorch's MeanBackward1 saves self (a second backward through it fails); MeanBackward0 saves nothing.
        int[] shape = self.Dims;
        if (Graph.NeedsGrad(self))
            Graph.Record(result, name, [self], g => [ExpandTo(Restore(g / n, shape, mask, keepDim), shape)], saved: [dims is null ? null : self]);
        return result;
    }

    private static Tensor Extreme(Tensor self, bool largest)
    {
        string op = largest ? "max" : "min";
        if (self.Count == 0)
            throw new ArgumentException($"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
        var (values, _) = ExtremesAlong(self, 1, self.Count, 1, [], largest);
        if (Graph.NeedsGrad(self))
        {
            Graph.Record(values, largest ? "MaxBackward1" : "MinBackward1", [self], g =>
            {
                var mask = EqualOrBothNaN(self, values);
                return [mask * (g / mask.Sum().Item<double>())];
            }, saved: [self, values]);
        }
        return values;
    }

    private static (Tensor Values, Tensor Indices) ExtremeAlong(Tensor self, int dim, bool keepDim, bool largest)
    {
        int d = Shapes.WrapDim(dim, self.Rank);
        var (outer, size, inner) = Shapes.SplitAt(self.Dims, d);
        if (size == 0)
            throw new ArgumentException($"{(largest ? "max" : "min")}(): Expected reduction dim {d} to have non-zero size.");
        var (values, indices) = ExtremesAlong(self, outer, size, inner, ReducedShape(self.Dims, d, keepDim), largest);
        if (Graph.NeedsGrad(self))
        {
            Graph.Record(values, largest ? "MaxBackward0" : "MinBackward0", [self], g =>
            {
                var zeros = Kernels.Full(self.DType, self.Dims, 0);
                return [zeros.Scatter(d, Restore(indices, self, d, keepDim), Restore(g, self, d, keepDim))];
            }, saved: [indices]);
        }
        return (values, indices);
    }

    /// <summary>A 0/1 mask (in t's dtype) of the elements equal to the 0-d <paramref name="value"/>, a NaN matching NaNs, as PyTorch's evenly_distribute_backward.</summary>
    private static Tensor EqualOrBothNaN(Tensor t, Tensor value)
    {
        var mask = Tensor.Empty(t.DType, t.Dims);
        DTypes.DispatchFloating(t.DType, new EqualityMask(t, value, mask), "evenly_distribute_backward");
        return mask;
    }

    private readonly struct EqualityMask(Tensor t, Tensor value, Tensor mask) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> x = t.Span<T>();
            var m = mask.Span<T>();
            T v = value.Span<T>()[0];
            bool nan = T.IsNaN(v);
            for (int i = 0; i < x.Length; i++) m[i] = (nan ? T.IsNaN(x[i]) : x[i] == v) ? T.One : T.Zero;
        }
    }

    /// <summary>Puts back the reduced dim as size 1, so the tensor broadcasts against the input.</summary>
    private static Tensor Restore(Tensor reduced, Tensor input, int dim, bool keepDim) =>
        keepDim || input.Rank == 0 ? reduced : reduced.Unsqueeze(dim);

    internal static int[] ReducedShape(int[] shape, int dim, bool keepDim)
    {
        if (shape.Length == 0) return [];
        if (keepDim) { var kept = (int[])shape.Clone(); kept[dim] = 1; return kept; }
        return [.. shape[..dim], .. shape[(dim + 1)..]];
    }

    private static void RequireFloating(Tensor t, string op)
    {
        if (!t.DType.IsFloating())
            throw new ArgumentException($"{op}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long");
    }

    private static void DivideInPlace(Tensor t, int n) => DTypes.DispatchFloating(t.DType, new DivisionInPlace(t, n), "mean");

    private readonly struct DivisionInPlace(Tensor t, int n) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(t.Span<T>(), T.CreateTruncating(n), t.Span<T>());
    }

    private static (Tensor Values, Tensor Indices) ExtremesAlong(Tensor self, int outer, int size, int inner, int[] shape, bool largest) =>
        DTypes.DispatchNumeric<ExtremeAlongDim, (Tensor, Tensor)>(self.DType, new ExtremeAlongDim(self, outer, size, inner, shape, largest), largest ? "max" : "min");

    /// <summary>Values and first indices of the maxima (or minima); a NaN counts as the extreme, as in PyTorch.</summary>
    private readonly record struct ExtremeAlongDim(Tensor Source, int Outer, int Size, int Inner, int[] Shape, bool Largest) : INumericFunc<(Tensor, Tensor)>
    {
        public (Tensor, Tensor) Invoke<T>() where T : unmanaged, INumber<T>
        {
            var values = Tensor.Uninitialized(Source.DType, Shape);
            var indices = Tensor.Uninitialized(DType.Int64, Shape);
            Parallelism.ForRanges(Outer, (long)Size * Inner, new Blocks<T>(Source.Data<T>(), values.Data<T>(), indices.Data<long>(), Size, Inner, Largest));
            return (values, indices);
        }

        private readonly struct Blocks<T>(T[] x, T[] v, long[] idx, int size, int inner, bool largest) : IRangeBody where T : unmanaged, INumber<T>
        {
            public void Run(int start, int end)
            {
                for (int o = start; o < end; o++)
                {
                    for (int i = 0; i < inner; i++)
                    {
                        int best = 0, baseOffset = o * size * inner + i;
                        T bestValue = x[baseOffset];
                        for (int s = 1; s < size && !T.IsNaN(bestValue); s++)
                        {
                            T candidate = x[baseOffset + s * inner];
                            if ((largest ? candidate > bestValue : candidate < bestValue) || T.IsNaN(candidate)) { best = s; bestValue = candidate; }
                        }
                        v[o * inner + i] = bestValue;
                        idx[o * inner + i] = best;
                    }
                }
            }
        }
    }
}
