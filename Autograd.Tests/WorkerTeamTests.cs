using System.Runtime.CompilerServices;

namespace Autograd.Tests;

/// <summary>
/// The worker team behind split loops: every part runs exactly once whoever claims it, a part's exception reaches the
/// caller as itself, and loops started from several threads at once (the team serves one, the others run alone) all
/// complete.
/// </summary>
[NonParallelizable]
public class WorkerTeamTests
{
    private readonly struct CountParts(int[] runs) : IPartBody
    {
        public void Run(int part) => Interlocked.Increment(ref runs[part]);
    }

    private readonly struct ThrowOnPart(int failing) : IPartBody
    {
        public void Run(int part)
        {
            if (part == failing) throw new InvalidOperationException($"part {part}");
        }
    }

    private readonly struct SlowSquares(long[] results) : IPartBody
    {
        public void Run(int part)
        {
            long sum = 0;
            for (int i = 0; i <= part * 1000; i++) sum += i % 7;
            results[part] = sum + (long)part * part;
        }
    }

    private static void WithThreads(int threads, Action run)
    {
        int saved = Parallelism.MaxDegree;
        try
        {
            Parallelism.MaxDegree = threads;
            run();
        }
        finally
        {
            Parallelism.MaxDegree = saved;
        }
    }

    [TestCase(2, 2)]
    [TestCase(2, 7)]
    [TestCase(4, 3)]
    [TestCase(8, 64)]
    public void EveryPart_RunsOnce(int threads, int parts)
    {
        for (int repeat = 0; repeat < 50; repeat++)
        {
            // Now and then long enough apart that the workers have stopped spinning and sleep.
            if (repeat % 10 == 9) Thread.Sleep(5);
            var runs = new int[parts];
            WithThreads(threads, () => Parallelism.For(parts, new CountParts(runs)));
            runs.ShouldAllBe(count => count == 1);
        }
    }

    /// <summary>
    /// A thread reuses its job object from loop to loop: thousands of loops back to back, each with its own arrays, run
    /// every part once and with its own loop's body (a worker late for one loop must not run a part of the next with
    /// the old body, or twice).
    /// </summary>
    [TestCase(2)]
    [TestCase(4)]
    public void BackToBackLoops_EachRunEveryPartOnce_WithTheirOwnBody(int threads)
    {
        WithThreads(threads, () =>
        {
            for (int loop = 0; loop < 5000; loop++)
            {
                int parts = 2 + loop % 9;
                var runs = new int[parts];
                Parallelism.For(parts, new CountParts(runs));
                for (int part = 0; part < parts; part++) runs[part].ShouldBe(1, $"loop {loop}, part {part}");
            }
        });
    }

    [Test]
    public void APartsException_ReachesTheCallerUnwrapped_AndTheTeamGoesOn()
    {
        var error = Should.Throw<InvalidOperationException>(() => WithThreads(2, () => Parallelism.For(6, new ThrowOnPart(4))));
        error.Message.ShouldBe("part 4");
        var runs = new int[6];
        WithThreads(2, () => Parallelism.For(6, new CountParts(runs)));
        runs.ShouldAllBe(count => count == 1);
    }

    [Test]
    public void LoopsFromSeveralThreadsAtOnce_AllComplete()
    {
        const int Callers = 6, Parts = 40, Repeats = 30;
        var expected = new long[Parts];
        for (int part = 0; part < Parts; part++) new SlowSquares(expected).Run(part);
        var failures = new List<string>();
        var threads = Enumerable.Range(0, Callers).Select(caller => new Thread(() =>
        {
            for (int repeat = 0; repeat < Repeats; repeat++)
            {
                var results = new long[Parts];
                Parallelism.For(Parts, new SlowSquares(results));
                if (!results.SequenceEqual(expected))
                {
                    lock (failures) failures.Add($"caller {caller}, repeat {repeat}");
                }
            }
        })).ToList();
        WithThreads(2, () =>
        {
            threads.ForEach(thread => thread.Start());
            threads.ForEach(thread => thread.Join());
        });
        failures.ShouldBeEmpty();
    }

    /// <summary>
    /// Whether the workers are still spinning or asleep, none of them keeps the last loop's body (and so its arrays, a
    /// dead tensor's storage) reachable.
    /// </summary>
    [TestCase(0)]
    [TestCase(10)]
    public void AfterALoop_NoWorkerKeepsItsArraysAlive(int pauseMs)
    {
        WeakReference array = null!;
        WithThreads(2, () => array = RunOnce());
        Thread.Sleep(pauseMs);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        array.IsAlive.ShouldBeFalse();
    }

    /// <summary>Two parts that each wait (up to a second) until both have started, so a worker surely ran one.</summary>
    private readonly struct MeetingParts(long[] results, int[] started) : IPartBody
    {
        public void Run(int part)
        {
            var count = started;
            Interlocked.Increment(ref count[0]);
            SpinWait.SpinUntil(() => Volatile.Read(ref count[0]) == 2, TimeSpan.FromSeconds(1));
            results[part] = part;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference RunOnce()
    {
        var results = new long[2];
        Parallelism.For(results.Length, new MeetingParts(results, new int[1]));
        return new WeakReference(results);
    }

    [Test]
    public void AfterMoreThreadsWereAskedFor_FewerStillRunEveryPart()
    {
        var wide = new int[32];
        WithThreads(6, () => Parallelism.For(wide.Length, new CountParts(wide)));
        var narrow = new int[32];
        WithThreads(2, () => Parallelism.For(narrow.Length, new CountParts(narrow)));
        wide.ShouldAllBe(count => count == 1);
        narrow.ShouldAllBe(count => count == 1);
    }
}
