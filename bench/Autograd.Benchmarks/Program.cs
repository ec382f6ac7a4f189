using Autograd.Benchmarks;
using BenchmarkDotNet.Running;

// bench/quick.sh [WORD...]   the table (rows naming a WORD) in under three minutes, with and without a big gen0 budget
// dotnet run -c Release --project bench/Autograd.Benchmarks -- --quick [WORD...]   the same, with the GC settings you give
// dotnet run -c Release --project bench/Autograd.Benchmarks -- [BenchmarkDotNet options]
if (args is ["--quick", .. var words]) QuickTable.Print(Console.Out, words);
else BenchmarkSwitcher.FromAssembly(typeof(Workload).Assembly).Run(args);
