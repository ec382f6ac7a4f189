namespace Autograd.Tests;

/// <summary>The Bool dtype against what PyTorch 1.13 prints and computes (each expected text was printed by torch).</summary>
public class BoolDTypeTests
{
    private static Tensor Mask() => Torch.Tensor([true, false]);

    [Test]
    public void Bool_PrintsAsPyTorch()
    {
        Mask().ToString().ShouldBe("tensor([ True, False])");
        Torch.Tensor(new[,] { { true, true }, { false, true } }).ToString().ShouldBe("tensor([[ True,  True],\n        [False,  True]])");
        Torch.Tensor(Array.Empty<bool>()).ToString().ShouldBe("tensor([], dtype=torch.bool)");
        Mask()[0].ToString().ShouldBe("tensor(True)");
    }

    /// <summary>Softmax of a Bool tensor names the dtype, as PyTorch 1.13's messages do (checked with torch).</summary>
    [Test]
    public void Softmax_OfBool_IsRefusedWithPyTorchsMessage()
    {
        var mask = Torch.Tensor(new[,] { { true, false }, { false, true } });
        Should.Throw<ArgumentException>(() => mask.Softmax(1)).Message.ShouldBe("\"softmax_lastdim_kernel_impl\" not implemented for 'Bool'");
        Should.Throw<ArgumentException>(() => mask.LogSoftmax(0)).Message.ShouldBe("\"softmax_kernel_impl\" not implemented for 'Bool'");
    }

    [Test]
    public void Comparisons_GiveBoolMasks_ThatCountAndSelect()
    {
        var x = Torch.Tensor([1f, 2f, 3f]);
        var mask = x > 2;
        mask.DType.ShouldBe(DType.Bool);
        mask.ToString().ShouldBe("tensor([False, False,  True])");
        (x > 1).Sum().ToString().ShouldBe("tensor(2)");
        Torch.Where(mask, x, Torch.Zeros(3)).ToArray<float>().ShouldBe([0f, 0f, 3f]);
        Should.Throw<ArgumentException>(() => Torch.Where(Torch.Tensor([1L, 0, 1]), x, x))
            .Message.ShouldBe("where expected condition to be a boolean tensor, but got a tensor with dtype Long");
    }

    [Test]
    public void FloatingFunctionsOfBool_ComputeOnZeroAndOne_InFloat32()
    {
        // t = torch.tensor([True, False]); t.exp(), t.log(), t.sqrt(), t.sigmoid()
        Mask().Exp().ToString().ShouldBe("tensor([2.7183, 1.0000])");
        Mask().Log().ToString().ShouldBe("tensor([0., -inf])");
        Mask().Sqrt().ToString().ShouldBe("tensor([1., 0.])");
        Mask().Sigmoid().ToString().ShouldBe("tensor([0.7311, 0.5000])");
    }

    [Test]
    public void Bool_PromotesAsPyTorch()
    {
        var a = Mask();
        (a + a).ToString().ShouldBe("tensor([ True, False])");
        (a * Torch.Tensor([true, true])).ToString().ShouldBe("tensor([ True, False])");
        (a + Torch.Tensor([1L, 2])).DType.ShouldBe(DType.Int64);
        (a * 2.5).DType.ShouldBe(DType.Float32);
        (a / a).DType.ShouldBe(DType.Float32);
        Should.Throw<ArgumentException>(() => a - a).Message.ShouldBe(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.");
    }

    [Test]
    public void Conversions_AnyAndAll_AsPyTorch()
    {
        var x = Torch.Tensor([1f, 0f, 2f]);
        x.Any().ToString().ShouldBe("tensor(True)");
        x.All().ToString().ShouldBe("tensor(False)");
        x.Bool().ToString().ShouldBe("tensor([ True, False,  True])");
        Mask().Long().ToString().ShouldBe("tensor([1, 0])");
        Mask().Float().ToString().ShouldBe("tensor([1., 0.])");
        Mask()[0].Item<bool>().ShouldBeTrue();
        Should.Throw<ArgumentException>(() => Mask().RequiresGrad = true);
    }
}
