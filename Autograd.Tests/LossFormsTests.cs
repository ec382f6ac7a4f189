using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// CrossEntropy, CrossEntropyLoss and NllLoss in every form against PyTorch 1.13 (Golden/loss.json from
/// tools/gen_loss_golden.py): loss, grad_fn, gradient, gradient of the gradient, and the message of every bad input.
/// Then float64 finite differences of the new forms and the graph's retain/accumulate behaviour.
/// </summary>
public class LossFormsTests
{
    // loss_large.json holds the 100,000-class cases, kept apart so that neither file grows large.
    private static readonly JsonElement[] Golden = [LoadGolden("loss.json"), LoadGolden("loss_large.json")];

    private static JsonElement LoadGolden(string name)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", name);
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.Clone();
    }

    private static IEnumerable<TestCaseData> Entries(string kind, Func<JsonElement, bool>? where = null) =>
        Golden.SelectMany(file => file.GetProperty(kind).EnumerateArray())
            .Where(e => where is null || where(e))
            .Select(e => new TestCaseData(e).SetArgDisplayNames(e.GetProperty("name").GetString()!));

    public static IEnumerable<TestCaseData> Cases() => Entries("cases");

    public static IEnumerable<TestCaseData> DoubleBackwardCases() => Entries("cases", c => c.TryGetProperty("double", out _));

    public static IEnumerable<TestCaseData> Errors() => Entries("errors");

    [TestCaseSource(nameof(Cases))]
    public void LossGradFnAndGradient_MatchPyTorch(JsonElement c)
    {
        var (input, target, weight) = Inputs(c);
        var loss = Apply(c, input, target, weight);

        ShouldMatch(loss, c.GetProperty("output"), "loss");
        loss.GradFn!.Name.ShouldBe(c.GetProperty("grad_fn").GetString());
        loss.Backward(Decode(c.GetProperty("grad_output")));
        ShouldMatch(input.Grad!, c.GetProperty("grad"), "input.Grad");
    }

    [TestCaseSource(nameof(DoubleBackwardCases))]
    public void GradientOfTheGradient_MatchesPyTorch(JsonElement c)
    {
        var (input, target, weight) = Inputs(c);
        var expected = c.GetProperty("double");
        var gradOutput = Decode(c.GetProperty("grad_output"));
        gradOutput.RequiresGrad = true;

        Apply(c, input, target, weight).Backward(gradOutput, createGraph: true);
        var gradient = input.Grad!;
        input.Grad = null;
        (gradient * Decode(expected.GetProperty("v"))).Sum().Backward();

        ShouldMatch(input.Grad ?? Torch.Zeros([.. input.Shape], input.DType), expected.GetProperty("grad"), "input.Grad");
        var upstreamGrad = gradOutput.Grad ?? Torch.Zeros([.. gradOutput.Shape], gradOutput.DType);
        if (MeanOfNothing(c)) upstreamGrad.ToArray<double>().ShouldAllBe(v => v == 0);
        else ShouldMatch(upstreamGrad, expected.GetProperty("grad_output_grad"), "gradOutput.Grad");
    }

    /// <summary>
    /// The one known difference: a Mean over no kept target is 0/0, and PyTorch differentiates NllLossBackward with
    /// respect to its upstream gradient by running that mean again (nan); the closed form scales an ignored position by 0.
    /// </summary>
    private static bool MeanOfNothing(JsonElement c) =>
        c.GetProperty("reduction").GetString() == "mean" && double.IsNaN(Decode(c.GetProperty("output")).Item<double>());

    [TestCaseSource(nameof(Errors))]
    public void BadInput_ThrowsPyTorchsMessage_AndChangesNothing(JsonElement e)
    {
        var tensors = new[] { "input", "target", "weight", "index", "src" }
            .Select(key => e.TryGetProperty(key, out var spec) && spec.ValueKind != JsonValueKind.Null ? Decode(spec) : null)
            .ToArray();
        var before = tensors.Select(t => t?.ToArray<double>()).ToArray();

        var thrown = Should.Throw<ArgumentException>(() => Invoke(e, tensors));

        thrown.Message.ShouldBe(e.GetProperty("message").GetString());
        if (e.GetProperty("error").GetString() == "IndexError") thrown.ShouldBeOfType<ArgumentOutOfRangeException>();
        for (int i = 0; i < tensors.Length; i++) tensors[i]?.ToArray<double>().ShouldBe(before[i]);
    }

    [Test]
    public void Golden_CoversEveryFormAndError()
    {
        var cases = Golden.SelectMany(file => file.GetProperty("cases").EnumerateArray()).ToList();
        var names = cases.Select(c => c.GetProperty("grad_fn").GetString()).ToHashSet();
        names.ShouldBe(["NllLossBackward0", "NllLoss2DBackward0", "ViewBackward0", "AddBackward0", "DivBackward1", "NegBackward0"],
            ignoreOrder: true);
        cases.Count.ShouldBeGreaterThan(800);
        cases.ShouldContain(c => c.GetProperty("name").GetString()!.StartsWith("edge_100k"));
        Golden.Sum(file => file.GetProperty("errors").GetArrayLength()).ShouldBeGreaterThan(150);
    }

    // The graph: a second Backward needs retainGraph, and gradients accumulate in Grad.

    public sealed record Form(string Name, int[] Shape, Func<Tensor, Tensor> Loss)
    {
        public override string ToString() => Name;
    }

    private static readonly Tensor Labels = Torch.Tensor([2L, 0, -100, 4]);
    private static readonly Tensor ClassWeights = Torch.Tensor([0.5, 1.0, 2.0, 1.5, 0.25]);

    private static IEnumerable<Form> GraphForms() =>
    [
        new("class targets", [4, 5], x => Functional.CrossEntropy(x, Labels)),
        new("weight, smoothing", [4, 5], x => Functional.CrossEntropy(x, Labels, ClassWeights, labelSmoothing: 0.2)),
        new("probabilities", [4, 5], x => Functional.CrossEntropy(x, Probabilities([4, 5], 1), ClassWeights, labelSmoothing: 0.1)),
        new("spatial, unreduced", [2, 5, 2], x => Functional.CrossEntropy(x, Labels.View(2, 2), reduction: Reduction.None).Sum()),
        new("nll", [4, 5], x => Functional.NllLoss(x, Labels, ClassWeights, reduction: Reduction.Sum)),
    ];

    [TestCaseSource(nameof(GraphForms))]
    public void SecondBackward_NeedsRetainGraph_AndAccumulatesIntoGrad(Form form)
    {
        var (_, shape, lossOf) = form;
        var x = Start(shape, 3);
        var loss = lossOf(x);

        loss.Backward(retainGraph: true);
        var once = x.Grad!.ToArray<double>();
        loss.Backward();
        x.Grad!.ToArray<double>().ShouldBe(once.Select(v => 2 * v).ToArray(), tolerance: 1e-12);
        Should.Throw<InvalidOperationException>(() => loss.Backward()).Message
            .ShouldStartWith("Trying to backward through the graph a second time");
    }

    // Finite differences (float64): each new form's gradient, and its gradient's gradient, against its own forward.

    private static IEnumerable<Form> DifferencedForms()
    {
        var spatialLabels = Torch.Tensor([0L, 2, -100, 1, 1, 0]).View(2, 3);
        var pixelLabels = Torch.Tensor([2L, 0, 1, -100, 2, 1, 0, 0]).View(2, 2, 2);
        var threeWeights = Torch.Tensor([0.7, 1.3, 2.0]);
        return
        [
            new("weight mean", [4, 5], x => Functional.CrossEntropy(x, Labels, ClassWeights)),
            new("weight none", [4, 5], x => Weighted(Functional.CrossEntropy(x, Labels, ClassWeights, reduction: Reduction.None))),
            new("smoothing mean", [4, 5], x => Functional.CrossEntropy(x, Labels, labelSmoothing: 0.3)),
            new("smoothing 1 with weight, sum", [4, 5],
                x => Functional.CrossEntropy(x, Labels, ClassWeights, reduction: Reduction.Sum, labelSmoothing: 1.0)),
            new("smoothing weight ignore3 none", [4, 5],
                x => Weighted(Functional.CrossEntropy(x, Torch.Tensor([2L, 3, 1, 4]), ClassWeights, ignoreIndex: 3, reduction: Reduction.None, labelSmoothing: 0.25))),
            new("probabilities mean", [4, 5], x => Functional.CrossEntropy(x, Probabilities([4, 5], 2))),
            new("probabilities weight smoothing none", [4, 5],
                x => Weighted(Functional.CrossEntropy(x, Probabilities([4, 5], 3), ClassWeights, reduction: Reduction.None, labelSmoothing: 0.2))),
            new("probabilities (C)", [5], x => Functional.CrossEntropy(x, Probabilities([5], 4), ClassWeights)),
            new("probabilities spatial sum", [2, 3, 2, 2], x => Functional.CrossEntropy(x, Probabilities([2, 3, 2, 2], 5), reduction: Reduction.Sum)),
            new("spatial (N, C, d) weight smoothing none", [2, 3, 3],
                x => Weighted(Functional.CrossEntropy(x, spatialLabels, threeWeights, reduction: Reduction.None, labelSmoothing: 0.1))),
            new("spatial (N, C, d1, d2) weight mean", [2, 3, 2, 2], x => Functional.CrossEntropy(x, pixelLabels, threeWeights)),
            new("spatial (N, C, d1, d2, d3) smoothing sum", [2, 3, 2, 2, 1],
                x => Functional.CrossEntropy(x, pixelLabels.View(2, 2, 2, 1), reduction: Reduction.Sum, labelSmoothing: 0.4)),
            new("nll spatial weight none", [2, 3, 2, 2],
                x => Weighted(Functional.NllLoss(x, pixelLabels, threeWeights, reduction: Reduction.None))),
        ];
    }

    [TestCaseSource(nameof(DifferencedForms))]
    public void Gradient_MatchesFiniteDifferences(Form form)
    {
        var (_, shape, lossOf) = form;
        CheckGradient(Start(shape, 7).ToArray<double>(), shape, lossOf);
    }

    /// <summary>NLL's gradient does not depend on its input, so it has no second-order part to difference.</summary>
    private static IEnumerable<Form> SecondOrderForms() => DifferencedForms().Where(f => !f.Name.StartsWith("nll"));

    [TestCaseSource(nameof(SecondOrderForms))]
    public void GradientOfTheGradient_MatchesFiniteDifferences(Form form)
    {
        var (_, shape, lossOf) = form;
        var direction = Start(shape, 8).Detach();
        CheckGradient(Start(shape, 9).ToArray<double>(), shape, x =>
        {
            lossOf(x).Backward(createGraph: true);
            var gradient = x.Grad!;
            x.Grad = null;
            return (gradient * direction).Sum();
        });
    }

    // What the golden file cannot express as an error.

    [Test]
    public void OneHot_OfEmptyIndexWithClasses_IsEmpty() =>
        Functional.OneHot(new Tensor(Array.Empty<long>(), [0]), 3).Shape.ShouldBe([0, 3]);

    /// <summary>PyTorch's forward gives these (its backward reads past the empty target and crashes).</summary>
    [TestCase(Reduction.Mean, double.NaN)]
    [TestCase(Reduction.Sum, 0.0)]
    [TestCase(Reduction.None, 0.0)]
    public void NllLoss_OfEmptyInputAndTarget_CountsNothing(Reduction reduction, double expected)
    {
        var loss = Functional.NllLoss(Torch.Zeros([0], requiresGrad: true), new Tensor(Array.Empty<long>(), [0]), reduction: reduction);
        loss.Shape.ShouldBeEmpty();
        loss.Item<double>().ShouldBe(expected);
        loss.Backward();
    }

    [Test]
    public void Scatter_OfEmptyIndex_SkipsTheShapeChecks() =>
        Torch.Zeros(4, 7).Scatter(1, new Tensor(Array.Empty<long>(), [0]), 1.0).ToArray<float>().ShouldAllBe(v => v == 0);

    // Helpers.

    /// <summary>A float64 leaf of standard normals scaled by 2, from a fixed seed.</summary>
    private static Tensor Start(int[] shape, long seed)
    {
        Torch.ManualSeed(seed);
        var x = (Torch.Randn(shape, DType.Float64) * 2.0).Detach();
        x.RequiresGrad = true;
        return x;
    }

    /// <summary>Soft targets: a softmax over the class dim of uniform draws.</summary>
    private static Tensor Probabilities(int[] shape, long seed)
    {
        Torch.ManualSeed(seed);
        return Torch.Rand(shape, DType.Float64).Softmax(shape.Length == 1 ? 0 : 1);
    }

    /// <summary>An unreduced loss folded to a scalar with fixed, unequal weights, so each position's gradient scale differs.</summary>
    private static Tensor Weighted(Tensor losses)
    {
        Torch.ManualSeed(11);
        return (losses * Torch.Rand([.. losses.Shape], DType.Float64)).Sum();
    }

    /// <summary>Autograd's gradient of the scalar <paramref name="f"/> against central differences.</summary>
    private static void CheckGradient(double[] start, int[] shape, Func<Tensor, Tensor> f)
    {
        const double step = 1e-6;
        var x = new Tensor((double[])start.Clone(), shape) { RequiresGrad = true };
        f(x).Backward();
        var analytic = x.Grad!.ToArray<double>();
        double At(int i, double delta)
        {
            var moved = (double[])start.Clone();
            moved[i] += delta;
            return f(new Tensor(moved, shape) { RequiresGrad = true }).Item<double>();
        }
        var mismatches = Enumerable.Range(0, start.Length)
            .Select(i => (i, numeric: (At(i, step) - At(i, -step)) / (2 * step)))
            .Where(p => Math.Abs(p.numeric - analytic[p.i]) > 1e-6 + 1e-5 * Math.Abs(p.numeric))
            .Select(p => $"[{p.i}] autograd {analytic[p.i]} vs numeric {p.numeric}");
        mismatches.ShouldBeEmpty();
    }

    private static (Tensor Input, Tensor Target, Tensor? Weight) Inputs(JsonElement c)
    {
        var input = Decode(c.GetProperty("input"));
        input.RequiresGrad = true;
        var weight = c.GetProperty("weight");
        return (input, Decode(c.GetProperty("target")), weight.ValueKind == JsonValueKind.Null ? null : Decode(weight));
    }

    private static Tensor Apply(JsonElement c, Tensor input, Tensor target, Tensor? weight)
    {
        long ignoreIndex = c.GetProperty("ignore_index").GetInt64();
        var reduction = c.GetProperty("reduction").GetString() switch
        {
            "none" => Reduction.None,
            "sum" => Reduction.Sum,
            _ => Reduction.Mean,
        };
        double smoothing = Number(c.GetProperty("label_smoothing"));
        return c.GetProperty("op").GetString() switch
        {
            "nll_loss" => Functional.NllLoss(input, target, weight, ignoreIndex, reduction),
            "module" => new CrossEntropyLoss(weight, ignoreIndex, reduction, smoothing).Forward(input, target),
            _ => Functional.CrossEntropy(input, target, weight, ignoreIndex, reduction, smoothing),
        };
    }

    /// <summary>Calls the golden error's op; tensors are input, target, weight, index, src (null where absent).</summary>
    private static void Invoke(JsonElement e, Tensor?[] t)
    {
        switch (e.GetProperty("op").GetString())
        {
            case "one_hot":
                Functional.OneHot(t[1]!, e.GetProperty("num_classes").GetInt32());
                break;
            case "scatter":
                int dim = e.GetProperty("dim").GetInt32();
                _ = t[4] is { } src ? t[0]!.Scatter(dim, t[3]!, src) : t[0]!.Scatter(dim, t[3]!, e.GetProperty("value").GetDouble());
                break;
            default:
                Apply(e, t[0]!, t[1]!, t[2]);
                break;
        }
    }

    private static double Number(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble();

    /// <summary>A golden tensor: base64 little-endian elements, or a seeded draw checked against its sum.</summary>
    private static Tensor Decode(JsonElement spec)
    {
        int[] shape = [.. spec.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())];
        string dtype = spec.GetProperty("dtype").GetString()!;
        if (spec.TryGetProperty("gen", out var gen)) return Generate(gen, shape, spec.GetProperty("sum").GetDouble());
        var bytes = Convert.FromBase64String(spec.GetProperty("b64").GetString()!);
        Array data = dtype switch
        {
            "float32" => MemoryMarshal.Cast<byte, float>(bytes).ToArray(),
            "float64" => MemoryMarshal.Cast<byte, double>(bytes).ToArray(),
            _ => MemoryMarshal.Cast<byte, long>(bytes).ToArray(),
        };
        return new Tensor(data, shape);
    }

    private static Tensor Generate(JsonElement gen, int[] shape, double expectedSum)
    {
        Torch.ManualSeed(gen.GetProperty("seed").GetInt64());
        var draw = gen.GetProperty("fn").GetString() == "randn" ? Torch.Randn(shape) : Torch.Rand(shape);
        var t = (draw * gen.GetProperty("scale").GetDouble() + gen.GetProperty("offset").GetDouble()).Detach();
        t.ToArray<double>().Sum().ShouldBe(expectedSum, Math.Abs(expectedSum) * 1e-9 + 1e-6);
        return t;
    }

    /// <summary>dtype, shape and every element: nan where PyTorch has nan, equal infinities, else within 1e-5 + 1e-4 relative.</summary>
    private static void ShouldMatch(Tensor actual, JsonElement expectedSpec, string what)
    {
        var expected = Decode(expectedSpec);
        actual.DType.ShouldBe(expected.DType, what);
        actual.Shape.ShouldBe(expected.Shape, what);
        double[] a = actual.ToArray<double>(), b = expected.ToArray<double>();
        var mismatches = Enumerable.Range(0, b.Length).Where(i => !Close(a[i], b[i])).Take(5).Select(i => $"[{i}] {a[i]} vs PyTorch {b[i]}");
        mismatches.ShouldBeEmpty(what);
    }

    private static bool Close(double actual, double expected) =>
        double.IsNaN(expected) ? double.IsNaN(actual)
        : double.IsInfinity(expected) ? actual == expected
        : Math.Abs(actual - expected) <= 1e-5 + 1e-4 * Math.Abs(expected);
}
