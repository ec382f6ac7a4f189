using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// The loss modules and their Functional twins against PyTorch 1.13 (Golden/losses_nn.json): values, grad_fn names,
/// input and target gradients in every reduction, reprs and the messages of rejected calls.
/// </summary>
[TestFixture]
public class LossModulesTests
{
    private static readonly HashSet<string> LossFns = ["mse", "l1", "smooth_l1", "huber", "bce", "bce_logits", "kl_div", "nll", "cross_entropy"];

    public static IEnumerable<TestCaseData> Cases() =>
        LossesGolden.Cases.Where(c => LossFns.Contains(c.Fn)).Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    public static IEnumerable<TestCaseData> Errors() =>
        LossesGolden.Errors.Where(e => LossFns.Contains(e.Fn)).Select(e => new TestCaseData(e).SetArgDisplayNames(e.Name));

    /// <summary>
    /// The output's tolerance in units in the last place (0: bit for bit). Unreduced losses are elementwise kernels and
    /// match bit for bit, except KLDiv with a log target (PyTorch's vectorized exp) and the existing cross-entropy; a Sum
    /// or Mean adds the elements in another order than PyTorch's cascade.
    /// </summary>
    internal static int OutputUlps(NnCase c) =>
        LossesGolden.Reduction(c.Args) != Reduction.None ? 4
        : c.Fn == "cross_entropy" ? 4
        : c.Fn == "kl_div" && c.Args.GetProperty("log_target").GetBoolean() ? 2
        : 0;

    /// <summary>
    /// A gradient's tolerance. The input gradients of MSE, L1, SmoothL1 and BCE (and KLDiv's without a log target) are
    /// PyTorch's kernels, bit for bit; Huber's differs by an ulp where delta is not representable; broadcast operands
    /// sum their gradients in another order. PyTorch composes the target gradients of BCE, BCEWithLogits and KLDiv from
    /// several nodes, and BCEWithLogits' input gradient goes through its vectorized sigmoid.
    /// </summary>
    internal static int GradUlps(NnCase c, int input) =>
        c.Name.Contains("broadcast") ? 4
        : c.Fn is "mse" or "l1" or "smooth_l1" ? 0
        : c.Fn == "bce" && input == 0 ? 0
        : c.Fn == "kl_div" && input == 0 && !c.Args.GetProperty("log_target").GetBoolean() ? 0
        : c.Fn is "huber" or "kl_div" ? 2
        : 16;

    [TestCaseSource(nameof(Cases))]
    public void Value_AndGradFn(NnCase c) => LossesGolden.CheckValueAndGradFn(c, OutputUlps(c));

    [TestCaseSource(nameof(Cases))]
    public void Gradients(NnCase c) => LossesGolden.CheckGradients(c, i => GradUlps(c, i));

    /// <summary>The gradient built with createGraph (the composed form) agrees with the direct one.</summary>
    [TestCaseSource(nameof(Cases))]
    public void ComposedGradients_MatchTheDirectOnes(NnCase c)
    {
        Tensor[] inputs = [.. c.Inputs.Select(LossesGolden.Decode)];
        var requiring = inputs.Where(t => t.RequiresGrad).ToArray();
        var output = LossesGolden.Call(c.Fn, c.Via, c.Args, inputs);
        var g = LossesGolden.Decode(c.GradOutput!.Value);
        var direct = Autograd.Gradients.Grad([output], requiring, [g], retainGraph: true);
        var composed = Autograd.Gradients.Grad([output], requiring, [g], retainGraph: true, createGraph: true);
        for (int i = 0; i < requiring.Length; i++)
        {
            var (d, e) = (direct[i]!.ToArray<double>(), composed[i]!.ToArray<double>());
            double tolerance = output.DType == DType.Float32 ? 1e-5 : 1e-12;
            for (int k = 0; k < d.Length; k++)
            {
                if (double.IsNaN(d[k]) || d[k] == e[k]) continue;
                e[k].ShouldBe(d[k], tolerance * Math.Max(1, Math.Abs(d[k])), $"input {i}[{k}]");
            }
        }
    }

    [TestCaseSource(nameof(Errors))]
    public void RejectedCalls_HavePyTorchsMessage(NnError e) => ActivationTests.ShouldThrow(e);

    [Test]
    public void LossModules_PrintAsPyTorch()
    {
        var expected = LossesGolden.Json.GetProperty("reprs").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("text").GetString()!);
        new MSELoss().ToString().ShouldBe(expected["MSELoss"]);
        new L1Loss(Reduction.Sum).ToString().ShouldBe(expected["L1Loss sum"]);
        new SmoothL1Loss(beta: 0.5).ToString().ShouldBe(expected["SmoothL1Loss 0.5"]);
        new HuberLoss(delta: 2).ToString().ShouldBe(expected["HuberLoss 2"]);
        new BCELoss().ToString().ShouldBe(expected["BCELoss"]);
        new BCEWithLogitsLoss(posWeight: Torch.Ones(3)).ToString().ShouldBe(expected["BCEWithLogitsLoss pos_weight"]);
        new KLDivLoss(logTarget: true).ToString().ShouldBe(expected["KLDivLoss log_target"]);
        new NLLLoss().ToString().ShouldBe(expected["NLLLoss"]);
        new CrossEntropyLoss(labelSmoothing: 0.1).ToString().ShouldBe(expected["CrossEntropyLoss smoothing"]);
    }

    [Test]
    public void ALossCalledWithoutTarget_FailsAsPyTorch()
    {
        Module loss = new MSELoss();
        Should.Throw<ArgumentException>(() => loss.Forward(Torch.Rand(2)))
            .Message.ShouldBe(LossesGolden.Json.GetProperty("missing_target").GetString());
    }

    [Test]
    public void LossModules_KeepTheirSettings()
    {
        var weight = Torch.Ones(3);
        var loss = new CrossEntropyLoss(weight, ignoreIndex: 2, Reduction.Sum, labelSmoothing: 0.2);
        (loss.Weight, loss.IgnoreIndex, loss.Reduction, loss.LabelSmoothing).ShouldBe((weight, 2L, Reduction.Sum, 0.2));
        loss.ShouldBeAssignableTo<Module>();
        loss.Parameters().ShouldBeEmpty();
        new KLDivLoss(Reduction.BatchMean, logTarget: true).LogTarget.ShouldBeTrue();
        new BCEWithLogitsLoss(posWeight: weight).PosWeight.ShouldBeSameAs(weight);
    }

    /// <summary>KL divergence's batchmean over a 2-d input is the summed loss divided by the batch size.</summary>
    [Test]
    public void KlDivBatchMean_IsTheSumOverTheBatchSize()
    {
        var input = Torch.Randn([4, 3], DType.Float64).LogSoftmax(1);
        var target = Torch.Rand([4, 3], DType.Float64).Softmax(1);
        Functional.KlDiv(input, target, Reduction.BatchMean).Item<double>()
            .ShouldBe(Functional.KlDiv(input, target, Reduction.Sum).Item<double>() / 4, 1e-15);
    }
}
