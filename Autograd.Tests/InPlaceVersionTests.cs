namespace Autograd.Tests;

/// <summary>
/// Version counters: every in-place write bumps the version of the storage (shared by views and detached aliases);
/// Backward through a node whose saved tensor has changed since fails with PyTorch 1.13's message (the expected texts
/// below are PyTorch's output for the same programs) and changes nothing.
/// </summary>
[TestFixture]
public class InPlaceVersionTests
{
    private const string Modified = "one of the variables needed for gradient computation has been modified by an inplace operation: ";
    private const string Hint = " Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).";

    private static Tensor Leaf(params float[] values) => Torch.Tensor(values, requiresGrad: true);

    private static void ShouldFailBackward(Tensor loss, string expectedMessage, params Tensor[] leaves)
    {
        Should.Throw<InvalidOperationException>(() => loss.Backward()).Message.ShouldBe(expectedMessage);
        foreach (var leaf in leaves) leaf.Grad.ShouldBeNull();
    }

    [Test]
    public void Version_CountsInPlaceWrites_AndIsSharedByViewsAndDetachedAliases()
    {
        var x = Torch.Tensor([1f, 2f, 3f, 4f]);
        var view = x.View(2, 2);
        var detached = x.Detach();
        x.Version.ShouldBe(0);
        view.Add_(1.0);
        detached.Mul_(2.0);
        x.Version.ShouldBe(2);
        view.Version.ShouldBe(2);
        x.ToArray<float>().ShouldBe([4f, 6f, 8f, 10f]);
    }

    [Test]
    public void ModifiedSavedOutput_NamesTheNodeThatSavedIt()
    {
        var x = Leaf(0f, 1f);
        var y = x.Exp();
        y.Add_(1.0);
        ShouldFailBackward(y.Sum(), Modified + "[torch.FloatTensor [2]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead." + Hint, x);
    }

    [Test]
    public void ModifiedSavedInput_NamesTheNodeThatNowProducesIt()
    {
        var x = Leaf(1f, 2f);
        var doubled = x * 2.0;
        var y = doubled.Log();
        doubled.Add_(3.0);
        ShouldFailBackward(y.Sum(), Modified + "[torch.FloatTensor [2]], which is output 0 of AddBackward0, is at version 1; expected version 0 instead." + Hint, x);
    }

    [Test]
    public void SavedInputModifiedUnderNoGrad_KeepsItsProducer()
    {
        var x = Leaf(1f, 2f);
        var doubled = x * 2.0;
        var y = doubled.Log();
        using (Torch.NoGrad()) doubled.Add_(3.0);
        ShouldFailBackward(y.Sum(), Modified + "[torch.FloatTensor [2]], which is output 0 of MulBackward0, is at version 1; expected version 0 instead." + Hint, x);
    }

    [Test]
    public void ModifiedSavedLeaf_IsDescribedWithoutAProducer()
    {
        var w = Leaf(1f, 2f, 3f);
        var a = Torch.Tensor([1f, 2f, 3f]);
        var z = w * a;
        a.Mul_(2.0);
        ShouldFailBackward(z.Sum(), Modified + "[torch.FloatTensor [3]] is at version 1; expected version 0 instead." + Hint, w);
    }

    [Test]
    public void ModifiedThroughADetachedAlias_IsCaught()
    {
        var x = Torch.Tensor([1.0, 2.0], requiresGrad: true);
        var alias = x.Detach();
        var z = x * x;
        alias.Add_(1.0);
        ShouldFailBackward(z.Sum(), Modified + "[torch.DoubleTensor [2]] is at version 1; expected version 0 instead." + Hint, x);
    }

    [Test]
    public void ModifiedThroughAView_IsCaught()
    {
        var x = Torch.Tensor([1f, 2f, 3f, 4f], requiresGrad: true);
        var y = x.View(2, 2).Softmax(1);
        using (Torch.NoGrad()) y.View(4).Add_(1.0);
        ShouldFailBackward(y.Sum(), Modified + "[torch.FloatTensor [2, 2]], which is output 0 of SoftmaxBackward0, is at version 1; expected version 0 instead." + Hint, x);
    }

    [Test]
    public void ModifiedZeroDimOutput_ShowsAnEmptyShape()
    {
        var x = Torch.Scalar(2, requiresGrad: true);
        var z = x.Exp();
        z.Mul_(1.0);
        ShouldFailBackward(z, Modified + "[torch.FloatTensor []], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead." + Hint, x);
    }

    [Test]
    public void ModifiedMaxIndices_AreCaught()
    {
        var x = Torch.Tensor([1f, 2f, 3f, 4f], requiresGrad: true);
        var (values, indices) = x.View(2, 2).Max(1);
        indices.Zero_();
        ShouldFailBackward(values.Sum(), Modified + "[torch.LongTensor [2]] is at version 1; expected version 0 instead." + Hint, x);
    }

    [Test]
    public void EveryWriteCounts()
    {
        var x = Leaf(1f, 2f);
        var y = x.Exp();
        var loss = y.Sum();
        y.Add_(1.0);
        y.Add_(1.0);
        ShouldFailBackward(loss, Modified + "[torch.FloatTensor [2]], which is output 0 of ExpBackward0, is at version 2; expected version 0 instead." + Hint, x);
    }

    [Test]
    public void WithAnomalyDetection_TheHintPointsAtTheForwardTrace()
    {
        var x = Leaf(0f, 1f);
        using (Torch.DetectAnomaly())
        {
            var y = x.Exp();
            y.Add_(1.0);
            var message = Should.Throw<InvalidOperationException>(() => y.Sum().Backward()).Message;
            message.ShouldStartWith(Modified + "[torch.FloatTensor [2]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead. " +
                "Hint: the backtrace further above shows the operation that failed to compute its gradient. The variable in question was changed in there or anywhere later. Good luck!");
            message.ShouldContain("Error detected in ExpBackward0. Traceback of forward call that caused the error:");
            message.ShouldContain(nameof(WithAnomalyDetection_TheHintPointsAtTheForwardTrace));
        }
    }

    /// <summary>The check runs before any gradient moves: the branch that is still valid delivers nothing either.</summary>
    [Test]
    public void FailedBackward_ChangesNoGradient_AndCanFailAgain()
    {
        var x = Leaf(1f, 2f);
        var w = Leaf(3f, 4f);
        var e = x.Exp();
        var loss = (e + w * 2.0).Sum();
        using (Torch.NoGrad()) e.Add_(1.0);
        string expected = Modified + "[torch.FloatTensor [2]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead." + Hint;
        ShouldFailBackward(loss, expected, x, w);
        ShouldFailBackward(loss, expected, x, w);
    }

    /// <summary>Nodes that saved nothing, or saved something else, do not care: x * 2 saves only the scalar, exp its result.</summary>
    [Test]
    public void WritesToTensorsNoNodeSaved_AreAllowed()
    {
        var x = Leaf(1f, 2f);
        var doubled = x * 2.0;
        var e = x.Exp();
        doubled.Add_(1.0);
        using (Torch.NoGrad()) x.Add_(1.0);
        (doubled.Sum() + e.Sum()).Backward();
        x.Grad.ShouldNotBeNull().ToArray<float>().ShouldBe([2f + MathF.Exp(1f), 2f + MathF.Exp(2f)], tolerance: 1e-5);
    }

    [Test]
    public void InPlaceOnALeafThatRequiresGrad_IsRejectedAndChangesNothing()
    {
        var w = Leaf(1f, 2f);
        Should.Throw<InvalidOperationException>(() => w.Add_(1.0)).Message.ShouldBe("a leaf Variable that requires grad is being used in an in-place operation.");
        w.ToArray<float>().ShouldBe([1f, 2f]);
        w.Version.ShouldBe(0);
        w.GradFn.ShouldBeNull();
    }

    [Test]
    public void InPlaceOnAViewOfALeafThatRequiresGrad_IsRejectedAndChangesNothing()
    {
        var x = Leaf(1f, 2f, 3f, 4f);
        Should.Throw<InvalidOperationException>(() => x.View(2, 2).Add_(1.0)).Message
            .ShouldBe("a view of a leaf Variable that requires grad is being used in an in-place operation.");
        x.ToArray<float>().ShouldBe([1f, 2f, 3f, 4f]);
        x.Version.ShouldBe(0);
    }

    /// <summary>
    /// A view made a leaf that requires grad (its base does not): PyTorch refuses writes to it and to its views as
    /// writes to a view of a leaf, since the view requires grad and its base is a leaf.
    /// </summary>
    [Test]
    public void InPlaceOnAViewMadeALeafThatRequiresGrad_IsRejectedAsAViewOfALeaf()
    {
        var x = Torch.Tensor([1f, 2f, 3f]).Reshape(1, 3);
        x.RequiresGrad = true;
        foreach (var write in new Action[] { () => x.Mul_(2.0), () => x[0] = Torch.Zeros(3) })
        {
            Should.Throw<InvalidOperationException>(write).Message
                .ShouldBe("a view of a leaf Variable that requires grad is being used in an in-place operation.");
        }
        x.ToArray<float>().ShouldBe([1f, 2f, 3f]);
        x.Version.ShouldBe(0);
    }

    /// <summary>
    /// PyTorch would rebase y's history (CopySlices) and give x the gradient 3; this engine cannot, so it refuses the
    /// write instead of leaving y with a wrong gradient. Under NoGrad, or on a clone, the write is fine.
    /// </summary>
    [Test]
    public void RecordedInPlaceOnAView_RebasesTheBase_AsPyTorchsCopySlices()
    {
        var x = Leaf(1f, 2f, 3f, 4f);
        var y = x * 1.0;
        var view = y.View(2, 2);
        view.Mul_(3.0);
        y.ToArray<float>().ShouldBe([3f, 6f, 9f, 12f]);
        y.GradFn.ShouldNotBeNull().Name.ShouldBe("CopySlices");
        view.GradFn.ShouldNotBeNull().Name.ShouldBe("AsStridedBackward0");
        y.Mul_(2.0);
        y.GradFn.ShouldNotBeNull().Name.ShouldBe("MulBackward0");
        (y * y).Sum().Backward();
        // d/dx of sum((6x)^2) = 72x.
        x.Grad.ShouldNotBeNull().ToArray<float>().ShouldBe([72f, 144f, 216f, 288f]);
    }

    [Test]
    public void InPlaceOnALeafUnderNoGrad_IsAllowed_AsAnOptimizerStep()
    {
        var w = Leaf(1f, 2f);
        (w * w).Sum().Backward();
        using (Torch.NoGrad()) w.Sub_(w.Grad.ShouldNotBeNull(), alpha: 0.5);
        w.ToArray<float>().ShouldBe([0f, 0f]);
        w.Version.ShouldBe(1);
        w.IsLeaf.ShouldBeTrue();
    }

    /// <summary>
    /// a + b hands both leaves the same gradient tensor, and a leaf root takes the caller's: each Grad is still a
    /// tensor of its own, so writing to one changes no other (PyTorch copies too, as CopyBackwards under createGraph).
    /// </summary>
    [Test]
    public void EachLeafGetsAGradientOfItsOwn()
    {
        var a = Leaf(1f, 2f);
        var b = Leaf(3f, 4f);
        (a + b).Sum().Backward();
        a.Grad.ShouldNotBeNull().Mul_(5.0);
        b.Grad.ShouldNotBeNull().ToArray<float>().ShouldBe([1f, 1f]);

        var gradient = Torch.Tensor([1f, 1f]);
        var c = Leaf(0f, 0f);
        c.Backward(gradient);
        c.Grad.ShouldNotBeNull().Add_(1.0);
        gradient.ToArray<float>().ShouldBe([1f, 1f]);

        var x = Leaf(1f, 2f);
        (x * x).Sum().Backward(createGraph: true);
        x.Grad.ShouldNotBeNull().ToString().ShouldBe("tensor([2., 4.], grad_fn=<CopyBackwards>)");
    }

    /// <summary>The classic mistake: updating a weight between forward and Backward. The second layer saved it.</summary>
    [Test]
    public void UpdatingAWeightBeforeBackward_IsCaught()
    {
        var x = Torch.Tensor([1f, 2f]).View(1, 2);
        var w1 = Torch.Ones([2, 2], requiresGrad: true);
        var w2 = Torch.Ones([2, 1], requiresGrad: true);
        var loss = x.MatMul(w1).MatMul(w2).Sum();
        using (Torch.NoGrad()) w2.Sub_(Torch.Ones(2, 1), alpha: 0.1);
        ShouldFailBackward(loss, Modified + "[torch.FloatTensor [2, 1]] is at version 1; expected version 0 instead." + Hint, w1, w2);
    }
}
