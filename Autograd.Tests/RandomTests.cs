using System.Text.Json;

namespace Autograd.Tests;

/// <summary>Generator against PyTorch 1.13's CPU generator, bit for bit, from tools/gen_random_golden.py.</summary>
public class RandomTests
{
    private static JsonElement LoadGolden()
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "random.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.Clone();
    }

    public static IEnumerable<TestCaseData> GoldenCases()
    {
        int index = 0;
        foreach (var golden in LoadGolden().GetProperty("cases").EnumerateArray())
        {
            string draws = string.Join(", ", golden.GetProperty("calls").EnumerateArray().Take(3).Select(Describe));
            yield return new TestCaseData(golden).SetName($"Random_{index++:D3} seed {golden.GetProperty("seed").GetInt64()}: {draws}");
        }
    }

    [TestCaseSource(nameof(GoldenCases))]
    public void Draws_MatchPyTorchBits(JsonElement golden)
    {
        var generator = new Generator(golden.GetProperty("seed").GetInt64());
        int callIndex = 0;
        foreach (var call in golden.GetProperty("calls").EnumerateArray())
        {
            if (call.GetProperty("op").GetString() == "manual_seed")
                generator.ManualSeed(call.GetProperty("seed").GetInt64());
            else
                MismatchedElements(call, Draw(generator, call)).ShouldBeEmpty($"call {callIndex} ({Describe(call)}): mismatched elements");
            callIndex++;
        }
    }

    [Test]
    public void DefaultSeed_IsPyTorchs()
    {
        Generator.DefaultSeed.ShouldBe(LoadGolden().GetProperty("default_seed").GetInt64());
        new Generator().InitialSeed.ShouldBe(Generator.DefaultSeed);
    }

    [Test]
    public void InitialSeed_IsTheLastSeedGiven()
    {
        var generator = new Generator(-5);
        generator.InitialSeed.ShouldBe(-5);
        generator.ManualSeed((1L << 40) + 7);
        generator.InitialSeed.ShouldBe((1L << 40) + 7);
    }

    [Test]
    public void Default_IsOneGeneratorThatManualSeedResets()
    {
        Generator.Default.ShouldBeSameAs(Generator.Default);
        Generator.Default.ManualSeed(1234);
        var first = new float[28];
        Generator.Default.FillUniform(first);

        Generator.Default.ManualSeed(1234);
        var again = new float[28];
        Generator.Default.FillUniform(again);

        again.ShouldBe(first);
        first[..7].Select(v => MathF.Round(v, 4)).ShouldBe([0.0290f, 0.4019f, 0.2598f, 0.3666f, 0.0583f, 0.7006f, 0.0518f]);
    }

    [Test]
    public void ManualSeed_ClearsTheCachedNormal()
    {
        var fresh = new float[1];
        new Generator(12).FillNormal(fresh);

        var generator = new Generator(12);
        var draw = new float[1];
        generator.FillNormal(draw);   // also caches the second Box–Muller sample
        generator.ManualSeed(12);
        generator.FillNormal(draw);

        draw.ShouldBe(fresh);
    }

    [Test]
    public void GeneratorsWithTheSameSeed_DrawTheSameStream()
    {
        var a = new Generator(99);
        var b = new Generator(99);
        foreach (int count in new[] { 3, 16, 1, 40 })
        {
            float[] fromA = new float[count], fromB = new float[count];
            double[] uniformA = new double[count], uniformB = new double[count];
            a.FillNormal(fromA);
            b.FillNormal(fromB);
            a.FillUniform(uniformA);
            b.FillUniform(uniformB);
            fromB.ShouldBe(fromA);
            uniformB.ShouldBe(uniformA);
        }
    }

    [Test]
    public void Default_DrawnFromManyThreads_LosesAndRepeatsNoDraw()
    {
        const int threads = 8, chunksPerThread = 500, chunk = 7;
        const int total = threads * chunksPerThread * chunk;
        Generator.Default.ManualSeed(2024);
        var drawn = new float[threads][];

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            drawn[thread] = new float[chunksPerThread * chunk];
            for (int i = 0; i < chunksPerThread; i++)
                Generator.Default.FillUniform(drawn[thread].AsSpan(i * chunk, chunk));
        });
        var next = new float[1];
        Generator.Default.FillUniform(next);

        // Each float32 uniform takes one 32-bit draw, so together the threads took exactly the first `total` values.
        var sequential = new float[total + 1];
        new Generator(2024).FillUniform(sequential);
        drawn.SelectMany(d => d).Order().ShouldBe(sequential[..total].Order());
        next[0].ShouldBe(sequential[total]);
    }

    private static Array Draw(Generator generator, JsonElement call)
    {
        int count = call.GetProperty("shape").EnumerateArray().Aggregate(1, (product, dim) => product * dim.GetInt32());
        bool normal = call.GetProperty("op").GetString() == "randn";
        if (call.GetProperty("dtype").GetString() == "float32")
        {
            var values = new float[count];
            if (normal) generator.FillNormal(values);
            else generator.FillUniform(values);
            return values;
        }
        var doubles = new double[count];
        if (normal) generator.FillNormal(doubles);
        else generator.FillUniform(doubles);
        return doubles;
    }

    /// <summary>"index: expected bits, actual bits" for every element whose bit pattern differs from PyTorch's.</summary>
    private static List<string> MismatchedElements(JsonElement call, Array drawn)
    {
        string expected = call.GetProperty("bits").GetString()!;
        string[] actual = drawn switch
        {
            float[] floats => floats.Select(v => BitConverter.SingleToUInt32Bits(v).ToString("x8")).ToArray(),
            double[] doubles => doubles.Select(v => BitConverter.DoubleToUInt64Bits(v).ToString("x16")).ToArray(),
            _ => throw new ArgumentException("draws are float[] or double[]"),
        };
        int width = drawn is float[] ? 8 : 16;
        expected.Length.ShouldBe(actual.Length * width);
        return actual
            .Select((bits, i) => (bits, i, expected: expected.Substring(i * width, width)))
            .Where(e => e.bits != e.expected)
            .Select(e => $"{e.i}: {e.expected} != {e.bits}")
            .ToList();
    }

    private static string Describe(JsonElement call) => call.GetProperty("op").GetString() == "manual_seed"
        ? $"manual_seed({call.GetProperty("seed").GetInt64()})"
        : $"{call.GetProperty("op").GetString()} {call.GetProperty("dtype").GetString()} [{string.Join(",", call.GetProperty("shape").EnumerateArray())}]";
}
