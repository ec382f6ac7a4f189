namespace Autograd.Tests;

/// <summary>
/// T() and Transpose of a matrix are views, as in PyTorch: they share the storage and its version counter, matrix
/// products read them in place, and the gradient of a transposed operand flows back through T() without a copy.
/// Expected values and messages are PyTorch 1.13's for the same programs.
/// </summary>
[TestFixture]
public class TransposedViewTests
{
    /// <summary>[[0, 1, 2], [3, 4, 5]].</summary>
    private static Tensor Matrix() => Torch.Tensor([0f, 1f, 2f, 3f, 4f, 5f]).View(2, 3);

    [Test]
    public void T_SharesStorageAndVersion_WithItsBase()
    {
        var a = Matrix();
        var t = a.T();
        using (Torch.NoGrad()) t.Mul_(2.0);
        a.ToString().ShouldBe("tensor([[ 0.,  2.,  4.],\n        [ 6.,  8., 10.]])");
        (a.Version, t.Version).ShouldBe((1, 1));
        t.ToArray<float>().ShouldBe([0f, 6f, 2f, 8f, 4f, 10f]);
        t.ToString().ShouldBe("tensor([[ 0.,  6.],\n        [ 2.,  8.],\n        [ 4., 10.]])");
        t.T().ToArray<float>().ShouldBe(a.ToArray<float>());
        t.Reshape(-1).ToArray<float>().ShouldBe([0f, 6f, 2f, 8f, 4f, 10f]);
        t.Transpose(0, 1).ToArray<float>().ShouldBe(a.ToArray<float>());
    }

    [Test]
    public void View_OfATransposedMatrix_FailsAsInPyTorch_UnlessOnlyDimsOfOneChange()
    {
        var t = Matrix().T();
        Should.Throw<ArgumentException>(() => t.View(-1)).Message.ShouldBe(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
        t.View(3, 2).Shape.ShouldBe([3, 2]);
        t.View(1, 3, 2).ToArray<float>().ShouldBe([0f, 3f, 1f, 4f, 2f, 5f]);
    }

    [Test]
    public void InPlaceWriteToTheBase_IsSeenByBackward_ThroughTheSavedView()
    {
        var w = Torch.Tensor([1f, 2f, 3f, 4f, 5f, 6f], requiresGrad: true);
        var x = Torch.Tensor([1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f], requiresGrad: true);
        Tensor weight;
        using (Torch.NoGrad()) weight = w.View(3, 2);
        weight.RequiresGrad = true;
        var y = x.View(4, 2).MatMul(weight.T());
        using (Torch.NoGrad()) weight.Add_(1.0);
        var error = Should.Throw<InvalidOperationException>(() => y.Sum().Backward());
        error.Message.ShouldStartWith("one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [2, 3]]");
        x.Grad.ShouldBeNull();
    }

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void MatMulAndAddmm_WithTransposedOperands_MatchContiguousCopies(bool transposeA, bool transposeB)
    {
        Torch.ManualSeed(7);
        var a = Torch.Randn(transposeA ? [5, 4] : [4, 5], requiresGrad: true);
        var b = Torch.Randn(transposeB ? [3, 5] : [5, 3], requiresGrad: true);
        var bias = Torch.Randn([3], requiresGrad: true);
        Tensor Left(Tensor t) => transposeA ? t.T() : t;
        Tensor Right(Tensor t) => transposeB ? t.T() : t;
        var weights = Torch.Randn(4, 3);

        (bias.Addmm(Left(a), Right(b)) * weights).Sum().Backward();
        (Left(a).MatMul(Right(b)) * weights).Sum().Backward();
        var (ga, gb) = (a.Grad!.ToArray<float>(), b.Grad!.ToArray<float>());

        var (ca, cb) = (Left(a).Detach().Clone(), Right(b).Detach().Clone());
        ca.RequiresGrad = cb.RequiresGrad = true;
        (bias.Detach().Addmm(ca, cb) * weights).Sum().Backward();
        (ca.MatMul(cb) * weights).Sum().Backward();
        ga.ShouldBe(Left(ca.Grad!).Clone().ToArray<float>(), tolerance: 1e-5);
        gb.ShouldBe(Right(cb.Grad!).Clone().ToArray<float>(), tolerance: 1e-5);
        // A leaf's gradient is its own row-major tensor, whatever layout flowed back.
        (a.Grad.IsContiguous, b.Grad.IsContiguous).ShouldBe((true, true));
    }

    [Test]
    public void Linear_RecordsPyTorchsGraph_WithTBackward0ForTheWeight()
    {
        Torch.ManualSeed(0);
        var layer = new NN.Linear(4, 3);
        var output = layer.Forward(Torch.Randn(2, 4));
        output.GradFn!.Name.ShouldBe("AddmmBackward0");
        output.GradFn.NextFunctions.Select(f => f?.Name).ShouldBe([null, null, "TBackward0"]);
        output.Sum().Backward();
        layer.Weight.Grad!.Shape.ShouldBe([3, 4]);
        layer.Weight.Grad.IsContiguous.ShouldBeTrue();
    }

    [Test]
    public void GradCheck_OfAFunctionOfTransposedInputs_Passes()
    {
        Torch.ManualSeed(3);
        var a = Torch.Randn([3, 4], DType.Float64, requiresGrad: true);
        var b = Torch.Randn([3, 2], DType.Float64, requiresGrad: true);
        Gradients.GradCheck(inputs => inputs[0].T().MatMul(inputs[1]).Tanh(), [a, b]).ShouldBeTrue();
        // The same values as a leaf stored transposed, so the check perturbs it through its layout.
        var stored = a.T().Detach().Clone().T().Detach();
        stored.RequiresGrad = true;
        stored.IsContiguous.ShouldBeFalse();
        Gradients.GradCheck(inputs => inputs[0].T().MatMul(inputs[1]).Tanh(), [stored, b]).ShouldBeTrue();
    }

    [Test]
    public void Save_OfATransposedView_WritesItsRowMajorValues()
    {
        var t = Matrix().T();
        var path = Path.GetTempFileName();
        try
        {
            Numpy.Save(t, path);
            Numpy.Load(path).ToArray<float>().ShouldBe([0f, 3f, 1f, 4f, 2f, 5f]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
