using System.Text.Json;
using Autograd.Data;

namespace Autograd.Tests;

/// <summary>
/// TensorDataset, DataLoader and RandomSplit against PyTorch 1.13 (tools/gen_data_golden.py): the batch orders for
/// several seeds, with and without shuffling, dropLast and a generator, and the draws that follow each case, which
/// show that the loader takes from the default generator (and its own) exactly what PyTorch's takes.
/// </summary>
[NonParallelizable]   // draws from the default generator
public class DataTests
{
    private static readonly JsonElement Golden = GoldenTensors.Load("data.json");

    private static string FloatHex(Tensor t) => string.Concat(t.ToArray<float>().Select(v => BitConverter.SingleToUInt32Bits(v).ToString("x8")));

    private static TensorDataset Numbered(int n) =>
        new(Torch.Arange(2L * n).To(DType.Float32).View(n, 2), Torch.Arange((long)n));

    private static Generator? GeneratorOf(JsonElement golden) =>
        golden.GetProperty("generator_seed").ValueKind == JsonValueKind.Null ? null : new Generator(golden.GetProperty("generator_seed").GetInt64());

    public static IEnumerable<TestCaseData> LoaderCases() => Golden.GetProperty("loaders").EnumerateArray().Select((c, i) =>
        new TestCaseData(c).SetName($"Loader_{i:D2} seed {c.GetProperty("seed")} n {c.GetProperty("n")} batch {c.GetProperty("batch_size")}"
            + $" shuffle {c.GetProperty("shuffle")} dropLast {c.GetProperty("drop_last")} generator {c.GetProperty("generator_seed")}"));

    [TestCaseSource(nameof(LoaderCases))]
    public void DataLoader_OrderAndDraws_MatchPyTorch(JsonElement golden)
    {
        Torch.ManualSeed(golden.GetProperty("seed").GetInt64());
        var generator = GeneratorOf(golden);
        int n = golden.GetProperty("n").GetInt32();
        var loader = new DataLoader(Numbered(n), golden.GetProperty("batch_size").GetInt32(), golden.GetProperty("shuffle").GetBoolean(),
            golden.GetProperty("drop_last").GetBoolean(), generator);
        loader.Count.ShouldBe(golden.GetProperty("length").GetInt32());

        int pass = 0;
        foreach (var epoch in golden.GetProperty("epochs").EnumerateArray())
        {
            var expected = epoch.GetProperty("batches").EnumerateArray().Select(b => b.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToList();
            int? take = epoch.GetProperty("take").ValueKind == JsonValueKind.Null ? null : epoch.GetProperty("take").GetInt32();
            var batches = new List<long[]>();
            using (var enumerator = loader.GetEnumerator())
            {
                while ((take is null || batches.Count < take) && enumerator.MoveNext())
                {
                    var (x, y) = (enumerator.Current[0], enumerator.Current[1]);
                    enumerator.Current.Length.ShouldBe(2);
                    y.DType.ShouldBe(DType.Int64);
                    x.Shape.ShouldBe([y.Size(0), 2]);
                    x.ToArray<float>().ShouldBe(y.ToArray<long>().SelectMany(i => new float[] { 2 * i, 2 * i + 1 }).ToArray());
                    batches.Add(y.ToArray<long>());
                }
            }
            batches.Count.ShouldBe(expected.Count, $"pass {pass}");
            for (int b = 0; b < batches.Count; b++) batches[b].ShouldBe(expected[b], $"pass {pass}, batch {b}");
            pass++;
        }
        FloatHex(Torch.Rand(4)).ShouldBe(golden.GetProperty("rand").GetString(), "the default generator after the passes");
        if (generator is not null)
            FloatHex(Torch.Rand([4], generator: generator)).ShouldBe(golden.GetProperty("generator_rand").GetString(), "the loader's generator after the passes");
    }

    public static IEnumerable<TestCaseData> SplitCases() => Golden.GetProperty("splits").EnumerateArray().Select((c, i) =>
        new TestCaseData(c).SetName($"RandomSplit_{i} n {c.GetProperty("n")} lengths {c.GetProperty("lengths")} generator {c.GetProperty("generator_seed")}"));

    [TestCaseSource(nameof(SplitCases))]
    public void RandomSplit_MatchesPyTorch(JsonElement golden)
    {
        Torch.ManualSeed(golden.GetProperty("seed").GetInt64());
        var generator = GeneratorOf(golden);
        int n = golden.GetProperty("n").GetInt32();
        var data = new TensorDataset(Torch.Arange((long)n));
        var lengths = golden.GetProperty("lengths").EnumerateArray().ToArray();
        var subsets = lengths.All(l => l.TryGetInt32(out _))
            ? DataUtils.RandomSplit(data, lengths.Select(l => l.GetInt32()).ToArray(), generator)
            : DataUtils.RandomSplit(data, lengths.Select(l => l.GetDouble()).ToArray(), generator);

        var expected = golden.GetProperty("indices").EnumerateArray().ToArray();
        subsets.Length.ShouldBe(expected.Length);
        for (int s = 0; s < subsets.Length; s++)
        {
            var indices = expected[s].EnumerateArray().Select(v => v.GetInt32()).ToArray();
            subsets[s].Indices.ShouldBe(indices);
            subsets[s].Dataset.ShouldBeSameAs(data);
            subsets[s].Count.ShouldBe(indices.Length);
            Enumerable.Range(0, indices.Length).Select(i => subsets[s][i][0].Item<long>()).ShouldBe(indices.Select(i => (long)i));
        }
        FloatHex(Torch.Rand(4)).ShouldBe(golden.GetProperty("rand").GetString());
        if (generator is not null) FloatHex(Torch.Rand([4], generator: generator)).ShouldBe(golden.GetProperty("generator_rand").GetString());
    }

    [Test]
    public void RandomInt64_IsPyTorchsUnboundedRandom()
    {
        foreach (var golden in Golden.GetProperty("random_int64").EnumerateArray())
        {
            var generator = new Generator(golden.GetProperty("seed").GetInt64());
            var values = golden.GetProperty("values").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            values.Select(_ => DataLoader.RandomSeed(generator)).ToArray().ShouldBe(values);
            FloatHex(Torch.Rand([2], generator: generator)).ShouldBe(golden.GetProperty("rand").GetString());
        }
    }

    private static string Error(string name) => Golden.GetProperty("errors").GetProperty(name).GetString()!;

    [Test]
    public void InvalidArguments_ThrowPyTorchsMessages()
    {
        Should.Throw<ArgumentException>(() => new TensorDataset(Torch.Zeros(3, 2), Torch.Zeros(4))).Message.ShouldBe(Error("size mismatch"));
        Should.Throw<ArgumentException>(() => DataUtils.RandomSplit(Numbered(5), [2, 2])).Message.ShouldBe(Error("split sum"));
        Should.Throw<ArgumentException>(() => DataUtils.RandomSplit(Numbered(5), [1.5, -0.5])).Message.ShouldBe(Error("split fraction"));
        Should.Throw<ArgumentException>(() => new DataLoader(Numbered(5), batchSize: 0)).Message.ShouldStartWith(Error("batch size"));
        Should.Throw<ArgumentException>(() => new DataLoader(Numbered(0), shuffle: true)).Message.ShouldStartWith(Error("empty shuffle"));
        Should.Throw<ArgumentNullException>(() => new TensorDataset(Torch.Zeros(2), null!));
        Should.Throw<ArgumentException>(() => new TensorDataset());
    }

    [Test]
    public void TensorDataset_RowsAreViewsOfEachTensor()
    {
        var x = Torch.Tensor(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        var y = Torch.Tensor([7L, 8L, 9L]);
        var data = new TensorDataset(x, y);
        data.Count.ShouldBe(3);
        data.Tensors.ShouldBe([x, y]);
        var row = data[-1];
        row[0].ToArray<float>().ShouldBe([5f, 6f]);
        row[1].Item<long>().ShouldBe(9L);
        row[0].Mul_(2);
        x.ToArray<float>()[4..].ShouldBe([10f, 12f]);
    }

    [Test]
    public void DataLoader_KeepsTheGraphOfTheSamples()
    {
        var x = Torch.Tensor(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }, requiresGrad: true);
        var loader = new DataLoader(new TensorDataset(x), batchSize: 2);
        var total = loader.Select(b => (b[0] * b[0]).Sum()).Aggregate((a, b) => a + b);
        total.Backward();
        x.Grad!.ToArray<float>().ShouldBe([2f, 4f, 6f, 8f, 10f, 12f]);
        loader.First()[0].GradFn!.Name.ShouldBe("StackBackward0");
    }

    [Test]
    public void DataLoader_OverASubset_ReadsThroughTheIndices()
    {
        var subset = new Subset(Numbered(6), [4, 1, 5]);
        var batches = new DataLoader(subset, batchSize: 2).Select(b => b[1].ToArray<long>()).ToList();
        batches.Count.ShouldBe(2);
        batches[0].ShouldBe([4L, 1L]);
        batches[1].ShouldBe([5L]);
    }
}
