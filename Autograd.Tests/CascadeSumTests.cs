
namespace Autograd.Tests;

/// <summary>
/// Float sums bit-identical to PyTorch 1.13's CPU cascade (one intra-op thread) on sizes 1 to 1e7, many-dim reductions,
/// Mean, and the broadcast-gradient reduction (SumTo); and the same bits whatever the thread count here.
/// </summary>
[TestFixture]
[Category("Slow")]
public class CascadeSumTests
{
    public static IEnumerable<TestCaseData> CaseData() => MathGolden.Cascade.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    [TestCaseSource(nameof(CaseData))]
    public void BitIdenticalToPyTorch(CascadeCase c)
    {
        var x = c.BuildInput();
        Tensor result;
        if (c.Op == "sumto")
        {
            var leaf = Torch.Zeros(c.Target!, c.DType, requiresGrad: true);
            ((leaf + Torch.Zeros(c.Shape, c.DType)) * x).Sum().Backward();
            result = leaf.Grad!;
        }
        else if (c.Op == "sum") result = c.Dims is null ? x.Sum() : x.Sum(c.Dims, c.KeepDim);
        else result = c.Dims is null ? x.Mean() : x.Mean(c.Dims, c.KeepDim);
        MathGolden.MaxUlps(result, c.Result, c.Name).ShouldBe(0);
    }

    [Test]
    public void OnesTimesATenth_SumsToPyTorchsValue()
    {
        (Torch.Ones(1, 10_000_000) * 0.1).Sum(1).Item<float>().ShouldBe(999999.4375f);
    }

    /// <summary>The parallel split (whole top-level cascade blocks) gives the serial bits.</summary>
    [Test]
    public void ThreadCount_DoesNotChangeTheBits()
    {
        Torch.ManualSeed(7);
        var x = Torch.Randn(3_000_001);
        var m = Torch.Randn(2000, 700);
        float parallel = x.Sum().Item<float>();
        var columns = m.Sum(0).ToArray<float>();
        int degree = Parallelism.MaxDegree;
        try
        {
            Parallelism.MaxDegree = 1;
            x.Sum().Item<float>().ShouldBe(parallel);
            m.Sum(0).ToArray<float>().ShouldBe(columns);
        }
        finally { Parallelism.MaxDegree = degree; }
    }
}
