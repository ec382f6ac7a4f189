namespace Autograd.Tests;

/// <summary>Per-thread grad mode and graphs, concurrent training, per-thread and shared generators.</summary>
[TestFixture]
public class ThreadingTests
{
    private const int Threads = 8;

    /// <summary>Runs <paramref name="work"/> for 0..count-1, each on its own thread, all released at once.</summary>
    private static T[] OnThreads<T>(int count, Func<int, T> work)
    {
        var results = new T[count];
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = work(i);
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        return results;
    }

    private static (float[] Losses, float[] Parameters) Train(int seed)
    {
        var model = new TinyClassifier(seed);
        var losses = Enumerable.Range(0, 150).Select(_ => model.Step()).ToArray();
        return (losses, model.Parameters());
    }

    [Test]
    public void EightThreadsTrainingTheirOwnModels_MatchTheSameRunsOneAfterAnother()
    {
        var sequential = Enumerable.Range(0, Threads).Select(Train).ToArray();
        var concurrent = OnThreads(Threads, Train);
        for (int i = 0; i < Threads; i++)
        {
            concurrent[i].Losses.ShouldBe(sequential[i].Losses, $"losses of model {i}");
            concurrent[i].Parameters.ShouldBe(sequential[i].Parameters, $"parameters of model {i}");
        }
        sequential.Select(run => run.Losses[^1]).Distinct().Count().ShouldBe(Threads); // the models really differ
    }

    [Test]
    public void NoGrad_OnOneThread_LeavesRecordingOnOthersOn()
    {
        var x = Torch.Tensor([1.0, 2.0], requiresGrad: true);
        using var insideNoGrad = new ManualResetEventSlim();
        using var recorded = new ManualResetEventSlim();
        Tensor? inNoGrad = null;
        var other = new Thread(() =>
        {
            using (Torch.NoGrad())
            {
                insideNoGrad.Set();
                recorded.Wait();
                inNoGrad = x * 2.0;
            }
        });
        other.Start();
        insideNoGrad.Wait();
        var here = x * 2.0;
        recorded.Set();
        other.Join();
        here.GradFn.ShouldNotBeNull().Name.ShouldBe("MulBackward0");
        inNoGrad.ShouldNotBeNull().GradFn.ShouldBeNull();
    }

    [Test]
    public void GeneratorsPerThread_GiveEachThreadItsOwnStream()
    {
        static float[] Draw(int seed)
        {
            var generator = new Generator(seed);
            return [.. Enumerable.Range(0, 50).SelectMany(_ => Torch.Randn([37], generator: generator).ToArray<float>())];
        }
        var sequential = Enumerable.Range(0, Threads).Select(Draw).ToArray();
        var concurrent = OnThreads(Threads, Draw);
        for (int i = 0; i < Threads; i++) concurrent[i].ShouldBe(sequential[i], $"stream of seed {i}");
    }

    /// <summary>Each draw takes the generator whole, so the threads' draws are the pieces of one stream, none torn or repeated.</summary>
    [Test]
    public void DefaultGenerator_SharedByThreads_HandsOutWholePiecesOfOneStream()
    {
        const int drawsPerThread = 50;
        Torch.ManualSeed(2024);
        var pieces = Enumerable.Range(0, Threads * drawsPerThread).Select(_ => Key(Torch.Rand(61))).ToArray();
        Torch.ManualSeed(2024);
        var drawn = OnThreads(Threads, _ => Enumerable.Range(0, drawsPerThread).Select(_ => Key(Torch.Rand(61))).ToArray());
        drawn.SelectMany(keys => keys).Order().ShouldBe(pieces.Order());

        static string Key(Tensor t) => string.Join(",", t.ToArray<float>());
    }
}
