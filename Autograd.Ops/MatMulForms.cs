using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using static Autograd.Differentiable;

namespace Autograd;

/// <summary>
/// torch.matmul's forms beyond two matrices, composed as PyTorch 1.13 composes them so that grad_fn names and graphs
/// agree (DotBackward0, MvBackward0, BmmBackward0 under UnsafeViewBackward0, ...); Bmm; Addmm (Linear's forward).
/// Every 2-D product goes through MatMul's matrix kernel.
/// </summary>
public static class MatMulForms
{
    extension(Tensor self)
    {
        /// <summary>self + mat1 @ mat2, as torch.addmm; self broadcasts to the product's shape.</summary>
        public Tensor Addmm(Tensor mat1, Tensor mat2)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(mat1);
            ArgumentNullException.ThrowIfNull(mat2);
            // PyTorch checks the dtypes first, self against mat2, then mat1 against mat2; nothing is promoted.
            if (self.DType != mat2.DType) throw new ArgumentException("self and mat2 must have the same dtype");
            if (mat1.DType != mat2.DType) throw new ArgumentException("mat1 and mat2 must have the same dtype");
            RequireRank(mat1, 2, "mat1 must be a matrix");
            RequireRank(mat2, 2, "mat2 must be a matrix");
            Tensor result;
            if (IsRowBias(self, mat2))
            {
                // A Linear's bias: added inside the matrix kernel, the same bits without a pass over the product.
                MatMulOps.CheckMatrices(mat1, mat2);
                result = MatMulOps.ProductPlusRow(mat1, mat2, self);
            }
            else
            {
                Tensor product;
                using (GradMode.Disable()) product = mat1.MatMul(mat2);
                if (!Shapes.Broadcast(self.Dims, product.Dims).AsSpan().SequenceEqual(product.Dims))
                    throw new ArgumentException(
                        $"The expanded size of the tensor must match the existing size. Target sizes: {Shapes.Format(product.Dims)}.  Tensor sizes: {Shapes.Format(self.Dims)}");
                result = Kernels.Binary(product, self, BinaryOp.Add);
            }
            if (Graph.NeedsGrad(self) || Graph.NeedsGrad(mat1, mat2))
            {
                Tensor? saved1 = mat2.RequiresGrad ? mat1 : null, saved2 = mat1.RequiresGrad ? mat2 : null;
                bool transposed1 = MatMulOps.IsColumnMajor(mat1), transposed2 = MatMulOps.IsColumnMajor(mat2);
                var input = InputMeta.Of(self);
                Graph.Record(result, "AddmmBackward0", [self, mat1, mat2], g =>
                    [
                        GradFor(g, input),
                        // g mat2^T and mat1^T g, reading the transposes in place.
                        saved2 is null ? null : MatMulOps.GradientProduct(transposed1, g, false, saved2, true),
                        saved1 is null ? null : MatMulOps.GradientProduct(transposed2, saved1, true, g, false),
                    ], saved: [saved1, saved2]);
            }
            return result;
        }

        /// <summary>Batched matrix product of (b, n, m) and (b, m, p), as torch.bmm.</summary>
        public Tensor Bmm(Tensor mat2)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(mat2);
            RequireRank(self, 3, "batch1 must be a 3D tensor");
            RequireRank(mat2, 3, "batch2 must be a 3D tensor");
            int batches = self.Dims[0], n = self.Dims[1], m = self.Dims[2], p = mat2.Dims[2];
            if (mat2.Dims[0] != batches || mat2.Dims[1] != m)
                throw new ArgumentException(
                    $"Expected size for first two dimensions of batch2 tensor to be: [{batches}, {m}] but got: [{mat2.Dims[0]}, {mat2.Dims[1]}].");
            if (self.DType != mat2.DType)
                throw new ArgumentException($"expected scalar type {self.DType.ScalarName()} but found {mat2.DType.ScalarName()}");
            var result = Tensor.Uninitialized(self.DType, [batches, n, p]);
            DTypes.DispatchNumeric(self.DType, new BatchedProduct(self, mat2, result), "bmm");
            if (Graph.NeedsGrad(self, mat2))
            {
                Tensor? savedSelf = mat2.RequiresGrad ? self : null, savedOther = self.RequiresGrad ? mat2 : null;
                Graph.Record(result, "BmmBackward0", [self, mat2], g =>
                    [savedOther is null ? null : g.Bmm(savedOther.Transpose(1, 2)), savedSelf is null ? null : savedSelf.Transpose(1, 2).Bmm(g)], saved: [savedSelf, savedOther]);
            }
            return result;
        }
    }

    /// <summary>A floating vector of mat2's column count with unit stride: added to each row of the product by the kernel.</summary>
    private static bool IsRowBias(Tensor self, Tensor mat2) =>
        self.Rank == 1 && self.DType.IsFloating() && self.Dims[0] == mat2.Dims[1] && (self.Dims[0] <= 1 || self.StrideArray[0] == 1);

    /// <summary>
    /// Each batch's product written straight into its slice of the result, the batches split across cores (a small
    /// product runs on one core inside the matrix kernel, and attention has many of them).
    /// </summary>
    private readonly struct BatchedProduct(Tensor a, Tensor b, Tensor result) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            int n = a.Dims[1], m = a.Dims[2], p = b.Dims[2];
            Parallelism.ForRanges(a.Dims[0], (long)n * m * p / 4 + 1, new Batches<T>(a, b, result.Data<T>(), n * p));
        }
    }

    private readonly struct Batches<T>(Tensor a, Tensor b, T[] result, int productSize) : IRangeBody where T : unmanaged
    {
        public void Run(int start, int end)
        {
            T[] dataA = (T[])a.Storage.Data, dataB = (T[])b.Storage.Data;
            int[] sa = a.StrideArray, sb = b.StrideArray;
            int rows = a.Dims[1], columns = a.Dims[2];
            // The matrix kernel reads a left operand stored column by column (a transposed view, as in Bmm's backward)
            // about four times slower than a row-major one: each batch's is first copied row-major into scratch.
            // The product reads the same values in the same order, so the bits are the same.
            bool gatherA = sa[2] != 1 && rows > 1 && columns > 1;
            var scratch = gatherA ? ArrayPool<T>.Shared.Rent(rows * columns) : null;
            for (int i = start; i < end; i++)
            {
                var left = new Matrix<T>(dataA, a.Offset + i * sa[0], rows, columns, sa[1], sa[2]);
                if (scratch is not null) left = RowMajorCopy(left, scratch);
                Gemm.Multiply(left, new Matrix<T>(dataB, b.Offset + i * sb[0], b.Dims[1], b.Dims[2], sb[1], sb[2]), result, i * productSize);
            }
            if (scratch is not null) ArrayPool<T>.Shared.Return(scratch);
        }

        private static Matrix<T> RowMajorCopy(Matrix<T> m, T[] scratch)
        {
            ref T source = ref m.Data[m.Offset];
            ref T target = ref scratch[0];
            int rows = m.Rows, columns = m.Columns, rowStride = m.RowStride, columnStride = m.ColumnStride;
            // Stored column-major (a transposed view): the register-blocked transpose of the stored columns x rows block.
            if (rowStride == 1)
            {
                TransposeBlock.Run(ref source, columnStride, ref target, columns, columns, rows);
                return Matrix<T>.RowMajor(scratch, rows, columns);
            }
            // Down each stored column (contiguous for a transposed view), across the copy's rows.
            for (int j = 0; j < columns; j++)
            {
                ref T column = ref Unsafe.Add(ref source, j * columnStride);
                ref T copy = ref Unsafe.Add(ref target, j);
                for (int i = 0; i < rows; i++) Unsafe.Add(ref copy, i * columns) = Unsafe.Add(ref column, i * rowStride);
            }
            return Matrix<T>.RowMajor(scratch, m.Rows, m.Columns);
        }
    }

    /// <summary>torch.matmul for operands that are not both matrices.</summary>
    internal static Tensor Product(Tensor a, Tensor b)
    {
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"both arguments to matmul need to be at least 1D, but they are {a.Rank}D and {b.Rank}D");
        return (a.Rank, b.Rank) switch
        {
            (1, 1) => Dot(a, b),
            (2, 1) => Mv(a, b),
            (1, 2) => ShapeOps.Alias(a.Unsqueeze(0).MatMul(b), [b.Dims[1]], "SqueezeBackward3"),
            (_, 1 or 2) => FoldLeft(a, b),
            (1 or 2, _) => FoldRight(a, b),
            _ => Batched(a, b),
        };
    }

    private static Tensor Dot(Tensor a, Tensor b)
    {
        if (a.DType != b.DType)
            throw new ArgumentException(
                $"dot : expected both vectors to have same dtype, but found {Comparisons.ScalarName(a.DType)} and {Comparisons.ScalarName(b.DType)}");
        if (a.Count != b.Count)
            throw new ArgumentException(
                $"inconsistent tensor size, expected tensor [{a.Count}] and src [{b.Count}] to have the same number of elements, but got {a.Count} and {b.Count} elements respectively");
        var result = DTypes.DispatchNumeric<DotProduct, Tensor>(a.DType, new DotProduct(a, b), "dot");
        if (Graph.NeedsGrad(a, b))
        {
            Tensor? savedA = b.RequiresGrad ? a : null, savedB = a.RequiresGrad ? b : null;
            Graph.Record(result, "DotBackward0", [a, b], g => [savedB is null ? null : g * savedB, savedA is null ? null : g * savedA], saved: [savedA, savedB]);
        }
        return result;
    }

    private readonly struct DotProduct(Tensor a, Tensor b) : INumericFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, INumber<T> => Tensor.Scalar(TensorPrimitives.Dot<T>(a.Span<T>(), b.Span<T>()));
    }

    private static Tensor Mv(Tensor matrix, Tensor vector)
    {
        int n = matrix.Dims[0], m = matrix.Dims[1];
        if (vector.Count != m) throw new ArgumentException($"size mismatch, got {n}, {n}x{m},{vector.Count}");
        if (matrix.DType == DType.Bool && vector.DType == DType.Bool) throw new ArgumentException("\"addmv_impl_cpu\" not implemented for 'Bool'");
        Tensor result;
        using (GradMode.Disable()) result = matrix.MatMul(vector.View(m, 1)).View(n);
        if (Graph.NeedsGrad(matrix, vector))
        {
            Tensor? savedMatrix = vector.RequiresGrad ? matrix : null, savedVector = matrix.RequiresGrad ? vector : null;
            Graph.Record(result, "MvBackward0", [matrix, vector], g =>
                [savedVector is null ? null : g.Unsqueeze(1).MatMul(savedVector.Unsqueeze(0)), savedMatrix is null ? null : savedMatrix.T().MatMul(g)],
                saved: [savedMatrix, savedVector]);
        }
        return result;
    }

    /// <summary>(..., n, m) with (m) or (m, p): the batch dims of the left operand fold into its rows.</summary>
    private static Tensor FoldLeft(Tensor a, Tensor b)
    {
        var rows = a.Reshape(Shapes.NumElements(a.Dims.AsSpan(..^1)), a.Dims[^1]);
        var product = b.Rank == 1 ? Mv(rows, b) : rows.MatMul(b);
        int[] shape = b.Rank == 1 ? a.Dims[..^1] : [.. a.Dims[..^1], b.Dims[1]];
        return UnsafeView(product, shape);
    }

    /// <summary>(m) or (n, m) with (..., m, p): computed as the transposed product (b^T a^T)^T, folding b's batch dims.</summary>
    private static Tensor FoldRight(Tensor a, Tensor b)
    {
        var transposed = b.Transpose(-1, -2);
        int p = b.Dims[^1], m = b.Dims[^2];
        var rows = UnsafeView(transposed.Clone(), [Shapes.NumElements(transposed.Dims.AsSpan(..^1)), m]);
        if (a.Rank == 1) return UnsafeView(Mv(rows, a), [.. b.Dims[..^2], p]);
        var product = UnsafeView(rows.MatMul(a.T()), [.. b.Dims[..^2], p, a.Dims[0]]);
        return product.Transpose(-1, -2).Clone();
    }

    /// <summary>Both operands at least 3-D: batch dims broadcast, fold into one, and the product is a Bmm.</summary>
    private static Tensor Batched(Tensor a, Tensor b)
    {
        int n = a.Dims[^2], m1 = a.Dims[^1], m2 = b.Dims[^2], p = b.Dims[^1];
        var batch = Shapes.Broadcast(a.Dims[..^2], b.Dims[..^2]);
        int batches = Shapes.NumElements(batch);
        var left = FoldBatch(a, [.. batch, n, m1], [batches, n, m1]);
        var right = FoldBatch(b, [.. batch, m2, p], [batches, m2, p]);
        return UnsafeView(left.Bmm(right), [.. batch, n, p]);
    }

    /// <summary>Expands to the common batch dims (always recorded, as PyTorch does), then folds them into one.</summary>
    private static Tensor FoldBatch(Tensor t, int[] expanded, int[] folded)
    {
        bool replicates = Shapes.NumElements(expanded) != t.Count;
        var result = t.Expand(expanded);
        // PyTorch's reshape copies a replicated (non-contiguous) expansion and views one that is not.
        return replicates ? UnsafeView(result.Clone(), folded) : result.Reshape(folded);
    }

    private static Tensor UnsafeView(Tensor t, int[] shape) => ShapeOps.Alias(t, shape, "UnsafeViewBackward0");

    private static void RequireRank(Tensor t, int rank, string message)
    {
        if (t.Rank != rank) throw new ArgumentException($"{message}, got {t.Rank}-D tensor");
    }
}
