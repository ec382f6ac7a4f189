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
}
