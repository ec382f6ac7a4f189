using System.Text.Json;

namespace Autograd.Tests;

/// <summary>ToString against PyTorch 1.13's str(tensor), from tools/gen_printing_golden.py.</summary>
public class PrintingTests
{
    public static IEnumerable<TestCaseData> GoldenCases()
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "printing.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var golden in json.RootElement.EnumerateArray())
            yield return new TestCaseData(golden.Clone()).SetName("Printing_" + golden.GetProperty("name").GetString());
    }

    [TestCaseSource(nameof(GoldenCases))]
    public void ToString_MatchesPyTorch(JsonElement golden)
    {
        var tensor = BuildTensor(golden);

        tensor.ToString().ShouldBe(golden.GetProperty("expected").GetString());
    }

    private static Tensor BuildTensor(JsonElement golden)
    {
        int[] shape = golden.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        int count = Shapes.NumElements(shape);
        string dtype = golden.GetProperty("dtype").GetString()!;
        Array data = golden.TryGetProperty("recipe", out var recipe)
            ? FromRecipe(recipe, dtype, count)
            : FromValues(golden.GetProperty("data"), dtype);
        var tensor = new Tensor(data, shape);

        if (golden.GetProperty("grad_fn").GetString() is { } gradFn)
        {
            var leaf = new Tensor(new float[1], [1]) { RequiresGrad = true };
            return Graph.Record(tensor, gradFn, [leaf], g => [g], saved: []);
        }
        tensor.RequiresGrad = golden.GetProperty("requires_grad").GetBoolean();
        return tensor;
    }

    private static Array FromValues(JsonElement values, string dtype)
    {
        var elements = values.EnumerateArray().ToArray();
        return dtype switch
        {
            "int64" => elements.Select(v => v.GetInt64()).ToArray(),
            "float64" => elements.Select(ParseFloat).ToArray(),
            _ => elements.Select(v => (float)ParseFloat(v)).ToArray(),
        };
    }

    /// <summary>Non-finite values and negative zero are stored as strings; the rest are exact JSON numbers.</summary>
    private static double ParseFloat(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? value.GetString() switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            "-0" => -0.0,
            var other => throw new FormatException($"Unknown float encoding '{other}'."),
        }
        : value.GetDouble();

    /// <summary>Replays the generator's value_i = ((i * mul + add) % mod + offset) * scale, in double, then cast.</summary>
    private static Array FromRecipe(JsonElement recipe, string dtype, int count)
    {
        long mul = recipe.GetProperty("mul").GetInt64(), add = recipe.GetProperty("add").GetInt64();
        long mod = recipe.GetProperty("mod").GetInt64(), offset = recipe.GetProperty("offset").GetInt64();
        double scale = recipe.GetProperty("scale").GetDouble();
        long[] ints = Enumerable.Range(0, count).Select(i => (i * mul + add) % mod + offset).ToArray();
        return dtype switch
        {
            "int64" => ints,
            "float64" => ints.Select(k => k * scale).ToArray(),
            _ => ints.Select(k => (float)(k * scale)).ToArray(),
        };
    }
}
