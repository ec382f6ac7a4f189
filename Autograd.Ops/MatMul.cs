using System.Numerics;
using System.Numerics.Tensors;

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
            if (self.Rank != 2 || other.Rank != 2) return MatMulForms.Product(self, other);
            if (self.Dims[1] != other.Dims[0])
                throw new ArgumentException(
                    $"mat1 and mat2 shapes cannot be multiplied ({self.Dims[0]}x{self.Dims[1]} and {other.Dims[0]}x{other.Dims[1]})");
            if (self.DType != other.DType)
                throw new ArgumentException($"expected scalar type {ScalarName(self.DType)} but found {ScalarName(other.DType)}");
            var result = Multiply(self, other);
            if (Graph.NeedsGrad(self, other))
            {
                Tensor? savedSelf = other.RequiresGrad ? self : null, savedOther = self.RequiresGrad ? other : null;
                Graph.Record(result, "MmBackward0", [self, other],
                    g => [savedOther is null ? null : g.MatMul(savedOther.T()), savedSelf is null ? null : savedSelf.T().MatMul(g)], saved: [savedSelf, savedOther]);
            }
            return result;
        }
    }

    private static string ScalarName(DType dtype) => dtype switch { DType.Float32 => "Float", DType.Float64 => "Double", _ => "Long" };

    private static Tensor Multiply(Tensor a, Tensor b)
    {
        var result = Tensor.Empty(a.DType, [a.Dims[0], b.Dims[1]]);
        switch (a.DType)
        {
            case DType.Float32: Multiply<float>(a, b, result); break;
            case DType.Float64: Multiply<double>(a, b, result); break;
            default: Multiply<long>(a, b, result); break;
        }
        return result;
    }

    /// <summary>Row i of the result accumulates a[i, k] * row k of b: unit-stride, vectorized inner loops.</summary>
    private static void Multiply<T>(Tensor a, Tensor b, Tensor result) where T : unmanaged, INumber<T>
    {
        ReadOnlySpan<T> x = a.Span<T>(), y = b.Span<T>();
        var z = result.Span<T>();
        int m = a.Dims[0], k = a.Dims[1], n = b.Dims[1];
        for (int i = 0; i < m; i++)
        {
            var row = z.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                TensorPrimitives.MultiplyAdd(y.Slice(p * n, n), x[i * k + p], row, row);
            }
        }
    }
}
