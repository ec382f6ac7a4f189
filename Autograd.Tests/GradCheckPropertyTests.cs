using System.Reflection;
using Autograd.NN;
using CsCheck;

namespace Autograd.Tests;

/// <summary>
/// Every op passes GradCheck and GradGradCheck on random float64 inputs, shapes (rank 0-3, sizes 1-4), dims and
/// arguments drawn by CsCheck. Inputs stay where the op is differentiable: no ties for Max, Log of positive values,
/// denominators away from zero, unique indices where Scatter overwrites. The fused losses also match the same loss
/// built from primitive ops, in value and in both backward paths, for every form.
/// </summary>
[Category("Slow")]
public partial class GradCheckPropertyTests
{
    /// <summary>Random cases per op; each runs GradCheck and GradGradCheck.</summary>
    private const int Cases = 500;

    /// <summary>An op applied to its inputs; <paramref name="Description"/> names its arguments when a case fails.</summary>
    public sealed record Case(string Description, Func<Tensor[], Tensor> F, Tensor[] Inputs, double Eps = 1e-6, double Atol = 1e-5)
    {
        /// <summary>Runs both checks; the grad output of GradGradCheck is standard normal from <paramref name="seed"/>.</summary>
        public void Check(int seed)
        {
            Gradients.GradCheck(F, Inputs, Eps, Atol).ShouldBeTrue();
            var output = F(Inputs);
            var gradOutput = Torch.Randn([.. output.Shape], output.DType, requiresGrad: true, generator: new Generator(seed));
            Gradients.GradGradCheck(F, Inputs, Eps, Atol, gradOutput: gradOutput).ShouldBeTrue();
        }

        public override string ToString() =>
            $"{Description} on {string.Join("; ", Inputs.Select(t => $"{Shapes.Format(t.Shape)} [{string.Join(", ", t.ToArray<double>())}]"))}";
    }

    private static readonly Gen<double> Any = Gen.Double[-2, 2];
    private static readonly Gen<double> Positive = Gen.Double[0.5, 2];
    private static readonly Gen<double> AwayFromZero = Gen.Select(Positive, Gen.Bool, (size, negative) => negative ? -size : size);
    private static readonly Gen<int[]> Shape = Gen.Int[0, 3].SelectMany(rank => Gen.Int[1, 4].Array[rank]);

    /// <summary>
    /// Every differentiable op, keyed by its method name (operators as "operator +"), with the overload or form in
    /// parentheses; <see cref="EveryOpOfTheLibrary_HasAProperty"/> keeps the table complete.
    /// </summary>
    private static readonly Dictionary<string, Gen<Case>> CoreOps = new()
    {
        ["operator +(Tensor, Tensor)"] = Binary("+", Any, Any, (a, b) => a + b),
        ["operator -(Tensor, Tensor)"] = Binary("-", Any, Any, (a, b) => a - b),
        ["operator *(Tensor, Tensor)"] = Binary("*", Any, Any, (a, b) => a * b),
        ["operator /(Tensor, Tensor)"] = Binary("/", Any, AwayFromZero, (a, b) => a / b),
        ["operator +(Tensor, double)"] = WithScalar("x + s", Any, (x, s) => x + s),
        ["operator +(double, Tensor)"] = WithScalar("s + x", Any, (x, s) => s + x),
        ["operator -(Tensor, double)"] = WithScalar("x - s", Any, (x, s) => x - s),
        ["operator -(double, Tensor)"] = WithScalar("s - x", Any, (x, s) => s - x),
        ["operator *(Tensor, double)"] = WithScalar("x * s", Any, (x, s) => x * s),
        ["operator *(double, Tensor)"] = WithScalar("s * x", Any, (x, s) => s * x),
        ["operator /(Tensor, double)"] = WithScalar("x / s", Any, (x, s) => x / s),
        ["operator /(double, Tensor)"] = WithScalar("s / x", AwayFromZero, (x, s) => s / x),
        ["operator -(Tensor)"] = Unary("-x", Shape, Any, x => -x),
        ["Exp"] = Unary("Exp", Shape, Any, x => x.Exp()),
        ["Log"] = Unary("Log", Shape, Positive, x => x.Log()),
        ["Reciprocal"] = Unary("Reciprocal", Shape, AwayFromZero, x => x.Reciprocal()),
        ["Relu"] = Unary("Relu", Shape, AwayFromZero, x => x.Relu()),
        ["Tanh"] = Unary("Tanh", Shape, Any, x => x.Tanh()),
        ["Sigmoid"] = Unary("Sigmoid", Shape, Any, x => x.Sigmoid()),
        ["Pow(double)"] = PowScalar(),
        // A zero exponent masks the base's gradient (as PyTorch does), which the second derivative then misses.
        ["Pow(Tensor)"] = Binary("Pow", Positive, AwayFromZero, (a, b) => a.Pow(b)),
        ["Sqrt"] = Unary("Sqrt", Shape, Positive, x => x.Sqrt()),
        ["Abs"] = Unary("Abs", Shape, AwayFromZero, x => x.Abs()),
        ["Add(Tensor, alpha)"] = WithAlpha("Add", (a, b, alpha) => a.Add(b, alpha)),
        ["Sub(Tensor, alpha)"] = WithAlpha("Sub", (a, b, alpha) => a.Sub(b, alpha)),
        ["Addcmul"] = Ternary("Addcmul", Any, (x, t1, t2, value) => x.Addcmul(t1, t2, value)),
        ["Addcdiv"] = Ternary("Addcdiv", AwayFromZero, (x, t1, t2, value) => x.Addcdiv(t1, t2, value)),
        ["Float"] = Conversion("Float", DType.Float64, x => x.Float()),
        ["To"] = Conversion("To", DType.Float32, x => x.To(DType.Float64)),
        ["Double"] = Conversion("Double", DType.Float32, x => x.Double()),
        ["Sum()"] = Unary("Sum()", Shape, Any, x => x.Sum()),
        ["Sum(dim)"] = AlongDim("Sum", Any, (x, dim, keepDim) => x.Sum(dim, keepDim)),
        ["Mean()"] = Unary("Mean()", Shape, Any, x => x.Mean()),
        ["Mean(dim)"] = AlongDim("Mean", Any, (x, dim, keepDim) => x.Mean(dim, keepDim)),
        ["Max()"] = Unary("Max()", Shape, element: null, x => x.Max()),
        ["Max(dim)"] = AlongDim("Max", element: null, (x, dim, keepDim) => x.Max(dim, keepDim).Values),
        ["Softmax"] = AlongDim("Softmax", Any, (x, dim, _) => x.Softmax(dim)),
        ["LogSoftmax"] = AlongDim("LogSoftmax", Any, (x, dim, _) => x.LogSoftmax(dim)),
        ["Unsqueeze"] = Unsqueeze(),
        ["Squeeze()"] = Unary("Squeeze()", Shape, Any, x => x.Squeeze()),
        ["Squeeze(dim)"] = AlongDim("Squeeze", Any, (x, dim, _) => x.Squeeze(dim)),
        ["Flatten"] = Flatten(),
        ["View"] = SameCount("View", (x, shape) => x.View(shape)),
        ["Reshape"] = SameCount("Reshape", (x, shape) => x.Reshape(shape)),
        ["Clone"] = Unary("Clone", Shape, Any, x => x.Clone()),
        ["Transpose"] = Transpose(),
        ["T"] = Unary("T", Gen.Int[0, 2].SelectMany(rank => Gen.Int[1, 4].Array[rank]), Any, x => x.T()),
        ["Scatter(value)"] = ScatterValue(),
        ["Scatter(src)"] = IndexWithSource("Scatter", uniqueAlongDim: true, (x, dim, index, src) => x.Scatter(dim, index, src)),
        ["ScatterAdd"] = IndexWithSource("ScatterAdd", uniqueAlongDim: false, (x, dim, index, src) => x.ScatterAdd(dim, index, src)),
        ["Gather"] = Gather(),
        ["Where"] = Where(),
        ["MatMul"] = MatMul(),
        ["Addmm"] = Addmm(),
        ["Bmm"] = Bmm(),
        ["Add_(Tensor, alpha)"] = InPlace("Add_", Any, (x, y, s) => x.Add_(y, s)),
        ["Add_(double)"] = InPlace("Add_", Any, (x, _, s) => x.Add_(s)),
        ["Sub_(Tensor, alpha)"] = InPlace("Sub_", Any, (x, y, s) => x.Sub_(y, s)),
        ["Sub_(double)"] = InPlace("Sub_", Any, (x, _, s) => x.Sub_(s)),
        ["Mul_(Tensor)"] = InPlace("Mul_", Any, (x, y, _) => x.Mul_(y)),
        ["Mul_(double)"] = InPlace("Mul_", Any, (x, _, s) => x.Mul_(s)),
        ["Div_(Tensor)"] = InPlace("Div_", AwayFromZero, (x, y, _) => x.Div_(y)),
        ["Div_(double)"] = InPlace("Div_", Any, (x, _, s) => x.Div_(s)),
        ["Addcmul_"] = InPlace("Addcmul_", Any, (x, y, s) => x.Addcmul_(y, y, s)),
        ["Addcdiv_"] = InPlace("Addcdiv_", AwayFromZero, (x, y, s) => x.Addcdiv_(y * y, y, s)),
        ["Copy_"] = InPlace("Copy_", Any, (x, y, _) => x.Copy_(y) * x),
        ["Relu_"] = InPlace("Relu_", Any, (x, _, _) => x.Relu_(), self: AwayFromZero),
        ["Fill_"] = InPlace("Fill_", Any, (x, y, s) => x.Fill_(s) * y),
        ["Zero_"] = InPlace("Zero_", Any, (x, y, _) => x.Zero_() + y),
        ["Dropout"] = Dropout(),
        ["CrossEntropy"] = Loss(fromLogits: true).Select(form => form.Case()),
        ["NllLoss"] = Loss(fromLogits: false).Select(form => form.Case()),
    };

    /// <summary>
    /// The tables of every op family, merged; each family's table lives beside its other tests (partial class files).
    /// A lazy property, since static field initializers of partial class files run in no defined order.
    /// </summary>
    private static Dictionary<string, Gen<Case>> Ops => ops ??= new[] { CoreOps, ViewOps, LayerOps, LinalgOps, LossOps, IndexingOps, MathOps }.SelectMany(table => table).ToDictionary();
    private static Dictionary<string, Gen<Case>>? ops;

    public static IEnumerable<string> OpNames => Ops.Keys;

    [TestCaseSource(nameof(OpNames))]
    public void Op_PassesGradCheckAndGradGradCheck(string op) =>
        Gen.Select(Ops[op], Gen.Int).Sample((c, seed) => c.Check(seed), iter: Cases, print: pair => pair.ToString());

    /// <summary>Ops without a gradient (comparisons, indices, integer conversion) and in-place random initializers.</summary>
    private static readonly string[] NotDifferentiable =
        ["Eq", "Ne", "Lt", "Le", "Gt", "Ge", "operator <", "operator >", "operator <=", "operator >=", "Argmax", "Long", "OneHot",
         "Uniform_", "KaimingUniform_", "Bool", "Any", "All", "Normal_", "Multinomial", "Nonzero", "Argmin", "Argsort", "CountNonzero"];

    private static readonly Dictionary<string, string> OperatorNames = new()
    {
        ["op_Addition"] = "operator +", ["op_Subtraction"] = "operator -", ["op_Multiply"] = "operator *", ["op_Division"] = "operator /",
        ["op_UnaryNegation"] = "operator -", ["op_LessThan"] = "operator <", ["op_GreaterThan"] = "operator >",
        ["op_LessThanOrEqual"] = "operator <=", ["op_GreaterThanOrEqual"] = "operator >=",
    };

    /// <summary>The library's ops: public static methods (extension members included) that take a tensor first and return tensors; Torch's aliases aside.</summary>
    [Test]
    public void EveryOpOfTheLibrary_HasAProperty()
    {
        var ops = typeof(Gradients).Assembly.GetExportedTypes()
            .Where(type => type is { IsAbstract: true, IsSealed: true, IsNested: false } && type != typeof(Torch) && type != typeof(Gradients))
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(method => method.GetParameters().FirstOrDefault()?.ParameterType == typeof(Tensor)
                && (method.ReturnType == typeof(Tensor) || method.ReturnType == typeof((Tensor, Tensor))))
            .Select(method => OperatorNames.GetValueOrDefault(method.Name, method.Name))
            .ToHashSet();
        ops.Count.ShouldBeGreaterThan(40);
        var covered = Ops.Keys.Select(key => key.Split('(')[0]).Concat(NotDifferentiable);
        ops.Except(covered).ShouldBeEmpty();
    }

    [TestCase(true)]
    [TestCase(false)]
    public void FusedLoss_MatchesTheLossBuiltFromPrimitives_InValueAndBothBackwardPaths(bool fromLogits) =>
        Gen.Select(Loss(fromLogits), Gen.Int).Sample((form, seed) =>
        {
            var x = form.Input();
            var (fused, byPrimitives) = (form.Fused(x), form.ByPrimitives(x));
            fused.ToArray<double>().ShouldBe(byPrimitives.ToArray<double>(), tolerance: 1e-12);
            var gradOutput = Torch.Randn([.. fused.Shape], DType.Float64, generator: new Generator(seed));
            foreach (bool createGraph in new[] { false, true })
            {
                var expected = Gradients.Grad([byPrimitives], [x], [gradOutput], retainGraph: true, createGraph: createGraph)[0];
                var actual = Gradients.Grad([fused], [x], [gradOutput], retainGraph: true, createGraph: createGraph)[0];
                actual.ToArray<double>().ShouldBe(expected.ToArray<double>(), tolerance: 1e-12, $"createGraph: {createGraph}");
            }
        }, iter: Cases, print: pair => pair.ToString());

    private static Gen<Case> Unary(string name, Gen<int[]> shapes, Gen<double>? element, Func<Tensor, Tensor> op) =>
        from shape in shapes
        from x in Values(shape, element)
        select new Case(name, a => op(a[0]), [x]);

    /// <summary>Reductions and normalizations along a random dim; <paramref name="element"/> null draws values without ties.</summary>
    private static Gen<Case> AlongDim(string name, Gen<double>? element, Func<Tensor, int, bool, Tensor> op) =>
        from shape in Shape
        from x in Values(shape, element)
        from dim in Dim(shape.Length)
        from keepDim in Gen.Bool
        select new Case($"{name}(dim: {dim}, keepDim: {keepDim})", a => op(a[0], dim, keepDim), [x]);

    /// <summary>Two operands whose shapes broadcast; a random non-empty subset of them requires grad.</summary>
    private static Gen<Case> Binary(string name, Gen<double> left, Gen<double> right, Func<Tensor, Tensor, Tensor> op) =>
        from full in Shape
        from aShape in BroadcastingTo(full)
        from bShape in BroadcastingTo(full)
        from a in Values(aShape, left)
        from b in Values(bShape, right)
        from requiring in Gen.Int[1, 3]
        select new Case($"a {name} b", x => op(x[0], x[1]), RequiringSome(requiring, a, b));

    private static Gen<Case> PowScalar() =>
        from shape in Shape
        from x in Values(shape, Positive)
        from exponent in Gen.OneOf(Gen.Const(0.0), Gen.Const(0.5), Gen.Const(2.0), Gen.Const(3.0), Gen.Const(-0.5), Gen.Const(-1.0), Gen.Const(-2.0), Gen.Double[-3, 3])
        select new Case($"Pow({exponent})", a => a[0].Pow(exponent), [x]);

    /// <summary>Binary's operands, with a scalar alpha.</summary>
    private static Gen<Case> WithAlpha(string name, Func<Tensor, Tensor, double, Tensor> op) =>
        from @case in Binary(name, Any, Any, (a, b) => a)
        from alpha in Any
        select @case with { Description = $"{name}(alpha: {alpha})", F = x => op(x[0], x[1], alpha) };

    /// <summary>self, tensor1 and tensor2 broadcasting together, with a scalar value; <paramref name="denominator"/> draws tensor2.</summary>
    private static Gen<Case> Ternary(string name, Gen<double> denominator, Func<Tensor, Tensor, Tensor, double, Tensor> op) =>
        from full in Shape
        from shapes in BroadcastingTo(full).Array[3]
        from x in Values(shapes[0], Any)
        from t1 in Values(shapes[1], Any)
        from t2 in Values(shapes[2], denominator)
        from value in Any
        select new Case($"{name}(value: {value})", a => op(a[0], a[1], a[2], value), [x, t1, t2]);

    /// <summary>
    /// An in-place op on a copy of the first input (in place on a leaf that requires grad is an error), with a second input
    /// that broadcasts to it and a scalar of magnitude 0.5 to 2.
    /// </summary>
    private static Gen<Case> InPlace(string name, Gen<double> other, Func<Tensor, Tensor, double, Tensor> op, Gen<double>? self = null) =>
        from shape in Shape
        from otherShape in BroadcastingTo(shape)
        from x in Values(shape, self ?? Any)
        from y in Values(otherShape, other)
        from s in AwayFromZero
        select new Case($"{name} with s = {s}", a => op(a[0].Clone(), a[1], s), [x, y]);

    /// <summary>Float() and Double() round to float32, so their central differences take a step of 1e-2 and a tolerance to match.</summary>
    private static Gen<Case> Conversion(string name, DType inputType, Func<Tensor, Tensor> op) =>
        from shape in Shape
        from data in Any.Array[Count(shape)]
        let x = Constant(data, shape)
        select new Case(name, a => op(a[0]), [RequiringGrad(inputType == DType.Float32 ? x.Float() : x, true)], Eps: 1e-2, Atol: 1e-3);

    private static Gen<Case> Flatten() =>
        from shape in Shape
        from x in Values(shape, Any)
        from dims in Dim(shape.Length).Array[2]
        let wrapped = dims.Select(d => d < 0 ? d + Math.Max(shape.Length, 1) : d).Order().ToArray()
        select new Case($"Flatten({wrapped[0]}, {wrapped[1]})", a => a[0].Flatten(wrapped[0], wrapped[1]), [x]);

    private static Gen<Case> Where() =>
        from full in Shape
        from shapes in BroadcastingTo(full).Array[3]
        from condition in Gen.Bool.Array[Count(shapes[0])]
        from x in Values(shapes[1], Any)
        from y in Values(shapes[2], Any)
        from requiring in Gen.Int[1, 3]
        let mask = Torch.Tensor(condition).Reshape(shapes[0])
        select new Case($"Where({Describe(mask)})", a => Torch.Where(mask, a[0], a[1]), RequiringSome(requiring, x, y));

    private static Gen<Case> Addmm() =>
        from sizes in Gen.Int[1, 4].Array[3]
        from selfShape in BroadcastingTo([sizes[0], sizes[2]])
        from x in Values(selfShape, Any)
        from a in Values([sizes[0], sizes[1]], Any)
        from b in Values([sizes[1], sizes[2]], Any)
        select new Case("Addmm", t => t[0].Addmm(t[1], t[2]), [x, a, b]);

    private static Gen<Case> Bmm() =>
        from sizes in Gen.Int[1, 4].Array[4]
        from a in Values([sizes[0], sizes[1], sizes[2]], Any)
        from b in Values([sizes[0], sizes[2], sizes[3]], Any)
        select new Case("Bmm", t => t[0].Bmm(t[1]), [a, b]);

    /// <summary>Dropout reseeds the default generator on every call (under a lock, as cases run in parallel), so each call drops the same elements.</summary>
    private static Gen<Case> Dropout() =>
        from shape in Shape
        from x in Values(shape, Any)
        from p in Gen.Double[0, 0.9]
        from seed in Gen.Int
        select new Case($"Dropout(p: {p}, seed {seed})", a =>
        {
            lock (DefaultGenerator)
            {
                Torch.ManualSeed(seed);
                return Torch.Dropout(a[0], p);
            }
        }, [x]);

    private static readonly object DefaultGenerator = new();

    private static Gen<Case> WithScalar(string name, Gen<double> element, Func<Tensor, double, Tensor> op) =>
        from shape in Shape
        from x in Values(shape, element)
        from s in AwayFromZero
        select new Case($"{name} with s = {s}", a => op(a[0], s), [x]);

    private static Gen<Case> Unsqueeze() =>
        from shape in Shape
        from x in Values(shape, Any)
        from dim in Gen.Int[-shape.Length - 1, shape.Length]
        select new Case($"Unsqueeze({dim})", a => a[0].Unsqueeze(dim), [x]);

    /// <summary>View or Reshape to the same sizes permuted, maybe with a trailing 1 and one size left to infer (-1).</summary>
    private static Gen<Case> SameCount(string name, Func<Tensor, int[], Tensor> op) =>
        from shape in Shape
        from x in Values(shape, Any)
        from keys in Gen.Double.Unit.Array[shape.Length]
        from trailingOne in Gen.Bool
        from inferred in Gen.Int[-1, shape.Length - 1]
        let target = Infer([.. Order(keys).Select(i => shape[i]), .. trailingOne ? new[] { 1 } : []], inferred)
        select new Case($"{name}({Shapes.Format(target)})", a => op(a[0], target), [x]);

    private static Gen<Case> Transpose() =>
        from shape in Shape
        from x in Values(shape, Any)
        from dim0 in Dim(shape.Length)
        from dim1 in Dim(shape.Length)
        select new Case($"Transpose({dim0}, {dim1})", a => a[0].Transpose(dim0, dim1), [x]);

    private static Gen<Case> ScatterValue() =>
        from shape in Shape
        from x in Values(shape, Any)
        from dim in Dim(shape.Length)
        from index in Index(shape, dim, uniqueAlongDim: false, longerAlongDim: false)
        from value in Any
        select new Case($"Scatter({dim}, {Describe(index)}, {value})", a => a[0].Scatter(dim, index, value), [x]);

    /// <summary>
    /// Scatter (which overwrites, so needs unique indices along dim for a defined gradient) and ScatterAdd, with src of
    /// index's shape (PyTorch 1.13 has no gradient for a larger src).
    /// </summary>
    private static Gen<Case> IndexWithSource(string name, bool uniqueAlongDim, Func<Tensor, int, Tensor, Tensor, Tensor> op) =>
        from shape in Shape
        from x in Values(shape, Any)
        from dim in Dim(shape.Length)
        from index in Index(shape, dim, uniqueAlongDim, longerAlongDim: false)
        from src in Values([.. index.Shape], Any)
        from requiring in Gen.Int[1, 3]
        select new Case($"{name}({dim}, {Describe(index)}, src)", a => op(a[0], dim, index, a[1]), RequiringSome(requiring, x, src));

    private static Gen<Case> Gather() =>
        from shape in Shape
        from x in Values(shape, Any)
        from dim in Dim(shape.Length)
        from index in Index(shape, dim, uniqueAlongDim: false, longerAlongDim: true)
        select new Case($"Gather({dim}, {Describe(index)})", a => a[0].Gather(dim, index), [x]);

    /// <summary>torch.matmul on operands of 1 to 3 dims: dot, matrix-vector, matrix product, batched with broadcast batch dims.</summary>
    private static Gen<Case> MatMul() =>
        from sizes in Gen.Int[1, 4].Array[4]
        from ranks in Gen.Int[1, 3].Array[2]
        from broadcast in Gen.Bool.Array[2]
        let batch = sizes[0]
        let aShape = ranks[0] switch { 1 => new[] { sizes[2] }, 2 => [sizes[1], sizes[2]], _ => [broadcast[0] ? 1 : batch, sizes[1], sizes[2]] }
        let bShape = ranks[1] switch { 1 => new[] { sizes[2] }, 2 => [sizes[2], sizes[3]], _ => [broadcast[1] ? 1 : batch, sizes[2], sizes[3]] }
        from a in Values(aShape, Any)
        from b in Values(bShape, Any)
        from requiring in Gen.Int[1, 3]
        select new Case("MatMul", x => x[0].MatMul(x[1]), RequiringSome(requiring, a, b));

    /// <summary>
    /// An Int64 index for self of <paramref name="shape"/> along <paramref name="dim"/>: no larger than self in the other
    /// dims; along dim up to self's size, or up to 4 when <paramref name="longerAlongDim"/>; values in range, and each a
    /// different position within its slice along dim when <paramref name="uniqueAlongDim"/>.
    /// </summary>
    private static Gen<Tensor> Index(int[] shape, int dim, bool uniqueAlongDim, bool longerAlongDim)
    {
        if (shape.Length == 0) return Gen.Const(Torch.Tensor([0L]).View());
        int d = dim < 0 ? dim + shape.Length : dim, size = shape[d];
        return from indexShape in Sizes([.. shape.Select(_ => 1)], [.. shape.Select((s, k) => k == d && longerAlongDim ? 4 : s)])
               from keys in Gen.Double.Unit.Array[Count(indexShape) / indexShape[d] * size]
               from picks in Gen.Int[0, size - 1].Array[Count(indexShape)]
               select Torch.Tensor(uniqueAlongDim ? FirstOfPermutations(keys, indexShape, d, size) : [.. picks.Select(p => (long)p)]).View(indexShape);
    }

    /// <summary>For each slice along dim, the first positions of the permutation that sorts that slice's keys.</summary>
    private static long[] FirstOfPermutations(double[] keys, int[] indexShape, int dim, int size)
    {
        var (outer, length, inner) = Shapes.SplitAt(indexShape, dim);
        var index = new long[outer * length * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                var slice = Enumerable.Range(0, size).Select(s => keys[(o * size + s) * inner + i]).ToArray();
                var permutation = Order(slice);
                for (int s = 0; s < length; s++) index[(o * length + s) * inner + i] = permutation[s];
            }
        }
        return index;
    }

    /// <summary>
    /// One form of CrossEntropy or NllLoss: input (C), (N, C) or (N, C, d1[, d2]); class-index targets with ignored
    /// positions, or (CrossEntropy) class probabilities; class weights; label smoothing (CrossEntropy); a reduction.
    /// </summary>
    public sealed record LossForm(bool FromLogits, int[] InputShape, double[] InputValues, long[] Targets, double[]? Probabilities,
        double[]? Weight, long IgnoreIndex, Reduction Reduction, double LabelSmoothing)
    {
        private int ClassDim => InputShape.Length == 1 ? 0 : 1;

        private int Classes => InputShape[ClassDim];

        private int[] TargetShape => [.. InputShape.Where((_, k) => k != ClassDim)];

        private Tensor Target => Probabilities is null ? Torch.Tensor(Targets).View(TargetShape) : Constant(Probabilities, InputShape);

        public Tensor Input() => Values(InputValues, InputShape);

        public Tensor Fused(Tensor x)
        {
            var weight = Weight is null ? null : Torch.Tensor(Weight);
            return FromLogits
                ? Functional.CrossEntropy(x, Target, weight, IgnoreIndex, Reduction, LabelSmoothing)
                : Functional.NllLoss(x, Target, weight, IgnoreIndex, Reduction);
        }

        /// <summary>The same loss as PyTorch 1.13 composes it from LogSoftmax, a one-hot made by Scatter, products, Sum and division.</summary>
        public Tensor ByPrimitives(Tensor x)
        {
            var logProbabilities = FromLogits ? x.LogSoftmax(ClassDim) : x;
            // Class weights shaped to broadcast along the class dim.
            var classWeights = Constant(Weight ?? [.. Enumerable.Repeat(1.0, Classes)], [.. InputShape.Select((size, k) => k == ClassDim ? size : 1)]);
            int positions = Count(TargetShape);
            if (Probabilities is not null)
            {
                var smoothed = Target * (1 - LabelSmoothing) + LabelSmoothing / Classes;
                var perPosition = -(logProbabilities * smoothed * classWeights).Sum(ClassDim);
                return Reduce(perPosition, perPosition.Sum() / positions);
            }
            var kept = Constant([.. Targets.Select(t => t != IgnoreIndex ? 1.0 : 0.0)], TargetShape);
            var safeTargets = Torch.Tensor([.. Targets.Select(t => t != IgnoreIndex ? t : 0)]).View(TargetShape);
            var oneHot = Torch.Zeros([.. InputShape], DType.Float64).Scatter(ClassDim, safeTargets.Unsqueeze(ClassDim), 1.0);
            var targetWeights = (oneHot * classWeights).Sum(ClassDim) * kept;
            var nll = -(logProbabilities * oneHot).Sum(ClassDim) * targetWeights;
            var smooth = -(logProbabilities * classWeights).Sum(ClassDim) * kept;
            // Mean divides both terms by the total weight of the kept targets.
            return Reduce(nll, nll.Sum() / targetWeights.Sum()) * (1 - LabelSmoothing)
                + Reduce(smooth, smooth.Sum() / targetWeights.Sum()) * (LabelSmoothing / Classes);
        }

        private Tensor Reduce(Tensor perPosition, Tensor mean) => Reduction switch
        {
            Reduction.None => perPosition,
            Reduction.Sum => perPosition.Sum(),
            _ => mean,
        };

        public Case Case() => new(ToString(), a => Fused(a[0]), [Input()]);

        public override string ToString() =>
            $"{(FromLogits ? "CrossEntropy" : "NllLoss")} input {Shapes.Format(InputShape)} [{string.Join(", ", InputValues)}], target " +
            (Probabilities is null ? $"[{string.Join(", ", Targets)}]" : $"probabilities [{string.Join(", ", Probabilities)}]") +
            $", weight {(Weight is null ? "none" : $"[{string.Join(", ", Weight)}]")}, ignoreIndex {IgnoreIndex}, reduction {Reduction}, " +
            $"labelSmoothing {LabelSmoothing}";
    }

    private static Gen<LossForm> Loss(bool fromLogits) =>
        from rank in Gen.Int[1, 4]
        from shape in Gen.Int[1, rank == 4 ? 2 : 4].Array[rank]
        let classes = shape[rank == 1 ? 0 : 1]
        from values in Gen.Double[-3, 3].Array[Count(shape)]
        from classOf in Gen.Int[0, classes - 1].Array[Count(shape) / classes]
        from ignoredAt in Gen.Int[0, 3].Array[classOf.Length]
        from ignoreIndex in Gen.OneOf(Gen.Const(-100L), Gen.Int[0, classes - 1].Select(c => (long)c))
        from weight in Gen.OneOf(Gen.Const((double[]?)null), Positive.Array[classes].Select(w => (double[]?)w))
        from reduction in Gen.Int[0, 2].Select(r => (Reduction)r)
        from smoothing in fromLogits ? Gen.OneOf(Gen.Const(0.0), Gen.Double[0, 0.9]) : Gen.Const(0.0)
        from probabilities in fromLogits
            ? Gen.OneOf(Gen.Const((double[]?)null), Gen.Double.Unit.Array[Count(shape)].Select(p => (double[]?)p))
            : Gen.Const((double[]?)null)
        let targets = probabilities is null ? classOf.Select((c, p) => ignoredAt[p] == 0 ? ignoreIndex : c).ToArray() : []
        where reduction != Reduction.Mean || probabilities is not null || targets.Any(t => t != ignoreIndex)
        select new LossForm(fromLogits, shape, values, targets, probabilities, weight, probabilities is null ? ignoreIndex : -100, reduction, smoothing);

    /// <summary>A shape that broadcasts to <paramref name="full"/>: some leading dims dropped, some others set to 1.</summary>
    private static Gen<int[]> BroadcastingTo(int[] full) =>
        from dropped in Gen.Int[0, full.Length]
        from ones in Gen.Bool.Array[full.Length]
        select full.Select((size, k) => ones[k] ? 1 : size).Skip(dropped).ToArray();

    /// <summary>Shapes with each size between <paramref name="low"/> and <paramref name="high"/>, inclusive.</summary>
    private static Gen<int[]> Sizes(int[] low, int[] high) =>
        Gen.Double.Unit.Array[low.Length].Select(u => low.Select((min, k) => min + (int)(u[k] * (high[k] - min + 1))).ToArray());

    private static Gen<int> Dim(int rank) => Gen.Int[-Math.Max(rank, 1), Math.Max(rank, 1) - 1];

    /// <summary>A float64 leaf that requires grad; a null <paramref name="element"/> gives distinct values at least 0.4 apart (no Max ties).</summary>
    private static Gen<Tensor> Values(int[] shape, Gen<double>? element) => element is null
        ? Gen.Double.Unit.Array[Count(shape)].Select(keys => Values(Spread(keys), shape))
        : element.Array[Count(shape)].Select(data => Values(data, shape));

    private static Tensor Values(double[] data, int[] shape) => RequiringGrad(Constant(data, shape), true);

    private static Tensor Constant(double[] data, int[] shape) => Torch.Tensor(data).Reshape(shape);

    /// <summary>The two inputs, the first requiring grad when bit 1 of <paramref name="requiring"/> is set, the second when bit 2 is.</summary>
    private static Tensor[] RequiringSome(int requiring, Tensor first, Tensor second) =>
        [RequiringGrad(first, (requiring & 1) != 0), RequiringGrad(second, (requiring & 2) != 0)];

    private static Tensor RequiringGrad(Tensor leaf, bool requiresGrad)
    {
        leaf.RequiresGrad = requiresGrad;
        return leaf;
    }

    /// <summary>Values ordered as the keys, 0.5 apart per rank plus a jitter below 0.1.</summary>
    private static double[] Spread(double[] keys)
    {
        var order = Order(keys);
        var values = new double[keys.Length];
        for (int rank = 0; rank < order.Length; rank++) values[order[rank]] = 0.5 * rank + 0.1 * keys[order[rank]] - 0.25 * keys.Length;
        return values;
    }

    /// <summary>The positions of <paramref name="keys"/> in ascending order of key.</summary>
    private static int[] Order(double[] keys) => [.. Enumerable.Range(0, keys.Length).OrderBy(i => keys[i])];

    private static int[] Infer(int[] shape, int inferred)
    {
        if (inferred >= 0 && inferred < shape.Length) shape[inferred] = -1;
        return shape;
    }

    private static int Count(int[] shape) => shape.Aggregate(1, (n, size) => n * size);

    private static string Describe(Tensor index) => $"index {Shapes.Format(index.Shape)} [{string.Join(", ", index.ToArray<long>())}]";
}
