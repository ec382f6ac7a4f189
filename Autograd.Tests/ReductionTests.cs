namespace Autograd.Tests;

/// <summary>
/// Reductions, scans and sorting against PyTorch 1.13 (Golden/mathops.json): values (Sum/Mean/Amax/Amin/Min/Cumsum/Sort/...
/// exact; Var/Std/Norm/Prod/LogSumExp/Cumprod within a few float32 ulps), grad_fn names, gradients with ties, NaN,
/// zeros, empty tensors and keepDim, and PyTorch's error messages.
/// </summary>
[TestFixture]
public class ReductionTests
{
    private static readonly HashSet<string> Exact =
        ["sum_dims", "mean_dims", "amax", "amin", "max_all", "min_all", "argmin_all", "min_dim", "argmin", "cumsum", "sort", "argsort",
         "topk", "count_nonzero", "count_nonzero_dims"];

    private static readonly HashSet<string> Close = ["var", "std", "norm", "logsumexp", "prod_dim", "prod_all", "cumprod"];

    public static IEnumerable<TestCaseData> CaseData() => MathGolden.Cases.Where(c => Exact.Contains(c.Op) || Close.Contains(c.Op))
        .Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    /// <summary>Exact ops must be bit-identical; the others within 4 ulps (PyTorch's Welford variance, vectorized products and SLEEF exp/log).</summary>
    [TestCaseSource(nameof(CaseData))]
    public void MatchesPyTorch(MathCase c) => MathOpsTests.CheckCase(c, k => Exact.Contains(k.Op) ? 0 : 4);

    public static IEnumerable<TestCaseData> ErrorData() => MathGolden.Errors.Where(e => e.Op != "clamp").Select(e => new TestCaseData(e).SetArgDisplayNames(e.Name));

    [TestCaseSource(nameof(ErrorData))]
    public void ErrorsAsPyTorch(MathError e)
    {
        var inputs = Golden.Build(e.Inputs);
        Should.Throw<Exception>(() => MathGolden.Apply(e.Op, e.Args, inputs)).Message.ShouldBe(e.Message);
    }

    /// <summary>The example: PyTorch's max() all-reduce gradient goes to the NaN, not evenly to all three.</summary>
    [Test]
    public void Max_OfNaN_SendsTheGradientToTheNaN()
    {
        var x = Torch.Tensor([1f, float.NaN, 2f], requiresGrad: true);
        x.Max().Backward();
        x.Grad!.ToArray<float>().ShouldBe([0f, 1f, 0f]);
    }

    [Test]
    public void Amax_SplitsTheGradientEvenlyAmongTies()
    {
        var x = Torch.Tensor([3f, 1f, 3f, 3f], requiresGrad: true);
        x.Amax(null).Backward();
        x.Grad!.ToArray<float>().ShouldBe([1f / 3, 0f, 1f / 3, 1f / 3]);
    }

    [Test]
    public void Prod_WithOneZero_HasTheProductOfTheOthersAsGradient()
    {
        var x = Torch.Tensor([2.0, 0.0, 3.0], requiresGrad: true);
        x.Prod().Backward();
        x.Grad!.ToArray<double>().ShouldBe([0.0, 6.0, 0.0]);
    }

    /// <summary>As PyTorch's: a Bool sum counts the true elements as Int64 (<c>pred.eq(target).sum()</c>).</summary>
    [Test]
    public void Sum_OfBool_CountsAsInt64()
    {
        var mask = Torch.Tensor(new long[,] { { 1, 0, 1 }, { 1, 1, 0 } }).Gt(0);
        mask.Sum().ToString().ShouldBe("tensor(4)");
        mask.Sum(1).ToString().ShouldBe("tensor([2, 2])");
        mask.Sum(0, keepDim: true).ToString().ShouldBe("tensor([[2, 1, 1]])");
    }
}
