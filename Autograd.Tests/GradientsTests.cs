using System.Text.Json;
using Autograd.NN;

namespace Autograd.Tests;

/// <summary>Gradients (torch.autograd) against PyTorch 1.13: values and error texts from tools/gen_gradients_golden.py, and behaviour.</summary>
public class GradientsTests
{
    private static Tensor Rand(params int[] shape) => Torch.Rand(shape, DType.Float64);

    private static Tensor RandLeaf(params int[] shape) => Torch.Rand(shape, DType.Float64, requiresGrad: true);

    private static Tensor Longs(int[] shape, params long[] values) => Torch.Tensor(values).View(shape);

    /// <summary>The C# side of each golden value case: the same draws, in the same order, as the Python function of that name.</summary>
    private static readonly Dictionary<string, Func<Tensor>> ValueCases = new()
    {
        ["softmax_jacobian"] = () => Gradients.Jacobian(t => t.Softmax(0), Rand(5)),
        ["log_softmax_jacobian_2d"] = () => Gradients.Jacobian(t => t.LogSoftmax(1), Rand(2, 3)),
        ["matmul_jacobian"] = () =>
        {
            var (x, w) = (Rand(2, 3), Rand(3, 4));
            return Gradients.Jacobian(t => t.MatMul(w), x);
        },
        ["max_dim_jacobian"] = () => Gradients.Jacobian(t => t.Max(1).Values, Rand(3, 4)),
        ["jacobian_is_differentiable"] = () =>
        {
            var x = RandLeaf(4);
            var j = Gradients.Jacobian(t => (t * t).Softmax(0), x, createGraph: true);
            return Gradients.Grad((j * j).Sum(), x);
        },
        ["cross_entropy_hessian"] = () =>
        {
            var (x, t) = (Rand(3, 4), Torch.Tensor([1L, 0, 3]));
            return Gradients.Hessian(z => Functional.CrossEntropy(z, t), x);
        },
        ["cross_entropy_hessian_weighted_sum_ignored"] = () =>
        {
            var (x, w, t) = (Rand(3, 4), Rand(4), Torch.Tensor([2L, 0, 3]));
            return Gradients.Hessian(z => Functional.CrossEntropy(z, t, weight: w, ignoreIndex: 0, reduction: Reduction.Sum), x);
        },
        ["cross_entropy_hessian_spatial"] = () =>
        {
            var (x, t) = (Rand(2, 3, 2), Longs([2, 2], 0, 2, 1, 1));
            return Gradients.Hessian(z => Functional.CrossEntropy(z, t), x);
        },
        ["nll_log_softmax_hessian"] = () =>
        {
            var (x, t) = (Rand(2, 3), Torch.Tensor([2L, 1]));
            return Gradients.Hessian(z => Functional.NllLoss(z.LogSoftmax(1), t, reduction: Reduction.Sum), x);
        },
        ["entropy_hessian"] = () => Gradients.Hessian(t => -(t.Softmax(0) * t.LogSoftmax(0)).Sum(), Rand(6)),
        ["log_sum_exp_matmul_hessian"] = () =>
        {
            var (x, w) = (Rand(2, 3), Rand(3, 2));
            return Gradients.Hessian(t => t.MatMul(w).Exp().Sum().Log(), x);
        },
        ["reciprocal_max_mean_hessian"] = () =>
            Gradients.Hessian(t => (1 / (t + 1)).Mean() * t.Max() + (t / t.Sum(0, keepDim: true)).Sum(), Rand(2, 3)),
        ["gradient_penalty"] = () =>
        {
            var (x, w) = (RandLeaf(3, 4), RandLeaf(4, 5));
            var loss = Functional.CrossEntropy(x.MatMul(w), Torch.Tensor([1L, 0, 4]));
            var gx = Gradients.Grad(loss, x, createGraph: true);
            return Gradients.Grad((gx * gx).Sum(), w);
        },
        ["hessian_vector_product"] = () =>
        {
            var (x, v) = (RandLeaf(5), Rand(5));
            var g = Gradients.Grad((x.Softmax(0) * (x + 1).Log()).Sum(), x, createGraph: true);
            return Gradients.Grad([g], [x], [v])[0];
        },
        ["backward_create_graph"] = () =>
        {
            var x = RandLeaf(4);
            (x * x * x).Sum().Backward(createGraph: true);
            return Gradients.Grad(x.Grad!.Sum(), x);
        },
        ["third_derivative"] = () =>
        {
            var x = RandLeaf(3);
            var g1 = Gradients.Grad((x * x * x.Exp()).Sum(), x, createGraph: true);
            var g2 = Gradients.Grad(g1.Sum(), x, createGraph: true);
            return Gradients.Grad(g2.Sum(), x);
        },
        ["scatter_gather_hessian"] = () =>
        {
            var index = Longs([2, 2], 1, 0, 2, 2);
            return Gradients.Hessian(t => t.Gather(1, index).Exp().Sum() * t.Scatter(1, index, 0.5).Sum(), Rand(2, 3));
        },
        ["activations_pow_hessian"] = () =>
        {
            var (x, w) = (Rand(2, 3), Rand(3, 2));
            return Gradients.Hessian(t => t.MatMul(w).Tanh().Sigmoid().Pow(3).Sum() + t.Abs().Sqrt().Pow(t).Sum(), x);
        },
        ["cross_entropy_label_smoothing_hessian"] = () =>
        {
            var (x, w, t) = (Rand(3, 4), Rand(4), Torch.Tensor([3L, 1, 1]));
            return Gradients.Hessian(z => Functional.CrossEntropy(z, t, weight: w, ignoreIndex: 1, labelSmoothing: 0.2), x);
        },
        ["cross_entropy_probabilities_hessian"] = () =>
        {
            var (x, p) = (Rand(2, 3), Rand(2, 3));
            return Gradients.Hessian(z => Functional.CrossEntropy(z, p, labelSmoothing: 0.1, reduction: Reduction.Sum), x);
        },
    };

    /// <summary>The C# side of each golden error case, with the exception type the project uses for it.</summary>
    private static Dictionary<string, (Type Type, Action Action)> ErrorCases()
    {
        var (x, z, c) = (RandLeaf(3), RandLeaf(3), Rand(3));
        var usedOnce = (x * x).Sum();
        Gradients.Grad(usedOnce, x);
        Type argument = typeof(ArgumentException), graph = typeof(InvalidOperationException);
        return new()
        {
            ["unused_input"] = (graph, () => Gradients.Grad([(x * 2).Sum()], [x, z])),
            ["input_without_grad"] = (graph, () => Gradients.Grad((x * 2).Sum(), c)),
            ["output_without_grad"] = (graph, () => Gradients.Grad(c.Sum(), x)),
            ["non_scalar_output"] = (graph, () => Gradients.Grad(x * 2, x)),
            ["no_inputs"] = (argument, () => Gradients.Grad([(x * 2).Sum()], [])),
            ["too_few_grad_outputs"] = (argument, () => Gradients.Grad([(x * 2).Sum(), x.Sum()], [x], [Torch.Scalar(1, DType.Float64)])),
            ["grad_output_shape"] = (argument, () => Gradients.Grad([x * 2], [x], [Torch.Ones([2], DType.Float64)])),
            ["graph_freed"] = (graph, () => Gradients.Grad(usedOnce, x)),
            ["hessian_of_vector"] = (argument, () => Gradients.Hessian(t => t * 2, c)),
            ["gradcheck_without_grad"] = (argument, () => Gradients.GradCheck(t => t[0] * 2, [c])),
            ["scatter_src_larger_than_index"] = (graph, () => x.View(1, 3).Scatter(1, Longs([1, 2], 2, 0), z.View(1, 3)).Sum().Backward()),
        };
    }

    private static JsonElement Golden(string section)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "gradients.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty(section).Clone();
    }

    public static IEnumerable<TestCaseData> GoldenValues() =>
        Golden("values").EnumerateArray().Select(c => new TestCaseData(c).SetName($"Gradients_{c.GetProperty("name").GetString()}"));

    public static IEnumerable<TestCaseData> GoldenErrors() =>
        Golden("errors").EnumerateArray().Select(c => new TestCaseData(c).SetName($"GradientsError_{c.GetProperty("name").GetString()}"));

    [TestCaseSource(nameof(GoldenValues))]
    public void Value_MatchesPyTorch(JsonElement golden)
    {
        Torch.ManualSeed(golden.GetProperty("seed").GetInt64());
        var result = ValueCases[golden.GetProperty("name").GetString()!]();

        result.Shape.ShouldBe(golden.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
        result.RequiresGrad.ShouldBeFalse("without createGraph the result carries no graph");
        var expected = golden.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var actual = result.ToArray<double>();
        for (int i = 0; i < expected.Length; i++)
            Math.Abs(actual[i] - expected[i]).ShouldBeLessThanOrEqualTo(1e-12 + 1e-9 * Math.Abs(expected[i]), $"element {i}");
    }

    [TestCaseSource(nameof(GoldenErrors))]
    public void Error_HasPyTorchsMessage(JsonElement golden)
    {
        var (type, action) = ErrorCases()[golden.GetProperty("name").GetString()!];
        var error = Should.Throw(action, type);
        error.Message.ShouldBe(golden.GetProperty("message").GetString());
    }

    [Test]
    public void Grad_LeavesGradUntouched()
    {
        var x = RandLeaf(3);
        x.Grad = Torch.Ones([3], DType.Float64);
        var g = Gradients.Grad((x * x).Sum(), x);
        g.ToArray<double>().ShouldBe(x.ToArray<double>().Select(v => 2 * v).ToArray());
        x.Grad.ToArray<double>().ShouldBe([1.0, 1.0, 1.0]);
    }

    [Test]
    public void Grad_AllowUnused_GivesNullForAnUnusedInput()
    {
        var (x, z) = (RandLeaf(3), RandLeaf(2));
        var grads = Gradients.Grad([(x * 3).Sum()], [x, z], allowUnused: true);
        grads[0].ToArray<double>().ShouldBe([3.0, 3.0, 3.0]);
        grads[1].ShouldBeNull();
    }

    [Test]
    public void Grad_ReleasesTheGraphUnlessRetained()
    {
        var x = RandLeaf(3);
        var y = (x.Exp() * x).Sum();
        var first = Gradients.Grad([y], [x], retainGraph: true)[0];
        Gradients.Grad(y, x).ToArray<double>().ShouldBe(first.ToArray<double>());
        Should.Throw<InvalidOperationException>(() => Gradients.Grad(y, x)).Message.ShouldStartWith("Trying to backward through the graph a second time");
    }

    [Test]
    public void Grad_RunsOnlyThePartOfTheGraphThatLeadsToTheInputs()
    {
        // As in PyTorch: the gradient with respect to h leaves Exp's node (between x and h) unrun and unreleased.
        var x = RandLeaf(3);
        var h = x.Exp();
        var g = Gradients.Grad((h * h).Sum(), h);
        g.ToArray<double>().ShouldBe(h.ToArray<double>().Select(v => 2 * v).ToArray());
        h.Sum().Backward();
        x.Grad!.ToArray<double>().ShouldBe(h.ToArray<double>());
    }

    [Test]
    public void Grad_WithRespectToAnIntermediate_NeedsNoReleasedNodeBeforeIt()
    {
        var x = RandLeaf(3);
        var h = x.Exp();
        h.Sum().Backward();
        Gradients.Grad((h * h).Sum(), h).ToArray<double>().ShouldBe(h.ToArray<double>().Select(v => 2 * v).ToArray());
    }

    [Test]
    public void Grad_WithGradOutputs_WeightsTheOutputs_AndAnInputGivenTwiceGetsItTwice()
    {
        var x = RandLeaf(2);
        var grads = Gradients.Grad([x * 2, x.Sum()], [x, x], [Torch.Tensor([1.0, 10.0]), Torch.Scalar(3, DType.Float64)]);
        grads[0].ToArray<double>().ShouldBe([5.0, 23.0]);
        grads[1].ToArray<double>().ShouldBe([5.0, 23.0]);
    }

    [Test]
    public void Grad_CreateGraph_RecordsTheGradient_EvenUnderNoGrad()
    {
        var x = RandLeaf(3);
        var y = (x * x * x).Sum();
        Tensor g;
        using (Torch.NoGrad()) g = Gradients.Grad(y, x, createGraph: true);
        g.RequiresGrad.ShouldBeTrue();
        g.GradFn.ShouldNotBeNull();
        Gradients.Grad(g.Sum(), x).ToArray<double>().ShouldBe(x.ToArray<double>().Select(v => 6 * v).ToArray(), tolerance: 1e-12);
        Gradients.Grad((x * x).Sum(), x).RequiresGrad.ShouldBeFalse();
    }

    [Test]
    public void Backward_CreateGraph_LeavesADifferentiableGrad()
    {
        var x = RandLeaf(3);
        (x * x).Sum().Backward(createGraph: true);
        x.Grad!.GradFn.ShouldNotBeNull();
        var gradOfGrad = Gradients.Grad(x.Grad.Sum(), x);
        gradOfGrad.ToArray<double>().ShouldBe([2.0, 2.0, 2.0]);
    }

    [Test]
    public void Jacobian_OfAConstantFunction_IsZeros_WithShapeOutputThenInput()
    {
        var c = Rand(2, 3);
        var j = Gradients.Jacobian(_ => c.Sum(1), Rand(3, 1));
        j.Shape.ShouldBe([2, 3, 1]);
        j.ToArray<double>().ShouldAllBe(v => v == 0);
    }

    [Test]
    public void Jacobian_DoesNotTouchTheInput()
    {
        var x = RandLeaf(2, 2);
        var j = Gradients.Jacobian(t => t * t, x);
        x.Grad.ShouldBeNull();
        j.RequiresGrad.ShouldBeFalse();
        j.Shape.ShouldBe([2, 2, 2, 2]);
    }

    [Test]
    public void Hessian_OfACubic_IsDiagonal6x_AndIsInputShapeTwice()
    {
        var x = Rand(2, 2);
        var h = Gradients.Hessian(t => (t * t * t).Sum(), x);
        h.Shape.ShouldBe([2, 2, 2, 2]);
        var values = x.ToArray<double>();
        var expected = new double[16];
        for (int i = 0; i < 4; i++) expected[i * 5] = 6 * values[i];
        h.ToArray<double>().ShouldBe(expected, tolerance: 1e-12);
    }

    [Test]
    public void Hessian_WithCreateGraph_IsDifferentiableWithRespectToTheInput()
    {
        var x = RandLeaf(3);
        var h = Gradients.Hessian(t => (t * t * t).Sum(), x, createGraph: true);
        h.RequiresGrad.ShouldBeTrue();
        Gradients.Grad(h.Sum(), x).ToArray<double>().ShouldBe([6.0, 6.0, 6.0], tolerance: 1e-12);
    }

    [Test]
    public void GradCheck_PassesACorrectGradient()
    {
        var (x, w) = (RandLeaf(3, 4), RandLeaf(4, 2));
        Gradients.GradCheck(a => a[0].MatMul(a[1]).LogSoftmax(1), [x, w]).ShouldBeTrue();
        Gradients.GradGradCheck(a => a[0].MatMul(a[1]).LogSoftmax(1), [x, w]).ShouldBeTrue();
        x.Grad.ShouldBeNull();
    }

    [Test]
    public void GradCheck_NamesTheInputTheElementAndBothValues_OfAWrongGradient()
    {
        // x * detach(x) differentiates as if x were a constant on one side: analytical x, numerical 2x.
        var (c, x) = (RandLeaf(2), RandLeaf(2, 3));
        var error = Should.Throw<GradCheckException>(() => Gradients.GradCheck(a => a[0].Sum() + a[1] * a[1].Detach(), [c, x]));
        error.InputIndex.ShouldBe(1);
        error.ElementIndex.ShouldBe(0);
        double x0 = x.ToArray<double>()[0];
        error.Analytical.ShouldBe(x0, tolerance: 1e-12);
        error.Numerical.ShouldBe(2 * x0, tolerance: 1e-6);
        error.Message.ShouldStartWith("Jacobian mismatch for output 0 with respect to input 1,\nat input element 0, output element 0: numerical ");
        error.Message.ShouldContain("analytical:tensor([[");
    }

    [Test]
    public void GradGradCheck_ThrowsForAWrongGradient()
    {
        var x = RandLeaf(3);
        Should.Throw<GradCheckException>(() => Gradients.GradGradCheck(a => a[0] * a[0].Detach(), [x]));
    }

    [Test]
    public void GradCheck_RestoresTheInputs_EvenWhenTheFunctionThrows()
    {
        var x = RandLeaf(4);
        var before = x.ToArray<double>();
        int calls = 0;
        Should.Throw<ArithmeticException>(() => Gradients.GradCheck(a => ++calls > 3 ? throw new ArithmeticException() : a[0].Exp(), [x]));
        x.ToArray<double>().ShouldBe(before);
    }
}
