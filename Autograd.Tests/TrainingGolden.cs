using System.Text.Json;

namespace Autograd.Tests;

/// <summary>Reads Golden/training.json (tools/gen_training_golden.py) and compares tensors with its values.</summary>
internal static class TrainingGolden
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "training.json")));
        return json.RootElement.Clone();
    });

    public static JsonElement Section(string name) => Root.Value.GetProperty(name);

    /// <summary>Cases of a section as NUnit cases named by <paramref name="naming"/>.</summary>
    public static IEnumerable<TestCaseData> Cases(string section, Func<JsonElement, string> naming) =>
        Section(section).EnumerateArray().Select(c => new TestCaseData(c).SetName(naming(c)));

    public static Tensor ToTensor(JsonElement json, bool requiresGrad = false)
    {
        int[] shape = [.. json.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())];
        var values = json.GetProperty("data").EnumerateArray().ToArray();
        Array data = json.GetProperty("dtype").GetString() switch
        {
            "int64" => values.Select(v => v.GetInt64()).ToArray(),
            "bool" => values.Select(v => v.GetBoolean()).ToArray(),
            "float64" => values.Select(ParseFloat).ToArray(),
            _ => values.Select(v => (float)ParseFloat(v)).ToArray(),
        };
        return new Tensor(data, shape) { RequiresGrad = requiresGrad };
    }

    public static DType DTypeOf(JsonElement json) => json.GetProperty("dtype").GetString() switch
    {
        "int64" => DType.Int64,
        "bool" => DType.Bool,
        "float64" => DType.Float64,
        _ => DType.Float32,
    };

    /// <summary>Same shape and dtype, and every element within atol + rtol * |expected| (NaN matches NaN).</summary>
    public static void ShouldBeClose(Tensor actual, JsonElement expected, double rtol, double atol, string what)
    {
        actual.Shape.ShouldBe(expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(), $"{what}: shape");
        actual.DType.ShouldBe(DTypeOf(expected), $"{what}: dtype");
        var want = ToTensor(expected).ToArray<double>();
        var got = actual.ToArray<double>();
        var mismatches = Enumerable.Range(0, want.Length)
            .Where(i => !(double.IsNaN(want[i]) ? double.IsNaN(got[i]) : got[i] == want[i] || Math.Abs(got[i] - want[i]) <= atol + rtol * Math.Abs(want[i])))
            .Select(i => $"[{i}] expected {want[i]:R}, got {got[i]:R}")
            .ToList();
        mismatches.ShouldBeEmpty($"{what}: elements differ");
    }

    /// <summary>Bit-identical to PyTorch's values.</summary>
    public static void ShouldBeExact(Tensor actual, JsonElement expected, string what) => ShouldBeClose(actual, expected, 0, 0, what);

    private static double ParseFloat(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? value.GetString() switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            var other => throw new FormatException($"Unknown float encoding '{other}'."),
        }
        : value.GetDouble();
}
