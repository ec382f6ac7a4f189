using CsCheck;
using static Autograd.Torch;

namespace Autograd.Tests;

/// <summary>
/// GradCheck and GradGradCheck of Torch.Linalg on random float64 matrices (sizes 1-3, with or without a batch dim of 2)
/// kept well-conditioned by construction inside the checked function: Cholesky of X X^T + I, Eigh of a diagonal with
/// gaps of 5 plus a small symmetric perturbation, Svd of a rectangular diagonal with gaps of 4 plus a small perturbation,
/// and so on. Eigen/singular vectors enter through sign-invariant quantities only. Torch.Linalg is nested in Torch, so
/// the reflection test does not ask for these; the project does.
/// </summary>
public partial class GradCheckPropertyTests
{
    /// <summary>A lazy property: it reads the generators of the other part of the class, whose initializers may run later.</summary>
    private static Dictionary<string, Gen<Case>> LinalgOps => linalgOps ??= new()
    {
        ["Linalg.Cholesky(lower)"] = SquareCase("Cholesky", x => Linalg.Cholesky(Spd(x))),
        ["Linalg.Cholesky(upper)"] = SquareCase("Cholesky(upper)", x => Linalg.Cholesky(Spd(x), upper: true)),
        ["Linalg.Solve"] = SquareWithRhs("Solve", (a, b) => Linalg.Solve(Shifted(a), b)),
        ["Linalg.Inv"] = SquareCase("Inv", x => Linalg.Inv(Shifted(x))),
        ["Linalg.Det"] = SquareCase("Det", x => Linalg.Det(Shifted(x))),
        ["Linalg.Slogdet"] = SquareCase("Slogdet", x => Linalg.Slogdet(Shifted(x)).LogAbsDet),
        ["Linalg.Eigh"] = SquareCase("Eigh", x =>
        {
            var (values, vectors) = Linalg.Eigh(Separated(x + x.Transpose(-2, -1), 5, 0.2));
            return values.Unsqueeze(-2) + vectors * vectors;
        }),
        ["Linalg.Svd"] = RectangularCase("Svd", x =>
        {
            var (u, s, vh) = Linalg.Svd(Separated(x, 4, 0.2), fullMatrices: false);
            // u_i v_i^T weighted 1, 2, ...: invariant to the signs of the singular-vector pairs.
            var weights = Tensor([.. Enumerable.Range(1, s.Shape[^1]).Select(i => (double)i)]);
            return (u * weights).MatMul(vh) + s.Sum();
        }),
        ["Linalg.Qr"] = RectangularCase("Qr", x =>
        {
            var (q, r) = Linalg.Qr(Separated(x, 4, 0.2));
            return q.Sum() + r.Sum() * 0.5;
        }),
        ["Linalg.Lstsq"] = RectangularWithRhs("Lstsq", (a, b) => Linalg.Lstsq(Separated(a, 4, 0.2), b)),
        // Infinite orders see distinct magnitudes (Exp of values without ties), as amax's gradient jumps at ties.
        ["Linalg.VectorNorm"] =
            from shape in Shape.Where(s => s.Length > 0)
            from ord in Gen.OneOf(Gen.Const(2.0), Gen.Const(1.0), Gen.Const(3.0), Gen.Const(1.5), Gen.Const(double.PositiveInfinity), Gen.Const(double.NegativeInfinity))
            from x in Values(shape, double.IsInfinity(ord) ? null : AwayFromZero)
            from dim in Dim(shape.Length)
            from keepDim in Gen.Bool
            select new Case($"VectorNorm(ord: {ord}, dim: {dim}, keepDim: {keepDim})",
                a => Linalg.VectorNorm(double.IsInfinity(ord) ? a[0].Exp() : a[0], ord, [dim], keepDim), [x]),
        ["Linalg.MatrixNorm"] =
            from rows in Gen.Int[1, 3]
            from columns in Gen.Int[1, 3]
            from x in Values([rows, columns], Any)
            from ord in Gen.OneOf(Gen.Const("fro"), Gen.Const("nuc"))
            select new Case($"MatrixNorm({ord})", a => Linalg.MatrixNorm(Separated(a[0], 4, 0.2), ord), [x]),
    };
    private static Dictionary<string, Gen<Case>>? linalgOps;

    /// <summary>X X^T + I: symmetric positive-definite with eigenvalues at least 1.</summary>
    private static Tensor Spd(Tensor x) => x.MatMul(x.Transpose(-2, -1)) + MatrixOps.Eye(DType.Float64, x.Shape[^1]);

    /// <summary>x / 4 + 2 I: eigenvalues within 1.25 of 2, so invertible with a small condition number.</summary>
    private static Tensor Shifted(Tensor x) => x * 0.25 + 2 * MatrixOps.Eye(DType.Float64, x.Shape[^1]);

    /// <summary>diag(1, 1 + gap, 1 + 2 gap, ...) (rectangular as x) + scale x: well separated eigen/singular values.</summary>
    private static Tensor Separated(Tensor x, double gap, double scale)
    {
        int rows = x.Shape[^2], columns = x.Shape[^1];
        var diagonal = new double[rows * columns];
        for (int i = 0; i < Math.Min(rows, columns); i++) diagonal[i * columns + i] = 1 + gap * i;
        return Tensor(diagonal).Reshape(rows, columns) + x * scale;
    }

    private static Gen<int[]> MatrixShape(bool square) =>
        from batch in Gen.Int[0, 1]
        from rows in Gen.Int[1, 3]
        from columns in Gen.Int[1, 3]
        select batch == 1 ? new[] { 2, rows, square ? rows : columns } : [rows, square ? rows : columns];

    private static Gen<Case> SquareCase(string name, Func<Tensor, Tensor> op) =>
        from shape in MatrixShape(square: true)
        from x in Values(shape, Any)
        select new Case(name, a => op(a[0]), [x]);

    private static Gen<Case> RectangularCase(string name, Func<Tensor, Tensor> op) =>
        from shape in MatrixShape(square: false)
        from x in Values(shape, Any)
        select new Case(name, a => op(a[0]), [x]);

    /// <summary>A square A and a right-hand side B of k columns or (vector) none; a random non-empty subset requires grad.</summary>
    private static Gen<Case> SquareWithRhs(string name, Func<Tensor, Tensor, Tensor> op) =>
        from shape in MatrixShape(square: true)
        from k in Gen.Int[0, 2]
        from a in Values(shape, Any)
        from b in Values(k == 0 ? shape[..^1] : [.. shape[..^1], k], Any)
        from requiring in Gen.Int[1, 3]
        select new Case($"{name}(k: {k})", x => op(x[0], x[1]), RequiringSome(requiring, a, b));

    /// <summary>A (m x n) and B (m x k); PyTorch's lstsq has no gradient for vector right-hand sides.</summary>
    private static Gen<Case> RectangularWithRhs(string name, Func<Tensor, Tensor, Tensor> op) =>
        from shape in MatrixShape(square: false)
        from k in Gen.Int[1, 2]
        from a in Values(shape, Any)
        from b in Values([.. shape[..^1], k], Any)
        from requiring in Gen.Int[1, 3]
        select new Case($"{name}(k: {k})", x => op(x[0], x[1]), RequiringSome(requiring, a, b));
}
