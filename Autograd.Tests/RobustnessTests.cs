using System.Diagnostics;

namespace Autograd.Tests;

/// <summary>Deep and wide graphs, long training runs and anomaly detection.</summary>
[TestFixture]
[Category("Slow")]
public class RobustnessTests
{
    private const double Factor = 1.0001;

    /// <summary>x -> (x * Factor).Unsqueeze(0).Exp().Log().Sum(0) repeated: five ops per link, three of them saving tensors.</summary>
    private static (Tensor Leaf, Tensor Loss) Chain(int ops)
    {
        var x = Torch.Tensor([0.5, -0.25], requiresGrad: true);
        var y = x;
        for (int i = 0; i < ops / 5; i++) y = (y * Factor).Unsqueeze(0).Exp().Log().Sum(0);
        return (x, y.Sum());
    }

    [Test]
    public void Backward_ThroughAChainOf100000Ops_Works()
    {
        var (x, loss) = Chain(100_000);
        var watch = Stopwatch.StartNew();
        loss.Backward();
        TestContext.Out.WriteLine($"backward through 100,000 ops: {watch.ElapsedMilliseconds} ms");
        double expected = Math.Pow(Factor, 100_000 / 5);
        x.Grad.ShouldNotBeNull().ToArray<double>().ShouldBe([expected, expected], tolerance: 1e-9 * expected);
    }

    /// <summary>
    /// Linear work, shown by counting instead of timing (no timing assertions in tests): over a chain of 400,000 nodes
    /// Backward runs each node's closure exactly once, and every dependency count is settled by one visit.
    /// </summary>
    [Test]
    public void Backward_RunsEachNodeOfALongChainOnce()
    {
        const int length = 400_000;
        var counter = new CountingIdentity();
        var x = Torch.Tensor([1.0], requiresGrad: true);
        var y = x;
        for (int i = 0; i < length; i++) y = counter.Apply(y);
        y.Backward();
        counter.BackwardCalls.ShouldBe(length);
        x.Grad.ShouldNotBeNull().ToArray<double>().ShouldBe([1.0]);
    }

    /// <summary>y = x, counting how often its backward runs.</summary>
    private sealed class CountingIdentity : Function
    {
        public int BackwardCalls;

        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs) => inputs[0].Clone();

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            BackwardCalls++;
            return [gradOutput];
        }
    }

    /// <summary>A leaf w and a node h = exp(x), each feeding 100,000 products: every use adds its share.</summary>
    [Test]
    public void Backward_FromTensorsUsed100000Times_SumsEveryUse()
    {
        const int uses = 100_000;
        var x = Torch.Tensor([0.5, -1.0], requiresGrad: true);
        var w = Torch.Tensor([2.0, 3.0], requiresGrad: true);
        var h = x.Exp();
        var total = h * w;
        for (int i = 1; i < uses; i++) total = total + h * w;
        total.Sum().Backward();
        x.Grad.ShouldNotBeNull().ToArray<double>().ShouldBe([uses * 2 * Math.Exp(0.5), uses * 3 * Math.Exp(-1.0)], tolerance: 1e-6);
        w.Grad.ShouldNotBeNull().ToArray<double>().ShouldBe([uses * Math.Exp(0.5), uses * Math.Exp(-1.0)], tolerance: 1e-6);
    }

    /// <summary>Each step's graph must become garbage once Backward has run and the parameters are replaced.</summary>
    [Test]
    public void TrainingFor10000Steps_KeepsTheManagedHeapFlat()
    {
        var model = new TinyClassifier(seed: 1);
        long heapAtStep1000 = 0;
        float firstLoss = model.Step(), lastLoss = 0;
        for (int step = 2; step <= 10_000; step++)
        {
            lastLoss = model.Step();
            if (step == 1_000) heapAtStep1000 = HeapAfterFullCollection();
        }
        long heapAtStep10000 = HeapAfterFullCollection();
        double growth = (double)(heapAtStep10000 - heapAtStep1000) / heapAtStep1000;
        TestContext.Out.WriteLine($"heap: {heapAtStep1000:N0} bytes at step 1,000, {heapAtStep10000:N0} at step 10,000, growth {growth:P2}");
        growth.ShouldBeLessThan(0.05);
        lastLoss.ShouldBeLessThan(firstLoss); // it did train
    }

    private static long HeapAfterFullCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>
    /// PyTorch 1.13's scatter backward hands src a gradient of the index's shape, which its engine rejects; so does
    /// this one, with PyTorch's message. The branch into w runs first, yet w gets no gradient: a failed pass changes
    /// nothing.
    /// </summary>
    [Test]
    public void Backward_RejectsAGradientOfTheWrongShape_AndTheFailedPassChangesNoGrad()
    {
        var x = Torch.Zeros([2, 3], requiresGrad: true);
        var src = Torch.Ones([2, 3], requiresGrad: true);
        var w = Torch.Ones([2], requiresGrad: true);
        var loss = x.Scatter(0, Torch.Tensor([0L, 1L]).View(1, 2), src).Sum() + (w * 3.0).Sum();
        Should.Throw<InvalidOperationException>(() => loss.Backward()).Message
            .ShouldBe("Function ScatterBackward0 returned an invalid gradient at index 1 - got [1, 2] but expected shape compatible with [2, 3]");
        x.Grad.ShouldBeNull();
        src.Grad.ShouldBeNull();
        w.Grad.ShouldBeNull();
    }

    private const string LogNaN = "Function 'LogBackward0' returned nan values in its 0th output.";

    /// <summary>log(0) * 0: the forward is finite where it matters, but LogBackward0 computes 0 / 0.</summary>
    private static (Tensor Leaf, Tensor Loss) NaNInLogBackward()
    {
        var x = Torch.Tensor([0.0, 1.0], requiresGrad: true);
        return (x, (x.Log() * 0.0).Sum());
    }

    [Test]
    public void DetectAnomaly_NamesTheNodeWhoseBackwardReturnedNaN_AndItsForwardCall()
    {
        using (Torch.DetectAnomaly())
        {
            var (x, loss) = NaNInLogBackward();
            var error = Should.Throw<InvalidOperationException>(() => loss.Backward());
            error.Message.ShouldStartWith(LogNaN + "\nError detected in LogBackward0. Traceback of forward call that caused the error:");
            error.Message.ShouldContain(nameof(NaNInLogBackward));
            x.Grad.ShouldBeNull();
        }
    }

    [Test]
    public void DetectAnomaly_ChecksNodesRecordedBeforeItWasEnabled()
    {
        var (_, loss) = NaNInLogBackward();
        using (Torch.DetectAnomaly())
            Should.Throw<InvalidOperationException>(() => loss.Backward()).Message.ShouldBe(LogNaN);
    }

    [Test]
    public void WithoutAnomalyDetection_NaNGradientsPass_AsInPyTorch()
    {
        var (x, loss) = NaNInLogBackward();
        using (Torch.DetectAnomaly()) { }
        loss.Backward();
        double.IsNaN(x.Grad.ShouldNotBeNull().ToArray<double>()[0]).ShouldBeTrue();
    }

    [Test]
    public void DetectAnomaly_AcceptsFiniteGradients()
    {
        var x = Torch.Tensor([1.0, 2.0], requiresGrad: true);
        using (Torch.DetectAnomaly()) x.Log().Sum().Backward();
        x.Grad.ShouldNotBeNull().ToArray<double>().ShouldBe([1.0, 0.5]);
    }
}
