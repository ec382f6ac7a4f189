using System.Text.Json;
using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// Conv1d/Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, LayerNorm, BatchNorm1d/2d and Embedding against PyTorch 1.13
/// (Golden/layers.json, from tools/gen_layers_golden.py): initial parameters after ManualSeed bit for bit; outputs,
/// input and parameter gradients and running statistics within float32 rounding (exactly where PyTorch's kernel is a
/// fixed-order loop: pooling, embedding); grad_fn names, reprs and error messages as text.
/// </summary>
[TestFixture]
public class LayersTests
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "layers.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    });

    public static IEnumerable<TestCaseData> ModuleCases() =>
        Root.Value.GetProperty("modules").EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(c.GetProperty("name").GetString()!));

    public static IEnumerable<TestCaseData> FunctionalCases() =>
        Root.Value.GetProperty("functional").EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(c.GetProperty("name").GetString()!));

    public static IEnumerable<TestCaseData> AttentionCases() =>
        Root.Value.GetProperty("attention").EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(c.GetProperty("name").GetString()!));

    public static IEnumerable<TestCaseData> ErrorCases() =>
        Root.Value.GetProperty("errors").EnumerateObject().Select(e => new TestCaseData(e.Name, e.Value.GetString()).SetArgDisplayNames(e.Name));

    public static IEnumerable<TestCaseData> ReprCases() =>
        Root.Value.GetProperty("reprs").EnumerateObject().Select(e => new TestCaseData(e.Name, e.Value.GetString()).SetArgDisplayNames(e.Name));

    [TestCaseSource(nameof(ModuleCases))]
    public void Module_InitializesAsPyTorch(JsonElement c)
    {
        var module = Build(c);
        var parameters = module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var init = c.GetProperty("init");
        parameters.Keys.ShouldBe(init.EnumerateObject().Select(p => p.Name), ignoreOrder: false);
        foreach (var expected in init.EnumerateObject())
            parameters[expected.Name].ToArray<float>().ShouldBe(Tensor(expected.Value).ToArray<float>(), $"{expected.Name} at init");
        module.ToString().ShouldBe(c.GetProperty("repr").GetString());
    }

    [TestCaseSource(nameof(ModuleCases))]
    public void Module_ForwardBackwardAndRunningStats_MatchPyTorch(JsonElement c)
    {
        var module = Build(c);
        var parameters = module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var set in c.GetProperty("set_params").EnumerateObject())
        {
            using (Torch.NoGrad()) parameters[set.Name].Copy_(Tensor(set.Value));
        }
        module.Train(c.GetProperty("train").GetBoolean());
        string name = c.GetProperty("name").GetString()!;
        // adaptive_1 is a mean over the plane in PyTorch, whose vectorized sum adds in another order.
        bool exact = name.StartsWith("maxpool") || name.StartsWith("avgpool") || name.StartsWith("adaptive") && name != "adaptive_1" || name.StartsWith("embedding");
        int step = 0;
        foreach (var run in c.GetProperty("runs").EnumerateArray())
        {
            string at = $"step {step++}";
            var x = Tensor(run.GetProperty("input"));
            if (x.DType != DType.Int64) x.RequiresGrad = true;
            module.ZeroGrad();
            var y = module.Forward(x);
            (y.GradFn?.Name).ShouldBe(run.GetProperty("grad_fn").GetString(), at);
            ShouldMatch(y, run.GetProperty("output"), exact, $"{at}: output");
            y.Backward(Tensor(run.GetProperty("grad_output")));
            if (run.GetProperty("input_grad").ValueKind != JsonValueKind.Null)
                ShouldMatch(x.Grad.ShouldNotBeNull(), run.GetProperty("input_grad"), exact && !name.StartsWith("adaptive"), $"{at}: input grad");
            foreach (var expected in run.GetProperty("param_grads").EnumerateObject())
                ShouldMatch(parameters[expected.Name].Grad.ShouldNotBeNull(), expected.Value, exact, $"{at}: {expected.Name} grad");
            var buffers = run.GetProperty("buffers");
            if (module is not BatchNorm norm)
            {
                buffers.EnumerateObject().ShouldBeEmpty();
                continue;
            }
            ShouldMatch(norm.RunningMean!, buffers.GetProperty("running_mean"), exact: false, $"{at}: running_mean");
            ShouldMatch(norm.RunningVar!, buffers.GetProperty("running_var"), exact: false, $"{at}: running_var");
            norm.NumBatchesTracked!.Item<long>().ShouldBe(Tensor(buffers.GetProperty("num_batches_tracked")).Item<long>(), at);
        }
    }

    [TestCaseSource(nameof(FunctionalCases))]
    public void Functional_Float64_MatchesPyTorch(JsonElement c)
    {
        var inputs = c.GetProperty("inputs").EnumerateArray().Select(Tensor).ToArray();
        foreach (var input in inputs) input.RequiresGrad = true;
        var args = c.GetProperty("args");
        var y = c.GetProperty("name").GetString() switch
        {
            "conv2d" => Functional.Conv2d(inputs[0], inputs[1], inputs[2], stride: 2, padding: 1, groups: 2),
            "conv1d" => Functional.Conv1d(inputs[0], inputs[1], inputs[2], dilation: 2),
            "max_pool2d" => Functional.MaxPool2d(inputs[0], 3, 2, 1),
            "avg_pool2d" => Functional.AvgPool2d(inputs[0], 2, 1, 1),
            "adaptive_avg_pool2d" => Functional.AdaptiveAvgPool2d(inputs[0], (3, 2)),
            "layer_norm" => Functional.LayerNorm(inputs[0], [4], inputs[1], inputs[2]),
            "batch_norm_train" => Functional.BatchNorm(inputs[0], null, null, inputs[1], inputs[2], training: true),
            "embedding" => Functional.Embedding(Torch.Tensor([0L, 2, 2, 2]).View(2, 2), inputs[0], args.GetProperty("padding").GetInt32()),
            var other => throw new InvalidOperationException($"unknown case {other}"),
        };
        y.GradFn!.Name.ShouldBe(c.GetProperty("grad_fn").GetString());
        ShouldMatch(y, c.GetProperty("output"), exact: false, "output");
        y.Backward(Tensor(c.GetProperty("grad_output")));
        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < inputs.Length; i++) ShouldMatch(inputs[i].Grad.ShouldNotBeNull(), grads[i], exact: false, $"grad {i}");
    }

    [TestCaseSource(nameof(AttentionCases))]
    public void MultiheadAttention_MatchesPyTorch(JsonElement c)
    {
        var a = c.GetProperty("args");
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        var attention = new MultiheadAttention(a.GetProperty("embed").GetInt32(), a.GetProperty("heads").GetInt32(),
            batchFirst: a.TryGetProperty("batch_first", out var bf) && bf.GetBoolean());
        attention.ToString().ShouldBe(c.GetProperty("repr").GetString());
        var parameters = attention.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        parameters.Keys.ShouldBe(c.GetProperty("init").EnumerateObject().Select(p => p.Name));
        foreach (var expected in c.GetProperty("init").EnumerateObject())
            parameters[expected.Name].ToArray<float>().ShouldBe(Tensor(expected.Value).ToArray<float>(), $"{expected.Name} at init");
        foreach (var set in c.GetProperty("params").EnumerateObject())
        {
            using (Torch.NoGrad()) parameters[set.Name].Copy_(Tensor(set.Value));
        }
        var xs = c.GetProperty("inputs").EnumerateArray().Select(Tensor).ToArray();
        foreach (var x in xs) x.RequiresGrad = true;
        var (q, k, v) = c.GetProperty("form").GetString() switch
        {
            "self" => (xs[0], xs[0], xs[0]),
            "kv" => (xs[0], xs[1], xs[1]),
            _ => (xs[0], xs[1], xs[2]),
        };
        var mask = c.GetProperty("mask").ValueKind == JsonValueKind.Null ? null : Tensor(c.GetProperty("mask"));
        var (output, weights) = attention.Forward(q, k, v, mask);
        output.GradFn!.Name.ShouldBe(c.GetProperty("output_grad_fn").GetString());
        weights!.GradFn!.Name.ShouldBe(c.GetProperty("weights_grad_fn").GetString());
        ShouldMatch(output, c.GetProperty("output"), exact: false, "output");
        ShouldMatch(weights, c.GetProperty("weights"), exact: false, "weights");
        (output * Tensor(c.GetProperty("grad_output"))).Sum().Backward();
        var inputGrads = c.GetProperty("input_grads").EnumerateArray().ToArray();
        for (int i = 0; i < xs.Length; i++) ShouldMatch(xs[i].Grad.ShouldNotBeNull(), inputGrads[i], exact: false, $"input {i} grad");
        foreach (var expected in c.GetProperty("param_grads").EnumerateObject())
            ShouldMatch(parameters[expected.Name].Grad.ShouldNotBeNull(), expected.Value, exact: false, $"{expected.Name} grad");
    }

    [TestCaseSource(nameof(ErrorCases))]
    public void BadInput_ThrowsPyTorchsMessage(string name, string message)
    {
        var w = Torch.Randn(2, 1, 3, 3);
        Action call = name switch
        {
            "conv2d_rank" => () => Functional.Conv2d(Torch.Randn(5, 5), w),
            "conv2d_channels" => () => Functional.Conv2d(Torch.Randn(1, 3, 5, 5), w),
            "conv2d_groups_channels" => () => Functional.Conv2d(Torch.Randn(1, 4, 5, 5), Torch.Randn(2, 3, 3, 3), groups: 2),
            "conv2d_groups_weight" => () => Functional.Conv2d(Torch.Randn(1, 2, 4, 4), Torch.Randn(3, 1, 3, 3), groups: 2),
            "conv2d_kernel_too_large" => () => Functional.Conv2d(Torch.Randn(1, 1, 2, 2), w),
            "conv2d_bias" => () => Functional.Conv2d(Torch.Randn(1, 1, 4, 4), w, Torch.Randn(3)),
            "conv2d_stride" => () => Functional.Conv2d(Torch.Randn(1, 1, 4, 4), w, stride: 0),
            "conv2d_dtype" => () => Functional.Conv2d(Torch.Randn(1, 1, 4, 4), w.Double()),
            "conv1d_rank" => () => Functional.Conv1d(Torch.Randn(5), Torch.Randn(2, 1, 3)),
            "conv_groups_module" => () => _ = new Conv2d(3, 4, 3, groups: 2),
            "maxpool_rank" => () => Functional.MaxPool2d(Torch.Randn(5, 5), 2),
            "maxpool_too_small" => () => Functional.MaxPool2d(Torch.Randn(1, 1, 2, 2), 3),
            "maxpool_padding" => () => Functional.MaxPool2d(Torch.Randn(1, 1, 4, 4), 2, padding: 2),
            "avgpool_padding" => () => Functional.AvgPool2d(Torch.Randn(1, 1, 4, 4), 2, padding: 2),
            "adaptive_rank" => () => Functional.AdaptiveAvgPool2d(Torch.Randn(5), 2),
            "embedding_range" => () => new Embedding(10, 3).Forward(Torch.Tensor([10L])),
            "embedding_dtype" => () => new Embedding(10, 3).Forward(Torch.Tensor([1f])),
            "layernorm_shape" => () => Functional.LayerNorm(Torch.Randn(2, 3), [4]),
            "layernorm_weight" => () => Functional.LayerNorm(Torch.Randn(2, 3), [3], Torch.Randn(2)),
            "batchnorm2d_rank" => () => new BatchNorm2d(3).Forward(Torch.Randn(2, 3, 4)),
            "batchnorm1d_rank" => () => new BatchNorm1d(3).Forward(Torch.Randn(2, 3, 4, 4)),
            "batchnorm_one_value" => () => new BatchNorm1d(3).Forward(Torch.Randn(1, 3)),
            "batchnorm_channels" => () => new BatchNorm2d(2).Forward(Torch.Randn(2, 3, 2, 2)),
            _ => throw new InvalidOperationException($"unknown error case {name}"),
        };
        Should.Throw<ArgumentException>(call).Message.ShouldBe(message);
    }

    [TestCaseSource(nameof(ReprCases))]
    public void Module_PrintsPyTorchsRepr(string name, string repr)
    {
        Module module = name switch
        {
            "Conv2d(1, 32, 3)" => new Conv2d(1, 32, 3),
            "Conv2d(2, 4, (3, 2), stride (2, 2), padding (1, 1), dilation (2, 2), groups 2, no bias)" =>
                new Conv2d(2, 4, (3, 2), (2, 2), (1, 1), (2, 2), groups: 2, bias: false),
            "Conv1d(2, 4, 3)" => new Conv1d(2, 4, 3),
            "MaxPool2d(2)" => new MaxPool2d(2),
            "AvgPool2d(3, 1, 1)" => new AvgPool2d(3, 1, 1),
            "AdaptiveAvgPool2d(1)" => new AdaptiveAvgPool2d(1),
            "AdaptiveAvgPool2d((2, 3))" => new AdaptiveAvgPool2d((2, 3)),
            "LayerNorm([4, 5])" => new LayerNorm([4, 5]),
            "LayerNorm(8, 1e-6, false)" => new LayerNorm(8, 1e-6, elementwiseAffine: false),
            "BatchNorm2d(16)" => new BatchNorm2d(16),
            "BatchNorm1d(3, momentum null, no affine, no stats)" => new BatchNorm1d(3, momentum: null, affine: false, trackRunningStats: false),
            "Embedding(3, 4)" => new Embedding(3, 4),
            "Embedding(10, 3, padding 1)" => new Embedding(10, 3, paddingIdx: 1),
            _ => throw new InvalidOperationException($"unknown repr case {name}"),
        };
        module.ToString().ShouldBe(repr);
    }

    [Test]
    public void Sequential_OfLayers_PrintsNestedRepr() =>
        new Sequential(new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2)).ToString().ShouldBe(
            "Sequential(\n  (0): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))\n  (1): ReLU()\n  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n)");

    [Test]
    public void Conv2d_SecondDerivative_IsRecordedAsConvolutionBackwardBackward0()
    {
        var x = Torch.Randn([2, 1, 5, 5], DType.Float64, requiresGrad: true);
        var w = Torch.Randn([2, 1, 3, 3], DType.Float64, requiresGrad: true);
        var y = Functional.Conv2d(x, w, padding: 1);
        var (gx, gw) = (Gradients.Grad([(y * y).Sum()], [x, w], createGraph: true) is var g ? (g[0], g[1]) : default);
        gx.GradFn!.Name.ShouldBe("ConvolutionBackwardBackward0");
        gw.GradFn!.Name.ShouldBe("ConvolutionBackwardBackward0");
    }

    [Test]
    public void BatchNorm_Eval_UsesRunningStatsAndLeavesThemUnchanged()
    {
        var norm = new BatchNorm1d(2);
        norm.Forward(Torch.Tensor([1f, 2, 3, 6]).View(2, 2));
        var mean = norm.RunningMean!.ToArray<float>();
        norm.Eval();
        var y = norm.Forward(Torch.Tensor([0f, 0]).View(1, 2));
        norm.RunningMean!.ToArray<float>().ShouldBe(mean);
        norm.NumBatchesTracked!.Item<long>().ShouldBe(1);
        // (0 - running_mean) / sqrt(running_var + eps), with running stats 0.1 x the batch's (mean 2 and 4; var 2 and 8) plus 0.9 x (0, 1).
        y.ToArray<float>().ShouldBe([(float)(-0.2 / Math.Sqrt(1.1 + 1e-5)), (float)(-0.4 / Math.Sqrt(1.7 + 1e-5))], tolerance: 1e-6);
    }

    private static Module Build(JsonElement c)
    {
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        var a = c.GetProperty("args");
        int Int(string key, int fallback) => a.TryGetProperty(key, out var v) ? v.GetInt32() : fallback;
        bool Bool(string key) => !a.TryGetProperty(key, out var v) || v.GetBoolean();
        return c.GetProperty("module").GetString() switch
        {
            "Conv2d" when a.TryGetProperty("kh", out _) => new Conv2d(Int("in", 0), Int("out", 0), (Int("kh", 0), Int("kw", 0)),
                (Int("sh", 1), Int("sw", 1)), (Int("ph", 0), Int("pw", 0)), (Int("dh", 1), Int("dw", 1)), Int("groups", 1), Bool("bias")),
            "Conv2d" => new Conv2d(Int("in", 0), Int("out", 0), Int("k", 0), Int("stride", 1), Int("padding", 0), Int("dilation", 1), Int("groups", 1), Bool("bias")),
            "Conv1d" => new Conv1d(Int("in", 0), Int("out", 0), Int("k", 0), Int("stride", 1), Int("padding", 0), Int("dilation", 1), Int("groups", 1), Bool("bias")),
            "MaxPool2d" => new MaxPool2d(Int("k", 0), a.TryGetProperty("stride", out var s) ? s.GetInt32() : null, Int("padding", 0)),
            "AvgPool2d" => new AvgPool2d(Int("k", 0), a.TryGetProperty("stride", out var s) ? s.GetInt32() : null, Int("padding", 0)),
            "AdaptiveAvgPool2d" when a.TryGetProperty("h", out _) => new AdaptiveAvgPool2d((Int("h", 0), Int("w", 0))),
            "AdaptiveAvgPool2d" => new AdaptiveAvgPool2d(Int("size", 0)),
            "LayerNorm" => new LayerNorm([.. a.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())],
                a.TryGetProperty("eps", out var eps) ? eps.GetDouble() : 1e-5, Bool("affine")),
            "BatchNorm2d" => new BatchNorm2d(Int("features", 0), a.TryGetProperty("eps", out var eps) ? eps.GetDouble() : 1e-5, Momentum(a), Bool("affine")),
            "BatchNorm1d" => new BatchNorm1d(Int("features", 0), a.TryGetProperty("eps", out var eps) ? eps.GetDouble() : 1e-5, Momentum(a), Bool("affine")),
            "Embedding" => new Embedding(Int("num", 0), Int("dim", 0), a.TryGetProperty("padding", out var p) ? p.GetInt32() : null),
            var other => throw new InvalidOperationException($"unknown module {other}"),
        };
    }

    private static double? Momentum(JsonElement args) =>
        !args.TryGetProperty("momentum", out var m) ? 0.1 : m.ValueKind == JsonValueKind.Null ? null : m.GetDouble();

    private static Tensor Tensor(JsonElement spec)
    {
        int[] shape = [.. spec.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
        var values = spec.GetProperty("values").EnumerateArray();
        return spec.GetProperty("dtype").GetString() switch
        {
            "float32" => Torch.Tensor([.. values.Select(e => (float)Number(e))]).Reshape(shape),
            "float64" => Torch.Tensor([.. values.Select(Number)]).Reshape(shape),
            "int64" => Torch.Tensor([.. values.Select(e => e.GetInt64())]).Reshape(shape),
            var other => throw new InvalidOperationException($"unknown dtype {other}"),
        };
    }

    /// <summary>A JSON number, or one of the strings "inf", "-inf", "nan" that stand for the values JSON lacks.</summary>
    private static double Number(JsonElement e) => e.ValueKind != JsonValueKind.String ? e.GetDouble() : e.GetString() switch
    {
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        "nan" => double.NaN,
        var other => throw new InvalidOperationException($"not a number: {other}"),
    };

    /// <summary>Same shape and dtype; values bit for bit when <paramref name="exact"/>, else within float32 (or float64) rounding of sums.</summary>
    private static void ShouldMatch(Tensor actual, JsonElement expectedSpec, bool exact, string what)
    {
        var expected = Tensor(expectedSpec);
        actual.Shape.ShouldBe(expected.Shape, what);
        actual.DType.ShouldBe(expected.DType, what);
        var (a, e) = (actual.ToArray<double>(), expected.ToArray<double>());
        if (exact)
        {
            a.ShouldBe(e, what);
            return;
        }
        double tolerance = actual.DType == DType.Float32 ? 2e-6 : 1e-12;
        for (int i = 0; i < a.Length; i++)
            Math.Abs(a[i] - e[i]).ShouldBeLessThanOrEqualTo(tolerance * (1 + Math.Abs(e[i])), $"{what}[{i}]: {a[i]} vs {e[i]}");
    }
}
