using CsCheck;

namespace Autograd.Tests;

/// <summary>GradCheck/GradGradCheck properties of the pointwise math, reductions, scans and sorting ops.</summary>
public partial class GradCheckPropertyTests
{
    private static Gen<double> Unit => Gen.Double[-0.9, 0.9];

    /// <summary>Dims as a list (null = all): a random subset of the dims of the shape.</summary>
    private static Gen<Case> OverDims(string name, Gen<double>? element, Func<Tensor, int[]?, bool, Tensor> op) =>
        from shape in Shape
        from x in Values(shape, element)
        from picks in Gen.Bool.Array[shape.Length]
        from all in Gen.Bool
        from keepDim in Gen.Bool
        let dims = all ? null : Enumerable.Range(0, shape.Length).Where(d => picks[d]).ToArray()
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
        ["Floor"] = Unary("Floor", Shape, Any, x => x.Floor() * x),
        ["Ceil"] = Unary("Ceil", Shape, Any, x => x.Ceil() * x),
        ["Round"] = Unary("Round", Shape, Any, x => x.Round() * x),
        ["Trunc"] = Unary("Trunc", Shape, Any, x => x.Trunc() * x),
        ["Sign"] = Unary("Sign", Shape, AwayFromZero, x => x.Sign() * x),
        ["Rsqrt"] = Unary("Rsqrt", Shape, Positive, x => x.Rsqrt()),
        ["Square"] = Unary("Square", Shape, Any, x => x.Square()),
        ["Erf"] = Unary("Erf", Shape, Any, x => x.Erf()),
        ["Erfc"] = Unary("Erfc", Shape, Any, x => x.Erfc()),
        ["Erfinv"] = Unary("Erfinv", Shape, Unit, x => x.Erfinv()),
        ["Lgamma"] = Unary("Lgamma", Shape, Positive, x => x.Lgamma()),
        ["Digamma"] = Unary("Digamma", Shape, Positive, x => x.Digamma()),
        ["Maximum"] = Binary("Maximum", Any, Any, (a, b) => a.Maximum(b)),
        ["Minimum"] = Binary("Minimum", Any, Any, (a, b) => a.Minimum(b)),
        ["Atan2"] = Binary("Atan2", AwayFromZero, AwayFromZero, (a, b) => a.Atan2(b)),
        ["Clamp(double?, double?)"] = WithScalar("Clamp", Any, (x, s) => x.Clamp(-Math.Abs(s) / 2, Math.Abs(s))),
        ["Clamp(Tensor?, Tensor?)"] = Binary("Clamp(max: b)", Any, Any, (a, b) => a.Clamp(null, b)),
        ["Lerp"] = Binary("Lerp(0.3)", Any, Any, (a, b) => a.Lerp(b, 0.3)),
        ["Sum(dims)"] = OverDims("Sum", Any, (x, dims, keepDim) => x.Sum(dims, keepDim)),
        ["Mean(dims)"] = OverDims("Mean", Any, (x, dims, keepDim) => x.Mean(dims, keepDim)),
        ["Min()"] = Unary("Min()", Shape, element: null, x => x.Min()),
        ["Min(dim)"] = AlongDim("Min", element: null, (x, dim, keepDim) => x.Min(dim, keepDim).Values),
        ["Amax"] = OverDims("Amax", null, (x, dims, keepDim) => x.Amax(dims, keepDim)),
        ["Amin"] = OverDims("Amin", null, (x, dims, keepDim) => x.Amin(dims, keepDim)),
        ["Prod()"] = Unary("Prod()", Shape, AwayFromZero, x => x.Prod()),
        ["Prod(dim)"] = AlongDim("Prod", AwayFromZero, (x, dim, keepDim) => x.Prod(dim, keepDim)),
        ["Var"] = OverDims("Var", null, (x, dims, keepDim) => x.Var(dims, 0, keepDim)),
        ["Std"] = OverDims("Std", null, (x, dims, keepDim) => x.Std(dims, 0, keepDim)),
        ["Norm"] = OverDims("Norm(3)", AwayFromZero, (x, dims, keepDim) => x.Norm(3, dims, keepDim)),
        ["Norm(2)"] = OverDims("Norm(2)", AwayFromZero, (x, dims, keepDim) => x.Norm(2, dims, keepDim)),
        ["LogSumExp"] = AlongDim("LogSumExp", Any, (x, dim, keepDim) => x.LogSumExp(dim, keepDim)),
        ["Cumsum"] = AlongDim("Cumsum", Any, (x, dim, _) => x.Cumsum(dim)),
        ["Cumprod"] = AlongDim("Cumprod", AwayFromZero, (x, dim, _) => x.Cumprod(dim)),
        ["Sort"] = AlongDim("Sort", null, (x, dim, descending) => x.Sort(dim, descending).Values),
        ["Topk"] = AlongDim("Topk", null, (x, dim, largest) => x.Topk(1, dim, largest).Values),
    };
}
