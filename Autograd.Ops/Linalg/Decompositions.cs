using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using LA = MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Autograd;

/// <summary>
/// The forward kernels of Torch.Linalg: MathNet.Numerics' dense decompositions (Single for float32, Double for float64)
/// applied to each matrix of a batch (..., m, n) stored row-major, the batch split across cores. A failure is reported
/// per matrix (LAPACK's info) and turned into PyTorch's message by the caller, for the first failing batch element.
/// </summary>
internal static class Decompositions
{
    /// <summary>Runs <paramref name="body"/> for every matrix of a batch, split across cores when the work (about n^3 per matrix) is large.</summary>
    public static void ForEach(int batches, long workPerMatrix, Action<int> body) =>
        Parallelism.ForRanges(batches, Math.Max(1, workPerMatrix), new Each(body));

    private readonly struct Each(Action<int> body) : IRangeBody
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++) body(i);
        }
    }

    /// <summary>Matrix <paramref name="batch"/> of a row-major (..., m, n) buffer, as a MathNet matrix.</summary>
    public static LA.Matrix<T> Read<T>(T[] data, int batch, int m, int n) where T : struct, IEquatable<T>, IFormattable
    {
        var columnMajor = new T[m * n];
        int offset = batch * m * n;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++) columnMajor[j * m + i] = data[offset + i * n + j];
        }
        return LA.Matrix<T>.Build.Dense(m, n, columnMajor);
    }

    /// <summary>Writes <paramref name="matrix"/> (or its leading rows x columns block) as matrix <paramref name="batch"/> of a row-major buffer.</summary>
    public static void Write<T>(LA.Matrix<T> matrix, T[] data, int batch, int rows = -1, int columns = -1) where T : struct, IEquatable<T>, IFormattable
    {
        if (rows < 0) rows = matrix.RowCount;
        if (columns < 0) columns = matrix.ColumnCount;
        int offset = batch * rows * columns;
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++) data[offset + i * columns + j] = matrix[i, j];
        }
    }

    /// <summary>The symmetric matrix whose lower (or upper) triangle is that of <paramref name="a"/>: what LAPACK reads for uplo.</summary>
    public static LA.Matrix<T> Symmetric<T>(LA.Matrix<T> a, bool lower) where T : struct, IEquatable<T>, IFormattable
    {
        int n = a.RowCount;
        return LA.Matrix<T>.Build.Dense(n, n, (i, j) => lower ? a[Math.Max(i, j), Math.Min(i, j)] : a[Math.Min(i, j), Math.Max(i, j)]);
    }

    /// <summary>
    /// Cholesky factors of each matrix, lower (A = L L^T, read from the lower triangle) or upper (A = U^T U, read from the
    /// upper triangle). info[b] is the order of the first leading minor that is not positive-definite, 0 on success.
    /// </summary>
    public static int[] Cholesky<T>(T[] a, T[] result, int batches, int n, bool upper)
        where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        var info = new int[batches];
        ForEach(batches, (long)n * n * n, b =>
        {
            var symmetric = Symmetric(Read(a, b, n, n), lower: !upper);
            int failed = FailingMinor(symmetric);
            if (failed > 0)
            {
                info[b] = failed;
                return;
            }
            var factor = symmetric.Cholesky().Factor;
            Write(upper ? factor.Transpose() : factor, result, b);
        });
        return info;
    }

    /// <summary>The order of the first leading minor whose pivot is not positive (LAPACK potrf's info), 0 if there is none.</summary>
    private static int FailingMinor<T>(LA.Matrix<T> a) where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        int n = a.RowCount;
        var l = new T[n, n];
        for (int j = 0; j < n; j++)
        {
            T diagonal = a[j, j];
            for (int k = 0; k < j; k++) diagonal -= l[j, k] * l[j, k];
            if (!(diagonal > T.Zero)) return j + 1;
            l[j, j] = T.Sqrt(diagonal);
            for (int i = j + 1; i < n; i++)
            {
                T sum = a[i, j];
                for (int k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                l[i, j] = sum / l[j, j];
            }
        }
        return 0;
    }

    /// <summary>LU with partial pivoting and the 1-based index of its first zero pivot (LAPACK getrf's info), 0 if none.</summary>
    private static (LU<T> Lu, int Info) Lu<T>(LA.Matrix<T> a) where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        var lu = a.LU();
        var u = lu.U;
        for (int i = 0; i < u.RowCount; i++)
        {
            if (T.IsZero(u[i, i])) return (lu, i + 1);
        }
        return (lu, 0);
    }

    /// <summary>Inverses; info[b] is the first zero pivot of a singular matrix.</summary>
    public static int[] Inverse<T>(T[] a, T[] result, int batches, int n) where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        var info = new int[batches];
        ForEach(batches, (long)n * n * n, b =>
        {
            var (lu, failed) = Lu(Read(a, b, n, n));
            info[b] = failed;
            if (failed == 0) Write(lu.Inverse(), result, b);
        });
        return info;
    }

    /// <summary>X with A X = B for (batches, n, n) and (batches, n, k); info[b] is nonzero for a singular A.</summary>
    public static int[] Solve<T>(T[] a, T[] rhs, T[] result, int batches, int n, int k) where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        var info = new int[batches];
        ForEach(batches, (long)n * n * (n + k), b =>
        {
            var (lu, failed) = Lu(Read(a, b, n, n));
            info[b] = failed;
            if (failed == 0) Write(lu.Solve(Read(rhs, b, n, k)), result, b);
        });
        return info;
    }

    /// <summary>
    /// Sign and log |det| of each matrix from its LU factors (sign 0 and log |det| -inf when singular), and the
    /// determinant as their product, computed as LAPACK-based PyTorch does: the pivots' product with the permutation's sign.
    /// </summary>
    public static void Determinants<T>(T[] a, T[]? det, T[]? sign, T[]? logAbsDet, int batches, int n)
        where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        ForEach(batches, (long)n * n * n, b =>
        {
            var lu = Read(a, b, n, n).LU();
            var u = lu.U;
            T s = PermutationSign<T>(lu.P, n), product = s, logAbs = T.Zero;
            for (int i = 0; i < n; i++)
            {
                T pivot = u[i, i];
                product *= pivot;
                s *= T.CreateTruncating(T.Sign(pivot));
                logAbs += T.Log(T.Abs(pivot));
            }
            if (det is not null) det[b] = product;
            if (sign is not null) sign[b] = s;
            if (logAbsDet is not null) logAbsDet[b] = logAbs;
        });
    }

    private static T PermutationSign<T>(MathNet.Numerics.Permutation p, int n) where T : IFloatingPointIeee754<T>
    {
        var seen = new bool[n];
        int cycles = 0;
        for (int i = 0; i < n; i++)
        {
            if (seen[i]) continue;
            cycles++;
            for (int j = i; !seen[j]; j = p[j]) seen[j] = true;
        }
        return (n - cycles) % 2 == 0 ? T.One : -T.One;
    }

    /// <summary>Eigenvalues in ascending order and orthonormal eigenvectors (columns) of the symmetric matrix read from one triangle.</summary>
    public static void Eigh<T>(T[] a, T[] values, T[] vectors, int batches, int n, bool lower)
        where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        ForEach(batches, 10L * n * n * n, b =>
        {
            var evd = Symmetric(Read(a, b, n, n), lower).Evd(Symmetricity.Symmetric);
            var order = Enumerable.Range(0, n).OrderBy(i => evd.EigenValues[i].Real).ToArray();
            var v = evd.EigenVectors;
            for (int j = 0; j < n; j++)
            {
                values[b * n + j] = T.CreateTruncating(evd.EigenValues[order[j]].Real);
                for (int i = 0; i < n; i++) vectors[(b * n + i) * n + j] = v[i, order[j]];
            }
        });
    }

    private static void Identities<T>(T[] matrices, int batches, int n) where T : struct, IFloatingPointIeee754<T>
    {
        Array.Clear(matrices, 0, batches * n * n);
        for (int b = 0; b < batches; b++)
        {
            for (int i = 0; i < n; i++) matrices[(b * n + i) * n + i] = T.One;
        }
    }

    /// <summary>U (m x m or m x k), S (k, descending) and Vh (n x n or k x n) of each matrix, k = min(m, n).</summary>
    public static void Svd<T>(T[] a, T[] u, T[] s, T[] vh, int batches, int m, int n, bool full)
        where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        int k = Math.Min(m, n);
        if (k == 0)
        {
            // An empty matrix has no singular values; its square factors are identities, as LAPACK's (MathNet cannot factor it).
            if (full)
            {
                Identities(u, batches, m);
                Identities(vh, batches, n);
            }
            return;
        }
        ForEach(batches, 20L * m * n * k, b =>
        {
            var svd = Read(a, b, m, n).Svd(computeVectors: true);
            Write(svd.U, u, b, m, full ? m : k);
            Write(svd.VT, vh, b, full ? n : k, n);
            for (int i = 0; i < k; i++) s[b * k + i] = svd.S[i];
        });
    }

    /// <summary>
    /// Householder QR (R's diagonal signs as LAPACK's geqrf): Q (m x q) and R (q x n), q = min(m, n), or q = m when
    /// <paramref name="complete"/>. A wide matrix [X | Y] is factored as X = Q R1 and R = [R1 | Q^T Y], as geqrf does.
    /// </summary>
    public static void Qr<T>(T[] a, T[]? q, T[] r, int batches, int m, int n, bool complete)
        where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        int rows = complete ? m : Math.Min(m, n);
        ForEach(batches, 4L * m * n * Math.Min(m, n), b =>
        {
            var matrix = Read(a, b, m, n);
            LA.Matrix<T> qb, rb;
            if (m >= n)
            {
                var qr = matrix.QR(complete ? QRMethod.Full : QRMethod.Thin);
                (qb, rb) = (qr.Q, qr.R);
            }
            else
            {
                var qr = matrix.SubMatrix(0, m, 0, m).QR(QRMethod.Full);
                qb = qr.Q;
                rb = LA.Matrix<T>.Build.Dense(m, n);
                rb.SetSubMatrix(0, 0, qr.R);
                rb.SetSubMatrix(0, m, qb.TransposeThisAndMultiply(matrix.SubMatrix(0, m, m, n - m)));
            }
            if (m <= n)
            {
                // LAPACK leaves the last column of a square block unreflected (nothing lies below its diagonal, so its
                // reflector is the identity); MathNet reflects it, which negates that column of Q and row of R.
                qb.SetColumn(m - 1, qb.Column(m - 1).Negate());
                rb.SetRow(m - 1, rb.Row(m - 1).Negate());
            }
            if (q is not null) Write(qb, q, b, m, rows);
            Write(rb, r, b, rows, n);
        });
    }

    /// <summary>
    /// The least-squares solution of A X = B for (batches, m, n) and (batches, m, k): by QR for m &gt;= n, and the
    /// minimum-norm solution X = Q R^-T B from the QR of A^T for m &lt; n (what LAPACK's gelsy gives for full-rank A).
    /// </summary>
    public static void Lstsq<T>(T[] a, T[] rhs, T[] result, int batches, int m, int n, int k)
        where T : struct, IEquatable<T>, IFormattable, IFloatingPointIeee754<T>
    {
        ForEach(batches, (long)m * n * (n + k), b =>
        {
            var matrix = Read(a, b, m, n);
            var right = Read(rhs, b, m, k);
            LA.Matrix<T> x;
            if (m >= n) x = matrix.QR(QRMethod.Thin).Solve(right);
            else
            {
                var qr = matrix.Transpose().QR(QRMethod.Thin);
                x = qr.Q * qr.R.Transpose().Solve(right);
            }
            Write(x, result, b);
        });
    }

    /// <summary>
    /// X with op(A) X = B (left) or X op(A) = B, A triangular, by substitution, for (batches, n, n) and (batches, n, k) or
    /// (batches, k, n). Only the triangle named by <paramref name="upper"/> is read.
    /// </summary>
    public static void SolveTriangular<T>(T[] a, T[] rhs, T[] result, int batches, int n, int k, bool upper, bool left)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ForEach(batches, (long)n * n * k, b =>
        {
            int offsetA = b * n * n, offsetB = b * n * k;
            // A right solve X A = B is the left solve A^T X^T = B^T, whose triangle is the other one.
            bool lowerSystem = left ? !upper : upper;
            T A(int i, int j) => left ? a[offsetA + i * n + j] : a[offsetA + j * n + i];
            // Element (i, c) of the n x k system's right-hand side and solution.
            int Index(int i, int c) => offsetB + (left ? i * k + c : c * n + i);
            for (int c = 0; c < k; c++)
            {
                for (int step = 0; step < n; step++)
                {
                    int i = lowerSystem ? step : n - 1 - step;
                    T sum = rhs[Index(i, c)];
                    if (lowerSystem) for (int j = 0; j < i; j++) sum -= A(i, j) * result[Index(j, c)];
                    else for (int j = i + 1; j < n; j++) sum -= A(i, j) * result[Index(j, c)];
                    result[Index(i, c)] = sum / A(i, i);
                }
            }
        });
    }
}
