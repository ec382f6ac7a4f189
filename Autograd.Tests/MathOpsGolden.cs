using System.Text.Json;

namespace Autograd.Tests;

/// <summary>One case of Golden/mathops.json (tools/gen_mathops_golden.py).</summary>
public sealed record MathCase(string Name, string Op, CaseArgs Args, TensorSpec[] Inputs, (TensorSpec Tensor, string? GradFn)[] Outputs, TensorSpec?[] Grads)
{
    public override string ToString() => Name;
}

public sealed record MathError(string Name, string Op, CaseArgs Args, TensorSpec[] Inputs, string Message)
{
    public override string ToString() => Name;
}

/// <summary>
/// A cascade-sum case: the input is rebuilt from its seed (Torch.Randn is PyTorch's stream), with every third column
/// -0.0 for randn_negzero, or as ones * 0.1.
/// </summary>
public sealed record CascadeCase(string Name, string Op, string Input, DType DType, int Seed, int[] Shape, int[]? Dims, bool KeepDim, int[]? Target, TensorSpec Result)
{
    public override string ToString() => Name;

    public Tensor BuildInput()
    {
        if (Input == "ones01") return Torch.Ones(Shape, DType) * 0.1;
        Torch.ManualSeed(Seed);
        var x = Torch.Randn(Shape, DType);
        if (Input != "randn_negzero") return x;
        var everyThird = Enumerable.Range(0, Shape[^1]).Select(i => i % 3 == 0).ToArray();
        return Torch.Where(Torch.Tensor(everyThird), Torch.Full(Shape, -0.0, DType), x);
    }
}

/// <summary>Reads Golden/mathops.json and runs its ops through the C# API.</summary>
public static class MathGolden
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "mathops.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    });

    public static IEnumerable<MathCase> Cases => Root.Value.GetProperty("cases").EnumerateArray().Select(c => new MathCase(
        c.GetProperty("name").GetString()!, c.GetProperty("op").GetString()!, new CaseArgs(c.GetProperty("args")),
        [.. c.GetProperty("inputs").EnumerateArray().Select(Golden.ParseTensor)],
        [.. c.GetProperty("outputs").EnumerateArray().Select(o => (Golden.ParseTensor(o), o.GetProperty("grad_fn").GetString()))],
        [.. c.GetProperty("grads").EnumerateArray().Select(g => g.ValueKind == JsonValueKind.Null ? null : Golden.ParseTensor(g))]));

    public static IEnumerable<MathError> Errors => Root.Value.GetProperty("errors").EnumerateArray().Select(e => new MathError(
        e.GetProperty("name").GetString()!, e.GetProperty("op").GetString()!, new CaseArgs(e.GetProperty("args")),
        [.. e.GetProperty("inputs").EnumerateArray().Select(Golden.ParseTensor)], e.GetProperty("message").GetString()!));

    public static IEnumerable<CascadeCase> Cascade => Root.Value.GetProperty("cascade").EnumerateArray().Select(c => new CascadeCase(
        c.GetProperty("name").GetString()!, c.GetProperty("op").GetString()!, c.GetProperty("input").GetString()!,
        c.GetProperty("dtype").GetString() == "float64" ? DType.Float64 : DType.Float32, c.GetProperty("seed").GetInt32(),
        Ints(c.GetProperty("shape"))!, Ints(c.GetProperty("dims")), c.GetProperty("keepdim").GetBoolean(), Ints(c.GetProperty("target")),
        Golden.ParseTensor(c.GetProperty("result"))));

    private static int[]? Ints(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : [.. e.EnumerateArray().Select(v => v.GetInt32())];

    public static int[]? Dims(CaseArgs a) => a.Has("dims") ? NullableInts(a, "dims") : null;

    private static int[]? NullableInts(CaseArgs a, string name)
    {
        try { return a.Ints(name); }
        catch (InvalidOperationException) { return null; }
    }

    private static double? NullableDouble(CaseArgs a, string name)
    {
        try { return a.Double(name); }
        catch (InvalidOperationException) { return null; }
    }

    private static double P(CaseArgs a)
    {
        try { return a.Double("p"); }
        catch (InvalidOperationException) { return double.PositiveInfinity; }
    }

    /// <summary>The op of a case, by the generator's name.</summary>
    public static Tensor[] Apply(string op, CaseArgs a, Tensor[] x) => op switch
    {
        "sin" => [x[0].Sin()], "cos" => [x[0].Cos()], "tan" => [x[0].Tan()], "asin" => [x[0].Asin()], "acos" => [x[0].Acos()],
        "atan" => [x[0].Atan()], "sinh" => [x[0].Sinh()], "cosh" => [x[0].Cosh()], "log1p" => [x[0].Log1p()], "expm1" => [x[0].Expm1()],
        "log2" => [x[0].Log2()], "log10" => [x[0].Log10()], "floor" => [x[0].Floor()], "ceil" => [x[0].Ceil()], "round" => [x[0].Round()],
        "trunc" => [x[0].Trunc()], "sign" => [x[0].Sign()], "rsqrt" => [x[0].Rsqrt()], "square" => [x[0].Square()], "erf" => [x[0].Erf()],
        "erfc" => [x[0].Erfc()], "erfinv" => [x[0].Erfinv()], "lgamma" => [x[0].Lgamma()], "digamma" => [x[0].Digamma()],
        "tanh" => [x[0].Tanh()], "sigmoid" => [x[0].Sigmoid()],
        "maximum" => [x[0].Maximum(x[1])], "minimum" => [x[0].Minimum(x[1])], "atan2" => [x[0].Atan2(x[1])],
        "clamp" => [x[0].Clamp(NullableDouble(a, "min"), NullableDouble(a, "max"))],
        "clamp_tensor" => [x[0].Clamp(x[1], x[2])], "clamp_tensor_min" => [x[0].Clamp(x[1], null)], "clamp_tensor_max" => [x[0].Clamp(null, x[1])],
        "lerp" => [x[0].Lerp(x[1], a.Double("weight"))],
        "sum_dims" => [x[0].Sum(Dims(a), a.KeepDim)], "mean_dims" => [x[0].Mean(Dims(a), a.KeepDim)],
        "amax" => [x[0].Amax(Dims(a) ?? [], a.KeepDim)], "amin" => [x[0].Amin(Dims(a) ?? [], a.KeepDim)],
        "var" => [x[0].Var(Dims(a), a.Int("correction"), a.KeepDim)], "std" => [x[0].Std(Dims(a), a.Int("correction"), a.KeepDim)],
        "norm" => [x[0].Norm(P(a), Dims(a), a.KeepDim)],
        "max_all" => [x[0].Max()], "min_all" => [x[0].Min()], "argmin_all" => [x[0].Argmin()],
        "min_dim" => Pair(x[0].Min(a.Dim, a.KeepDim)), "argmin" => [x[0].Argmin(a.Dim, a.KeepDim)],
        "logsumexp" => [x[0].LogSumExp(a.Dim, a.KeepDim)], "prod_dim" => [x[0].Prod(a.Dim, a.KeepDim)], "prod_all" => [x[0].Prod()],
        "cumsum" => [x[0].Cumsum(a.Dim)], "cumprod" => [x[0].Cumprod(a.Dim)],
        "sort" => Pair(x[0].Sort(a.Dim, a.Bool("descending"))), "argsort" => [x[0].Argsort(a.Dim, a.Bool("descending"))],
        "topk" => Pair(x[0].Topk(a.Int("k"), a.Dim, a.Bool("largest"))),
        "count_nonzero" => [x[0].CountNonzero()], "count_nonzero_dims" => [x[0].CountNonzero(Dims(a))],
        _ => throw new ArgumentException($"unknown op {op}"),
    };

    private static Tensor[] Pair((Tensor, Tensor) p) => [p.Item1, p.Item2];

    /// <summary>Units in the last place between two floats of the same dtype (0 for equal, NaN for NaN, infinities equal).</summary>
    public static long Ulps(double actual, double expected, DType dtype)
    {
        if (double.IsNaN(expected)) return double.IsNaN(actual) ? 0 : long.MaxValue;
        if (actual == expected) return 0;
        if (double.IsInfinity(expected) || double.IsInfinity(actual) || double.IsNaN(actual)) return long.MaxValue;
        if (dtype == DType.Float32)
        {
            int a = BitConverter.SingleToInt32Bits((float)actual), e = BitConverter.SingleToInt32Bits((float)expected);
            return Math.Abs((long)(a < 0 ? int.MinValue - a : a) - (e < 0 ? int.MinValue - e : e));
        }
        long x = BitConverter.DoubleToInt64Bits(actual), y = BitConverter.DoubleToInt64Bits(expected);
        return (long)Math.Min(ulong.MaxValue, (ulong)Math.Abs((decimal)(x < 0 ? long.MinValue - x : x) - (y < 0 ? long.MinValue - y : y)));
    }

    /// <summary>The largest ulp distance between two tensors' elements (shape and dtype checked first).</summary>
    public static long MaxUlps(Tensor actual, TensorSpec expected, string what)
    {
        actual.DType.ShouldBe(expected.DType, $"{what}: dtype");
        actual.Shape.ShouldBe(expected.Shape, $"{what}: shape");
        double[] a = actual.ToArray<double>(), e = expected.AsDoubles();
        long worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            long u = Ulps(a[i], e[i], expected.DType);
            if (u > worst) worst = u;
        }
        return worst;
    }
}
