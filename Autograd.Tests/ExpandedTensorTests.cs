namespace Autograd.Tests;

/// <summary>
/// An expanded tensor, whose elements share memory: PyTorch 1.13 refuses in-place arithmetic and copy_ on it (after
/// its autograd checks) and lets the fills through, and the gradients of views of it keep its elements apart. The
/// expected values and messages are its output.
/// </summary>
[TestFixture]
public class ExpandedTensorTests
{
    private const string Overlap =
        "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.";

    /// <summary>[0, 1, 2] expanded to 2 x 3.</summary>
    private static Tensor Expanded() => Torch.Tensor([0.0, 1.0, 2.0]).View(1, 3).Expand(2, 3);

    private static readonly Action<Tensor>[] RefusedWrites =
    [
        t => t.Mul_(2.0), t => t.Add_(Torch.Ones([3], DType.Float64)), t => t.Sub_(1.0), t => t.Div_(2.0), t => t.Relu_(),
        t => t.Addcmul_(Torch.Ones([3], DType.Float64), Torch.Ones([3], DType.Float64)), t => t.Copy_(Torch.Ones([2, 3], DType.Float64)),
        t => t.Mul_(Torch.Ones([4], DType.Float64)), t => t.Uniform_(), t => t[..] = Torch.Ones([2, 3], DType.Float64),
    ];

    [Test]
    public void ArithmeticAndCopy_AreRefused_AndChangeNothing([Range(0, 9)] int write)
    {
        var expanded = Expanded();
        Should.Throw<InvalidOperationException>(() => RefusedWrites[write](expanded)).Message.ShouldBe(Overlap);
        expanded.Version.ShouldBe(0);
        expanded.ToArray<double>().ShouldBe([0.0, 1.0, 2.0, 0.0, 1.0, 2.0]);
    }

    [Test]
    public void Fills_WriteThroughTheSharedElements()
    {
        var expanded = Expanded();
        expanded.Fill_(1.0);
        expanded[0] = 5.0;
        expanded[Torch.Tensor([1L])] = 7.0;
        expanded.ToArray<double>().ShouldBe([7.0, 7.0, 7.0, 7.0, 7.0, 7.0]);
        expanded.Zero_().ToArray<double>().ShouldBe(new double[6]);
    }

    [Test]
    public void AViewOfALeafThatRequiresGrad_IsRefusedForThatFirst()
    {
        var leaf = Torch.Tensor([0.0, 1.0, 2.0], requiresGrad: true);
        Should.Throw<InvalidOperationException>(() => leaf.View(1, 3).Expand(2, 3).Mul_(2.0)).Message
            .ShouldBe("a view of a leaf Variable that requires grad is being used in an in-place operation.");
    }

    [Test]
    public void EmptyOrSizeOneExpansions_AreWritten()
    {
        Torch.Zeros([1, 0], DType.Float64).Expand(2, 0).Mul_(2.0).Shape.ShouldBe([2, 0]);
        Torch.Ones([3, 1], DType.Float64).Expand(3, 1).Mul_(2.0).ToArray<double>().ShouldBe([2.0, 2.0, 2.0]);
    }

    [Test]
    public void ViewsOfIt_GiveEachOfItsElementsItsOwnGradient()
    {
        var x = Torch.Tensor(new double[,] { { 1, 2, 3 } }, requiresGrad: true);
        var e = x.Expand(2, 3);
        (e[.., ..2].Sum() + e.Select(1, 0).Sum() * 10 + e.Diagonal().Sum() * 100 + e.Narrow(1, 1, 2)[1].Sum() * 1000 + e.Unfold(1, 2, 1).Sum() * 10000).Backward();
        x.Grad.ShouldNotBeNull().ToArray<double>().ShouldBe([20122.0, 41102.0, 21000.0]);
    }

    [Test]
    public void IndexPutsRecordingAGraph_WriteOnlyTheIndexedElements()
    {
        var t = Torch.Tensor(new double[,] { { 1, 2, 3 } }, requiresGrad: true) * 1.0;
        var e = t.Expand(2, 3);
        e[Torch.Tensor(new bool[,] { { true, false, false }, { false, false, false } })] = 5.0;
        t.ToArray<double>().ShouldBe([5.0, 2.0, 3.0]);
    }
}
