using System.Text.Json;

namespace Autograd.Tests;

/// <summary>
/// Randint, Randperm, Multinomial, Normal, Normal_, Bernoulli and the generator's state against PyTorch 1.13's CPU
/// streams, bit for bit, from tools/gen_random_frontend_golden.py. Every drawing call in the golden file is followed
/// by a rand draw, so the number of words each call takes is checked too.
/// </summary>
public class RandomFrontEndTests
{
    public static IEnumerable<TestCaseData> GoldenCases()
    {
        int index = 0;
        foreach (var golden in GoldenTensors.Load("random_frontend.json").GetProperty("cases").EnumerateArray())
        {
            var ops = golden.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("op").GetString()).Where(op => op != "rand").Distinct();
            yield return new TestCaseData(golden).SetName($"RandomFrontEnd_{index++:D2} seed {golden.GetProperty("seed").GetInt64()}: {string.Join(", ", ops)}");
        }
    }

    [TestCaseSource(nameof(GoldenCases))]
    public void Calls_MatchPyTorch(JsonElement golden)
    {
        var generator = new Generator(golden.GetProperty("seed").GetInt64());
        int callIndex = 0;
        foreach (var call in golden.GetProperty("calls").EnumerateArray())
        {
            string op = call.GetProperty("op").GetString()!;
            string where = $"call {callIndex++} ({call.GetRawText()[..Math.Min(120, call.GetRawText().Length)]})";
            switch (op)
            {
                case "get_state":
                    Convert.ToHexStringLower(generator.GetState()).ShouldBe(call.GetProperty("hex").GetString(), where);
                    break;
                case "set_state":
                    generator.SetState(Convert.FromHexString(call.GetProperty("hex").GetString()!));
                    break;
                default:
                    GoldenTensors.Mismatches(call.GetProperty("result"), Run(generator, op, call)).ShouldBeEmpty(where);
                    break;
            }
        }
    }

    private static Tensor Run(Generator generator, string op, JsonElement call)
    {
        int[] Shape() => call.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        DType DTypeOf() => call.TryGetProperty("dtype", out var d) ? GoldenTensors.DTypeNamed(d.GetString()!) : DType.Float32;
        return op switch
        {
            "rand" => Torch.Rand(Shape(), DTypeOf(), generator: generator),
            "randn" => Torch.Randn(Shape(), DTypeOf(), generator: generator),
            "randint" => Torch.Randint(call.GetProperty("low").GetInt64(), call.GetProperty("high").GetInt64(), Shape(), generator),
            "randperm" => Torch.Randperm(call.GetProperty("n").GetInt32(), generator),
            "multinomial" => Torch.Multinomial(GoldenTensors.Decode(call.GetProperty("input")), call.GetProperty("num_samples").GetInt32(),
                call.GetProperty("replacement").GetBoolean(), generator),
            "normal" => Torch.Normal(call.GetProperty("mean").GetDouble(), call.GetProperty("std").GetDouble(), Shape(), generator),
            "normal_" => Torch.Zeros(Shape(), DTypeOf()).Normal_(call.GetProperty("mean").GetDouble(), call.GetProperty("std").GetDouble(), generator),
            "bernoulli" => Torch.Bernoulli(GoldenTensors.Decode(call.GetProperty("input")), generator),
            _ => throw new ArgumentException(op),
        };
    }
}
