using static Autograd.MatrixOps;

namespace Autograd;

/// <summary>
/// The backward formulas of Torch.Linalg, as PyTorch's FunctionsManual writes them, composed of differentiable ops so
/// that they can be differentiated again. A decomposition with several outputs records one node per output, each
/// mapping its own output's gradient: the formulas are linear in the output gradients, so the input receives their sum,
/// as from PyTorch's single node.
/// </summary>
internal static class LinalgBackward
{
    /// <summary>
    /// cholesky_backward: with A = L L^T, gA = L^-T Φ(L^T gL) L^-1, Φ taking the lower triangle with half the
    /// diagonal, symmetrized (Iain Murray, arXiv 1602.07527).
    /// </summary>
    public static Tensor Cholesky(Tensor gL, Tensor l, bool upper)
    {
        if (upper) (l, gL) = (MT(l), MT(gL));
        var gA = Tril(MT(l).MatMul(gL));
        gA = 0.5 * (gA + MT(Tril(gA, -1)));
        gA = SolveTriangular(MT(l), gA, upper: true, left: true);
        return SolveTriangular(l, gA, upper: false, left: false);
    }

    /// <summary>inverse's backward: -A^-T g A^-T.</summary>
    public static Tensor Inverse(Tensor g, Tensor inverse) => -MT(inverse).MatMul(g.MatMul(MT(inverse)));

    /// <summary>d(log|det A|) and d(det A): g A^-T (times det for det), solved rather than inverted.</summary>
    public static Tensor ScaledInverseTranspose(Tensor scale, Tensor a)
    {
        int n = a.Dims[^1];
        return Torch.Linalg.Solve(MT(a), scale.Unsqueeze(-1).Unsqueeze(-1) * Eye(a.DType, n));
    }

    /// <summary>linalg_eig_backward's shortcut for eigenvalues alone: V diag(gL) V^T.</summary>
    public static Tensor EighValues(Tensor gL, Tensor v) => (v * gL.Unsqueeze(-2)).MatMul(MT(v));

    /// <summary>
    /// linalg_eig_backward for eigenvectors of a symmetric matrix: V ((skew(V^T gV) / 2) / E) V^T with
    /// E_ij = λ_j - λ_i off the diagonal and 1 on it (so the zero diagonal of the skew part stays zero).
    /// </summary>
    public static Tensor EighVectors(Tensor gV, Tensor values, Tensor v)
    {
        var vhgv = MT(v).MatMul(gV);
        vhgv = 0.5 * (vhgv - MT(vhgv));
        var gaps = values.Unsqueeze(-2) - values.Unsqueeze(-1) + Eye(values.DType, values.Dims[^1]);
        return v.MatMul((vhgv / gaps).MatMul(MT(v)));
    }

    /// <summary>svd_backward for the singular values alone: U diag(gS) V^H (U, Vh narrowed to k = min(m, n)).</summary>
    public static Tensor SvdValues(Tensor gS, Tensor u, Tensor vh)
    {
        int m = u.Dims[^2], n = vh.Dims[^1];
        return m >= n ? u.MatMul(gS.Unsqueeze(-1) * vh) : (u * gS.Unsqueeze(-2)).MatMul(vh);
    }

    /// <summary>svd_backward for U: ((skew(U^T gU) / E) S) with E_jk = S_k² - S_j² (1 on the diagonal), plus (I - U U^T) gU S^-1 when m &gt; n.</summary>
    public static Tensor SvdU(Tensor gU, Tensor u, Tensor s, Tensor vh)
    {
        int m = u.Dims[^2], n = vh.Dims[^1];
        var uhgu = MT(u).MatMul(gU);
        uhgu = uhgu - MT(uhgu);
        var inner = uhgu / SquaredGaps(s) * s.Unsqueeze(-2);
        if (m > n)
        {
            var gusinv = gU / s.Unsqueeze(-2);
            var gA = u.MatMul(inner) + gusinv - u.MatMul(MT(u).MatMul(gusinv));
            return gA.MatMul(vh);
        }
        return Conjugated(inner, u, vh);
    }

    /// <summary>svd_backward for Vh: S (skew(Vh gVh^T) / E), plus S^-1 gVh (I - V Vh) when m &lt; n.</summary>
    public static Tensor SvdVh(Tensor gVh, Tensor u, Tensor s, Tensor vh)
    {
        int m = u.Dims[^2], n = vh.Dims[^1];
        var vhgv = vh.MatMul(MT(gVh));
        vhgv = vhgv - MT(vhgv);
        var inner = s.Unsqueeze(-1) * (vhgv / SquaredGaps(s));
        if (m < n)
        {
            var sinvgvh = gVh / s.Unsqueeze(-1);
            var gA = inner.MatMul(vh) + sinvgvh - sinvgvh.MatMul(MT(vh)).MatMul(vh);
            return u.MatMul(gA);
        }
        return Conjugated(inner, u, vh);
    }

    private static Tensor Conjugated(Tensor inner, Tensor u, Tensor vh) =>
        u.Dims[^2] >= vh.Dims[^1] ? u.MatMul(inner.MatMul(vh)) : u.MatMul(inner).MatMul(vh);

    private static Tensor SquaredGaps(Tensor s)
    {
        var s2 = s * s;
        return s2.Unsqueeze(-2) - s2.Unsqueeze(-1) + Eye(s.DType, s.Dims[^1]);
    }

    /// <summary>
    /// linalg_qr_backward: for m &gt;= n, gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q and copyltu(M) the
    /// symmetric matrix of M's lower triangle. A wide A = [X | Y] (X = Q R1, R2 = Q^T Y) takes gY = Q gR2 and the square
    /// formula for X with gQ + Y gR2^T. A null gradient stands for zero.
    /// </summary>
    public static Tensor Qr(Tensor? gQ, Tensor? gR, Tensor q, Tensor r)
    {
        int m = q.Dims[^2], n = r.Dims[^1];
        if (m >= n) return QrTall(gQ, gR, q, r);
        var r1 = NarrowColumns(r, 0, m);
        if (gR is null) return QrTall(gQ, null, q, r1).MatMul(MT(Selection(q.DType, n, m, 0)));
        var gR1 = NarrowColumns(gR, 0, m);
        var gR2 = NarrowColumns(gR, m, n - m);
        var y = q.MatMul(NarrowColumns(r, m, n - m));
        var gQx = y.MatMul(MT(gR2));
        if (gQ is not null) gQx = gQx + gQ;
        var gX = QrTall(gQx, gR1, q, r1);
        var gY = q.MatMul(gR2);
        return gX.MatMul(MT(Selection(q.DType, n, m, 0))) + gY.MatMul(MT(Selection(q.DType, n, n - m, m)));
    }

    private static Tensor QrTall(Tensor? gQ, Tensor? gR, Tensor q, Tensor r)
    {
        var m = gR is null ? -MT(gQ!).MatMul(q) : gQ is null ? r.MatMul(MT(gR)) : r.MatMul(MT(gR)) - MT(gQ).MatMul(q);
        var lower = Tril(m);
        var copyltu = lower + MT(Tril(m, -1));
        var b = q.MatMul(copyltu);
        if (gQ is not null) b = b + gQ;
        return SolveTriangular(MT(r), b, upper: false, left: false);
    }

    /// <summary>
    /// The least-squares solution's gradients without a pseudo-inverse, for full-rank A. Tall or square A
    /// (X = (A^T A)^-1 A^T B): G = (A^T A)^-1 gX, gA = (B - A X) G^T - A G X^T, gB = A G. Wide A (minimum norm,
    /// X = A^T H with H = (A A^T)^-1 B): Y = (A A^T)^-1 A gX, gA = H (gX - A^T Y)^T - Y X^T, gB = Y.
    /// </summary>
    public static (Tensor? GradA, Tensor? GradB) Lstsq(Tensor gX, Tensor a, Tensor b, Tensor x, bool needA, bool needB)
    {
        int m = a.Dims[^2], n = a.Dims[^1];
        if (m >= n)
        {
            var g = Torch.Linalg.Solve(MT(a).MatMul(a), gX);
            var ag = a.MatMul(g);
            return (needA ? (b - a.MatMul(x)).MatMul(MT(g)) - ag.MatMul(MT(x)) : null, needB ? ag : null);
        }
        var gram = a.MatMul(MT(a));
        var y = Torch.Linalg.Solve(gram, a.MatMul(gX));
        Tensor? gA = null;
        if (needA)
        {
            var h = Torch.Linalg.Solve(gram, b);
            gA = h.MatMul(MT(gX - MT(a).MatMul(y))) - y.MatMul(MT(x));
        }
        return (gA, needB ? y : null);
    }
}
