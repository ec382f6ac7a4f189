using Autograd.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Autograd.Benchmarks -- --quick [WORD...]   the table (rows naming a WORD) in under three minutes
// dotnet run -c Release --project bench/Autograd.Benchmarks -- [BenchmarkDotNet options]
if (args is ["--quick", .. var words]) QuickTable.Print(Console.Out, words);
else BenchmarkSwitcher.FromAssembly(typeof(Workload).Assembly).Run(args);
