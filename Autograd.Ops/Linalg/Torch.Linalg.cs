using System.Globalization;
using System.Numerics;
using static Autograd.Differentiable;
using static Autograd.MatrixOps;

namespace Autograd;

public static partial class Torch
{
    /// <summary>
    /// torch.linalg on MathNet.Numerics' dense decompositions (Single storage for float32, Double for float64): every
    /// function takes batches of matrices (..., m, n), splits the batch across cores, and records PyTorch's backward
    /// formulas (written with differentiable ops, so second derivatives work where PyTorch has them). Errors carry
    /// PyTorch's messages, naming the first failing batch element of a batched input.
    /// </summary>
    public static class Linalg
    {
        /// <summary>
        /// torch.linalg.cholesky: L with A = L L^T (read from A's lower triangle), or with <paramref name="upper"/> U with
        /// A = U^T U (read from the upper triangle). Throws PyTorch's message, with the order of the first leading minor
        /// that is not positive-definite, when A is not positive-definite.
        /// </summary>
        public static Tensor Cholesky(Tensor a, bool upper = false)
        {
            ArgumentNullException.ThrowIfNull(a);
            int n = Square(a, "linalg.cholesky");
            var result = Autograd.Tensor.Empty(a.DType, a.Dims);
            int batches = BatchCount(a);
            var info = DTypes.DispatchFloating<CholeskyKernel, int[]>(a.DType, new CholeskyKernel(a, result, batches, n, upper), "linalg_cholesky_ex");
            ThrowOnFailure(info, a, "linalg.cholesky: ",
                k => $"The factorization could not be completed because the input is not positive-definite (the leading minor of order {k} is not positive-definite).");
            if (Graph.NeedsGrad(a))
                Graph.Record(result, "LinalgCholeskyExBackward0", [a], g => [LinalgBackward.Cholesky(g, result, upper)], saved: [result]);
            return result;
        }

        /// <summary>
        /// torch.linalg.solve: X with A X = B, for A (*, n, n) and B (*, n, k), or B (*, n) (a vector per matrix, when B
        /// has one dim or A's shape without its last dim); batch dims broadcast. Throws PyTorch's message for a singular A.
        /// </summary>
        public static Tensor Solve(Tensor a, Tensor b)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            RequireMatrices(a, "linalg.solve");
            RequireFloating(a, "linalg.solve");
            int n = Square(a, "linalg.solve");
            if (a.DType != b.DType)
                throw new ArgumentException($"linalg.solve: Expected A and B to have the same dtype, but found A of type {a.DType.ScalarName()} and B of type {b.DType.ScalarName()} instead");
            if (b.Rank < 1) throw new ArgumentException("linalg.solve: The input tensor B must have at least 2 dimensions.");
            bool vector = IsVectorRhs(a, b);
            int[] bMatrix = vector ? [.. b.Dims, 1] : b.Dims;
            if (bMatrix.Length < 2 || bMatrix[^2] != n)
                throw new ArgumentException($"linalg.solve: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and {(bMatrix.Length < 2 ? 1 : bMatrix[^2])}x{bMatrix[^1]})");
            int k = bMatrix[^1];
            var batch = Shapes.Broadcast(a.Dims[..^2], bMatrix[..^2]);
            var left = Broadcast(a, [.. batch, n, n]);
            var right = Broadcast(new Autograd.Tensor(b.Values, bMatrix), [.. batch, n, k]);
            var solution = Autograd.Tensor.Empty(a.DType, [.. batch, n, k]);
            int batches = Shapes.NumElements(batch);
            var info = DTypes.DispatchFloating<SolveKernel, int[]>(a.DType, new SolveKernel(left, right, solution, batches, n, k), "linalg_solve");
            ThrowOnFailure(info, batch.Length > 0, "torch.linalg.solve: ", _ => "The solver failed because the input matrix is singular.");
            var result = vector ? new Autograd.Tensor(solution.Storage.Data, [.. batch, n]) : solution;
            if (Graph.NeedsGrad(a, b))
            {
                Graph.Record(result, "LinalgSolveExBackward0", [a, b], g =>
                {
                    var gB = Solve(MT(a), vector ? g.Unsqueeze(-1) : g);
                    var gA = a.RequiresGrad ? GradFor(-gB.MatMul(MT(vector ? result.Unsqueeze(-1) : result)), a) : null;
                    return [gA, b.RequiresGrad ? GradFor(vector ? gB.Squeeze(-1) : gB, b) : null];
                }, saved: [a, a.RequiresGrad ? result : null]);
            }
            return result;
        }

        /// <summary>torch.linalg.inv: the inverse of each square matrix; throws PyTorch's message (with the zero pivot) for a singular one.</summary>
        public static Tensor Inv(Tensor a)
        {
            ArgumentNullException.ThrowIfNull(a);
            int n = Square(a, "linalg.inv");
            var result = Autograd.Tensor.Empty(a.DType, a.Dims);
            int batches = BatchCount(a);
            var info = DTypes.DispatchFloating<InverseKernel, int[]>(a.DType, new InverseKernel(a, result, batches, n), "linalg_inv_ex");
            ThrowOnFailure(info, a, "linalg.inv: ",
                k => $"The diagonal element {k} is zero, the inversion could not be completed because the input matrix is singular.");
            if (Graph.NeedsGrad(a))
                Graph.Record(result, "LinalgInvExBackward0", [a], g => [LinalgBackward.Inverse(g, result)], saved: [result]);
            return result;
        }

        /// <summary>
        /// torch.linalg.det: the determinant of each square matrix, from its LU factors. The gradient det · A^-T is
        /// computed by a solve, so it needs an invertible A.
        /// </summary>
        public static Tensor Det(Tensor a)
        {
            ArgumentNullException.ThrowIfNull(a);
            int n = Square(a, "linalg.det");
            var result = Autograd.Tensor.Empty(a.DType, a.Dims[..^2]);
            DTypes.DispatchFloating(a.DType, new DeterminantKernel(a, result, null, null, n), "linalg_det");
            if (Graph.NeedsGrad(a))
                Graph.Record(result, "LinalgDetBackward0", [a], g => [LinalgBackward.ScaledInverseTranspose(g * result, a)], saved: [a, result]);
            return result;
        }

        /// <summary>
        /// torch.linalg.slogdet: the sign of each determinant (0 for a singular matrix) and the log of its absolute value
        /// (-inf for a singular matrix). Only LogAbsDet has a gradient (g · A^-T); Sign's node passes none, as PyTorch's.
        /// </summary>
        public static (Tensor Sign, Tensor LogAbsDet) Slogdet(Tensor a)
        {
            ArgumentNullException.ThrowIfNull(a);
            int n = Square(a, "linalg.slogdet");
            var sign = Autograd.Tensor.Empty(a.DType, a.Dims[..^2]);
            var logAbsDet = Autograd.Tensor.Empty(a.DType, a.Dims[..^2]);
            DTypes.DispatchFloating(a.DType, new DeterminantKernel(a, null, sign, logAbsDet, n), "linalg_slogdet");
            if (Graph.NeedsGrad(a))
            {
                Graph.Record(sign, "LinalgSlogdetBackward0", [a], _ => [null], saved: []);
                Graph.Record(logAbsDet, "LinalgSlogdetBackward0", [a], g => [LinalgBackward.ScaledInverseTranspose(g, a)], saved: [a]);
            }
            return (sign, logAbsDet);
        }

        /// <summary>
        /// torch.linalg.eigh: eigenvalues in ascending order and orthonormal eigenvectors (columns) of the symmetric
        /// matrix read from A's lower (<paramref name="uplo"/> "L") or upper ("U") triangle. Eigenvector signs are
        /// MathNet's, which may differ from LAPACK's; quantities invariant to them (V diag(w) V^T, |V|) agree with PyTorch.
        /// The eigenvectors' gradient divides by eigenvalue gaps, so it is infinite or NaN for repeated eigenvalues, as in PyTorch.
        /// </summary>
        public static (Tensor Eigenvalues, Tensor Eigenvectors) Eigh(Tensor a, string uplo = "L")
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(uplo);
            RequireMatrices(a, "linalg.eigh");
            int n = a.Dims[^1];
            if (a.Dims[^2] != n) throw new ArgumentException($"linalg.eigh: A must be batches of square matrices, but they are {a.Dims[^2]} by {n} matrices");
            if (a.DType is not (DType.Float32 or DType.Float64)) throw new ArgumentException($"\"linalg_eigh_cpu\" not implemented for '{a.DType.ScalarName()}'");
            if (uplo is not ("L" or "U")) throw new ArgumentException($"Expected UPLO argument to be 'L' or 'U', but got {uplo}");
            var values = Autograd.Tensor.Empty(a.DType, a.Dims[..^1]);
            var vectors = Autograd.Tensor.Empty(a.DType, a.Dims);
            bool lower = uplo == "L";
            DTypes.DispatchFloating(a.DType, new EighKernel(a, values, vectors, n, lower), "linalg_eigh_cpu");
            if (Graph.NeedsGrad(a))
            {
                Graph.Record(values, "LinalgEighBackward0", [a], g => [LinalgBackward.EighValues(g, vectors)], saved: [vectors]);
                Graph.Record(vectors, "LinalgEighBackward0", [a], g => [LinalgBackward.EighVectors(g, values, vectors)], saved: [values, vectors]);
            }
            return (values, vectors);
        }

        /// <summary>
        /// torch.linalg.svd: A = U diag(S) Vh with S descending; U is m x m and Vh n x n when <paramref name="fullMatrices"/>,
        /// else m x k and k x n (k = min(m, n)). Singular-vector signs are MathNet's (may differ from LAPACK's); the pairs
        /// u_i v_i^T agree with PyTorch. The gradient assumes distinct singular values (and full rank for rectangular A);
        /// the extra columns of a full U or rows of a full Vh take no gradient, as in PyTorch.
        /// </summary>
        public static (Tensor U, Tensor S, Tensor Vh) Svd(Tensor a, bool fullMatrices = true)
        {
            ArgumentNullException.ThrowIfNull(a);
            RequireMatrices(a, "linalg.svd");
            RequireFloating(a, "linalg.svd");
            return RecordedSvd(a, fullMatrices);
        }

        /// <summary>
        /// torch.linalg.svdvals: the singular values alone, recorded (as PyTorch's) as LinalgSvdBackward0. U and Vh are
        /// kept in the graph, since the singular values' backward reads them and a second derivative flows through them.
        /// </summary>
        internal static Tensor SvdVals(Tensor a) => RecordedSvd(a, fullMatrices: false).S;

        private static (Tensor U, Tensor S, Tensor Vh) RecordedSvd(Tensor a, bool fullMatrices)
        {
            var (u, s, vh) = SvdForward(a, fullMatrices);
            if (Graph.NeedsGrad(a))
            {
                int m = a.Dims[^2], n = a.Dims[^1], k = Math.Min(m, n);
                Tensor Uk() => fullMatrices ? NarrowColumns(u, 0, k) : u;
                Tensor Vhk() => fullMatrices ? NarrowRows(vh, 0, k) : vh;
                Graph.Record(u, "LinalgSvdBackward0", [a], g => [LinalgBackward.SvdU(fullMatrices ? NarrowColumns(g, 0, k) : g, Uk(), s, Vhk())], saved: [u, s, vh]);
                Graph.Record(s, "LinalgSvdBackward0", [a], g => [LinalgBackward.SvdValues(g, Uk(), Vhk())], saved: [u, vh]);
                Graph.Record(vh, "LinalgSvdBackward0", [a], g => [LinalgBackward.SvdVh(fullMatrices ? NarrowRows(g, 0, k) : g, Uk(), s, Vhk())], saved: [u, s, vh]);
            }
            return (u, s, vh);
        }

        private static (Tensor U, Tensor S, Tensor Vh) SvdForward(Tensor a, bool full)
        {
            int m = a.Dims[^2], n = a.Dims[^1], k = Math.Min(m, n);
            var batch = a.Dims[..^2];
            var u = Autograd.Tensor.Empty(a.DType, [.. batch, m, full ? m : k]);
            var s = Autograd.Tensor.Empty(a.DType, [.. batch, k]);
            var vh = Autograd.Tensor.Empty(a.DType, [.. batch, full ? n : k, n]);
            DTypes.DispatchFloating(a.DType, new SvdKernel(a, u, s, vh, m, n, full), "linalg_svd");
            return (u, s, vh);
        }

        /// <summary>
        /// torch.linalg.qr by Householder reflections (R's diagonal signs as LAPACK's): <paramref name="mode"/> "reduced"
        /// gives Q (m x k) and R (k x n), k = min(m, n); "complete" Q (m x m) and R (m x n); "r" an empty Q and the reduced R.
        /// Backward follows PyTorch: not through mode "r", nor "complete" with m &gt; n.
        /// </summary>
        public static (Tensor Q, Tensor R) Qr(Tensor a, string mode = "reduced")
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(mode);
            RequireMatrices(a, "linalg.qr");
            RequireFloating(a, "linalg.qr");
            if (mode is not ("reduced" or "complete" or "r"))
                throw new ArgumentException($"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'");
            int m = a.Dims[^2], n = a.Dims[^1], rows = mode == "complete" ? m : Math.Min(m, n);
            var batch = a.Dims[..^2];
            var q = mode == "r" ? Autograd.Tensor.Empty(a.DType, [0]) : Autograd.Tensor.Empty(a.DType, [.. batch, m, rows]);
            var r = Autograd.Tensor.Empty(a.DType, [.. batch, rows, n]);
            var qOut = mode == "r" ? null : q;
            DTypes.DispatchFloating(a.DType, new QrKernel(a, qOut, r, m, n, mode == "complete"), "linalg_qr");
            if (Graph.NeedsGrad(a))
            {
                string? refusal = mode == "r"
                    ? "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
                    : mode == "complete" && m > n ? "The QR decomposition is not differentiable when mode='complete' and nrows > ncols." : null;
                Graph.Record(q, "LinalgQrBackward0", [a], g => refusal is null ? [LinalgBackward.Qr(g, null, q, r)] : throw new InvalidOperationException(refusal), saved: [q, r]);
                Graph.Record(r, "LinalgQrBackward0", [a], g => refusal is null ? [LinalgBackward.Qr(null, g, q, r)] : throw new InvalidOperationException(refusal), saved: [q, r]);
            }
            return (q, r);
        }

        /// <summary>
        /// torch.linalg.lstsq(A, B).solution: the X minimizing ||A X - B|| (the minimum-norm one when m &lt; n), for
        /// A (*, m, n) and B (*, m, k), or B (*, m) (one vector per matrix, when B has one dim fewer than A); batch dims broadcast. The gradient, for full-rank A, is computed from
        /// solves with A^T A (or A A^T), without a pseudo-inverse.
        /// </summary>
        public static Tensor Lstsq(Tensor a, Tensor b)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            if (a.Rank < 2) throw new ArgumentException("torch.linalg.lstsq: input must have at least 2 dimensions.");
            if (b.Rank < 1) throw new ArgumentException("torch.linalg.lstsq: other must have at least 1 dimension.");
            if (a.DType is not (DType.Float32 or DType.Float64)) throw new ArgumentException("This function doesn't handle types other than float and double");
            if (a.DType != b.DType)
                throw new ArgumentException($"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's dtype {a.DType.ScalarName()} and other's dtype {b.DType.ScalarName()}");
            if (b.Rank > a.Rank || a.Rank - b.Rank > 1)
                throw new ArgumentException("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1");
            int m = a.Dims[^2], n = a.Dims[^1];
            bool vector = b.Rank == a.Rank - 1;
            int[] bMatrix = vector ? [.. b.Dims, 1] : b.Dims;
            if (bMatrix[^2] != m) throw new ArgumentException($"torch.linalg.lstsq: input.size(-2) should match other.size({(vector ? -1 : -2)})");
            int k = bMatrix[^1];
            var batch = Shapes.Broadcast(a.Dims[..^2], bMatrix[..^2]);
            var left = Broadcast(a, [.. batch, m, n]);
            var right = Broadcast(new Autograd.Tensor(b.Values, bMatrix), [.. batch, m, k]);
            var solution = Autograd.Tensor.Empty(a.DType, [.. batch, n, k]);
            int batches = Shapes.NumElements(batch);
            DTypes.DispatchFloating(a.DType, new LstsqKernel(left, right, solution, batches, m, n, k), "linalg_lstsq");
            var result = vector ? new Autograd.Tensor(solution.Storage.Data, [.. batch, n]) : solution;
            if (Graph.NeedsGrad(a, b))
            {
                Graph.Record(result, "LinalgLstsqBackward0", [a, b], g =>
                {
                    var (gA, gB) = LinalgBackward.Lstsq(vector ? g.Unsqueeze(-1) : g, a, vector ? b.Unsqueeze(-1) : b,
                        vector ? result.Unsqueeze(-1) : result, a.RequiresGrad, b.RequiresGrad);
                    return [gA is null ? null : GradFor(gA, a), gB is null ? null : GradFor(vector ? gB.Squeeze(-1) : gB, b)];
                }, saved: [a, b, result]);
            }
            return result;
        }

        /// <summary>
        /// torch.linalg.vector_norm: (Σ |x|^ord)^(1/ord) over <paramref name="dims"/> (all dims when null or empty); ord
        /// inf / -inf give max / min |x|, ord 0 the count of nonzero elements. Gradients as PyTorch's norm_backward
        /// (zero where the norm is zero; shared evenly among ties for inf).
        /// </summary>
        public static Tensor VectorNorm(Tensor x, double ord = 2, int[]? dims = null, bool keepDim = false)
        {
            ArgumentNullException.ThrowIfNull(x);
            RequireFloating(x, "linalg.vector_norm");
            var reduced = ReducedDims(x, dims);
            var result = Norms.Vector(x, ord, reduced, keepDim);
            if (Graph.NeedsGrad(x))
                Graph.Record(result, "LinalgVectorNormBackward0", [x], g => [Norms.VectorBackward(g, x, result, ord, reduced, keepDim)], saved: [x, result]);
            return result;
        }

        /// <summary>
        /// torch.linalg.matrix_norm with a named order: "fro" (Frobenius, a vector 2-norm over <paramref name="dims"/>) or
        /// "nuc" (the sum of singular values). <paramref name="dims"/> are the two matrix dims (default the last two).
        /// </summary>
        public static Tensor MatrixNorm(Tensor a, string ord = "fro", int[]? dims = null, bool keepDim = false)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(ord);
            var (d0, d1) = MatrixDims(a, dims);
            return ord switch
            {
                "fro" => VectorNorm(a, 2, [d0, d1], keepDim),
                "nuc" => SpectralNorm(a, d0, d1, keepDim, s => s.Sum(-1, keepDim)),
                _ => throw new ArgumentException($"linalg.matrix_norm: Order {ord} not supported."),
            };
        }

        /// <summary>
        /// torch.linalg.matrix_norm with a numeric order: 2 / -2 (largest / smallest singular value), 1 / -1 (largest /
        /// smallest column sum of |A|), inf / -inf (largest / smallest row sum of |A|), composed as PyTorch composes them.
        /// </summary>
        public static Tensor MatrixNorm(Tensor a, double ord, int[]? dims = null, bool keepDim = false)
        {
            ArgumentNullException.ThrowIfNull(a);
            var (d0, d1) = MatrixDims(a, dims);
            double magnitude = Math.Abs(ord);
            if (magnitude == 2) return SpectralNorm(a, d0, d1, keepDim, s => ord > 0 ? s.Amax([-1], keepDim) : s.Amin([-1], keepDim));
            if (magnitude != 1 && !double.IsInfinity(magnitude))
                throw new ArgumentException($"linalg.matrix_norm: Order {ord.ToString(CultureInfo.InvariantCulture)} not supported.");
            // The inf norm is the 1 norm of the transpose.
            if (double.IsInfinity(magnitude)) (d0, d1) = (d1, d0);
            if (!keepDim && d0 < d1) d1--;
            var sums = VectorNorm(a, 1, [d0], keepDim);
            return ord > 0 ? sums.Amax([d1], keepDim) : sums.Amin([d1], keepDim);
        }

        /// <summary>A reduction of the singular values of the matrices at dims d0, d1 (moved last), with the dims restored when kept.</summary>
        private static Tensor SpectralNorm(Tensor a, int d0, int d1, bool keepDim, Func<Tensor, Tensor> reduce)
        {
            int[] permutation = [.. Enumerable.Range(0, a.Rank).Where(d => d != d0 && d != d1), d0, d1];
            var result = reduce(SvdVals(Permute(a, permutation)));
            if (!keepDim) return result;
            var inverse = new int[permutation.Length];
            for (int i = 0; i < permutation.Length; i++) inverse[permutation[i]] = i;
            return Permute(result.Unsqueeze(-1), inverse);
        }

        private static (int D0, int D1) MatrixDims(Tensor a, int[]? dims)
        {
            if (a.Rank < 2) throw new ArgumentException("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
            RequireFloating(a, "linalg.matrix_norm");
            dims ??= [-2, -1];
            if (dims.Length != 2) throw new ArgumentException($"linalg.matrix_norm: dim must be a 2-tuple. Got {string.Join(" ", dims)}");
            int d0 = Shapes.WrapDim(dims[0], a.Rank), d1 = Shapes.WrapDim(dims[1], a.Rank);
            if (d0 == d1) throw new ArgumentException($"linalg.matrix_norm: dims must be different. Got ({dims[0]}, {dims[1]})");
            return (d0, d1);
        }

        private static int[] ReducedDims(Tensor x, int[]? dims)
        {
            if (dims is null || dims.Length == 0) return [.. Enumerable.Range(0, x.Rank)];
            var seen = new bool[Math.Max(x.Rank, 1)];
            foreach (int dim in dims)
            {
                int d = Shapes.WrapDim(dim, x.Rank);
                if (seen[d]) throw new ArgumentException($"dim {d} appears multiple times in the list of dims");
                seen[d] = true;
            }
            return x.Rank == 0 ? [] : [.. Enumerable.Range(0, x.Rank).Where(d => seen[d])];
        }

        /// <summary>PyTorch's linalg_solve_is_vector_rhs: B is one vector per matrix when it has one dim, or A's shape without A's last dim.</summary>
        private static bool IsVectorRhs(Tensor a, Tensor b) => b.Rank == 1 || (b.Rank == a.Rank - 1 && b.Dims.AsSpan().SequenceEqual(a.Dims.AsSpan(..^1)));

        private static void RequireMatrices(Tensor a, string function)
        {
            if (a.Rank < 2) throw new ArgumentException($"{function}: The input tensor A must have at least 2 dimensions.");
        }

        private static void RequireFloating(Tensor a, string function)
        {
            if (a.DType is not (DType.Float32 or DType.Float64))
                throw new ArgumentException($"{function}: Expected a floating point or complex tensor as input. Got {a.DType.ScalarName()}");
        }

        /// <summary>Checks that A is a batch of square float matrices (PyTorch's order of checks) and returns their size.</summary>
        private static int Square(Tensor a, string function)
        {
            RequireMatrices(a, function);
            if (a.Dims[^1] != a.Dims[^2])
                throw new ArgumentException($"{function}: A must be batches of square matrices, but they are {a.Dims[^2]} by {a.Dims[^1]} matrices");
            RequireFloating(a, function);
            return a.Dims[^1];
        }

        private static int BatchCount(Tensor a) => Shapes.NumElements(a.Dims.AsSpan(..^2));

        // The decompositions at the input's element type; each returns or writes what its Decompositions method does.
        private readonly struct CholeskyKernel(Tensor a, Tensor result, int batches, int n, bool upper) : IFloatingFunc<int[]>
        {
            public int[] Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Decompositions.Cholesky(a.Data<T>(), result.Data<T>(), batches, n, upper);
        }

        private readonly struct SolveKernel(Tensor left, Tensor right, Tensor solution, int batches, int n, int k) : IFloatingFunc<int[]>
        {
            public int[] Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Decompositions.Solve(left.Data<T>(), right.Data<T>(), solution.Data<T>(), batches, n, k);
        }

        private readonly struct InverseKernel(Tensor a, Tensor result, int batches, int n) : IFloatingFunc<int[]>
        {
            public int[] Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Decompositions.Inverse(a.Data<T>(), result.Data<T>(), batches, n);
        }

        private readonly struct DeterminantKernel(Tensor a, Tensor? det, Tensor? sign, Tensor? logAbsDet, int n) : IFloatingAction
        {
            public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Decompositions.Determinants(a.Data<T>(), det?.Data<T>(), sign?.Data<T>(), logAbsDet?.Data<T>(), BatchCount(a), n);
        }

        private readonly struct EighKernel(Tensor a, Tensor values, Tensor vectors, int n, bool lower) : IFloatingAction
        {
            public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Decompositions.Eigh(a.Data<T>(), values.Data<T>(), vectors.Data<T>(), BatchCount(a), n, lower);
        }

        private readonly struct SvdKernel(Tensor a, Tensor u, Tensor s, Tensor vh, int m, int n, bool full) : IFloatingAction
        {
            public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Decompositions.Svd(a.Data<T>(), u.Data<T>(), s.Data<T>(), vh.Data<T>(), BatchCount(a), m, n, full);
        }

        private readonly struct QrKernel(Tensor a, Tensor? q, Tensor r, int m, int n, bool complete) : IFloatingAction
        {
            public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Decompositions.Qr(a.Data<T>(), q?.Data<T>(), r.Data<T>(), BatchCount(a), m, n, complete);
        }

        private readonly struct LstsqKernel(Tensor left, Tensor right, Tensor solution, int batches, int m, int n, int k) : IFloatingAction
        {
            public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Decompositions.Lstsq(left.Data<T>(), right.Data<T>(), solution.Data<T>(), batches, m, n, k);
        }

        private static void ThrowOnFailure(int[] info, Tensor a, string prefix, Func<int, string> message) =>
            ThrowOnFailure(info, a.Rank > 2, prefix, message);

        /// <summary>Throws PyTorch's message for the first failing matrix, naming its batch element when the input is batched.</summary>
        private static void ThrowOnFailure(int[] info, bool batched, string prefix, Func<int, string> message)
        {
            int failed = Array.FindIndex(info, code => code != 0);
            if (failed < 0) return;
            throw new ArgumentException(prefix + (batched ? $"(Batch element {failed}): " : "") + message(info[failed]));
        }
    }
}
