using System.Text.Json;

namespace Autograd.Tests;

/// <summary>Factories: Arange and Linspace bit for bit against PyTorch 1.13 (tools/gen_random_frontend_golden.py), the rest by value.</summary>
public class FactoryTests
{
    public static IEnumerable<TestCaseData> GoldenCases()
    {
        int index = 0;
        foreach (var golden in GoldenTensors.Load("factories.json").GetProperty("cases").EnumerateArray())
        {
            string args = string.Join(", ", golden.EnumerateObject().Where(p => p.Name is not ("op" or "result")).Select(p => $"{p.Name}={p.Value}"));
            yield return new TestCaseData(golden).SetName($"Factory_{index++:D3} {golden.GetProperty("op").GetString()}({args})");
        }
    }

    [TestCaseSource(nameof(GoldenCases))]
    public void RangeFactories_MatchPyTorchBits(JsonElement golden)
    {
        DType DTypeOf() => GoldenTensors.DTypeNamed(golden.GetProperty("dtype").GetString()!);
        var actual = golden.GetProperty("op").GetString() switch
        {
            "arange_long" => Torch.Arange(golden.GetProperty("start").GetInt64(), golden.GetProperty("end").GetInt64(), golden.GetProperty("step").GetInt64()),
            "arange_double" => Torch.Arange(golden.GetProperty("start").GetDouble(), golden.GetProperty("end").GetDouble(), golden.GetProperty("step").GetDouble(), DTypeOf()),
            "linspace" => Torch.Linspace(golden.GetProperty("start").GetDouble(), golden.GetProperty("end").GetDouble(), golden.GetProperty("steps").GetInt32(), DTypeOf()),
            var op => throw new ArgumentException(op),
        };
        GoldenTensors.Mismatches(golden.GetProperty("result"), actual).ShouldBeEmpty();
    }

    [Test]
    public void Tensor_OfArrays_KeepsDimsAndRowMajorOrder()
    {
        var matrix = Torch.Tensor(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }, requiresGrad: true);
        matrix.Shape.ShouldBe([2, 3]);
        matrix.DType.ShouldBe(DType.Float32);
        matrix.RequiresGrad.ShouldBeTrue();
        matrix.ToArray<float>().ShouldBe([1f, 2, 3, 4, 5, 6]);

        var cube = Torch.Tensor(new double[,,] { { { 1, 2 } }, { { 3, 4 } }, { { 5, 6 } } });
        cube.Shape.ShouldBe([3, 1, 2]);
        cube.DType.ShouldBe(DType.Float64);
        cube.ToArray<double>().ShouldBe([1.0, 2, 3, 4, 5, 6]);

        var longs = Torch.Tensor(new long[,] { { 7, -8 }, { 9, 10 } });
        longs.DType.ShouldBe(DType.Int64);
        longs.ToArray<long>().ShouldBe([7L, -8, 9, 10]);

        var source = new float[2, 1, 2, 2];
        source[1, 0, 1, 0] = 3.5f;
        var four = Torch.Tensor((Array)source);
        four.Shape.ShouldBe([2, 1, 2, 2]);
        four.ToArray<float>()[6].ShouldBe(3.5f);
        source[1, 0, 1, 0] = 0;
        four.ToArray<float>()[6].ShouldBe(3.5f);   // a copy

        Torch.Tensor(new float[0, 3]).Shape.ShouldBe([0, 3]);
        Torch.Tensor(new double[2, 2, 2], requiresGrad: true).RequiresGrad.ShouldBeTrue();
        Should.Throw<ArgumentException>(() => Torch.Tensor(new int[2, 2]));
        Should.Throw<ArgumentException>(() => Torch.Tensor((Array)new long[2, 2], requiresGrad: true)).Message
            .ShouldBe("Only Tensors of floating point and complex dtype can require gradients");
    }

    [Test]
    public void Arange_DTypesAndCounts_AsPyTorch()
    {
        Torch.Arange(5).ToArray<long>().ShouldBe([0L, 1, 2, 3, 4]);
        Torch.Arange(5).DType.ShouldBe(DType.Int64);
        Should.Throw<ArgumentException>(() => Torch.Arange(-5)).Message.ShouldBe("upper bound and larger bound inconsistent with step sign");
        Torch.Arange(0).Shape.ShouldBe([0]);
        Torch.Arange(2, 11, 3).ToArray<long>().ShouldBe([2L, 5, 8]);
        Torch.Arange(10, 0, -4).ToArray<long>().ShouldBe([10L, 6, 2]);
        Torch.Arange(0.0, 1.0, 0.3).DType.ShouldBe(DType.Float32);
        Torch.Arange(0.0, 1.0, 0.3).ToArray<float>().ShouldBe([0f, 0.3f, 0.6f, 0.9f]);
        Torch.Arange(0.5, 5, 1.5, DType.Int64).ToArray<long>().ShouldBe([0L, 1, 2, 3, 4]);
    }

    [TestCase(0L, 10L, 0L, "step must be nonzero")]
    [TestCase(0L, 10L, -1L, "upper bound and larger bound inconsistent with step sign")]
    [TestCase(10L, 0L, 1L, "upper bound and larger bound inconsistent with step sign")]
    public void Arange_OfIntegers_BadArguments(long start, long end, long step, string message) =>
        Should.Throw<ArgumentException>(() => Torch.Arange(start, end, step)).Message.ShouldBe(message);

    [TestCase(0.0, 10.0, 0.0, "step must be nonzero")]
    [TestCase(0.0, double.PositiveInfinity, 1.0, "unsupported range: 0 -> inf")]
    [TestCase(0.5, double.NaN, 1.0, "unsupported range: 0.5 -> nan")]
    [TestCase(1.0, 0.0, 0.5, "upper bound and larger bound inconsistent with step sign")]
    public void Arange_OfFloats_BadArguments(double start, double end, double step, string message) =>
        Should.Throw<ArgumentException>(() => Torch.Arange(start, end, step)).Message.ShouldBe(message);

    [Test]
    public void Linspace_EdgeCounts_AndBadSteps()
    {
        Torch.Linspace(0, 1, 0).Shape.ShouldBe([0]);
        Torch.Linspace(3, 1, 1).ToArray<float>().ShouldBe([3f]);
        Torch.Linspace(0, 10, 5, DType.Int64).ToArray<long>().ShouldBe([0L, 2, 5, 7, 10]);
        Should.Throw<ArgumentException>(() => Torch.Linspace(0, 1, -1)).Message.ShouldBe("number of steps must be non-negative");
    }

    [Test]
    public void Eye_Full_Empty_AndLikes()
    {
        Torch.Eye(2, 3).ToArray<float>().ShouldBe([1f, 0, 0, 0, 1, 0]);
        Torch.Eye(3, dtype: DType.Int64).ToArray<long>().ShouldBe([1L, 0, 0, 0, 1, 0, 0, 0, 1]);
        Torch.Eye(0).Shape.ShouldBe([0, 0]);
        // torch.eye(2, 3, dtype=torch.bool)
        Torch.Eye(2, 3, DType.Bool).ToString().ShouldBe("tensor([[ True, False, False],\n        [False,  True, False]])");
        Should.Throw<ArgumentException>(() => Torch.Eye(-1)).Message.ShouldBe("n must be greater or equal to 0, got -1");
        Should.Throw<ArgumentException>(() => Torch.Eye(2, -1)).Message.ShouldBe("m must be greater or equal to 0, got -1");

        var full = Torch.Full([2, 2], 1.5, requiresGrad: true);
        full.ToArray<float>().ShouldBe([1.5f, 1.5f, 1.5f, 1.5f]);
        full.RequiresGrad.ShouldBeTrue();
        Torch.Full([2], 1.5, DType.Int64).ToArray<long>().ShouldBe([1L, 1L]);
        Should.Throw<ArgumentException>(() => Torch.Full([2], 1.5, DType.Int64, requiresGrad: true)).Message
            .ShouldBe("Only Tensors of floating point and complex dtype can require gradients");
        Should.Throw<ArgumentException>(() => Torch.Full([-2], 1.5)).Message.ShouldBe("Trying to create tensor with negative dimension -2: [-2]");

        var empty = Torch.Empty(2, 3);
        empty.Shape.ShouldBe([2, 3]);
        empty.DType.ShouldBe(DType.Float32);

        var x = Torch.Tensor(new double[,] { { 1, 2 }, { 3, 4 } }, requiresGrad: true);
        foreach (var (like, value) in new[] { (Torch.ZerosLike(x), 0.0), (Torch.OnesLike(x), 1.0), (Torch.FullLike(x, -2.5), -2.5) })
        {
            like.Shape.ShouldBe([2, 2]);
            like.DType.ShouldBe(DType.Float64);
            like.RequiresGrad.ShouldBeFalse();
            like.ToArray<double>().ShouldAllBe(v => v == value);
        }
        Torch.FullLike(Torch.Tensor([1L, 2L]), 7.9).ToArray<long>().ShouldBe([7L, 7L]);
    }

    [Test]
    public void Meshgrid_IjAndXy_WithExpandBackward()
    {
        var x = Torch.Tensor([1f, 2f], requiresGrad: true);
        var y = Torch.Tensor([10f, 20f, 30f]);
        var (gx, gy) = Torch.Meshgrid(x, y);
        gx.Shape.ShouldBe([2, 3]);
        gx.ToArray<float>().ShouldBe([1f, 1, 1, 2, 2, 2]);
        gy.ToArray<float>().ShouldBe([10f, 20, 30, 10, 20, 30]);
        gx.GradFn!.Name.ShouldBe("ExpandBackward0");
        gy.GradFn.ShouldBeNull();

        var (hx, hy) = Torch.Meshgrid(x, y, indexing: "xy");
        hx.Shape.ShouldBe([3, 2]);
        hx.ToArray<float>().ShouldBe([1f, 2, 1, 2, 1, 2]);
        hy.ToArray<float>().ShouldBe([10f, 10, 20, 20, 30, 30]);

        ((gx * Torch.Tensor(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } })).Sum() + hx.Sum()).Backward();
        x.Grad!.ToArray<float>().ShouldBe([1f + 2 + 3 + 3, 4f + 5 + 6 + 3]);

        var (sx, sy) = Torch.Meshgrid(Torch.Scalar(1), y);
        sx.Shape.ShouldBe([1, 3]);
        sy.ToArray<float>().ShouldBe([10f, 20, 30]);
    }

    [Test]
    public void Meshgrid_BadArguments()
    {
        var a = Torch.Tensor([1f, 2f]);
        Should.Throw<ArgumentException>(() => Torch.Meshgrid(a, Torch.Tensor([1L]))).Message.ShouldBe("meshgrid expects all tensors to have the same dtype");
        Should.Throw<ArgumentException>(() => Torch.Meshgrid(a, a, "foo")).Message.ShouldBe("torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: foo");
        Should.Throw<ArgumentException>(() => Torch.Meshgrid(a.Reshape(1, 2), a)).Message.ShouldStartWith("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ");
    }
}
