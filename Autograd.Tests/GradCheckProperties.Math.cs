using CsCheck;

namespace Autograd.Tests;

/// <summary>GradCheck/GradGradCheck properties of the pointwise math, reductions, scans and sorting ops.</summary>
public partial class GradCheckPropertyTests
{
    private static Gen<double> Unit => Gen.Double[-0.9, 0.9];

    /// <summary>Values at least 0.1 from every integer (rounding functions jump at integers and halves).</summary>
    private static Gen<double> OffInteger => Gen.Select(Gen.Int[-3, 3], Gen.Double[0.1, 0.4], (i, f) => i + f);

    /// <summary>Small values, never within 0.1 of a value drawn by AwayFromZero (no ties for Maximum/Minimum/Clamp).</summary>
    private static Gen<double> Small => Gen.Double[-0.4, 0.4];

    /// <summary>Values at least 0.1 from the bounds -0.5 and 1 of the Clamp property.</summary>
    private static Gen<double> OffBounds => Gen.OneOf(Gen.Double[-2, -0.6], Gen.Double[-0.4, 0.9], Gen.Double[1.1, 2]);

    /// <summary>Dims as a list (null = all): a random subset of the dims of the shape.</summary>
    private static Gen<Case> OverDims(string name, Gen<double>? element, Func<Tensor, int[]?, bool, Tensor> op, Gen<int[]>? shapes = null) =>
        from shape in shapes ?? Shape
        from x in Values(shape, element)
        from picks in Gen.Bool.Array[shape.Length]
        from all in Gen.Bool
        from keepDim in Gen.Bool
        let picked = Enumerable.Range(0, shape.Length).Where(d => picks[d]).ToArray()
        let dims = all || picked.Length == 0 ? null : picked
        select new Case($"{name}(dims: {(dims is null ? "null" : Shapes.Format(dims))}, keepDim: {keepDim})", a => op(a[0], dims, keepDim), [x]);

    /// <summary>A property rather than a field: built when Ops first merges the tables, after every partial file's static fields.</summary>
    private static Dictionary<string, Gen<Case>> MathOps => new()
    {
        ["Sin"] = Unary("Sin", Shape, Any, x => x.Sin()),
        ["Cos"] = Unary("Cos", Shape, Any, x => x.Cos()),
        ["Tan"] = Unary("Tan", Shape, Unit, x => x.Tan()),
        ["Asin"] = Unary("Asin", Shape, Unit, x => x.Asin()),
        ["Acos"] = Unary("Acos", Shape, Unit, x => x.Acos()),
        ["Atan"] = Unary("Atan", Shape, Any, x => x.Atan()),
        ["Sinh"] = Unary("Sinh", Shape, Any, x => x.Sinh()),
        ["Cosh"] = Unary("Cosh", Shape, Any, x => x.Cosh()),
        ["Log1p"] = Unary("Log1p", Shape, Positive, x => x.Log1p()),
        ["Expm1"] = Unary("Expm1", Shape, Any, x => x.Expm1()),
        ["Log2"] = Unary("Log2", Shape, Positive, x => x.Log2()),
        ["Log10"] = Unary("Log10", Shape, Positive, x => x.Log10()),
        ["Floor"] = Unary("Floor", Shape, OffInteger, x => x.Floor() * x),
        ["Ceil"] = Unary("Ceil", Shape, OffInteger, x => x.Ceil() * x),
        ["Round"] = Unary("Round", Shape, OffInteger, x => x.Round() * x),
        ["Trunc"] = Unary("Trunc", Shape, OffInteger, x => x.Trunc() * x),
        ["Sign"] = Unary("Sign", Shape, AwayFromZero, x => x.Sign() * x),
        ["Rsqrt"] = Unary("Rsqrt", Shape, Positive, x => x.Rsqrt()),
        ["Square"] = Unary("Square", Shape, Any, x => x.Square()),
        ["Erf"] = Unary("Erf", Shape, Any, x => x.Erf()),
        ["Erfc"] = Unary("Erfc", Shape, Any, x => x.Erfc()),
        ["Erfinv"] = Unary("Erfinv", Shape, Unit, x => x.Erfinv()),
        ["Lgamma"] = Unary("Lgamma", Shape, Positive, x => x.Lgamma()),
        ["Digamma"] = Unary("Digamma", Shape, Positive, x => x.Digamma()),
        ["Maximum"] = Binary("Maximum", AwayFromZero, Small, (a, b) => a.Maximum(b)),
        ["Minimum"] = Binary("Minimum", AwayFromZero, Small, (a, b) => a.Minimum(b)),
        ["Atan2"] = Binary("Atan2", AwayFromZero, AwayFromZero, (a, b) => a.Atan2(b)),
        ["Clamp(double?, double?)"] = Unary("Clamp(-0.5, 1)", Shape, OffBounds, x => x.Clamp(-0.5, 1)),
        ["Clamp(Tensor?, Tensor?)"] = Binary("Clamp(max: b)", AwayFromZero, Small, (a, b) => a.Clamp(null, b)),
        ["Lerp"] = Binary("Lerp(0.3)", Any, Any, (a, b) => a.Lerp(b, 0.3)),
        ["Sum(dims)"] = OverDims("Sum", Any, (x, dims, keepDim) => x.Sum(dims, keepDim)),
        ["Mean(dims)"] = OverDims("Mean", Any, (x, dims, keepDim) => x.Mean(dims, keepDim)),
        ["Min()"] = Unary("Min()", Shape, element: null, x => x.Min()),
        ["Min(dim)"] = AlongDim("Min", element: null, (x, dim, keepDim) => x.Min(dim, keepDim).Values),
        ["Amax"] = OverDims("Amax", null, (x, dims, keepDim) => x.Amax(dims, keepDim)),
        ["Amin"] = OverDims("Amin", null, (x, dims, keepDim) => x.Amin(dims, keepDim)),
        ["Prod()"] = Unary("Prod()", Gen.Int[0, 2].SelectMany(rank => Gen.Int[1, 3].Array[rank]), AwayFromZero, x => x.Prod()),
        ["Prod(dim)"] = AlongDim("Prod", AwayFromZero, (x, dim, keepDim) => x.Prod(dim, keepDim)),
        ["Var"] = OverDims("Var", null, (x, dims, keepDim) => x.Var(dims, 0, keepDim)),
        // Std is not differentiable where it is 0 (one element), so every size is at least 2.
        ["Std"] = OverDims("Std", null, (x, dims, keepDim) => x.Std(dims, 0, keepDim), Gen.Int[1, 3].SelectMany(rank => Gen.Int[2, 4].Array[rank])),
        ["Norm"] = OverDims("Norm(3)", AwayFromZero, (x, dims, keepDim) => x.Norm(3, dims, keepDim)),
        ["Norm(2)"] = OverDims("Norm(2)", AwayFromZero, (x, dims, keepDim) => x.Norm(2, dims, keepDim)),
        ["LogSumExp"] = AlongDim("LogSumExp", Any, (x, dim, keepDim) => x.LogSumExp(dim, keepDim)),
        ["Cumsum"] = AlongDim("Cumsum", Any, (x, dim, _) => x.Cumsum(dim)),
        ["Cumprod"] = AlongDim("Cumprod", AwayFromZero, (x, dim, _) => x.Cumprod(dim)),
        ["Sort"] = AlongDim("Sort", null, (x, dim, descending) => x.Sort(dim, descending).Values),
        ["Topk"] = AlongDim("Topk", null, (x, dim, largest) => x.Topk(1, dim, largest).Values),
    };
}
