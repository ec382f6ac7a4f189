using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Autograd.Benchmarks;

/// <summary>The quick table's workloads (issue 5's and issue 14's training steps) under BenchmarkDotNet, for careful runs; <c>--quick</c> prints the table instead.</summary>
[MemoryDiagnoser]
[Config(typeof(LargeTensorGc))]
public class WorkloadBenchmarks
{
    private readonly Dictionary<string, Workload> workloads = Workloads.All().ToDictionary(w => w.Name);

    public static IEnumerable<string> Names => Workloads.All().Select(w => w.Name);

    [ParamsSource(nameof(Names))]
    public string Workload { get; set; } = "";

    [Benchmark]
    public void Run() => workloads[Workload].Run();
}

/// <summary>
/// The GC settings of this app's runtimeconfig (see the csproj) and quick.sh's second table, given to BenchmarkDotNet's processes,
/// and warmups enough for the JIT to tier up kernels that take milliseconds at tier 0. Every job, including those
/// chosen on the command line, runs with them. No forced collection between iterations: after one the GC has handed
/// free pages back to the OS, and the next iteration faults them in again (about 10 µs a page here), which made the
/// ShortRun figures 1.5-7x the steady state a training loop sees.
/// </summary>
public sealed class LargeTensorGc : ManualConfig
{
    public LargeTensorGc() => AddJob(Job.Default
        .WithEnvironmentVariables(
            new EnvironmentVariable("DOTNET_GCRegionSize", "0x4000000"),
            new EnvironmentVariable("DOTNET_GCLOHThreshold", "0x2000000"),
            new EnvironmentVariable("DOTNET_GCgen0size", "0x4000000"))
        .WithGcServer(true)
        .WithGcForce(false)
        .WithWarmupCount(30)
        .AsMutator());
}
