using System.Text.Json;
using Autograd.NN;

namespace Autograd.Tests;

/// <summary>One tensor of the golden file: dtype, shape and flat row-major values (float[], double[] or long[]).</summary>
public sealed record TensorSpec(DType DType, int[] Shape, Array Values, bool RequiresGrad)
{
    public double[] AsDoubles() => Values switch
    {
        float[] f => Array.ConvertAll(f, v => (double)v),
        double[] d => d,
        long[] l => Array.ConvertAll(l, v => (double)v),
        _ => throw new InvalidOperationException("unknown element type"),
    };

    /// <summary>The same tensor with other values (used to perturb inputs for finite differences).</summary>
    public TensorSpec WithValues(double[] values) => this with
    {
        Values = DType switch
        {
            DType.Float32 => Array.ConvertAll(values, v => (float)v),
            DType.Float64 => values,
            _ => Array.ConvertAll(values, v => (long)v),
        },
    };

    public override string ToString() => $"{DType}[{string.Join(",", Shape)}]";
}

/// <summary>An expected output: the tensor plus PyTorch's grad_fn name and str().</summary>
public sealed record OutputSpec(TensorSpec Tensor, string? GradFn, string Str);

/// <summary>Named arguments of a case ("dim", "keepdim", "scalar", "shape", "reduction", ...).</summary>
public sealed class CaseArgs(JsonElement json)
{
    public bool Has(string name) => json.TryGetProperty(name, out _);
    public int Int(string name) => json.GetProperty(name).GetInt32();
    public long Long(string name) => json.GetProperty(name).GetInt64();
    public double Double(string name) => json.GetProperty(name).GetDouble();
    public bool Bool(string name) => json.GetProperty(name).GetBoolean();
    public int[] Ints(string name) => [.. json.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];

    public int Dim => Int("dim");
    public bool KeepDim => Bool("keepdim");

    /// <summary>How the op is called: "method" (x.Op()), "torch" (Torch.Op(x)) or "module" (CrossEntropyLoss).</summary>
    public string Via => json.TryGetProperty("via", out var v) ? v.GetString()! : "method";

    public Reduction Reduction => json.GetProperty("reduction").GetString() switch
    {
        "none" => Reduction.None,
        "sum" => Reduction.Sum,
        _ => Reduction.Mean,
    };

    public override string ToString() => json.GetRawText();
}

/// <summary>An op run in PyTorch: its inputs, outputs and the input gradients after out[0].backward(grad_output).</summary>
public sealed record GoldenCase(
    string Name, string Op, CaseArgs Args, TensorSpec[] Inputs, OutputSpec[] Outputs,
    bool Backward, TensorSpec? GradOutput, TensorSpec?[] Grads)
{
    public override string ToString() => Name;
}

/// <summary>A call PyTorch rejects, with its message and the .NET exception family the engine must use.</summary>
public sealed record ErrorCase(string Name, string Kind, string? Op, CaseArgs Args, TensorSpec[] Inputs, string Message, string Family)
{
    public override string ToString() => Name;
}

/// <summary>A graph PyTorch lets backpropagate twice (it saved no tensors), with the grads after both passes.</summary>
public sealed record BackwardTwiceCase(string Name, string Op, CaseArgs Args, TensorSpec[] Inputs, TensorSpec?[] Grads)
{
    public override string ToString() => Name;
}

/// <summary>Loads Golden/ops.json (written by tools/gen_golden.py) and maps its op names onto the public API.</summary>
public static class Golden
{
    private static readonly Lazy<JsonElement> Root = new(Load);

    public static IReadOnlyList<GoldenCase> Cases => CasesCache.Value;
    public static IReadOnlyList<ErrorCase> Errors => ErrorsCache.Value;
    public static IReadOnlyList<BackwardTwiceCase> BackwardTwiceOk => TwiceCache.Value;
    public static JsonElement Seed => Root.Value.GetProperty("seed");

    private static readonly Lazy<GoldenCase[]> CasesCache =
        new(() => [.. Root.Value.GetProperty("cases").EnumerateArray().Select(ParseCase)]);

    private static readonly Lazy<ErrorCase[]> ErrorsCache =
        new(() => [.. Root.Value.GetProperty("errors").EnumerateArray().Select(ParseError)]);

    private static readonly Lazy<BackwardTwiceCase[]> TwiceCache =
        new(() => [.. Root.Value.GetProperty("backward_twice_ok").EnumerateArray().Select(ParseTwice)]);

    /// <summary>Test-case sources: one NUnit case per golden entry, named after it.</summary>
    public static IEnumerable<TestCaseData> CaseData() => Cases.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    public static IEnumerable<TestCaseData> ErrorData() => Errors.Select(e => new TestCaseData(e).SetArgDisplayNames(e.Name));

    public static IEnumerable<TestCaseData> BackwardTwiceData() =>
        BackwardTwiceOk.Select(t => new TestCaseData(t).SetArgDisplayNames(t.Name));

    private static JsonElement Load()
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "ops.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    }

    private static GoldenCase ParseCase(JsonElement c) => new(
        c.GetProperty("name").GetString()!,
        c.GetProperty("op").GetString()!,
        new CaseArgs(c.GetProperty("args")),
        [.. c.GetProperty("inputs").EnumerateArray().Select(ParseTensor)],
        [.. c.GetProperty("outputs").EnumerateArray().Select(o => new OutputSpec(
            ParseTensor(o), o.GetProperty("grad_fn").GetString(), o.GetProperty("str").GetString()!))],
        c.GetProperty("backward").GetBoolean(),
        ParseOptionalTensor(c.GetProperty("grad_output")),
        [.. c.GetProperty("grads").EnumerateArray().Select(ParseOptionalTensor)]);

    private static ErrorCase ParseError(JsonElement e) => new(
        e.GetProperty("name").GetString()!,
        e.GetProperty("kind").GetString()!,
        e.GetProperty("op").GetString(),
        new CaseArgs(e.GetProperty("args")),
        [.. e.GetProperty("inputs").EnumerateArray().Select(ParseTensor)],
        e.GetProperty("message").GetString()!,
        e.GetProperty("family").GetString()!);

    private static BackwardTwiceCase ParseTwice(JsonElement t) => new(
        t.GetProperty("name").GetString()!,
        t.GetProperty("op").GetString()!,
        new CaseArgs(t.GetProperty("args")),
        [.. t.GetProperty("inputs").EnumerateArray().Select(ParseTensor)],
        [.. t.GetProperty("grads").EnumerateArray().Select(ParseOptionalTensor)]);

    private static TensorSpec? ParseOptionalTensor(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : ParseTensor(e);

    public static TensorSpec ParseTensor(JsonElement e)
    {
        var dtype = e.GetProperty("dtype").GetString() switch
        {
            "float32" => DType.Float32,
            "float64" => DType.Float64,
            "int64" => DType.Int64,
            var other => throw new InvalidDataException($"unknown dtype {other}"),
        };
        int[] shape = [.. e.GetProperty("shape").EnumerateArray().Select(s => s.GetInt32())];
        var values = e.GetProperty("values").EnumerateArray();
        Array data = dtype switch
        {
            DType.Int64 => values.Select(v => v.GetInt64()).ToArray(),
            DType.Float32 => values.Select(v => (float)ParseNumber(v)).ToArray(),
            _ => values.Select(ParseNumber).ToArray(),
        };
        return new TensorSpec(dtype, shape, data, e.TryGetProperty("requires_grad", out var rg) && rg.GetBoolean());
    }

    /// <summary>Numbers are exact doubles; JSON has no NaN or infinities, so the generator writes them as strings.</summary>
    private static double ParseNumber(JsonElement v) => v.ValueKind == JsonValueKind.String
        ? v.GetString() switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            var s => throw new InvalidDataException($"bad number {s}"),
        }
        : v.GetDouble();

    /// <summary>
    /// A leaf tensor with the spec's dtype, shape and values. Torch.Tensor gives a flat tensor; View shapes it and
    /// Detach makes the shaped tensor a leaf, so that RequiresGrad can then be set on it.
    /// </summary>
    public static Tensor Build(TensorSpec spec)
    {
        var flat = spec.Values switch
        {
            float[] f => Torch.Tensor(f),
            double[] d => Torch.Tensor(d),
            long[] l => Torch.Tensor(l),
            _ => throw new InvalidOperationException("unknown element type"),
        };
        var tensor = flat.View(spec.Shape).Detach();
        if (spec.RequiresGrad) tensor.RequiresGrad = true;
        return tensor;
    }

    public static Tensor[] Build(IEnumerable<TensorSpec> specs) => [.. specs.Select(Build)];

    /// <summary>Runs a golden op through the C# API; the op names and arguments are those of gen_golden.py's OPS table.</summary>
    public static Tensor[] Apply(string op, CaseArgs a, IReadOnlyList<Tensor> x)
    {
        bool viaTorch = a.Via == "torch";
        return op switch
        {
            "add" => [x[0] + x[1]],
            "sub" => [x[0] - x[1]],
            "mul" => [x[0] * x[1]],
            "div" => [x[0] / x[1]],
            "mul_self" => [x[0] * x[0]],
            "add_scalar" => [x[0] + a.Double("scalar")],
            "radd_scalar" => [a.Double("scalar") + x[0]],
            "sub_scalar" => [x[0] - a.Double("scalar")],
            "rsub_scalar" => [a.Double("scalar") - x[0]],
            "mul_scalar" => [x[0] * a.Double("scalar")],
            "rmul_scalar" => [a.Double("scalar") * x[0]],
            "div_scalar" => [x[0] / a.Double("scalar")],
            "rdiv_scalar" => [a.Double("scalar") / x[0]],
            "neg" => [-x[0]],
            "exp" => [viaTorch ? Torch.Exp(x[0]) : x[0].Exp()],
            "log" => [viaTorch ? Torch.Log(x[0]) : x[0].Log()],
            "sum" when !a.Has("dim") => [viaTorch ? Torch.Sum(x[0]) : x[0].Sum()],
            "sum" => [viaTorch ? Torch.Sum(x[0], a.Dim, a.KeepDim) : x[0].Sum(a.Dim, a.KeepDim)],
            "mean" when !a.Has("dim") => [x[0].Mean()],
            "mean" => [x[0].Mean(a.Dim, a.KeepDim)],
            "max" when !a.Has("dim") => [x[0].Max()],
            "max" => Pair(viaTorch ? Torch.Max(x[0], a.Dim, a.KeepDim) : x[0].Max(a.Dim, a.KeepDim)),
            "unsqueeze" => [x[0].Unsqueeze(a.Dim)],
            "view" => [x[0].View(a.Ints("shape"))],
            "reshape" => [x[0].Reshape(a.Ints("shape"))],
            "softmax" => [viaTorch ? Torch.Softmax(x[0], a.Dim) : x[0].Softmax(a.Dim)],
            "log_softmax" => [viaTorch ? Torch.LogSoftmax(x[0], a.Dim) : x[0].LogSoftmax(a.Dim)],
            "scatter_value" => [x[0].Scatter(a.Dim, x[1], a.Double("value"))],
            "scatter_src" => [x[0].Scatter(a.Dim, x[1], x[2])],
            "one_hot" => [Functional.OneHot(x[0], a.Int("num_classes"))],
            "matmul" => [viaTorch ? Torch.MatMul(x[0], x[1]) : x[0].MatMul(x[1])],
            "clone" => [x[0].Clone()],
            "cross_entropy" => [CrossEntropy(a, x)],
            "nll_loss" => [Functional.NllLoss(x[0], x[1], Weight(x), a.Long("ignore_index"), a.Reduction)],
            _ => throw new ArgumentException($"golden op '{op}' has no C# mapping"),
        };
    }

    private static Tensor[] Pair((Tensor Values, Tensor Indices) result) => [result.Values, result.Indices];

    private static Tensor? Weight(IReadOnlyList<Tensor> x) => x.Count > 2 ? x[2] : null;

    private static Tensor CrossEntropy(CaseArgs a, IReadOnlyList<Tensor> x)
    {
        long ignoreIndex = a.Long("ignore_index");
        double smoothing = a.Double("label_smoothing");
        return a.Via == "module"
            ? new CrossEntropyLoss(Weight(x), ignoreIndex, a.Reduction, smoothing).Forward(x[0], x[1])
            : Functional.CrossEntropy(x[0], x[1], Weight(x), ignoreIndex, a.Reduction, smoothing);
    }

    /// <summary>Row-major values of any tensor as doubles (exact for float32 and small integers).</summary>
    public static double[] Values(Tensor t) => t.DType switch
    {
        DType.Float32 => Array.ConvertAll(t.ToArray<float>(), v => (double)v),
        DType.Float64 => t.ToArray<double>(),
        _ => Array.ConvertAll(t.ToArray<long>(), v => (double)v),
    };

    /// <summary>Asserts dtype, shape and values: float32 within 1e-5 abs + 1e-5 rel, float64 within 1e-12, Int64 exact.</summary>
    public static void ShouldMatch(Tensor actual, TensorSpec expected, string what, bool computedInFloat32 = false)
    {
        actual.DType.ShouldBe(expected.DType, $"{what}: dtype");
        actual.Shape.ShouldBe(expected.Shape, $"{what}: shape");
        if (expected.Values is long[] longs)
        {
            actual.ToArray<long>().ShouldBe(longs, $"{what}: values");
            return;
        }
        double tolerance = expected.DType == DType.Float32 || computedInFloat32 ? 1e-5 : 1e-12;
        ShouldBeClose(Values(actual), expected.AsDoubles(), tolerance, tolerance, what);
    }

    /// <summary>Element-wise |actual - expected| &lt;= abs + rel*|expected|; NaN matches NaN and infinities match exactly.</summary>
    public static void ShouldBeClose(double[] actual, double[] expected, double abs, double rel, string what)
    {
        actual.Length.ShouldBe(expected.Length, $"{what}: element count");
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual[i], e = expected[i];
            bool ok = double.IsNaN(e) ? double.IsNaN(a)
                : double.IsInfinity(e) ? a == e
                : Math.Abs(a - e) <= abs + rel * Math.Abs(e);
            if (!ok)
                Assert.Fail($"{what}: element {i} is {a:R}, expected {e:R} (|diff| {Math.Abs(a - e):E3})");
        }
    }
}
