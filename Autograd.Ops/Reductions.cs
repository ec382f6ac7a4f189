using System.Numerics;
using System.Numerics.Tensors;
using static Autograd.Differentiable;

namespace Autograd;

/// <summary>Sum, Mean and Max over all elements or along one dim.</summary>
public static class Reductions
{
    extension(Tensor self)
    {
        public Tensor Sum()
        {
            var result = Dispatch(self, new SumAll());
            int[] dims = self.Dims;
            if (Graph.NeedsGrad(self)) Graph.Record(result, "SumBackward0", [self], g => [ExpandTo(g, dims)], saved: []);
            return result;
        }

        public Tensor Sum(int dim, bool keepDim = false)
        {
            int d = Shapes.WrapDim(dim, self.Rank);
            var result = SumAlong(self, d, keepDim);
            int[] dims = self.Dims;
            if (Graph.NeedsGrad(self)) Graph.Record(result, "SumBackward1", [self], g => [ExpandTo(keepDim || dims.Length == 0 ? g : g.Unsqueeze(d), dims)], saved: []);
            return result;
        }

        public Tensor Mean()
        {
            RequireFloating(self, "mean");
            var result = Dispatch(self, new SumAll());
            DivideInPlace(result, self.Count);
            int n = self.Count;
            int[] dims = self.Dims;
            if (Graph.NeedsGrad(self)) Graph.Record(result, "MeanBackward0", [self], g => [ExpandTo(g / n, dims)], saved: []);
            return result;
        }

        public Tensor Mean(int dim, bool keepDim = false)
        {
            RequireFloating(self, "mean");
            int d = Shapes.WrapDim(dim, self.Rank);
            int n = self.Rank == 0 ? 1 : self.Dims[d];
            var result = SumAlong(self, d, keepDim);
            DivideInPlace(result, n);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "MeanBackward1", [self], g => [Spread(g / n, self, d, keepDim)], saved: [self]);
            return result;
        }

        /// <summary>The largest element; its gradient is shared evenly among all elements equal to it, as in PyTorch.</summary>
        public Tensor Max()
        {
            if (self.Count == 0)
                throw new ArgumentException("max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
            var (values, _) = Dispatch(self, new MaxAlong(1, self.Count, 1, []));
            if (Graph.NeedsGrad(self))
            {
                Graph.Record(values, "MaxBackward1", [self], g =>
                {
                    var ties = Kernels.Binary(self, values, BinaryOp.Subtract);
                    var mask = EqualsZero(ties);
                    return [mask * (g / mask.Sum().Item<double>())];
                }, saved: [self, values]);
            }
            return values;
        }

        public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false)
        {
            int d = Shapes.WrapDim(dim, self.Rank);
            var (outer, size, inner) = Shapes.SplitAt(self.Dims, d);
            if (size == 0)
                throw new ArgumentException($"max(): Expected reduction dim {d} to have non-zero size.");
            var (values, indices) = Dispatch(self, new MaxAlong(outer, size, inner, ReducedShape(self.Dims, d, keepDim)));
            if (Graph.NeedsGrad(self))
            {
                Graph.Record(values, "MaxBackward0", [self], g =>
                {
                    var zeros = Kernels.Full(self.DType, self.Dims, 0);
                    return [zeros.Scatter(d, Restore(indices, self, d, keepDim), Restore(g, self, d, keepDim))];
                }, saved: [indices]);
            }
            return (values, indices);
        }
    }

    /// <summary>Spreads a reduced gradient back over the reduced dim.</summary>
    private static Tensor Spread(Tensor g, Tensor input, int dim, bool keepDim) => ExpandTo(Restore(g, input, dim, keepDim), input.Dims);

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

    private static void DivideInPlace(Tensor t, int n)
    {
        if (t.DType == DType.Float32) TensorPrimitives.Divide(t.Span<float>(), n, t.Span<float>());
        else TensorPrimitives.Divide(t.Span<double>(), n, t.Span<double>());
    }

    private static Tensor SumAlong(Tensor t, int dim, bool keepDim)
    {
        var (outer, size, inner) = Shapes.SplitAt(t.Dims, dim);
        return Dispatch(t, new SumAlongDim(outer, size, inner, ReducedShape(t.Dims, dim, keepDim)));
    }

    /// <summary>A 0/1 mask of the elements equal to zero, in the tensor's dtype.</summary>
    private static Tensor EqualsZero(Tensor t)
    {
        var mask = Tensor.Empty(t.DType, t.Dims);
        if (t.DType == DType.Float32) Mask(t.Span<float>(), mask.Span<float>());
        else Mask(t.Span<double>(), mask.Span<double>());
        return mask;

        static void Mask<T>(ReadOnlySpan<T> x, Span<T> m) where T : INumber<T>
        {
            for (int i = 0; i < x.Length; i++) m[i] = T.IsZero(x[i]) || T.IsNaN(x[i]) ? T.One : T.Zero;
        }
    }

    private static TResult Dispatch<TResult>(Tensor t, IReduction<TResult> reduction) => t.DType switch
    {
        DType.Float32 => reduction.Run<float>(t),
        DType.Float64 => reduction.Run<double>(t),
        _ => reduction.Run<long>(t),
    };

    private interface IReduction<TResult>
    {
        TResult Run<T>(Tensor t) where T : unmanaged, INumber<T>;
    }

    /// <summary>
    /// The sum of all elements: partial sums over fixed chunks (in parallel when large), then their sum in order, so
    /// the bits never depend on the thread count.
    /// </summary>
    private readonly struct SumAll : IReduction<Tensor>
    {
        private const int Chunk = 1 << 16;

        public Tensor Run<T>(Tensor t) where T : unmanaged, INumber<T>
        {
            var x = t.Data<T>();
            if (x.Length <= Chunk) return Tensor.Scalar(TensorPrimitives.Sum<T>(x));
            var partials = new T[(x.Length + Chunk - 1) / Chunk];
            Parallelism.ForRanges(partials.Length, Chunk, new ChunkSums<T>(x, partials));
            return Tensor.Scalar(TensorPrimitives.Sum<T>(partials));
        }

        private readonly struct ChunkSums<T>(T[] x, T[] partials) : IRangeBody where T : unmanaged, INumber<T>
        {
            public void Run(int start, int end)
            {
                for (int c = start; c < end; c++) partials[c] = TensorPrimitives.Sum<T>(x.AsSpan(c * Chunk, Math.Min(Chunk, x.Length - c * Chunk)));
            }
        }
    }

    private readonly record struct SumAlongDim(int Outer, int Size, int Inner, int[] Shape) : IReduction<Tensor>
    {
        public Tensor Run<T>(Tensor t) where T : unmanaged, INumber<T>
        {
            var result = Tensor.Empty(t.DType, Shape);
            Parallelism.ForRanges(Outer, (long)Size * Inner, new Blocks<T>(t.Data<T>(), result.Data<T>(), Size, Inner));
            return result;
        }

        private readonly struct Blocks<T>(T[] x, T[] d, int size, int inner) : IRangeBody where T : unmanaged, INumber<T>
        {
            public void Run(int start, int end)
            {
                for (int o = start; o < end; o++)
                {
                    var block = x.AsSpan(o * size * inner, size * inner);
                    if (inner == 1) { d[o] = TensorPrimitives.Sum<T>(block); continue; }
                    var dest = d.AsSpan(o * inner, inner);
                    for (int s = 0; s < size; s++) TensorPrimitives.Add(dest, block.Slice(s * inner, inner), dest);
                }
            }
        }
    }

    /// <summary>Values and first indices of the maxima; a NaN counts as the maximum, as in PyTorch.</summary>
    private readonly record struct MaxAlong(int Outer, int Size, int Inner, int[] Shape) : IReduction<(Tensor, Tensor)>
    {
        public (Tensor, Tensor) Run<T>(Tensor t) where T : unmanaged, INumber<T>
        {
            var values = Tensor.Uninitialized(t.DType, Shape);
            var indices = Tensor.Uninitialized(DType.Int64, Shape);
            Parallelism.ForRanges(Outer, (long)Size * Inner, new Blocks<T>(t.Data<T>(), values.Data<T>(), indices.Data<long>(), Size, Inner));
            return (values, indices);
        }

        private readonly struct Blocks<T>(T[] x, T[] v, long[] idx, int size, int inner) : IRangeBody where T : unmanaged, INumber<T>
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
                            if (candidate > bestValue || T.IsNaN(candidate)) { best = s; bestValue = candidate; }
                        }
                        v[o * inner + i] = bestValue;
                        idx[o * inner + i] = best;
                    }
                }
            }
        }
    }
}
