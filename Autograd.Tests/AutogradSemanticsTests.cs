namespace Autograd.Tests;

/// <summary>How the graph behaves as a whole: accumulation, leaves, retained graphs, detach, no-grad scopes, deep graphs.</summary>
[TestFixture]
[Category("Slow")]
public class AutogradSemanticsTests
{
    private static Tensor Leaf(params double[] values) => Torch.Tensor(values, requiresGrad: true);

    private static double[] Grad(Tensor t) => t.Grad.ShouldNotBeNull().ToArray<double>();

    [Test]
    public void Grad_AccumulatesAcrossBackwardCalls()
    {
        var x = Leaf(1, 2, 3);
        (x * 3.0).Sum().Backward();
        Grad(x).ShouldBe([3.0, 3.0, 3.0]);
        (x * x).Sum().Backward();
        Grad(x).ShouldBe([5.0, 7.0, 9.0]);
    }

    [Test]
    public void Grad_AccumulatesOverEveryPathToALeaf()
    {
        var x = Leaf(0.5, -1.0);
        (x * x + x.Exp() - x).Sum().Backward();
        Grad(x).ShouldBe([2 * 0.5 + Math.Exp(0.5) - 1, 2 * -1.0 + Math.Exp(-1.0) - 1], tolerance: 1e-15);
    }

    [Test]
    public void LeafGrads_TakenWithoutACopy_AreNeverShared()
    {
        // (a + b) * 2: MulBackward0 makes one gradient buffer and AddBackward0 hands it to both leaves; one may take it,
        // the other must get its own.
        var a = Leaf(1, 2);
        var b = Leaf(3, 4);
        ((a + b) * 2.0).Sum().Backward();
        using (Torch.NoGrad()) a.Grad!.Add_(1.0);
        Grad(a).ShouldBe([3.0, 3.0]);
        Grad(b).ShouldBe([2.0, 2.0]);

        // A gradient returned by Gradients.Grad belongs to the caller: used again as a seed, it is copied.
        var x = Leaf(1, 2);
        var seed = Gradients.Grad([(x * 3.0).Sum()], [x])[0]!;
        var y = Leaf(5, 6);
        (y * 1.0).Backward(seed);
        using (Torch.NoGrad()) y.Grad!.Mul_(10.0);
        seed.ToArray<double>().ShouldBe([3.0, 3.0]);
        Grad(y).ShouldBe([30.0, 30.0]);
    }

    [Test]
    public void NonLeaves_GetNoGrad()
    {
        var x = Leaf(1, 2);
        var y = x * 2.0;
        var z = y.Sum();
        z.Backward();
        y.IsLeaf.ShouldBeFalse();
        y.Grad.ShouldBeNull();
        z.Grad.ShouldBeNull();
        x.IsLeaf.ShouldBeTrue();
        Grad(x).ShouldBe([2.0, 2.0]);
    }

    [Test]
    public void RetainGraph_AllowsASecondBackward()
    {
        var x = Leaf(0.0, 1.0);
        var y = x.Exp().Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        Grad(x).ShouldBe([2.0, 2 * Math.E], tolerance: 1e-15);
    }

    /// <summary>
    /// Without retainGraph, a second backward still works through nodes that saved no tensors, as in PyTorch
    /// (the ones that do fail: see ErrorTests' backward_twice cases). The gradients accumulate twice.
    /// </summary>
    [TestCaseSource(typeof(Golden), nameof(Golden.BackwardTwiceData))]
    public void BackwardTwice_WorksWhereNothingWasSaved(BackwardTwiceCase t)
    {
        var inputs = Golden.Build(t.Inputs);
        var loss = Golden.Apply(t.Op, t.Args, inputs)[0].Sum();
        loss.Backward();
        loss.Backward();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (t.Grads[i] is { } expected) Golden.ShouldMatch(inputs[i].Grad.ShouldNotBeNull(), expected, $"input {i}: grad");
        }
    }

    [Test]
    public void Backward_WithExplicitGradient_WeightsTheOutputs()
    {
        var x = Leaf(1, 2, 3);
        (x * x).Backward(Torch.Tensor(new double[] { 1, 0, -1 }));
        Grad(x).ShouldBe([2.0, 0.0, -6.0]);
    }

    [Test]
    public void Detach_SharesValuesButLeavesTheGraph()
    {
        var x = Leaf(1, 2);
        var y = x * 3.0;
        var d = y.Detach();
        d.ToArray<double>().ShouldBe(y.ToArray<double>());
        d.GradFn.ShouldBeNull();
        d.RequiresGrad.ShouldBeFalse();
        d.IsLeaf.ShouldBeTrue();
        (d * x).Sum().Backward();
        Grad(x).ShouldBe([3.0, 6.0]); // no gradient flows back through d
        d.Grad.ShouldBeNull();
    }

    [Test]
    public void Clone_IsRecordedAndPassesGradientsThrough()
    {
        var x = Leaf(1, 2);
        var c = x.Clone();
        c.ShouldNotBeSameAs(x);
        c.ToArray<double>().ShouldBe([1.0, 2.0]);
        c.GradFn.ShouldNotBeNull().Name.ShouldBe("CloneBackward0");
        (c * 4.0).Sum().Backward();
        Grad(x).ShouldBe([4.0, 4.0]);
        c.Grad.ShouldBeNull();

        var constant = Torch.Tensor(new double[] { 5 }).Clone();
        constant.GradFn.ShouldBeNull();
        constant.RequiresGrad.ShouldBeFalse();
    }

    [Test]
    public void RequiresGrad_Propagates()
    {
        var a = Leaf(1, 2);
        var b = Torch.Tensor(new double[] { 3, 4 });
        (a + b).RequiresGrad.ShouldBeTrue();
        (b * a).RequiresGrad.ShouldBeTrue();
        (b + b).RequiresGrad.ShouldBeFalse();
        (b + b).GradFn.ShouldBeNull();
        b.Exp().Sum().RequiresGrad.ShouldBeFalse();
        a.Max(0).Indices.RequiresGrad.ShouldBeFalse();
        a.Detach().Exp().RequiresGrad.ShouldBeFalse();
    }

    [Test]
    public void RequiresGrad_CanBeSwitchedOnLeaves()
    {
        var a = Torch.Tensor(new float[] { 1, 2 });
        a.RequiresGrad.ShouldBeFalse();
        a.RequiresGrad = true;
        (a * 2.0).GradFn.ShouldNotBeNull();
        a.RequiresGrad = false;
        (a * 2.0).GradFn.ShouldBeNull();
    }

    [Test]
    public void NoGrad_StopsRecording()
    {
        var x = Leaf(1, 2);
        Tensor y;
        using (Torch.NoGrad()) y = x * 2.0;
        y.RequiresGrad.ShouldBeFalse();
        y.GradFn.ShouldBeNull();
        x.RequiresGrad.ShouldBeTrue();
        (x * 2.0).GradFn.ShouldNotBeNull(); // recording resumes after the scope
    }

    [Test]
    public void NoGrad_Nests()
    {
        var x = Leaf(1, 2);
        using (Torch.NoGrad())
        {
            using (Torch.NoGrad()) (x * 2.0).RequiresGrad.ShouldBeFalse();
            (x * 2.0).RequiresGrad.ShouldBeFalse(); // still inside the outer scope
        }
        (x * 2.0).RequiresGrad.ShouldBeTrue();
    }

    [Test]
    public void NoGrad_ReachesNoThreadStartedOutsideIt_AndFlowsIntoWorkStartedInsideIt()
    {
        var x = Leaf(1, 2);
        bool outsideRecorded = false, insideRecorded = true;
        using var entered = new ManualResetEventSlim();
        var outside = new Thread(() =>
        {
            entered.Wait();
            outsideRecorded = (x * 2.0).GradFn is not null;
        });
        outside.Start();
        using (Torch.NoGrad())
        {
            entered.Set();
            outside.Join();
            // Work started inside the scope inherits it, as .NET's execution context flows (Task.Run, new threads).
            Task.Run(() => insideRecorded = (x * 2.0).GradFn is not null).Wait();
            (x * 2.0).RequiresGrad.ShouldBeFalse();
        }
        (outsideRecorded, insideRecorded).ShouldBe((true, false));
        (x * 2.0).RequiresGrad.ShouldBeTrue();
    }

    [Test]
    public async Task NoGrad_SurvivesAnAwaitThatResumesOnAnotherThread_AndLeavesNoThreadWrong()
    {
        var x = Leaf(1, 2);
        using (Torch.NoGrad())
        {
            await Task.Delay(10).ConfigureAwait(false);
            (x * 2.0).RequiresGrad.ShouldBeFalse();
        }
        (x * 2.0).RequiresGrad.ShouldBeTrue();
        var pooled = await Task.Run(() => (x * 2.0).RequiresGrad);
        pooled.ShouldBeTrue();
    }

    [Test]
    public void Backward_InsideNoGrad_StillComputesGradients()
    {
        var x = Leaf(1, 2);
        var y = (x * x).Sum();
        using (Torch.NoGrad()) y.Backward();
        Grad(x).ShouldBe([2.0, 4.0]);
    }

    /// <summary>The engine walks the graph iteratively; a recursive one would overflow the stack here.</summary>
    [Test]
    public void LongChain_BackwardDoesNotOverflowTheStack()
    {
        const int length = 100_000;
        var x = Leaf(1.0);
        var y = x;
        for (int i = 0; i < length; i++) y = i % 2 == 0 ? y * 1.00001 : y + 0.5;
        y.Sum().Backward();
        Grad(x)[0].ShouldBe(Math.Pow(1.00001, length / 2), tolerance: 1e-9);
    }

    [Test]
    public void LongChain_OfSoftmaxAndViews_BackwardCompletes()
    {
        var x = Torch.Tensor(new float[] { 0.1f, 0.2f, 0.3f, 0.4f }, requiresGrad: true);
        var y = x;
        for (int i = 0; i < 20_000; i++) y = y.View(2, 2).Softmax(1).View(4);
        y.Sum().Backward();
        x.Grad.ShouldNotBeNull().Shape.ShouldBe([4]);
    }
}
