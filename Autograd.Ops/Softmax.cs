using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd;

/// <summary>Softmax and LogSoftmax along a dim, with the row max subtracted first so large logits cannot overflow.</summary>
public static class SoftmaxOps
{
    extension(Tensor self)
    {
        /// <summary>
        /// exp(x) / sum(exp(x)) along <paramref name="dim"/>, as <c>torch.softmax(x, dim)</c> (grad_fn <c>SoftmaxBackward0</c>);
        /// the row maximum is subtracted first, so large logits do not overflow.
        /// </summary>
        /// <param name="dim">The dim to normalize along; negative counts from the end.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the tensor's rank.</exception>
        /// <exception cref="ArgumentException">The tensor is not floating point (PyTorch's <c>"softmax_lastdim_kernel_impl" not implemented for 'Long'</c>).</exception>
        public Tensor Softmax(int dim)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dim, self.Rank);
            var result = Normalize(self, d, log: false);
            // dx = y * (g - sum(g * y))
            if (Graph.NeedsGrad(self))
                Graph.Record(result, "SoftmaxBackward0", [self], g => [SoftmaxGradient(result, g, d)], saved: [result]);
            return result;
        }

        /// <summary>
        /// x - log(sum(exp(x))) along <paramref name="dim"/>, as <c>torch.log_softmax(x, dim)</c> (grad_fn <c>LogSoftmaxBackward0</c>),
        /// computed with the row maximum subtracted first.
        /// </summary>
        /// <param name="dim">The dim to normalize along; negative counts from the end.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the tensor's rank.</exception>
        /// <exception cref="ArgumentException">The tensor is not floating point (PyTorch's <c>"log_softmax_lastdim_kernel_impl" not implemented for 'Long'</c>).</exception>
        public Tensor LogSoftmax(int dim)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dim, self.Rank);
            var result = Normalize(self, d, log: true);
            // dx = g - softmax * sum(g)
            if (Graph.NeedsGrad(self))
                Graph.Record(result, "LogSoftmaxBackward0", [self], g => [g - result.Exp() * g.Sum(d, keepDim: true)], saved: [result]);
            return result;
        }
    }

    /// <summary>
    /// y * (g - sum(g * y)) along <paramref name="dim"/>: over the last dim, one pass per row while it is in L1 (the same
    /// roundings as the ops: the products summed as Sum sums a row, the difference, the product), else with the ops,
    /// which also record a graph of the gradient (createGraph).
    /// </summary>
    private static Tensor SoftmaxGradient(Tensor y, Tensor g, int dim)
    {
        if (GradMode.IsEnabled || dim != y.Rank - 1 || !g.IsDense || g.DType != y.DType || !g.Dims.AsSpan().SequenceEqual(y.Dims) || y.Count == 0)
            return y * (g - (g * y).Sum(dim, keepDim: true));
        var result = Tensor.Uninitialized(y.DType, y.Dims);
        int size = y.Dims[^1];
        DTypes.DispatchFloating(y.DType, new RowGradients(y, g, result, y.Count / size, size), "softmax_backward_data");
        return result;
    }

    private readonly struct RowGradients(Tensor y, Tensor g, Tensor result, int rows, int size) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Parallelism.ForRanges(rows, 4L * size, new GradientRows<T>(y.Data<T>(), g.Data<T>(), result.Data<T>(), size));
    }

    private readonly struct GradientRows<T>(T[] y, T[] g, T[] dx, int size) : IRangeBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Rows go in blocks of about this many elements (in L1), so the products run one call per block, not per row.
        private const int BlockElements = 4096;

        public void Run(int start, int end)
        {
            int blockRows = Math.Max(1, BlockElements / size);
            for (int first = start; first < end; first += blockRows)
            {
                int rows = Math.Min(blockRows, end - first), offset = first * size, length = rows * size;
                ReadOnlySpan<T> ys = y.AsSpan(offset, length), gs = g.AsSpan(offset, length);
                var dxs = dx.AsSpan(offset, length);
                // The products go to the output, are summed there row by row, then overwritten by the gradient.
                TensorPrimitives.Multiply(gs, ys, dxs);
                for (int row = 0; row < rows; row++)
                {
                    T dot = CascadeSum.ContiguousRow(dx, offset + row * size, size);
                    TensorPrimitives.Subtract(gs.Slice(row * size, size), dot, dxs.Slice(row * size, size));
                }
                TensorPrimitives.Multiply(ys, dxs, dxs);
            }
        }
    }

    private static Tensor Normalize(Tensor x, int dim, bool log)
    {
        // PyTorch's kernel names: the last dim's (a 0-d tensor's too) by op, the other dims' one shared kernel.
        if (!x.DType.IsFloating())
            throw new ArgumentException($"\"{(dim < x.Rank - 1 ? "softmax_kernel_impl" : log ? "log_softmax_lastdim_kernel_impl" : "softmax_lastdim_kernel_impl")}\" not implemented for '{x.DType.ScalarName()}'");
        var (outer, size, inner) = Shapes.SplitAt(x.Dims, dim);
        var result = Tensor.Uninitialized(x.DType, x.Dims);
        DTypes.DispatchFloating(x.DType, new Normalization(x, result, outer, size, inner, log), log ? "log_softmax" : "softmax");
        return result;
    }

    private readonly struct Normalization(Tensor x, Tensor result, int outer, int size, int inner, bool log) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => Blocks(x.Data<T>(), result.Data<T>(), outer, size, inner, log);
    }

    /// <summary>
    /// Normalizes <paramref name="outer"/> blocks of <paramref name="size"/> rows of <paramref name="inner"/> elements
    /// down the rows; with inner = 1 each block is one contiguous row. Blocks are split across cores when large.
    /// </summary>
    private static void Blocks<T>(T[] x, T[] y, int outer, int size, int inner, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length == 0) return;
        if (inner == 1) Parallelism.ForRanges(outer, (long)size * FastExp.RowElementCost, new Rows<T>(x, y, size, log));
        else Parallelism.ForRanges(outer, (long)size * inner * FastExp.RowElementCost, new Columns<T>(x, y, size, inner, log));
    }

    /// <summary>Contiguous rows: the max from memory, then exp and its sum in one pass, and the scaling, while the row is in L1.</summary>
    private readonly struct Rows<T>(T[] x, T[] y, int size, bool log) : IRangeBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            var rented = log ? ArrayPool<T>.Shared.Rent(size) : null;
            for (int row = start; row < end; row++)
            {
                var xs = x.AsSpan(row * size, size);
                var ys = y.AsSpan(row * size, size);
                // A row with a nan gives nan throughout, as in PyTorch (see FastExp.Max).
                T max = FastExp.Max<T>(xs);
                if (log)
                {
                    // Only the sum of the exps is used; they go to scratch.
                    T sum = FastExp.ExpSum<T>(xs, max, rented.AsSpan(0, size));
                    TensorPrimitives.Subtract(xs, max, ys);
                    TensorPrimitives.Subtract(ys, T.Log(sum), ys);
                }
                else TensorPrimitives.Multiply(ys, T.One / FastExp.ExpSum<T>(xs, max, ys), ys);
            }
            if (rented is not null) ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Rows of <paramref name="inner"/> elements normalized down a block, vectorized across each row. LogSoftmax here
    /// follows PyTorch's kernel for a dim other than the last: exp rounded to the element type, sum and log in double.
    /// </summary>
    private readonly struct Columns<T>(T[] x, T[] y, int size, int inner, bool log) : IRangeBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            var rentedMax = ArrayPool<T>.Shared.Rent(inner);
            var rentedSum = ArrayPool<double>.Shared.Rent(inner);
            Span<T> max = rentedMax.AsSpan(0, inner);
            Span<double> sum = rentedSum.AsSpan(0, inner);
            int block = size * inner;
            for (int o = start; o < end; o++)
            {
                var xs = x.AsSpan(o * block, block);
                var ys = y.AsSpan(o * block, block);
                xs[..inner].CopyTo(max);
                for (int s = 1; s < size; s++) TensorPrimitives.Max(max, xs.Slice(s * inner, inner), max);
                for (int s = 0; s < size; s++) TensorPrimitives.Subtract(xs.Slice(s * inner, inner), max, ys.Slice(s * inner, inner));
                if (log) LogNormalize(ys, sum);
                else Normalize(ys, max);
            }
            ArrayPool<T>.Shared.Return(rentedMax);
            ArrayPool<double>.Shared.Return(rentedSum);
        }

        /// <summary>exp of the shifted rows, each column scaled by its reciprocal sum (<paramref name="sum"/> is scratch).</summary>
        private void Normalize(Span<T> ys, Span<T> sum)
        {
            FastExp.Exp<T>(ys, ys);
            sum.Clear();
            for (int s = 0; s < size; s++) TensorPrimitives.Add(sum, ys.Slice(s * inner, inner), sum);
            TensorPrimitives.Reciprocal<T>(sum, sum);
            for (int s = 0; s < size; s++) TensorPrimitives.Multiply(ys.Slice(s * inner, inner), sum, ys.Slice(s * inner, inner));
        }

        /// <summary>The shifted rows minus the log of each column's sum of exps.</summary>
        private void LogNormalize(Span<T> ys, Span<double> sum)
        {
            sum.Clear();
            for (int s = 0; s < size; s++)
            {
                for (int i = 0; i < inner; i++) sum[i] += double.CreateTruncating(T.CreateTruncating(Math.Exp(double.CreateTruncating(ys[s * inner + i]))));
            }
            for (int i = 0; i < inner; i++) sum[i] = Math.Log(sum[i]);
            for (int s = 0; s < size; s++)
            {
                for (int i = 0; i < inner; i++) ys[s * inner + i] = T.CreateTruncating(double.CreateTruncating(ys[s * inner + i]) - sum[i]);
            }
        }
    }
}
