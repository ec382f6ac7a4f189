using System.Text.Json;

namespace Autograd.Tests;

/// <summary>The ops training needs, against PyTorch 1.13 (Golden/training.json "ops") and float64 finite differences.</summary>
public class TrainingOpsTests
{
    /// <summary>The C# form of each golden case's PyTorch call.</summary>
    private static readonly Dictionary<string, Func<Tensor[], Tensor>> Ops = new()
    {
        ["relu"] = x => x[0].Relu(),
        ["relu_f64"] = x => Torch.Relu(x[0]),
        ["tanh"] = x => x[0].Tanh(),
        ["tanh_f64"] = x => x[0].Tanh(),
        ["sigmoid"] = x => x[0].Sigmoid(),
        ["sigmoid_f64"] = x => Torch.Sigmoid(x[0]),
        ["sqrt"] = x => x[0].Sqrt(),
        ["abs"] = x => x[0].Abs(),
        ["pow_2"] = x => x[0].Pow(2),
        ["pow_3"] = x => x[0].Pow(3),
        ["pow_0.5"] = x => x[0].Pow(0.5),
        ["pow_-1"] = x => x[0].Pow(-1),
        ["pow_-2"] = x => x[0].Pow(-2),
        ["pow_-0.5"] = x => x[0].Pow(-0.5),
        ["pow_2.5"] = x => x[0].Pow(2.5),
        ["pow_0"] = x => x[0].Pow(0),
        ["pow_tensor"] = x => x[0].Pow(x[1]),
        ["squeeze"] = x => x[0].Squeeze(),
        ["squeeze_dim"] = x => x[0].Squeeze(1),
        ["squeeze_dim_kept"] = x => x[0].Squeeze(0),
        ["flatten"] = x => x[0].Flatten(),
        ["flatten_1"] = x => x[0].Flatten(1),
        ["transpose"] = x => x[0].Transpose(0, 2),
        ["t"] = x => x[0].T(),
        ["matmul_1d1d"] = MatMul,
        ["matmul_2d1d"] = MatMul,
        ["matmul_1d2d"] = MatMul,
        ["matmul_2d2d"] = MatMul,
        ["matmul_3d1d"] = MatMul,
        ["matmul_3d2d"] = MatMul,
        ["matmul_1d3d"] = MatMul,
        ["matmul_2d3d"] = MatMul,
        ["matmul_3d3d"] = MatMul,
        ["matmul_broadcast"] = MatMul,
        ["matmul_4d4d"] = MatMul,
        ["matmul_f32"] = MatMul,
        ["matmul_int"] = MatMul,
        ["bmm"] = x => Torch.Bmm(x[0], x[1]),
        ["addmm"] = x => Torch.Addmm(x[0], x[1], x[2]),
        ["add_alpha"] = x => Torch.Add(x[0], x[1], alpha: -0.37),
        ["sub_alpha"] = x => Torch.Sub(x[0], x[1], alpha: 2.5),
        ["addcmul"] = x => x[0].Addcmul(x[1], x[2], value: 0.7),
        ["addcdiv"] = x => x[0].Addcdiv(x[1], x[2], value: -0.3),
        ["where"] = x => Torch.Where(x[0] > 0, x[1], x[2]),
        ["eq"] = x => x[0].Eq(x[1]),
        ["ne"] = x => x[0].Ne(x[1]),
        ["lt"] = x => x[0] < x[1],
        ["le"] = x => x[0] <= x[1],
        ["gt"] = x => x[0] > x[1],
        ["ge"] = x => x[0] >= x[1],
        ["gt_scalar"] = x => x[0] > 0.1,
        ["argmax"] = x => x[0].Argmax(),
        ["argmax_dim"] = x => x[0].Argmax(1),
        ["argmax_dim0_keep"] = x => x[0].Argmax(0, keepDim: true),
        ["float_of_long"] = x => x[0].Float(),
    };

    private static Tensor MatMul(Tensor[] x) => Torch.MatMul(x[0], x[1]);

    public static IEnumerable<TestCaseData> GoldenCases() => TrainingGolden.Cases("ops", Name);

    public static IEnumerable<TestCaseData> DifferentiableCases() =>
        TrainingGolden.Section("ops").EnumerateArray().Where(c => c.TryGetProperty("upstream", out _)).Select(c => new TestCaseData(c).SetName(Name(c)));

    private static string Name(JsonElement golden) => "Training_" + golden.GetProperty("name").GetString();

    [Test]
    public void EveryGoldenCase_HasACSharpForm() =>
        TrainingGolden.Section("ops").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Except(Ops.Keys).ShouldBeEmpty();

    [TestCaseSource(nameof(GoldenCases))]
    public void Op_MatchesPyTorch(JsonElement golden)
    {
        var inputs = Inputs(golden, DType.Float32, keepDType: true);
        var output = Ops[golden.GetProperty("name").GetString()!](inputs);
        var expected = golden.GetProperty("output");
        var (rtol, atol) = Tolerance(expected);

        TrainingGolden.ShouldBeClose(output, expected, rtol, atol, "output");
        output.GradFn?.Name.ShouldBe(golden.GetProperty("grad_fn").GetString());
        if (golden.GetProperty("grad_fn").ValueKind == JsonValueKind.Null) output.GradFn.ShouldBeNull();
        if (!golden.TryGetProperty("upstream", out var upstream)) return;

        output.Backward(TrainingGolden.ToTensor(upstream));
        var grads = golden.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (grads[i].ValueKind == JsonValueKind.Null) inputs[i].Grad.ShouldBeNull();
            else TrainingGolden.ShouldBeClose(inputs[i].Grad.ShouldNotBeNull(), grads[i], rtol, atol, $"grad of input {i}");
        }
    }

    [TestCaseSource(nameof(DifferentiableCases))]
    public void Gradients_MatchFiniteDifferences(JsonElement golden)
    {
        var op = Ops[golden.GetProperty("name").GetString()!];
        var inputs = Inputs(golden, DType.Float64, keepDType: false);
        var upstream = TrainingGolden.ToTensor(golden.GetProperty("upstream")).Double();
        op(inputs).Backward(upstream);

        for (int i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].RequiresGrad) continue;
            var numeric = FiniteDifferences(() =>
            {
                using (Torch.NoGrad()) return (op(inputs) * upstream).Sum().Item<double>();
            }, inputs[i]);
            inputs[i].Grad.ShouldNotBeNull().ToArray<double>().Zip(numeric).ShouldAllBe(p => Math.Abs(p.First - p.Second) <= 1e-6 + 1e-6 * Math.Abs(p.Second));
        }
    }

    [TestCase("tanh")]
    [TestCase("sigmoid")]
    [TestCase("sqrt")]
    [TestCase("pow_3")]
    [TestCase("pow_2.5")]
    [TestCase("pow_-1")]
    public void SecondDerivatives_MatchFiniteDifferencesOfTheGradient(string name)
    {
        var golden = TrainingGolden.Section("ops").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var x = Inputs(golden, DType.Float64, keepDType: false)[0];
        var upstream = TrainingGolden.ToTensor(golden.GetProperty("upstream")).Double();
        var direction = Torch.Rand([.. x.Shape], DType.Float64);

        double GradientAlongDirection()
        {
            x.Grad = null;
            Ops[name]([x]).Backward(upstream);
            return (x.Grad! * direction).Sum().Item<double>();
        }
        var numeric = FiniteDifferences(GradientAlongDirection, x);

        x.Grad = null;
        Ops[name]([x]).Backward(upstream, createGraph: true);
        var gradient = x.Grad!;
        x.Grad = null;
        (gradient * direction).Sum().Backward();
        x.Grad.ShouldNotBeNull().ToArray<double>().Zip(numeric).ShouldAllBe(p => Math.Abs(p.First - p.Second) <= 1e-5 + 1e-5 * Math.Abs(p.Second));
    }

    [Test]
    public void Errors_CarryPyTorchsMessages()
    {
        Should.Throw<ArgumentException>(() => Torch.MatMul(Torch.Rand(3), Torch.Rand(4)))
            .Message.ShouldBe("inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements respectively");
        Should.Throw<ArgumentException>(() => Torch.MatMul(Torch.Rand(2, 3), Torch.Rand(4))).Message.ShouldBe("size mismatch, got 2, 2x3,4");
        Should.Throw<ArgumentException>(() => Torch.MatMul(Torch.Rand(3), Torch.Rand(4, 5))).Message.ShouldBe("mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)");
        Should.Throw<ArgumentException>(() => Torch.MatMul(Torch.Rand(2, 2, 3), Torch.Rand(4))).Message.ShouldBe("size mismatch, got 4, 4x3,4");
        Should.Throw<ArgumentException>(() => Torch.MatMul(Torch.Rand(2, 2, 3), Torch.Rand(2, 4, 5)))
            .Message.ShouldBe("Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].");
        Should.Throw<ArgumentException>(() => Torch.MatMul(Torch.Rand(2, 2, 3), Torch.Rand(3, 3, 5)))
            .Message.ShouldBe("The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0");
        Should.Throw<ArgumentException>(() => Torch.MatMul(Torch.Scalar(1), Torch.Rand(3)))
            .Message.ShouldBe("both arguments to matmul need to be at least 1D, but they are 0D and 1D");
        Should.Throw<ArgumentException>(() => Torch.MatMul(Torch.Rand(3), Torch.Tensor([1L, 2, 3])))
            .Message.ShouldBe("dot : expected both vectors to have same dtype, but found Float and Long");
        Should.Throw<ArgumentOutOfRangeException>(() => Torch.Rand(3).Squeeze(2)).Message.ShouldBe("Dimension out of range (expected to be in range of [-1, 0], but got 2)");
        Should.Throw<ArgumentException>(() => Torch.Rand(2, 3).Flatten(1, 0)).Message.ShouldBe("flatten() has invalid args: start_dim cannot come after end_dim");
        Should.Throw<ArgumentOutOfRangeException>(() => Torch.Rand(2, 3).Argmax(2)).Message.ShouldBe("Dimension out of range (expected to be in range of [-2, 1], but got 2)");
        Should.Throw<ArgumentException>(() => Torch.Zeros(0).Argmax()).Message.ShouldBe("argmax(): Expected reduction dim to be specified for input.numel() == 0.");
        Should.Throw<ArgumentException>(() => Torch.Tensor([1L, 2]).Pow(-1)).Message.ShouldBe("Integers to negative integer powers are not allowed.");
        Should.Throw<ArgumentException>(() => Torch.Where(Torch.Rand(3), Torch.Rand(3), Torch.Rand(3)))
            .Message.ShouldBe("where expected condition to be a boolean tensor, but got a tensor with dtype Float");
    }

    [Test]
    public void IntegerOps_StayInteger()
    {
        Torch.Tensor([1L, -2, 3]).Pow(2).ToArray<long>().ShouldBe([1L, 4, 9]);
        Torch.Tensor([1L, -2, 3]).Relu().ToArray<long>().ShouldBe([1L, 0, 3]);
        Torch.Tensor([1L, -4]).Abs().ToArray<long>().ShouldBe([1L, 4]);
        Torch.Tensor([1L, 4]).Sqrt().ToArray<float>().ShouldBe([1f, 2f]);
    }

    [Test]
    public void Relu_PassesNaNAndNegativeZero_AndTheGradientAtNaN_AsPyTorch()
    {
        // PyTorch 1.13: relu([nan, -0., 1.]) prints tensor([nan, -0., 1.]); backward of ones gives tensor([1., 0., 1.]).
        foreach (int length in new[] { 3, 67 })
        {
            var values = new float[length];
            (values[0], values[1], values[2]) = (float.NaN, -0f, 1f);
            var x = Torch.Tensor(values, requiresGrad: true);
            var y = x.Relu();
            y.ToString().ShouldStartWith(length == 3 ? "tensor([nan, -0., 1.]" : "tensor([nan, -0., 1., 0.,");
            y.Backward(Torch.Ones(length));
            x.Grad!.ToArray<float>()[..3].ShouldBe([1f, 0f, 1f]);
        }
    }

    [Test]
    public void ScalarComparisons_UseTheTensorsDType()
    {
        // As in PyTorch, 0.1 becomes 0.1f next to a float32 tensor, so 0.1f > 0.1 is false.
        Torch.Tensor([0.1f]).Gt(0.1).ToArray<long>().ShouldBe([0L]);
        Torch.Tensor([0L, 1]).Gt(0.5).ToArray<long>().ShouldBe([0L, 1]);
        Torch.Tensor([float.NaN, 1f]).Ne(Torch.Tensor([float.NaN, 1f])).ToArray<long>().ShouldBe([1L, 0]);
        Torch.Tensor([1f, float.NaN, 3f]).Argmax().Item<long>().ShouldBe(1);
    }

    [Test]
    public void InPlaceOnALeafThatRequiresGrad_ThrowsOutsideNoGrad_AndWorksInside()
    {
        var w = Torch.Tensor([1f, 2f], requiresGrad: true);
        Should.Throw<InvalidOperationException>(() => w.Add_(1)).Message.ShouldBe("a leaf Variable that requires grad is being used in an in-place operation.");
        Should.Throw<InvalidOperationException>(() => w.Zero_());
        w.ToArray<float>().ShouldBe([1f, 2f]);

        using (Torch.NoGrad()) w.Sub_(Torch.Tensor([0.5f, 0.5f]), alpha: 2);
        w.ToArray<float>().ShouldBe([0f, 1f]);
        w.IsLeaf.ShouldBeTrue();
        w.RequiresGrad.ShouldBeTrue();
    }

    [Test]
    public void InPlace_WritesThroughToViewsAndDetachedAliases()
    {
        var x = Torch.Zeros(2, 3);
        var view = x.View(6);
        var detached = x.Detach();
        x.Add_(Torch.Tensor([1f, 2f, 3f])).ShouldBeSameAs(x);
        view.ToArray<float>().ShouldBe([1f, 2f, 3f, 1f, 2f, 3f]);
        detached.Mul_(2);
        x.ToArray<float>().ShouldBe([2f, 4f, 6f, 2f, 4f, 6f]);
        x.Fill_(7).Copy_(Torch.Tensor([1.5, 2.5, 3.5]));
        x.ToArray<float>().ShouldBe([1.5f, 2.5f, 3.5f, 1.5f, 2.5f, 3.5f]);
    }

    [Test]
    public void FailedInPlace_ChangesNothing()
    {
        var x = Torch.Tensor([1f, 2f, 3f]);
        Should.Throw<ArgumentException>(() => x.Add_(Torch.Rand(2, 3))).Message.ShouldBe("output with shape [3] doesn't match the broadcast shape [2, 3]");
        Should.Throw<ArgumentException>(() => Torch.Tensor([1L, 2]).Add_(Torch.Rand(2))).Message.ShouldBe("result type Float can't be cast to the desired output type Long");
        x.ToArray<float>().ShouldBe([1f, 2f, 3f]);
    }

    [Test]
    public void InPlaceOnANonLeaf_RebasesItsHistory_AndKeepsSavedValues()
    {
        var x = Torch.Tensor([1.0, 2.0], requiresGrad: true);
        var w = Torch.Tensor([3.0, 5.0], requiresGrad: true);
        var a = x * 2.0;
        a.Mul_(w);
        a.GradFn!.Name.ShouldBe("MulBackward0");
        a.Add_(1).GradFn!.Name.ShouldBe("AddBackward0");
        a.Sum().Backward();
        x.Grad!.ToArray<double>().ShouldBe([6.0, 10.0]);
        w.Grad!.ToArray<double>().ShouldBe([2.0, 4.0]);   // a's value before Mul_, not after

        var b = x * 1.0;
        b.Zero_().GradFn!.Name.ShouldBe("ZeroBackward0");
        b.Fill_(2).GradFn!.Name.ShouldBe("FillBackward2");
        b.Copy_(w).GradFn!.Name.ShouldBe("CopyBackwards");
        b.Relu_().GradFn!.Name.ShouldBe("ReluBackward0");
        var c = Torch.Zeros([2], DType.Float64);
        c.Add_(w).GradFn!.Name.ShouldBe("AddBackward0");
        c.IsLeaf.ShouldBeFalse();
    }

    [Test]
    public void Uniform_MapsTheGeneratorsFloatsOntoTheRange()
    {
        Torch.ManualSeed(11);
        var u = Torch.Rand(1000).ToArray<float>();
        Torch.ManualSeed(11);
        var drawn = Torch.Zeros(1000).Uniform_(-0.3, 0.7).ToArray<float>();
        drawn.ShouldBe(u.Select(v => MathF.FusedMultiplyAdd(v, 0.7f - -0.3f, -0.3f)).ToArray());
    }

    /// <summary>Inputs of a golden case, in their own dtype or converted to <paramref name="dtype"/>.</summary>
    private static Tensor[] Inputs(JsonElement golden, DType dtype, bool keepDType) =>
        [.. golden.GetProperty("inputs").EnumerateArray().Select(input =>
        {
            var t = TrainingGolden.ToTensor(input);
            if (!keepDType && t.DType.IsFloating()) t = dtype == DType.Float64 ? t.Double() : t.Float();
            t.RequiresGrad = input.GetProperty("requires_grad").GetBoolean();
            return t;
        })];

    /// <summary>float32 results may differ from PyTorch's in the last bits (other summation orders and vector math).</summary>
    private static (double Rtol, double Atol) Tolerance(JsonElement expected) =>
        TrainingGolden.DTypeOf(expected) == DType.Float32 ? (2e-6, 1e-6) : (1e-12, 1e-12);

    /// <summary>Central differences of <paramref name="f"/> in each element of float64 <paramref name="x"/>.</summary>
    private static double[] FiniteDifferences(Func<double> f, Tensor x)
    {
        const double h = 1e-6;
        var data = x.Span<double>().ToArray();
        var result = new double[data.Length];
        for (int j = 0; j < data.Length; j++)
        {
            double saved = data[j];
            x.Span<double>()[j] = saved + h;
            double up = f();
            x.Span<double>()[j] = saved - h;
            double down = f();
            x.Span<double>()[j] = saved;
            result[j] = (up - down) / (2 * h);
        }
        return result;
    }
}
