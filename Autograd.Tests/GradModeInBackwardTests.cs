namespace Autograd.Tests;

/// <summary>
/// Grad mode while a Backward runs, as PyTorch's engine sets it: off for the gradient functions unless
/// create_graph, and a torch.autograd.grad(create_graph=True) called from inside a backward turns it on again.
/// </summary>
public class GradModeInBackwardTests
{
    /// <summary>Backward is y * w (with w requiring grad): reports whether that product was recorded.</summary>
    private sealed class Probe(Tensor w, Func<Tensor, Tensor>? inside = null) : Function
    {
        public bool? Recorded { get; private set; }
        public Tensor? InsideResult { get; private set; }

        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs) => inputs[0] * 2;

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            Recorded = (gradOutput * w).RequiresGrad;
            if (inside is not null) InsideResult = inside(w);
            return [gradOutput * 2];
        }
    }

    [Test]
    public void WithoutCreateGraph_BackwardFunctionsRecordNothing()
    {
        var probe = new Probe(Torch.Ones([3], requiresGrad: true));
        probe.Apply(Torch.Ones([3], requiresGrad: true)).Sum().Backward();
        probe.Recorded.ShouldBe(false);
    }

    [Test]
    public void WithCreateGraph_BackwardFunctionsRecord()
    {
        var probe = new Probe(Torch.Ones([3], requiresGrad: true));
        probe.Apply(Torch.Ones([3], requiresGrad: true)).Sum().Backward(createGraph: true);
        probe.Recorded.ShouldBe(true);
    }

    [Test]
    public void InsideABackward_GradNeedsEnableGrad_AsInPyTorch()
    {
        var failing = new Probe(Torch.Ones([3], requiresGrad: true), w => Gradients.Grad((w * w).Sum(), w, createGraph: true));
        Should.Throw<InvalidOperationException>(() => failing.Apply(Torch.Ones([3], requiresGrad: true)).Sum().Backward())
            .Message.ShouldBe("element 0 of tensors does not require grad and does not have a grad_fn");

        var probe = new Probe(Torch.Ones([3], requiresGrad: true), w =>
        {
            Torch.IsGradEnabled().ShouldBeFalse();
            using (Torch.EnableGrad()) return Gradients.Grad((w * w).Sum(), w, createGraph: true);
        });
        probe.Apply(Torch.Ones([3], requiresGrad: true)).Sum().Backward();
        probe.InsideResult!.RequiresGrad.ShouldBeTrue();
        probe.InsideResult.ToArray<float>().ShouldBe([2f, 2f, 2f]);
        probe.Recorded.ShouldBe(false);
        Torch.IsGradEnabled().ShouldBeTrue();
    }

    [Test]
    public void AfterABackward_RecordingIsOnAgain()
    {
        var x = Torch.Ones([3], requiresGrad: true);
        (x * 2).Sum().Backward();
        (x * 2).RequiresGrad.ShouldBeTrue();
    }
}
