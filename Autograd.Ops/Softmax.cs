using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd;

/// <summary>Softmax and LogSoftmax along a dim, with the row max subtracted first so large logits cannot overflow.</summary>
public static class SoftmaxOps
{
    extension(Tensor self)
    {
        public Tensor Softmax(int dim)
        {
            int d = Shapes.WrapDim(dim, self.Rank);
            var result = Normalize(self, d, log: false);
            // dy = y * (g - sum(g * y))
            if (Graph.NeedsGrad(self))
                Graph.Record(result, "SoftmaxBackward0", [self], g => [result * (g - (g * result).Sum(d, keepDim: true))], saved: [result]);
            return result;
        }

        public Tensor LogSoftmax(int dim)
        {
            int d = Shapes.WrapDim(dim, self.Rank);
            var result = Normalize(self, d, log: true);
            // dx = g - softmax * sum(g)
            if (Graph.NeedsGrad(self))
                Graph.Record(result, "LogSoftmaxBackward0", [self], g => [g - result.Exp() * g.Sum(d, keepDim: true)], saved: [result]);
            return result;
        }
    }

    private static Tensor Normalize(Tensor x, int dim, bool log)
    {
        if (!x.DType.IsFloating())
            throw new ArgumentException($"\"{(log ? "log_softmax" : "softmax")}_lastdim_kernel_impl\" not implemented for 'Long'");
        var (outer, size, inner) = Shapes.SplitAt(x.Dims, dim);
        var result = Tensor.Empty(x.DType, x.Dims);
        if (x.DType == DType.Float32) Rows<float>(x.Span<float>(), result.Span<float>(), outer, size, inner, log);
        else Rows<double>(x.Span<double>(), result.Span<double>(), outer, size, inner, log);
        return result;
    }

    /// <summary>
    /// Each block is <paramref name="size"/> rows of <paramref name="inner"/> elements, normalized down the rows;
    /// with inner = 1 that is one contiguous row per block.
    /// </summary>
    internal static void Rows<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int size, int inner, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) return;
        var rented = ArrayPool<T>.Shared.Rent(2 * inner + (log ? size * inner : 0));
        var scratch = rented.AsSpan();
        Span<T> max = scratch[..inner], sum = scratch.Slice(inner, inner), exps = scratch.Slice(2 * inner, log ? size * inner : 0);
        int block = size * inner;
        for (int o = 0; o < outer; o++)
        {
            var xs = x.Slice(o * block, block);
            var ys = y.Slice(o * block, block);
            // TensorPrimitives.Max propagates NaN, so a row with a NaN gives NaN throughout, as in PyTorch.
            xs[..inner].CopyTo(max);
            for (int s = 1; s < size; s++) TensorPrimitives.Max(max, xs.Slice(s * inner, inner), max);
            for (int s = 0; s < size; s++) TensorPrimitives.Subtract(xs.Slice(s * inner, inner), max, ys.Slice(s * inner, inner));
            var exp = log ? exps : ys;
            TensorPrimitives.Exp(ys, exp);
            sum.Clear();
            for (int s = 0; s < size; s++) TensorPrimitives.Add(sum, exp.Slice(s * inner, inner), sum);
            if (log)
            {
                TensorPrimitives.Log(sum, sum);
                for (int s = 0; s < size; s++) TensorPrimitives.Subtract(ys.Slice(s * inner, inner), sum, ys.Slice(s * inner, inner));
            }
            else
            {
                TensorPrimitives.Reciprocal(sum, sum);
                for (int s = 0; s < size; s++) TensorPrimitives.Multiply(ys.Slice(s * inner, inner), sum, ys.Slice(s * inner, inner));
            }
        }
        ArrayPool<T>.Shared.Return(rented);
    }
}
