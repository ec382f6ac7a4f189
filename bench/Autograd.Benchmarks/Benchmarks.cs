using BenchmarkDotNet.Attributes;

namespace Autograd.Benchmarks;

/// <summary>Issue 5's workloads under BenchmarkDotNet, for careful runs; <c>--quick</c> prints the table instead.</summary>
[MemoryDiagnoser]
public class IssueFiveBenchmarks
{
    private readonly Dictionary<string, Workload> workloads = Workloads.All().ToDictionary(w => w.Name);

    public static IEnumerable<string> Names => Workloads.All().Select(w => w.Name);

    [ParamsSource(nameof(Names))]
    public string Workload { get; set; } = "";

    [Benchmark]
    public void Run() => workloads[Workload].Run();
}
