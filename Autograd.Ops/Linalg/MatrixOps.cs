using System.Numerics;
using static Autograd.Differentiable;

namespace Autograd;

/// <summary>
/// Differentiable matrix helpers the linalg backward formulas are written with (so they can be differentiated again):
/// constant masks and identities, triangles, diagonals, batched transposes, column selections, triangular solves,
/// permutations and amax/amin.
/// </summary>
internal static class MatrixOps
{
    /// <summary>Transpose of the last two dims (PyTorch's mT).</summary>
    public static Tensor MT(Tensor t) => t.Transpose(-2, -1);

    /// <summary>The n x n identity, a constant.</summary>
    public static Tensor Eye(DType dtype, int n) => Selection(dtype, n, n, 0);

    /// <summary>The rows x columns constant with ones at (offset + j, j): t @ it picks columns offset .. offset + columns - 1 of t.</summary>
    public static Tensor Selection(DType dtype, int rows, int columns, int offset)
    {
        var t = Tensor.Empty(dtype, [rows, columns]);
        DTypes.Dispatch(dtype, new SelectionOnes(t.Storage.Data, columns, offset, Math.Min(columns, rows - offset)));
        return t;
    }

    /// <summary>Writes 1 at (offset + j, j) for j &lt; <paramref name="count"/> of a fresh row-major matrix of <paramref name="columns"/> columns.</summary>
    private readonly struct SelectionOnes(Array data, int columns, int offset, int count) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            var matrix = (T[])data;
            T one = Kernels.Number<T>(1);
            for (int j = 0; j < count; j++) matrix[(offset + j) * columns + j] = one;
        }
    }

    /// <summary>Columns <paramref name="start"/> .. start + count - 1 of a batch of matrices (PyTorch's narrow on the last dim).</summary>
    public static Tensor NarrowColumns(Tensor t, int start, int count) =>
        count == t.Dims[^1] && start == 0 ? t : t.MatMul(Selection(t.DType, t.Dims[^1], count, start));

    /// <summary>Rows <paramref name="start"/> .. start + count - 1 of a batch of matrices (PyTorch's narrow on dim -2).</summary>
    public static Tensor NarrowRows(Tensor t, int start, int count) =>
        count == t.Dims[^2] && start == 0 ? t : MT(Selection(t.DType, t.Dims[^2], count, start)).MatMul(t);

    /// <summary>The lower triangle from diagonal <paramref name="k"/> down (torch.tril).</summary>
    public static Tensor Tril(Tensor t, int k = 0) => t * TriangleMask(t.DType, t.Dims[^2], t.Dims[^1], lower: true, k);

    /// <summary>The upper triangle from diagonal <paramref name="k"/> up (torch.triu).</summary>
    public static Tensor Triu(Tensor t, int k = 0) => t * TriangleMask(t.DType, t.Dims[^2], t.Dims[^1], lower: false, k);

    private static Tensor TriangleMask(DType dtype, int rows, int columns, bool lower, int k)
    {
        var mask = Tensor.Empty(dtype, [rows, columns]);
        DTypes.Dispatch(dtype, new TriangleOnes(mask.Storage.Data, rows, columns, lower, k));
        return mask;
    }

    private readonly struct TriangleOnes(Array data, int rows, int columns, bool lower, int k) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            var mask = (T[])data;
            T one = Kernels.Number<T>(1);
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < columns; j++)
                {
                    if (lower ? j - i <= k : j - i >= k) mask[i * columns + j] = one;
                }
            }
        }
    }

    /// <summary>The diagonals of a batch of square matrices, (..., n).</summary>
    public static Tensor Diagonal(Tensor t) => (t * Eye(t.DType, t.Dims[^1])).Sum(-1);

    /// <summary>Square matrices with <paramref name="v"/> (..., n) on their diagonals (torch.diag_embed).</summary>
    public static Tensor DiagEmbed(Tensor v) => v.Unsqueeze(-2) * Eye(v.DType, v.Dims[^1]);

    /// <summary>-1, 0 or 1 per element (torch.sgn), a constant: sign has no gradient.</summary>
    public static Tensor Sign(Tensor t) => Kernels.SignOf(t);

    /// <summary>Element-wise 1 where <paramref name="mask"/> is nonzero, as a constant of <paramref name="dtype"/>.</summary>
    public static Tensor AsConstant(Tensor mask, DType dtype) => Kernels.Cast(mask, dtype);

    /// <summary>
    /// torch.linalg.solve_triangular(A, B, upper, left): X with A X = B (left) or X A = B, for A (..., n, n) triangular
    /// and B with the same batch dims; only A's triangle is read. Recorded as LinalgSolveTriangularBackward0 with
    /// PyTorch's formula: gB = solve_triangular(A^T, gX), gA = -gB X^T (or -X^T gB) restricted to the triangle.
    /// </summary>
    public static Tensor SolveTriangular(Tensor a, Tensor b, bool upper, bool left)
    {
        int n = a.Dims[^1], k = left ? b.Dims[^1] : b.Dims[^2];
        var result = Tensor.Uninitialized(b.DType, b.Dims);
        int batches = b.Count / Math.Max(1, n * k);
        DTypes.DispatchFloating(a.DType, new TriangularSolve(a, b, result, batches, n, k, upper, left), "linalg_solve_triangular");
        if (Graph.NeedsGrad(a, b))
        {
            Graph.Record(result, "LinalgSolveTriangularBackward0", [a, b], g =>
            {
                var gB = SolveTriangular(MT(a), g, !upper, left);
                Tensor? gA = null;
                if (a.RequiresGrad)
                {
                    var full = left ? -gB.MatMul(MT(result)) : -MT(result).MatMul(gB);
                    gA = upper ? Triu(full) : Tril(full);
                }
                return [gA, b.RequiresGrad ? gB : null];
            }, saved: [a, result]);
        }
        return result;
    }

    /// <summary>torch.permute as a copy (recorded even for the identity, as PyTorch's view is): dim i of the result is dim <paramref name="permutation"/>[i] of <paramref name="t"/>.</summary>
    public static Tensor Permute(Tensor t, int[] permutation)
    {
        int[] shape = [.. permutation.Select(p => t.Dims[p])];
        var result = Tensor.Uninitialized(t.DType, shape);
        DTypes.DispatchNumeric(t.DType, new PermutedCopy(t, result, permutation), "permute");
        if (Graph.NeedsGrad(t))
        {
            var inverse = new int[permutation.Length];
            for (int i = 0; i < permutation.Length; i++) inverse[permutation[i]] = i;
            Graph.Record(result, "PermuteBackward0", [t], g => [Permute(g, inverse)], saved: []);
        }
        return result;
    }

    private readonly struct TriangularSolve(Tensor a, Tensor b, Tensor result, int batches, int n, int k, bool upper, bool left) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Decompositions.SolveTriangular(a.Data<T>(), b.Data<T>(), result.Data<T>(), batches, n, k, upper, left);
    }

    private readonly struct PermutedCopy(Tensor t, Tensor result, int[] permutation) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => PermuteCopy(t.Data<T>(), result.Data<T>(), t.Dims, permutation);
    }

    private static void PermuteCopy<T>(T[] source, T[] destination, int[] shape, int[] permutation)
    {
        int rank = shape.Length;
        var strides = new int[rank];
        for (int d = rank - 1, stride = 1; d >= 0; d--) { strides[d] = stride; stride *= shape[d]; }
        // Odometer over the result's dims, stepping the source by the permuted strides.
        var index = new int[rank];
        int from = 0;
        for (int to = 0; to < destination.Length; to++)
        {
            destination[to] = source[from];
            for (int d = rank - 1; d >= 0; d--)
            {
                int p = permutation[d];
                from += strides[p];
                if (++index[d] < shape[p]) break;
                from -= strides[p] * shape[p];
                index[d] = 0;
            }
        }
    }

    /// <summary>Batch dims of a (..., r, c) tensor.</summary>
    public static int[] BatchDims(Tensor t) => t.Dims[..^2];

    /// <summary>A tensor of <paramref name="t"/>'s values broadcast to <paramref name="shape"/> (a constant copy for forward kernels).</summary>
    public static Tensor Broadcast(Tensor t, int[] shape) => t.Dims.AsSpan().SequenceEqual(shape) ? t : Kernels.Expand(t, shape);
}
