using System.Numerics;
using System.Runtime.CompilerServices;

namespace Autograd;

/// <summary>
/// A view's place in its storage (sizes, strides, offset), and the two differentiable maps between a tensor laid out
/// with one geometry and the elements a view geometry picks from the same storage: <see cref="Pick"/> (as_strided
/// relative to the input's layout) and its adjoint <see cref="Embed"/>, the gradient of every view that drops or
/// repeats elements (Select, Narrow, Diagonal, Unfold, AsStrided, Split, indexing, a view rebased after an in-place write).
/// </summary>
internal readonly record struct StridedGeometry(int[] Shape, int[] Strides, int Offset)
{
    public static StridedGeometry Of(Tensor t) => new(t.Dims, t.StrideArray, t.Offset);

    // The core library cannot reference the ops, so the ops register the rebased history of views when they load.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterViewHistory() =>
        Tensor.ViewHistory = (root, view) =>
        {
            var input = Of(root);
            var geometry = Of(view);
            return Graph.Node("AsStridedBackward0", view.Dims, [root], g => [Embed(g, input, geometry)], saved: []);
        };

    /// <summary>Storage positions of every element, row-major.</summary>
    private int[] Positions(int shift)
    {
        var positions = new int[Shapes.NumElements(Shape)];
        if (positions.Length == 0) return positions;
        int rank = Shape.Length;
        var index = new int[rank];
        int position = Offset - shift;
        for (int i = 0; i < positions.Length; i++)
        {
            positions[i] = position;
            for (int d = rank - 1; d >= 0; d--)
            {
                position += Strides[d];
                if (++index[d] < Shape[d]) break;
                position -= Strides[d] * Shape[d];
                index[d] = 0;
            }
        }
        return positions;
    }

    /// <summary>The lowest storage position the geometry reaches, and one past its highest.</summary>
    private (int Low, int High) Extent()
    {
        long low = Offset, high = Offset;
        foreach (var (size, stride) in Shape.Zip(Strides))
        {
            if (size == 0) return (Offset, Offset);
            long reach = (long)(size - 1) * stride;
            if (reach < 0) low += reach;
            else high += reach;
        }
        return ((int)low, (int)high + 1);
    }

    private bool Within(StridedGeometry outer)
    {
        var (low, high) = Extent();
        var (outerLow, outerHigh) = outer.Extent();
        return low >= outerLow && high <= outerHigh;
    }

    /// <summary>
    /// Whether every element has its own storage position: with the dims of more than one element ordered by stride,
    /// each stride steps past everything the smaller ones reach.
    /// </summary>
    private bool IsOneToOne()
    {
        long reach = 0;
        foreach (var (size, stride) in Shape.Zip(Strides).Where(d => d.First > 1).Select(d => (d.First, Math.Abs(d.Second))).OrderBy(d => d.Item2))
        {
            if (stride <= reach) return false;
            reach += (long)(size - 1) * stride;
        }
        return true;
    }

    private static (int Shift, int Length) Window(StridedGeometry a, StridedGeometry b)
    {
        var (lowA, highA) = a.Extent();
        var (lowB, highB) = b.Extent();
        int low = Math.Min(lowA, lowB);
        return (low, Math.Max(highA, highB) - low);
    }

    /// <summary>
    /// <paramref name="g"/> (shaped as the view) added into zeros laid out as <paramref name="input"/> at the view's
    /// elements (repeated elements accumulate), read back in the input's shape.
    /// </summary>
    public static Tensor Embed(Tensor g, StridedGeometry input, StridedGeometry view)
    {
        Tensor result;
        if (Strided.IsContiguous(input.Shape, input.Strides) && view.Within(input) && view.IsOneToOne())
        {
            // The common case (slices, selects, narrows of a dense tensor): zeros in the input's layout, and the
            // gradient copied block by block through the view's strides.
            var data = DTypes.Allocate(g.DType, Shapes.NumElements(input.Shape));
            Strided.Copy(g.Storage.Data, g.Offset, g.StrideArray, data, view.Offset - input.Offset, view.Strides, view.Shape);
            result = new Tensor(data, input.Shape);
        }
        else
        {
            var (shift, length) = Window(input, view);
            var storage = DTypes.Allocate(g.DType, length);
            DTypes.DispatchFloating(g.DType, new Accumulate(g.Values, storage, view.Positions(shift)), "as_strided_backward");
            result = new Tensor(Read(storage, input.Positions(shift)), input.Shape);
        }
        if (Graph.NeedsGrad(g)) Graph.Record(result, "AsStridedScatterBackward0", [g], gg => [Pick(gg, input, view)], saved: []);
        return result;
    }

    /// <summary>The elements the view geometry picks from <paramref name="x"/>, placed in a storage laid out as <paramref name="input"/>.</summary>
    public static Tensor Pick(Tensor x, StridedGeometry input, StridedGeometry view)
    {
        var (shift, length) = Window(input, view);
        var storage = DTypes.Allocate(x.DType, length);
        var values = x.Values;
        var positions = input.Positions(shift);
        DTypes.Dispatch(x.DType, new Write(values, storage, positions));
        var result = new Tensor(Read(storage, view.Positions(shift)), view.Shape);
        if (Graph.NeedsGrad(x)) Graph.Record(result, "AsStridedBackward0", [x], g => [Embed(g, input, view)], saved: []);
        return result;
    }

    private static Array Read(Array storage, int[] positions)
    {
        var dtype = DTypes.OfStorage(storage);
        var result = DTypes.AllocateUninitialized(dtype, positions.Length);
        DTypes.Dispatch(dtype, new Gather(storage, positions, result));
        return result;
    }

    private readonly struct Gather(Array storage, int[] positions, Array result) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            T[] from = (T[])storage, to = (T[])result;
            for (int i = 0; i < positions.Length; i++) to[i] = from[positions[i]];
        }
    }

    private readonly struct Write(Array values, Array storage, int[] positions) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            T[] from = (T[])values, to = (T[])storage;
            for (int i = 0; i < positions.Length; i++) to[positions[i]] = from[i];
        }
    }

    private readonly struct Accumulate(Array values, Array storage, int[] positions) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] from = (T[])values, to = (T[])storage;
            for (int i = 0; i < positions.Length; i++) to[positions[i]] += from[i];
        }
    }
}
