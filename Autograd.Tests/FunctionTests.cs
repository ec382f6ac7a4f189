using System.Text.Json;

namespace Autograd.Tests;

/// <summary>
/// Custom autograd Functions against PyTorch 1.13 (tools/gen_function_golden.py): PyTorch's tutorial
/// LegendrePolynomial3 (values, gradients, double backward and the tutorial's training loop), a two-input Function
/// that reads NeedsInputGrad, the checks on what Backward returns, saved-tensor version checks, and GradCheck /
/// GradGradCheck of both.
/// </summary>
[NonParallelizable]   // GradGradCheck draws from the default generator
[Category("Slow")]
public class FunctionTests
{
    private static readonly JsonElement Golden = GoldenTensors.Load("function.json");

    /// <summary>P3(x) = 0.5 (5x³ − 3x), PyTorch's tutorial Function, written exactly as there.</summary>
    private sealed class LegendrePolynomial3 : Function
    {
        public FunctionContext? LastContext { get; private set; }

        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs)
        {
            LastContext = ctx;
            var input = inputs[0];
            ctx.SaveForBackward(input);
            return 0.5 * (5 * input.Pow(3) - 3 * input);
        }

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            var input = ctx.SavedTensors[0];
            return [gradOutput * 1.5 * (5 * input.Pow(2) - 1)];
        }
    }

    /// <summary>x * w with broadcasting; the gradient of w is left at x's shape, for the engine to sum.</summary>
    private sealed class MulBy : Function
    {
        public bool[]? Seen { get; private set; }

        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs)
        {
            Seen = [.. ctx.NeedsInputGrad];
            ctx.SaveForBackward(inputs[0], inputs[1]);
            return inputs[0] * inputs[1];
        }

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            var (x, w) = (ctx.SavedTensors[0], ctx.SavedTensors[1]);
            return [ctx.NeedsInputGrad[0] ? gradOutput * w : null, ctx.NeedsInputGrad[1] ? gradOutput * x : null];
        }
    }

    /// <summary>A Function whose Forward and Backward are given as delegates, for the error cases.</summary>
    private sealed class Custom(Func<FunctionContext, Tensor[], Tensor> forward, Func<FunctionContext, Tensor, Tensor?[]?> backward) : Function
    {
        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs) => forward(ctx, inputs);

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => backward(ctx, gradOutput)!;
    }

    private sealed class TooMany() : Function
    {
        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs) => inputs[0] * 2;

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput, gradOutput];
    }

    private sealed class WrongShape : Function
    {
        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs) => inputs[0] * 2;

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [Torch.Ones(4)];
    }

    private sealed class SavesOutput : Function
    {
        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs)
        {
            var y = inputs[0].Exp();
            ctx.SaveForBackward(y);
            return y;
        }

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput * ctx.SavedTensors[0]];
    }

    private static Tensor Leaf(JsonElement encoded)
    {
        var t = GoldenTensors.Decode(encoded);
        t.RequiresGrad = true;
        return t;
    }

    public static IEnumerable<TestCaseData> LegendreCases() =>
        Golden.GetProperty("legendre").EnumerateArray().Select(c => new TestCaseData(c).SetName($"Legendre_{c.GetProperty("x").GetProperty("dtype")}"));

    [TestCaseSource(nameof(LegendreCases))]
    public void LegendrePolynomial3_ValuesGradientsAndDoubleBackward_MatchPyTorch(JsonElement golden)
    {
        var x = Leaf(golden.GetProperty("x"));
        var y = new LegendrePolynomial3().Apply(x);
        GoldenTensors.Mismatches(golden.GetProperty("y"), y).ShouldBeEmpty();
        y.GradFn!.Name.ShouldBe(golden.GetProperty("grad_fn").GetString());
        y.GradFn.NextFunctions.ShouldBe([null]);
        y.Sum().Backward();
        GoldenTensors.Mismatches(golden.GetProperty("grad"), x.Grad!).ShouldBeEmpty();

        var first = Gradients.Grad(new LegendrePolynomial3().Apply(x).Sum(), x, createGraph: true);
        first.GradFn!.Name.ShouldBe(golden.GetProperty("grad_grad_fn").GetString());
        GoldenTensors.Mismatches(golden.GetProperty("first"), first).ShouldBeEmpty();
        var second = Gradients.Grad(first.Sum(), x);
        GoldenTensors.Mismatches(golden.GetProperty("second"), second).ShouldBeEmpty();
    }

    public static IEnumerable<TestCaseData> TrainingCases() =>
        Golden.GetProperty("training").EnumerateArray().Select(c => new TestCaseData(c).SetName($"Training_{c.GetProperty("dtype")}"));

    /// <summary>
    /// PyTorch's tutorial loop, 2000 steps. The sums over 2000 points add in another order than PyTorch's vectorized
    /// reduction, so the trajectory agrees to float rounding: relative 1e-5 in float32, 1e-12 in float64 (absolute 1e-7 and
    /// 1e-15 for a and c, which end near 0).
    /// </summary>
    [TestCaseSource(nameof(TrainingCases))]
    public void TutorialTrainingLoop_MatchesPyTorch(JsonElement golden)
    {
        var dtype = GoldenTensors.DTypeNamed(golden.GetProperty("dtype").GetString()!);
        double rtol = dtype == DType.Float32 ? 1e-5 : 1e-12, atol = dtype == DType.Float32 ? 1e-7 : 1e-15;
        var x = Torch.Linspace(-Math.PI, Math.PI, 2000, dtype);
        var y = GoldenTensors.Decode(golden.GetProperty("y"));   // PyTorch's torch.sin(x)
        var a = Torch.Scalar(0.0, dtype, requiresGrad: true);
        var b = Torch.Scalar(-1.0, dtype, requiresGrad: true);
        var c = Torch.Scalar(0.0, dtype, requiresGrad: true);
        var d = Torch.Scalar(0.3, dtype, requiresGrad: true);
        const double learningRate = 5e-6;
        var p3 = new LegendrePolynomial3();
        var losses = new List<double>();
        for (int t = 0; t < 2000; t++)
        {
            var yPred = a + b * p3.Apply(c + d * x);
            var loss = (yPred - y).Pow(2).Sum();
            if (t % 100 == 99) losses.Add(loss.Item<double>());
            loss.Backward();
            using (Torch.NoGrad())
            {
                foreach (var p in new[] { a, b, c, d })
                {
                    p.Sub_(learningRate * p.Grad!);
                    p.Grad = null;
                }
            }
        }
        var expected = golden.GetProperty("losses").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        losses.Count.ShouldBe(expected.Length);
        for (int i = 0; i < expected.Length; i++) losses[i].ShouldBe(expected[i], atol + rtol * Math.Abs(expected[i]), $"loss at step {100 * i + 99}");
        foreach (var (name, p) in new[] { ("a", a), ("b", b), ("c", c), ("d", d) })
        {
            double want = golden.GetProperty(name).GetDouble();
            p.Item<double>().ShouldBe(want, atol + rtol * Math.Abs(want), name);
        }
    }

    public static IEnumerable<TestCaseData> ScaledCases() => Golden.GetProperty("scaled").EnumerateArray().Select(c =>
        new TestCaseData(c).SetName($"MulBy_requiresGrad_{string.Join("_", c.GetProperty("requires_grad").EnumerateArray())}"));

    [TestCaseSource(nameof(ScaledCases))]
    public void TwoInputFunction_NeedsInputGradAndGradients_MatchPyTorch(JsonElement golden)
    {
        var requires = golden.GetProperty("requires_grad").EnumerateArray().Select(v => v.GetBoolean()).ToArray();
        var x = Torch.Tensor(new double[,] { { 0.5, -1.0, 2.0 }, { 1.5, 0.25, -3.0 } }, requiresGrad: requires[0]);
        var w = Torch.Tensor([2.0, -0.5, 1.25], requiresGrad: requires[1]);
        var function = new MulBy();
        var output = function.Apply(x, w);
        function.Seen.ShouldBe(golden.GetProperty("needs_input_grad").EnumerateArray().Select(v => v.GetBoolean()).ToArray());
        GoldenTensors.Mismatches(golden.GetProperty("out"), output).ShouldBeEmpty();
        output.GradFn!.Name.ShouldBe(golden.GetProperty("grad_fn").GetString());
        (output * Torch.Arange(0, 6, dtype: DType.Float64).View(2, 3)).Sum().Backward();
        foreach (var (name, input) in new[] { ("x_grad", x), ("w_grad", w) })
        {
            if (golden.GetProperty(name).ValueKind == JsonValueKind.Null) input.Grad.ShouldBeNull(name);
            else GoldenTensors.Mismatches(golden.GetProperty(name), input.Grad!).ShouldBeEmpty(name);
        }
    }

    [Test]
    public void GradCheckAndGradGradCheck_PassOnCustomFunctions()
    {
        Torch.ManualSeed(3);
        var x = Torch.Randn([5], DType.Float64, requiresGrad: true);
        Gradients.GradCheck(v => new LegendrePolynomial3().Apply(v[0]), [x]).ShouldBeTrue();
        Gradients.GradGradCheck(v => new LegendrePolynomial3().Apply(v[0]), [x]).ShouldBeTrue();

        var a = Torch.Randn([2, 3], DType.Float64, requiresGrad: true);
        var b = Torch.Randn([3], DType.Float64, requiresGrad: true);
        Gradients.GradCheck(v => new MulBy().Apply(v[0], v[1]), [a, b]).ShouldBeTrue();
        Gradients.GradGradCheck(v => new MulBy().Apply(v[0], v[1]), [a, b]).ShouldBeTrue();
    }

    [Test]
    public void GradCheck_CatchesAWrongBackward()
    {
        var wrong = new Custom((ctx, i) => { ctx.SaveForBackward(i[0]); return i[0].Pow(3); }, (ctx, g) => [g * 2 * ctx.SavedTensors[0]]);
        var x = Torch.Tensor([0.5, 1.5], requiresGrad: true);
        Should.Throw<GradCheckException>(() => Gradients.GradCheck(v => wrong.Apply(v[0]), [x]));
    }

    private static string Error(string name) => Golden.GetProperty("errors").GetProperty(name).GetString()!;

    private static Tensor Input() => Torch.Tensor([0.5f, -1f, 2f], requiresGrad: true);

    [Test]
    public void BackwardReturningTooManyGradients_ThrowsPyTorchsMessage() =>
        Should.Throw<InvalidOperationException>(() => new TooMany().Apply(Input()).Sum().Backward()).Message.ShouldBe(Error("too many"));

    [Test]
    public void BackwardReturningAGradientOfTheWrongShape_ThrowsPyTorchsMessage() =>
        Should.Throw<InvalidOperationException>(() => new WrongShape().Apply(Input()).Sum().Backward()).Message.ShouldBe(Error("wrong shape"));

    [Test]
    public void BackwardReturningTooFewGradients_Throws()
    {
        var x = Input();
        var few = new Custom((_, i) => i[0] * i[1], (_, g) => [g]);
        Should.Throw<InvalidOperationException>(() => few.Apply(x, Input()).Sum().Backward()).Message
            .ShouldBe("function CustomBackward returned an incorrect number of gradients (expected 2, got 1)");
        x.Grad.ShouldBeNull();
    }

    [Test]
    public void TrailingNullGradients_AndANullArray_AreAccepted()
    {
        var x = Input();
        new Custom((_, i) => i[0] * 3, (_, g) => [g * 3, null, null]).Apply(x).Sum().Backward();
        x.Grad!.ToArray<float>().ShouldBe([3f, 3f, 3f]);

        var y = Input();
        new Custom((_, i) => i[0] * 3, (_, _) => null).Apply(y).Sum().Backward();
        y.Grad.ShouldBeNull();
    }

    [Test]
    public void ABroadcastGradientOfAnotherDType_IsSummedAndConverted()
    {
        // As PyTorch's engine: a gradient the input's shape expands to is summed back, and its dtype made the input's.
        var x = Input();
        new Custom((_, i) => i[0] * 2, (_, _) => [Torch.Ones([2, 3], DType.Float64)]).Apply(x).Sum().Backward();
        x.Grad!.DType.ShouldBe(DType.Float32);
        x.Grad.ToArray<float>().ShouldBe([2f, 2f, 2f]);
    }

    [Test]
    public void ModifyingASavedInputInPlace_ThrowsPyTorchsMessage()
    {
        var a = Input() * 1;
        var y = new LegendrePolynomial3().Apply(a);
        a.Add_(1);
        Should.Throw<InvalidOperationException>(() => y.Sum().Backward()).Message.ShouldBe(Error("saved input modified"));
    }

    [Test]
    public void ModifyingASavedOutputInPlace_ThrowsPyTorchsMessage()
    {
        var y = new SavesOutput().Apply(Input());
        y.Mul_(2);
        Should.Throw<InvalidOperationException>(() => y.Sum().Backward()).Message.ShouldBe(Error("saved output modified"));
    }

    [Test]
    public void SavedTensors_AfterBackward_ThrowPyTorchsFreedMessage_UnlessRetained()
    {
        var x = Input();
        var function = new LegendrePolynomial3();
        var y = function.Apply(x);
        y.Sum().Backward(retainGraph: true);
        function.LastContext!.SavedTensors.ShouldBe([x]);
        y.Sum().Backward();
        Should.Throw<InvalidOperationException>(() => function.LastContext.SavedTensors).Message.ShouldBe(Error("freed"));
        Should.Throw<InvalidOperationException>(() => y.Sum().Backward()).Message.ShouldBe(Error("twice"));
    }

    [Test]
    public void SavedTensors_ReadAfterAnInPlaceWrite_ThrowPyTorchsMessage()
    {
        var a = Input() * 1;
        var function = new LegendrePolynomial3();
        function.Apply(a);
        a.Add_(1);
        Should.Throw<InvalidOperationException>(() => function.LastContext!.SavedTensors).Message.ShouldBe(Error("saved input modified"));
    }

    [Test]
    public void Forward_RunsWithoutRecording()
    {
        bool? recorded = null;
        var f = new Custom((_, i) =>
        {
            var inner = i[0] * 2;
            recorded = inner.RequiresGrad;
            return inner;
        }, (_, g) => [g * 2]);
        var y = f.Apply(Input());
        recorded.ShouldBe(false);
        y.GradFn!.Name.ShouldBe("CustomBackward");
        y.GradFn.NextFunctions.ShouldBe([null]);
    }

    [Test]
    public void UnderNoGrad_OrWithoutInputsThatRequireGrad_NothingIsRecorded()
    {
        var function = new LegendrePolynomial3();
        using (Torch.NoGrad())
        {
            var y = function.Apply(Input());
            y.RequiresGrad.ShouldBeFalse();
            y.GradFn.ShouldBeNull();
        }
        function.LastContext!.NeedsInputGrad.ShouldBe([true]);
        function.LastContext.SavedTensors.Count.ShouldBe(1);

        var z = function.Apply(Torch.Tensor([1f, 2f]));
        z.RequiresGrad.ShouldBeFalse();
        function.LastContext.NeedsInputGrad.ShouldBe([false]);
        z.ToArray<float>().ShouldBe([1f, 17f]);
    }

    [Test]
    public void AnInputReturnedByForward_ComesBackAsANewTensorSharingItsStorage()
    {
        var a = Input() * 1;
        var identity = new Custom((_, i) => i[0], (_, g) => [g]);
        var y = identity.Apply(a);
        y.ShouldNotBeSameAs(a);
        y.GradFn!.Name.ShouldBe("CustomBackward");
        a.GradFn!.Name.ShouldBe("MulBackward0");
        y.GradFn.NextFunctions.ShouldBe([a.GradFn]);
        using (Torch.NoGrad()) y.Mul_(10);
        a.ToArray<float>().ShouldBe([5f, -10f, 20f]);
    }

    private sealed class Scale<T> : Function
    {
        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs) => inputs[0] * 2;

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput * 2];
    }

    [Test]
    public void AGenericFunction_IsNamedWithoutItsArity() => new Scale<int>().Apply(Input()).GradFn!.Name.ShouldBe("ScaleBackward");

    [Test]
    public void AnIntegerOutput_IsNotDifferentiable()
    {
        var argmax = new Custom((_, i) => i[0].Argmax(), (_, g) => [g]);
        var index = argmax.Apply(Input());
        index.RequiresGrad.ShouldBeFalse();
        index.Item<long>().ShouldBe(2L);
    }

    [Test]
    public void SaveForBackward_OutsideForward_Throws()
    {
        var x = Input();
        var late = new Custom((_, i) => i[0] * 2, (ctx, g) =>
        {
            ctx.SaveForBackward(g);
            return [g];
        });
        Should.Throw<InvalidOperationException>(() => late.Apply(x).Sum().Backward()).Message.ShouldBe("SaveForBackward can only be called from Forward");
    }

    [Test]
    public void NullArguments_Throw()
    {
        Should.Throw<ArgumentNullException>(() => new LegendrePolynomial3().Apply(null!));
        Should.Throw<ArgumentNullException>(() => new MulBy().Apply(Input(), null!));
        Should.Throw<InvalidOperationException>(() => new Custom((_, _) => null!, (_, g) => [g]).Apply(Input()));
    }
}
