namespace Autograd;

/// <summary>A body run once per part of a split loop; a struct, so the serial path calls it without allocating.</summary>
internal interface IPartBody
{
    void Run(int part);
}

/// <summary>A body run over a contiguous range [start, end) of items.</summary>
internal interface IRangeBody
{
    void Run(int start, int end);
}

/// <summary>
/// How kernels split work across cores: only above a size threshold, so small tensors pay nothing, and always into
/// parts whose results do not depend on which thread runs them or how many there are (each output element is
/// computed by one part, in a fixed order), so results are the same bits whatever the thread count.
/// </summary>
internal static class Parallelism
{
    /// <summary>
    /// Work below which a loop stays on the calling thread, in cheap element operations (adding or copying one float,
    /// about 0.05 ns on one core here with the data in cache); kernels weigh costlier elements more. A split loop costs
    /// under 1 µs to start and join while the worker team spins, and 15-60 µs when its threads have gone to sleep (a
    /// loop after an idle pause). An op's output is a new tensor whose memory is rarely in cache, which makes its
    /// elements several times dearer than that, so loops from 65,536 elements split.
    /// </summary>
    public static long MinWork { get; set; } = 1 << 16;

    /// <summary>Threads a loop may use; tests lower it to 1 to compare the serial path with the parallel one.</summary>
    public static int MaxDegree { get; set; } = Environment.ProcessorCount;

    // More parts than threads lets a thread that got a core late catch up (the machine is often shared).
    private const int PartsPerThread = 4;

    // Set while this thread runs a part of a split loop: a loop inside it (a kernel called per image by a kernel that
    // splits the images) stays on the thread, since the other cores already have parts of the outer loop. Nested splits
    // made the thread pool add threads and switch between them.
    [ThreadStatic] private static bool inPart;

    /// <summary>How many parts to cut <paramref name="count"/> items of <paramref name="workPerItem"/> each into: 1 when the loop is small.</summary>
    public static int Parts(int count, long workPerItem, int partsPerThread = PartsPerThread)
    {
        if (inPart || MaxDegree <= 1 || count <= 1 || (long)count * workPerItem < MinWork) return 1;
        // Parts of at least half the threshold each, so a split loop never pays more in overhead than it gains.
        long byWork = (long)count * workPerItem / Math.Max(1, MinWork / 2);
        return (int)Math.Min(Math.Min(count, byWork), (long)MaxDegree * partsPerThread);
    }

    /// <summary>Runs <paramref name="body"/> for parts 0 .. parts-1, on the calling thread when there is one part.</summary>
    public static void For<TBody>(int parts, TBody body) where TBody : struct, IPartBody
    {
        if (parts <= 1)
        {
            body.Run(0);
            return;
        }
        WorkerTeam.Run(parts, MaxDegree - 1, body);
    }

    /// <summary>Runs one part with nested loops kept on this thread.</summary>
    public static void RunPart<TBody>(TBody body, int part) where TBody : struct, IPartBody
    {
        bool outer = inPart;
        inPart = true;
        try
        {
            body.Run(part);
        }
        finally
        {
            inPart = outer;
        }
    }

    /// <summary>Runs <paramref name="body"/> over contiguous ranges covering [0, count), split when the work is large.</summary>
    public static void ForRanges<TBody>(int count, long workPerItem, TBody body) where TBody : struct, IRangeBody
    {
        int parts = Parts(count, workPerItem);
        if (parts <= 1)
        {
            body.Run(0, count);
            return;
        }
        WorkerTeam.Run(parts, MaxDegree - 1, new RangePart<TBody>(body, count, parts));
    }

    private readonly struct RangePart<TBody>(TBody body, int count, int parts) : IPartBody where TBody : struct, IRangeBody
    {
        public void Run(int part) => body.Run(RangeStart(count, parts, part), RangeStart(count, parts, part + 1));
    }

    /// <summary>Where part <paramref name="part"/> of <paramref name="parts"/> equal ranges over <paramref name="count"/> items starts.</summary>
    public static int RangeStart(int count, int parts, int part) => (int)((long)count * part / parts);
}
