using Autograd.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Autograd.Benchmarks -- --quick     the whole table in under three minutes
// dotnet run -c Release --project bench/Autograd.Benchmarks -- [BenchmarkDotNet options]
if (args is ["--quick"]) QuickTable.Print(Console.Out);
else BenchmarkSwitcher.FromAssembly(typeof(Workload).Assembly).Run(args);
