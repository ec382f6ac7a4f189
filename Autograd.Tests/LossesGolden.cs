using System.Runtime.InteropServices;
using System.Text.Json;
using Autograd.NN;

namespace Autograd.Tests;

/// <summary>One call of Golden/losses_nn.json (tools/gen_losses_golden.py): inputs, PyTorch's output, grad_fn and gradients.</summary>
public sealed record NnCase(string Name, string Fn, string Via, JsonElement Args, JsonElement[] Inputs, JsonElement Output,
    string? GradFn, JsonElement? GradOutput, JsonElement?[] Grads)
{
    public override string ToString() => Name;
}

/// <summary>A call PyTorch rejects, with its message.</summary>
public sealed record NnError(string Name, string Fn, string Via, JsonElement Args, JsonElement[] Inputs, string Message, string Family)
{
    public override string ToString() => Name;
}

/// <summary>Reads Golden/losses_nn.json and maps its calls onto Functional and the modules.</summary>
public static class LossesGolden
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "losses_nn.json")));
        return document.RootElement.Clone();
    });

    public static JsonElement Json => Root.Value;

    public static IEnumerable<NnCase> Cases => Root.Value.GetProperty("cases").EnumerateArray().Select(c => new NnCase(
        c.GetProperty("name").GetString()!, c.GetProperty("fn").GetString()!, c.GetProperty("via").GetString()!, c.GetProperty("args"),
        [.. c.GetProperty("inputs").EnumerateArray()], c.GetProperty("output"),
        c.GetProperty("grad_fn").ValueKind == JsonValueKind.Null ? null : c.GetProperty("grad_fn").GetString(),
        Optional(c.GetProperty("grad_output")), [.. c.GetProperty("grads").EnumerateArray().Select(Optional)]));

    public static IEnumerable<NnError> Errors => Root.Value.GetProperty("errors").EnumerateArray().Select(e => new NnError(
        e.GetProperty("name").GetString()!, e.GetProperty("fn").GetString()!, e.GetProperty("via").GetString()!, e.GetProperty("args"),
        [.. e.GetProperty("inputs").EnumerateArray()], e.GetProperty("message").GetString()!, e.GetProperty("family").GetString()!));

    private static JsonElement? Optional(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e;

    /// <summary>A leaf with the golden dtype, shape and elements (requiring grad where PyTorch's did).</summary>
    public static Tensor Decode(JsonElement spec)
    {
        int[] shape = [.. spec.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())];
        var bytes = Convert.FromBase64String(spec.GetProperty("b64").GetString()!);
        Array data = spec.GetProperty("dtype").GetString() switch
        {
            "float32" => MemoryMarshal.Cast<byte, float>(bytes).ToArray(),
            "float64" => MemoryMarshal.Cast<byte, double>(bytes).ToArray(),
            "int64" => MemoryMarshal.Cast<byte, long>(bytes).ToArray(),
            var other => throw new InvalidDataException($"dtype {other}"),
        };
        var t = new Tensor(data, shape);
        if (spec.TryGetProperty("requires_grad", out var rg) && rg.GetBoolean()) t.RequiresGrad = true;
        return t;
    }

    public static Reduction Reduction(JsonElement args) => args.TryGetProperty("reduction", out var r)
        ? r.GetString() switch
        {
            "none" => NN.Reduction.None,
            "sum" => NN.Reduction.Sum,
            "mean" => NN.Reduction.Mean,
            "batchmean" => NN.Reduction.BatchMean,
            var other => throw new InvalidDataException($"reduction {other}"),
        }
        : NN.Reduction.Mean;

    private static double D(JsonElement args, string name) => args.GetProperty(name).GetDouble();

    private static bool Flag(JsonElement args, string name) => args.TryGetProperty(name, out var v) && v.GetBoolean();

    /// <summary>Runs a golden call through the library, as the generator's call() runs it through PyTorch.</summary>
    public static Tensor Call(string fn, string via, JsonElement a, Tensor[] x)
    {
        bool module = via == "module";
        var red = Reduction(a);
        Tensor? Third() => x.Length > 2 ? x[2] : null;
        switch (fn)
        {
            case "mse": return module ? new MSELoss(red).Forward(x[0], x[1]) : Functional.MseLoss(x[0], x[1], red);
            case "l1": return module ? new L1Loss(red).Forward(x[0], x[1]) : Functional.L1Loss(x[0], x[1], red);
            case "smooth_l1":
                return module ? new SmoothL1Loss(red, D(a, "beta")).Forward(x[0], x[1]) : Functional.SmoothL1Loss(x[0], x[1], red, D(a, "beta"));
            case "huber": return module ? new HuberLoss(red, D(a, "delta")).Forward(x[0], x[1]) : Functional.HuberLoss(x[0], x[1], red, D(a, "delta"));
            case "bce": return module ? new BCELoss(Third(), red).Forward(x[0], x[1]) : Functional.BinaryCrossEntropy(x[0], x[1], Third(), red);
            case "bce_logits":
            {
                var w = Flag(a, "weight") ? x[2] : null;
                var pw = Flag(a, "pos_weight") ? x[^1] : null;
                return module ? new BCEWithLogitsLoss(w, red, pw).Forward(x[0], x[1]) : Functional.BinaryCrossEntropyWithLogits(x[0], x[1], w, red, pw);
            }
            case "kl_div":
                return module ? new KLDivLoss(red, Flag(a, "log_target")).Forward(x[0], x[1]) : Functional.KlDiv(x[0], x[1], red, Flag(a, "log_target"));
            case "nll": return new NLLLoss(Third(), a.GetProperty("ignore_index").GetInt64(), red).Forward(x[0], x[1]);
            case "cross_entropy":
                return new CrossEntropyLoss(Third(), a.GetProperty("ignore_index").GetInt64(), red, D(a, "label_smoothing")).Forward(x[0], x[1]);
            case "gelu":
            {
                string approximate = a.GetProperty("approximate").GetString()!;
                return module ? new GELU(approximate).Forward(x[0]) : Functional.Gelu(x[0], approximate);
            }
            case "silu": return module ? new SiLU().Forward(x[0]) : Functional.Silu(x[0]);
            case "leaky_relu": return module ? new LeakyReLU(D(a, "negative_slope")).Forward(x[0]) : Functional.LeakyRelu(x[0], D(a, "negative_slope"));
            case "elu": return module ? new ELU(D(a, "alpha")).Forward(x[0]) : Functional.Elu(x[0], D(a, "alpha"));
            case "softplus":
                return module ? new Softplus(D(a, "beta"), D(a, "threshold")).Forward(x[0]) : Functional.Softplus(x[0], D(a, "beta"), D(a, "threshold"));
            case "relu": return module ? new ReLU().Forward(x[0]) : Functional.Relu(x[0]);
            case "tanh": return module ? new NN.Tanh().Forward(x[0]) : Functional.Tanh(x[0]);
            case "sigmoid": return module ? new NN.Sigmoid().Forward(x[0]) : Functional.Sigmoid(x[0]);
            case "softmax": return module ? new Softmax(a.GetProperty("dim").GetInt32()).Forward(x[0]) : Functional.Softmax(x[0], a.GetProperty("dim").GetInt32());
            case "log_softmax":
                return module ? new LogSoftmax(a.GetProperty("dim").GetInt32()).Forward(x[0]) : Functional.LogSoftmax(x[0], a.GetProperty("dim").GetInt32());
            case "normalize": return Functional.Normalize(x[0], D(a, "p"), a.GetProperty("dim").GetInt32());
            case "cosine_similarity": return Functional.CosineSimilarity(x[0], x[1], a.GetProperty("dim").GetInt32());
            case "pad":
            {
                int[] pad = [.. a.GetProperty("pad").EnumerateArray().Select(p => p.GetInt32())];
                string mode = a.GetProperty("mode").GetString()!;
                return a.TryGetProperty("value", out var v) ? Functional.Pad(x[0], pad, mode, v.GetDouble()) : Functional.Pad(x[0], pad, mode);
            }
            default: throw new ArgumentException($"golden fn '{fn}' has no C# mapping");
        }
    }

    /// <summary>A case's output matches PyTorch's within <paramref name="ulps"/>, with PyTorch's grad_fn.</summary>
    public static void CheckValueAndGradFn(NnCase c, int ulps)
    {
        var output = Call(c.Fn, c.Via, c.Args, [.. c.Inputs.Select(Decode)]);
        ShouldMatch(output, c.Output, ulps, "output");
        (output.GradFn?.Name).ShouldBe(c.GradFn);
    }

    /// <summary>Backward from the case's output gradient gives PyTorch's input gradients (input i within <paramref name="ulps"/>(i)), and none where PyTorch gives none.</summary>
    public static void CheckGradients(NnCase c, Func<int, int> ulps)
    {
        Tensor[] inputs = [.. c.Inputs.Select(Decode)];
        var output = Call(c.Fn, c.Via, c.Args, inputs);
        output.Backward(Decode(c.GradOutput!.Value));
        for (int i = 0; i < inputs.Length; i++)
        {
            if (c.Grads[i] is { } expected) ShouldMatch(inputs[i].Grad.ShouldNotBeNull($"input {i}"), expected, ulps(i), $"grad {i}");
            else inputs[i].Grad.ShouldBeNull($"input {i}");
        }
    }

    /// <summary>
    /// Equal dtype and shape, and elements equal bit for bit when <paramref name="ulps"/> is 0; else within that many
    /// units in the last place of the larger of the element and the tensor's largest element (rounding differences,
    /// and cancellation next to larger elements); nan matching nan.
    /// </summary>
    public static void ShouldMatch(Tensor actual, JsonElement expectedSpec, int ulps, string what)
    {
        var expected = Decode(expectedSpec);
        actual.DType.ShouldBe(expected.DType, $"{what}: dtype");
        actual.Shape.ShouldBe(expected.Shape, $"{what}: shape");
        var a = actual.ToArray<double>();
        var e = expected.ToArray<double>();
        double unit = actual.DType == DType.Float32 ? Math.Pow(2, -23) : Math.Pow(2, -52);
        double largest = e.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < a.Length; i++)
        {
            if (double.IsNaN(e[i])) { double.IsNaN(a[i]).ShouldBeTrue($"{what}[{i}]: expected nan, got {a[i]:R}"); continue; }
            if (ulps == 0 || double.IsInfinity(e[i]))
            {
                BitConverter.DoubleToInt64Bits(a[i]).ShouldBe(BitConverter.DoubleToInt64Bits(e[i]), $"{what}[{i}]: {a[i]:R} vs {e[i]:R}");
                continue;
            }
            double scale = Math.Max(Math.Max(Math.Abs(a[i]), Math.Abs(e[i])), largest);
            Math.Abs(a[i] - e[i]).ShouldBeLessThanOrEqualTo(ulps * unit * scale, $"{what}[{i}]: {a[i]:R} vs {e[i]:R}");
        }
    }
}
