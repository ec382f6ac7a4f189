namespace Autograd.Tests;

/// <summary>
/// Calls PyTorch rejects: the exception must be of the right family (ArgumentException for bad arguments,
/// InvalidOperationException for misuse of the graph), carry PyTorch's message, and leave everything as it was.
/// </summary>
[TestFixture]
public class ErrorTests
{
    /// <summary>What a failed call must not change about a tensor.</summary>
    private sealed record State(double[] Values, bool RequiresGrad, double[]? Grad, GradFn? GradFn)
    {
        public static State Of(Tensor t) => new(Golden.Values(t), t.RequiresGrad, t.Grad is { } g ? Golden.Values(g) : null, t.GradFn);

        public void ShouldBeUnchanged(Tensor t, string what)
        {
            var now = Of(t);
            now.Values.ShouldBe(Values, $"{what}: values changed");
            now.RequiresGrad.ShouldBe(RequiresGrad, $"{what}: requires_grad changed");
            now.Grad.ShouldBe(Grad, $"{what}: grad changed");
            now.GradFn.ShouldBeSameAs(GradFn, $"{what}: grad_fn changed");
        }
    }

    [TestCaseSource(typeof(Golden), nameof(Golden.ErrorData))]
    public void ThrowsPyTorchsError(ErrorCase e)
    {
        var inputs = Golden.Build(e.Inputs);
        // The tensors the failing call touches, captured just before it.
        var (call, watched) = Prepare(e, inputs);
        var before = watched.Select(State.Of).ToArray();

        var exception = Catch(call);

        exception.ShouldNotBeNull($"expected an exception with message \"{e.Message}\"");
        if (e.Family == "argument") exception.ShouldBeAssignableTo<ArgumentException>();
        else exception.ShouldBeAssignableTo<InvalidOperationException>();
        exception.Message.ShouldContain(e.Message, Case.Sensitive);
        for (int i = 0; i < watched.Length; i++) before[i].ShouldBeUnchanged(watched[i], $"tensor {i}");
    }

    /// <summary>Sets up the graph for an error kind and returns the failing call plus the tensors it must not change.</summary>
    private static (Action Call, Tensor[] Watched) Prepare(ErrorCase e, Tensor[] inputs)
    {
        Tensor Output() => Golden.Apply(e.Op!, e.Args, inputs)[0];
        switch (e.Kind)
        {
            case "op":
                return (() => Golden.Apply(e.Op!, e.Args, inputs), inputs);
            case "backward_non_scalar":
                {
                    var output = Output();
                    return (() => output.Backward(), inputs);
                }
            case "backward_twice":
                {
                    var loss = Output().Sum();
                    loss.Backward();
                    return (() => loss.Backward(), inputs);
                }
            case "backward_no_grad":
                {
                    var loss = Output().Sum();
                    return (() => loss.Backward(), [.. inputs, loss]);
                }
            case "backward_gradient_shape":
                {
                    var output = Output();
                    return (() => output.Backward(Torch.Tensor(new float[] { 1, 1, 1 })), inputs);
                }
            case "requires_grad_int64":
                return (() => inputs[0].RequiresGrad = true, inputs);
            case "requires_grad_non_leaf":
                {
                    var output = Output();
                    bool value = e.Args.Bool("value");
                    return (() => output.RequiresGrad = value, [.. inputs, output]);
                }
            default:
                throw new ArgumentException($"unknown error kind {e.Kind}");
        }
    }

    private static Exception? Catch(Action call)
    {
        try
        {
            call();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [Test]
    public void GoldenFileCoversEveryErrorKind()
    {
        string[] kinds =
        [
            "op", "backward_non_scalar", "backward_twice", "backward_no_grad", "backward_gradient_shape",
            "requires_grad_int64", "requires_grad_non_leaf",
        ];
        Golden.Errors.Select(e => e.Kind).Distinct().ShouldBe(kinds, ignoreOrder: true);
        Golden.Errors.ShouldContain(e => e.Message == "Target 9 is out of bounds.");
        Golden.Errors.ShouldContain(e => e.Message == "The size of tensor a (7) must match the size of tensor b (5) at non-singleton dimension 1");
    }

    /// <summary>
    /// API.md: "Nothing is left half-changed by a failed call". A second backward through z = exp(x) + w fails at
    /// ExpBackward0; w's gradient must not have been accumulated on the way. (PyTorch 1.13 itself does add to
    /// w.grad here before raising; the API promises more.)
    /// </summary>
    [Test]
    public void FailedBackward_AccumulatesNoGradientAnywhere()
    {
        var x = Torch.Tensor(new double[] { 0.1, 0.2, 0.3 }, requiresGrad: true);
        var w = Torch.Tensor(new double[] { 1.0, 2.0, 3.0 }, requiresGrad: true);
        var z = (x.Exp() + w).Sum();
        z.Backward();
        var wGrad = Golden.Values(w.Grad!);
        var xGrad = Golden.Values(x.Grad!);

        Catch(() => z.Backward()).ShouldBeAssignableTo<InvalidOperationException>();

        Golden.Values(w.Grad!).ShouldBe(wGrad);
        Golden.Values(x.Grad!).ShouldBe(xGrad);
    }

    [Test]
    public void FailedOp_LeavesInputsUsable()
    {
        var x = Torch.Tensor(new float[] { 1, 2, 3, 4 }, requiresGrad: true);
        Catch(() => x.View(3, 3)).ShouldBeAssignableTo<ArgumentException>();
        Catch(() => x.Sum(1)).ShouldBeAssignableTo<ArgumentException>();
        var loss = (x * 2.0).Sum();
        loss.Backward();
        x.Grad!.ToArray<float>().ShouldBe([2f, 2f, 2f, 2f]);
    }
}
