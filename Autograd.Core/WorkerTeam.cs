using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Autograd;

/// <summary>
/// The threads that run the parts of split loops beside the calling thread: one per further core, kept spinning for a
/// short while after each loop so the next loop starts without waking them. A sleeping thread took 0.1–2 ms to wake on
/// the shared 2-core VM (a halted virtual CPU), as long as a whole small GEMM; OpenMP, under libtorch, spins the same
/// way. Parts are claimed one at a time from a shared counter, so a thread that starts late (or never, while the team
/// serves another caller) leaves its parts to the others; which thread runs a part never changes its result.
/// </summary>
internal static class WorkerTeam
{
    // How long an idle worker spins before it sleeps: longer than the gaps between the split loops of a training step
    // (small ops, the optimizer), short enough that an idle process stops using the core at once.
    private static readonly long SpinTicks = Stopwatch.Frequency / 500;

    private static readonly object Gate = new();
    private static readonly List<Thread> Workers = [];
    private static Job? current;
    // How many workers the current loop wants, published next to the job so that a waiting worker can ask without
    // holding the job: a reference left in a waiting thread's frame kept the last loop's arrays (a dead tensor's
    // storage) alive. cannotStart: the platform refused a thread; loops run on the threads there are.
    private static int generation, sleepers, busy, wanted;
    private static bool cannotStart;

    /// <summary>
    /// Runs parts 0 .. parts-1 of <paramref name="body"/> on the calling thread and up to
    /// <paramref name="helpers"/> workers; returns when all have finished, rethrowing the first exception a part threw.
    /// </summary>
    public static void Run<TBody>(int parts, int helpers, TBody body) where TBody : struct, IPartBody
    {
        var job = Job<TBody>.Rent(parts, helpers, body);
        try
        {
            // One loop at a time: a caller that finds the team serving another thread's loop runs its own parts alone.
            if (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
            {
                job.Work(-1);
            }
            else
            {
                try
                {
                    EnsureWorkers(helpers);
                    Volatile.Write(ref current, job);
                    Volatile.Write(ref wanted, helpers);
                    Interlocked.Increment(ref generation);
                    if (Volatile.Read(ref sleepers) > 0)
                    {
                        lock (Gate) Monitor.PulseAll(Gate);
                    }
                    job.Work(-1);
                    job.WaitForAll();
                }
                finally
                {
                    Volatile.Write(ref current, null);
                    Volatile.Write(ref busy, 0);
                }
            }
            job.ThrowIfFailed();
        }
        finally
        {
            job.Return();
        }
    }

    private static void EnsureWorkers(int count)
    {
        lock (Gate)
        {
            while (Workers.Count < count && !cannotStart)
            {
                int index = Workers.Count;
                var thread = new Thread(() => Serve(index)) { IsBackground = true, Name = $"AutogradMini worker {index + 1}" };
                try
                {
                    thread.Start();
                    Workers.Add(thread);
                }
                catch (Exception e) when (e is OutOfMemoryException or PlatformNotSupportedException or ThreadStartException)
                {
                    // A runtime without threads, or a process at its thread limit: parts are claimed, not assigned, so
                    // the calling thread runs the ones no worker takes.
                    cannotStart = true;
                }
            }
        }
    }

    private static void Serve(int index)
    {
        int seen = Volatile.Read(ref generation);
        while (true)
        {
            seen = AwaitLoop(seen, index);
            WorkOnCurrent(index);
        }
    }

    /// <summary>
    /// Helps with the current loop, in a frame of its own that is gone (with its reference to the job) when it returns.
    /// Jobs are reused, so a worker that read the job announces itself and checks that it is still the published loop
    /// before touching it; the caller reuses a job only when no worker is inside it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WorkOnCurrent(int index)
    {
        if (Volatile.Read(ref current) is not { } job) return;
        job.Enter();
        try
        {
            if (ReferenceEquals(Volatile.Read(ref current), job)) job.Work(index);
        }
        finally
        {
            job.Leave();
        }
    }

    /// <summary>
    /// Spins, then sleeps, until a loop newer than <paramref name="seen"/> wants worker <paramref name="index"/>
    /// (one published while fewer helpers were asked for passes it by); returns that loop's generation.
    /// </summary>
    private static int AwaitLoop(int seen, int index)
    {
        long until = Stopwatch.GetTimestamp() + SpinTicks;
        for (int spins = 0; ; spins++)
        {
            int latest = Volatile.Read(ref generation);
            if (latest != seen)
            {
                if (index < Volatile.Read(ref wanted)) return latest;
                seen = latest;
            }
            if ((spins & 63) != 63)
            {
                Thread.SpinWait(8);
                continue;
            }
            if (Stopwatch.GetTimestamp() < until)
            {
                // Lets another thread that is ready on this core (the GC's, the user's) run instead of the spin.
                Thread.Yield();
                continue;
            }
            // The increment and the caller's increment of generation are both full fences, so either the caller sees
            // this sleeper and pulses, or this thread sees the new generation under the lock and does not wait.
            Interlocked.Increment(ref sleepers);
            lock (Gate)
            {
                while (Volatile.Read(ref generation) == seen) Monitor.Wait(Gate);
            }
            Interlocked.Decrement(ref sleepers);
        }
    }

    /// <summary>
    /// One split loop's parts and their progress. A thread keeps one job per body type and reuses it (an allocation after
    /// a large tensor's buffer is what starts a collection while the buffer is still referenced, and every loop made one).
    /// </summary>
    private abstract class Job
    {
        private int parts, helpers, next, finished, inside;
        private Exception? failure;

        /// <summary>Sets up a new loop; called only while no worker is inside (see <see cref="Enter"/>).</summary>
        protected void Reset(int partCount, int helperCount)
        {
            var wait = new SpinWait();
            while (Volatile.Read(ref inside) != 0) wait.SpinOnce(sleep1Threshold: -1);
            parts = partCount;
            helpers = helperCount;
            next = 0;
            finished = 0;
            failure = null;
        }

        /// <summary>A worker is about to look at this job; the caller will not reuse it until <see cref="Leave"/>.</summary>
        public void Enter() => Interlocked.Increment(ref inside);

        public void Leave() => Interlocked.Decrement(ref inside);

        /// <summary>Whether worker <paramref name="index"/> is one of the helpers this loop asked for.</summary>
        public bool Wants(int index) => index < helpers;

        /// <summary>Claims and runs parts until none is left; <paramref name="worker"/> is -1 for the calling thread.</summary>
        public void Work(int worker)
        {
            if (!Wants(worker)) return;
            for (int part = Interlocked.Increment(ref next) - 1; part < parts; part = Interlocked.Increment(ref next) - 1)
            {
                try
                {
                    RunPart(part);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
                Interlocked.Increment(ref finished);
            }
        }

        public void WaitForAll()
        {
            var wait = new SpinWait();
            while (Volatile.Read(ref finished) < parts) wait.SpinOnce(sleep1Threshold: -1);
        }

        public void ThrowIfFailed()
        {
            if (failure is { } e)
            {
                failure = null;
                ExceptionDispatchInfo.Throw(e);
            }
        }

        protected abstract void RunPart(int part);
    }

    private sealed class Job<TBody> : Job where TBody : struct, IPartBody
    {
        [ThreadStatic] private static Job<TBody>? spare;
        private TBody body;

        /// <summary>This thread's spare job of this body type, or a new one, set up for the loop.</summary>
        public static Job<TBody> Rent(int parts, int helpers, TBody body)
        {
            var job = spare ?? new Job<TBody>();
            spare = null;
            job.Reset(parts, helpers);
            job.body = body;
            return job;
        }

        /// <summary>Drops the body (its arrays are a tensor's buffers, which a kept job must not keep alive) and keeps the job.</summary>
        public void Return()
        {
            body = default;
            spare = this;
        }

        protected override void RunPart(int part) => Parallelism.RunPart(body, part);
    }
}
