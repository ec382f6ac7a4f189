using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Autograd.Benchmarks;

/// <summary>
/// The whole of issue 5's table in well under three minutes: hardware baselines first, then each workload's median
/// beside its hardware floor (bytes moved over copy speed, or FLOPs over FMA peak) measured in the same run.
/// </summary>
public static class QuickTable
{
    private const int Samples = 21;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1), SampleTime = TimeSpan.FromMilliseconds(25);

    public static void Print(TextWriter output, string[] words)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        output.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
                         $"{Environment.ProcessorCount} cores, {RuntimeInformation.ProcessArchitecture}, " +
                         $"GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, {Setting("RegionSize", "System.GC.RegionSize")} region size, {Setting("LOHThreshold", "System.GC.LOHThreshold")} LOH threshold, " +
                         $"{Setting("gen0size", null)} gen0 budget");
        double copy1 = Hardware.CopySpeed(1), copy2 = Hardware.CopySpeed(2);
        double peak1 = Hardware.FmaPeak(1), peak2 = Hardware.FmaPeak(2);
        output.WriteLine($"copy speed (read+write bytes/s): {copy1 / 1e9:F1} GB/s on 1 thread, {copy2 / 1e9:F1} GB/s on 2");
        output.WriteLine($"float32 FMA peak: {peak1 / 1e9:F0} GFLOP/s on 1 thread, {peak2 / 1e9:F0} GFLOP/s on 2");
        output.WriteLine();
        output.WriteLine("| workload | median | hardware floor | x floor | TorchSharp (issue 5) | vs TorchSharp | target | met | allocated/iter | page faults/iter |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var workload in Workloads.All())
        {
            if (words.Length > 0 && !words.Any(word => workload.Name.Contains(word, StringComparison.OrdinalIgnoreCase))) continue;
            var (median, allocated, faults) = Measure(workload);
            double floor = workload.Bound == Bound.Memory ? workload.Work / copy2 * 1e6 : workload.Work / peak2 * 1e6;
            string rate = workload.Bound == Bound.Compute ? $" ({workload.Work / median / 1e3:F0} GFLOP/s)" : "";
            string torchSharp = workload.TorchSharpMicroseconds is { } them ? $"{Time(them)} | {them / median:F2}x faster" : "see bench/SideBySide | —";
            string target = workload.TargetMicroseconds is { } goal ? $"{Time(goal)} | {(median <= goal ? "yes" : "no")}" : "— | —";
            output.WriteLine($"| {workload.Name} | {Time(median)}{rate} | {Time(floor)} ({(workload.Bound == Bound.Memory ? "copy" : "FMA peak")}) " +
                             $"| {median / floor:F2} | {torchSharp} | {target} | {Bytes(allocated)} | {(faults is null ? "n/a" : $"{faults:F0}")} |");
        }
    }

    /// <summary>
    /// Median microseconds per iteration over batches of about <see cref="SampleTime"/>, with the bytes allocated on
    /// this thread and the page faults of the process per iteration.
    /// </summary>
    private static (double Median, double Allocated, double? Faults) Measure(Workload workload)
    {
        var warm = Stopwatch.StartNew();
        int warmIterations = 0;
        // Long enough for the JIT to finish tiering up the hot methods (it counts 30 calls, then compiles in the background).
        while (warm.Elapsed < WarmUp || warmIterations < 50) { workload.Run(); warmIterations++; }
        int batch = Math.Max(1, (int)(warmIterations * SampleTime.TotalSeconds / warm.Elapsed.TotalSeconds));

        var perIteration = new double[Samples];
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long? faultsBefore = PageFaults();
        for (int s = 0; s < Samples; s++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < batch; i++) workload.Run();
            perIteration[s] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / batch;
        }
        double allocated = (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (Samples * batch);
        double? faults = PageFaults() - faultsBefore;
        Array.Sort(perIteration);
        return (perIteration[Samples / 2], allocated, faults / (Samples * batch));
    }

    /// <summary>Minor page faults of this process so far (Linux); memory the OS hands back in costs one per page.</summary>
    private static long? PageFaults()
    {
        const string stat = "/proc/self/stat";
        if (!File.Exists(stat)) return null;
        // Fields after the parenthesized command name; minflt is the 10th field overall.
        string text = File.ReadAllText(stat);
        return long.Parse(text[(text.LastIndexOf(')') + 2)..].Split(' ')[7], CultureInfo.InvariantCulture);
    }

    /// <summary>A GC setting as the runtime sees it: the DOTNET_GC environment variable wins over the runtimeconfig.</summary>
    private static string Setting(string name, string? runtimeConfigName) =>
        Environment.GetEnvironmentVariable("DOTNET_GC" + name) is { } hex ? $"{Convert.ToInt64(hex, 16) >> 20} MiB"
        : runtimeConfigName is not null && AppContext.GetData(runtimeConfigName) is { } value ? $"{Convert.ToInt64(value, CultureInfo.InvariantCulture) >> 20} MiB"
        : "default";

    private static string Time(double microseconds) =>
        microseconds >= 1000 ? $"{microseconds / 1000:F2} ms" : microseconds >= 10 ? $"{microseconds:F1} µs" : $"{microseconds:F2} µs";

    private static string Bytes(double bytes) =>
        bytes >= 1 << 20 ? $"{bytes / (1 << 20):F1} MiB" : bytes >= 1 << 10 ? $"{bytes / (1 << 10):F1} KiB" : $"{bytes:F0} B";
}
