using System.Numerics;
namespace Autograd;

/// <summary>Matrix products.</summary>
public static class MatMulOps
{
    extension(Tensor self)
    {
        /// <summary>
        /// torch.matmul: a dot product of vectors, a matrix-vector product, a matrix product (torch.mm) for 2-D operands,
        /// or a batched product with broadcast batch dims.
        /// </summary>
        public Tensor MatMul(Tensor other)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(other);
            if (self.Rank != 2 || other.Rank != 2) return MatMulForms.Product(self, other);
            CheckMatrices(self, other);
            return Product(self, false, other, false);
        }
    }

    /// <summary>torch.mm's checks of two matrices: the inner sizes agree and the dtypes are one.</summary>
    internal static void CheckMatrices(Tensor a, Tensor b)
    {
        if (a.Dims[1] != b.Dims[0])
            throw new ArgumentException(
                $"mat1 and mat2 shapes cannot be multiplied ({a.Dims[0]}x{a.Dims[1]} and {b.Dims[0]}x{b.Dims[1]})");
        if (a.DType != b.DType)
            throw new ArgumentException($"expected scalar type {ScalarName(a.DType)} but found {ScalarName(b.DType)}");
    }

    private static string ScalarName(DType dtype) => dtype.ScalarName();

    /// <summary>
    /// op(a) · op(b) of two matrices, op transposing where asked; a transpose is read in place, never copied. Recorded as
    /// MmBackward0, whose gradients are again such products, so they can be differentiated too (createGraph).
    /// </summary>
    internal static Tensor Product(Tensor a, bool transposeA, Tensor b, bool transposeB)
    {
        var result = Tensor.Uninitialized(a.DType, [a.Dims[transposeA ? 1 : 0], b.Dims[transposeB ? 0 : 1]]);
        DTypes.DispatchNumeric(a.DType, new MatrixProduct(a, transposeA, b, transposeB, result), "addmm_impl_cpu_");
        if (Graph.NeedsGrad(a, b))
        {
            Tensor? savedA = b.RequiresGrad ? a : null, savedB = a.RequiresGrad ? b : null;
            bool aTransposed = IsColumnMajor(a), bTransposed = IsColumnMajor(b);
            // With C = op(A) op(B): d op(A) = G op(B)^T and d op(B) = op(A)^T G, transposed back where op transposed.
            Graph.Record(result, "MmBackward0", [a, b], g =>
            [
                savedB is null ? null : transposeA ? GradientProduct(aTransposed, savedB, transposeB, g, true) : GradientProduct(aTransposed, g, false, savedB, !transposeB),
                savedA is null ? null : transposeB ? GradientProduct(bTransposed, g, true, savedA, transposeA) : GradientProduct(bTransposed, savedA, !transposeA, g, false),
            ], saved: [savedA, savedB]);
        }
        return result;
    }

    /// <summary>
    /// a · b with <paramref name="rowBias"/> (a vector of b's column count, unit stride) added to every row inside the
    /// matrix kernel, recording nothing: Addmm's forward for a Linear's bias. The bits are those of the product plus the
    /// bias as two ops; the fused addition saves a pass over the result.
    /// </summary>
    internal static Tensor ProductPlusRow(Tensor a, Tensor b, Tensor rowBias)
    {
        var result = Tensor.Uninitialized(a.DType, [a.Dims[0], b.Dims[1]]);
        DTypes.DispatchNumeric(a.DType, new MatrixProduct(a, false, b, false, result, rowBias), "addmm_impl_cpu_");
        return result;
    }

    /// <summary>
    /// op(a) · op(b) as the gradient of an operand: for a transposed view, computed as op(b)^T · op(a)^T and returned
    /// transposed, in the operand's own layout, so the gradient flows back through T() without a copy (PyTorch's
    /// mm_mat2_backward does the same).
    /// </summary>
    internal static Tensor GradientProduct(bool operandTransposed, Tensor a, bool transposeA, Tensor b, bool transposeB) =>
        operandTransposed ? Product(b, !transposeB, a, !transposeA).T() : Product(a, transposeA, b, transposeB);

    /// <summary>A matrix stored column by column (a transposed view): its gradient is computed in that layout.</summary>
    internal static bool IsColumnMajor(Tensor t) => t.Rank == 2 && t.Dims[0] > 1 && t.Dims[1] > 1 && t.StrideArray[0] == 1;

    private readonly struct MatrixProduct(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor result, Tensor? rowBias = null) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> =>
            Gemm.Multiply(Operand<T>(a, transposeA), Operand<T>(b, transposeB), result.Data<T>(), 0, (T[]?)rowBias?.Storage.Data, rowBias?.Offset ?? 0);
    }

    /// <summary>The matrix of <paramref name="t"/>, transposed if asked, read in place through its strides whatever its layout.</summary>
    private static Matrix<T> Operand<T>(Tensor t, bool transpose) where T : unmanaged
    {
        var matrix = new Matrix<T>((T[])t.Storage.Data, t.Offset, t.Dims[0], t.Dims[1], t.StrideArray[0], t.StrideArray[1]);
        return transpose ? matrix.Transposed : matrix;
    }
}
