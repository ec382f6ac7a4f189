using System.Text.Json;
using Autograd.NN;

namespace Autograd.Tests;

/// <summary>Every op against what PyTorch 1.13 computed for it (Golden/ops.json, from tools/gen_golden.py).</summary>
[TestFixture]
public class OpsGoldenTests
{
    private static (Tensor[] Inputs, Tensor[] Outputs) Run(GoldenCase c)
    {
        var inputs = Golden.Build(c.Inputs);
        return (inputs, Golden.Apply(c.Op, c.Args, inputs));
    }

    // Values, printing, grad_fn and gradients are separate tests so that one failing aspect does not hide the others.

    [TestCaseSource(typeof(Golden), nameof(Golden.CaseData))]
    public void Values(GoldenCase c)
    {
        var (_, outputs) = Run(c);
        outputs.Length.ShouldBe(c.Outputs.Length);
        for (int i = 0; i < outputs.Length; i++) Golden.ShouldMatch(outputs[i], c.Outputs[i].Tensor, $"output {i}");
    }

    [TestCaseSource(typeof(Golden), nameof(Golden.CaseData))]
    public void GradFnAndRequiresGrad(GoldenCase c)
    {
        var (_, outputs) = Run(c);
        for (int i = 0; i < outputs.Length; i++)
        {
            var expected = c.Outputs[i];
            (outputs[i].GradFn?.Name).ShouldBe(expected.GradFn, $"output {i}: grad_fn");
            outputs[i].RequiresGrad.ShouldBe(expected.Tensor.RequiresGrad, $"output {i}: requires_grad");
            outputs[i].IsLeaf.ShouldBe(expected.GradFn is null, $"output {i}: is_leaf");
        }
    }

    [TestCaseSource(typeof(Golden), nameof(Golden.CaseData))]
    public void Printed(GoldenCase c)
    {
        var (_, outputs) = Run(c);
        for (int i = 0; i < outputs.Length; i++) outputs[i].ToString().ShouldBe(c.Outputs[i].Str, $"output {i}: str");
    }

    /// <summary>Cases where PyTorch ran a backward pass (some input requires grad and the output is floating).</summary>
    public static IEnumerable<TestCaseData> BackwardCases() => Golden.CaseData().Where(d => ((GoldenCase)d.Arguments[0]!).Backward);

    [TestCaseSource(nameof(BackwardCases))]
    public void Gradients(GoldenCase c)
    {
        var (inputs, outputs) = Run(c);
        outputs[0].Backward(c.GradOutput is null ? null : Golden.Build(c.GradOutput));
        // A float64 input of an op that computes in float32 (a 0-d float64 tensor times a float32 one) gets a float32-precise gradient.
        bool computedInFloat32 = outputs[0].DType == DType.Float32;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (c.Grads[i] is { } expected)
                Golden.ShouldMatch(inputs[i].Grad.ShouldNotBeNull($"input {i}: grad"), expected, $"input {i}: grad", computedInFloat32);
            else inputs[i].Grad.ShouldBeNull($"input {i}: grad");
        }
    }

    [Test]
    public void GoldenFileCoversEveryOp()
    {
        string[] ops =
        [
            "add", "sub", "mul", "div", "add_scalar", "radd_scalar", "sub_scalar", "rsub_scalar", "mul_scalar",
            "rmul_scalar", "div_scalar", "rdiv_scalar", "neg", "exp", "log", "sum", "mean", "max", "unsqueeze", "view",
            "reshape", "softmax", "log_softmax", "scatter_value", "scatter_src", "one_hot", "matmul", "clone",
            "cross_entropy", "nll_loss", "mul_self",
        ];
        Golden.Cases.Select(c => c.Op).Distinct().ShouldBe(ops, ignoreOrder: true);
        Golden.Cases.Select(c => c.Name).ShouldBeUnique();
    }
}

/// <summary>The programs of the seed write-up (SEED.md), against PyTorch's values for them.</summary>
[TestFixture]
public class SeedProgramTests
{
    private static JsonElement Seed => Golden.Seed;

    private static TensorSpec Spec(string name) => Golden.ParseTensor(Seed.GetProperty(name));

    private static TensorSpec Spec(string section, string name) => Golden.ParseTensor(Seed.GetProperty(section).GetProperty(name));

    private static string Str(string section, string name = "str") => Seed.GetProperty(section).GetProperty(name).GetString()!;

    /// <summary>x as the seed draws it; taken from the golden file so that these tests do not depend on the generator.</summary>
    private static Tensor X(bool requiresGrad)
    {
        var x = Golden.Build(Spec("x"));
        x.RequiresGrad = requiresGrad;
        return x;
    }

    private static Tensor Target() => Golden.Build(Spec("target"));

    /// <summary>The seed's softmax by hand: subtract the max along dim, then exp / sum(exp).</summary>
    private static Tensor ManualSoftmax(Tensor x, int dim)
    {
        x = x - Torch.Max(x, dim).Values.Unsqueeze(dim);
        return Torch.Exp(x) / Torch.Sum(Torch.Exp(x), dim).Unsqueeze(dim);
    }

    private static Tensor OneHotLabels(Tensor y) => Torch.Zeros(4, 7).Scatter(1, y.View(4, 1), 1);

    [Test]
    public void ManualSeedThenRand_GivesPyTorchsBits()
    {
        Torch.ManualSeed(1234);
        var x = Torch.Rand(4, 7);
        x.ToArray<float>().ShouldBe((float[])Spec("x").Values);
        x.ToArray<float>()[0].ShouldBe(0.0290f, 5e-5f);
    }

    [Test]
    public void ManualSeedThenRandFloat64_GivesPyTorchsBits()
    {
        Torch.ManualSeed(1234);
        Torch.Rand([3], DType.Float64).ToArray<double>().ShouldBe((double[])Spec("rand_float64_seed1234").Values);
    }

    [Test]
    public void Softmax_LibraryAndByHand()
    {
        var x = X(requiresGrad: true);
        var library = Torch.Softmax(x, dim: -1);
        Golden.ShouldMatch(library, Spec("softmax", "values"), "torch.softmax");
        library.ToString().ShouldBe(Str("softmax"));
        var manual = ManualSoftmax(x, dim: -1);
        Golden.ShouldMatch(manual, Spec("manual_softmax", "values"), "manual softmax");
        manual.ToString().ShouldBe(Str("manual_softmax"));
    }

    [Test]
    public void CrossEntropyLoss_LossAndGradient()
    {
        var x1 = X(requiresGrad: true);
        var loss = new CrossEntropyLoss().Forward(x1, Target());
        loss.Backward();
        loss.Item<float>().ShouldBe((float)Seed.GetProperty("library_loss").GetProperty("value").GetDouble(), 1e-6f);
        loss.ToString().ShouldBe("tensor(1.8978, grad_fn=<NllLossBackward0>)");
        loss.ToString().ShouldBe(Str("library_loss"));
        Golden.ShouldMatch(x1.Grad!, Spec("library_loss", "grad"), "library grad");
        x1.Grad!.ToString().ShouldBe(Str("library_loss", "grad_str"));
    }

    [Test]
    public void ManualLoss_LossAndGradient()
    {
        var x2 = X(requiresGrad: true);
        var loss = -(Torch.Log(ManualSoftmax(x2, dim: -1)) * OneHotLabels(Target())).Sum() / 4;
        loss.Backward();
        loss.ToString().ShouldBe("tensor(1.8978, grad_fn=<DivBackward0>)");
        loss.ToString().ShouldBe(Str("manual_loss"));
        Golden.ShouldMatch(x2.Grad!, Spec("manual_loss", "grad"), "manual grad");
        x2.Grad!.ToString().ShouldBe(Str("manual_loss", "grad_str"));
    }

    [Test]
    public void DirectGradient_IsSoftmaxMinusOneHotOverN()
    {
        var eta = (Torch.Softmax(X(requiresGrad: false), dim: -1) - OneHotLabels(Target())) / 4;
        Golden.ShouldMatch(eta, Spec("direct_grad"), "direct grad");
        eta.GradFn.ShouldBeNull();
    }
}
