// Issue 14's table: AutogradMini and TorchSharp in one plain console process (no GC settings of its own: the runtime's
// defaults plus those the AutogradMini package brings, printed in the header), 2 threads each. Every workload warms each library up for 1 s, then alternates rounds between them; the table gives
// the median time per iteration of each and the ratio TorchSharp / AutogradMini (above 1: AutogradMini is faster).
// Arguments: words that select workloads by name (default: all); `--no-script` skips the file-based script row.
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using Autograd.Benchmarks;
using Autograd.SideBySide;
using TS = TorchSharp.torch;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
bool script = !args.Contains("--no-script");
string[] words = [.. args.Where(a => !a.StartsWith("--", StringComparison.Ordinal))];

TS.set_num_threads(Environment.ProcessorCount);
TS.set_num_interop_threads(1);
string loadBefore = Load();
Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
                  $"{Environment.ProcessorCount} cores, GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, region size {Setting("System.GC.RegionSize")}, " +
                  $"LOH threshold {Setting("System.GC.LOHThreshold")}, gen0 max budget {Setting("System.GC.Gen0MaxBudget")}, " +
                  $"TorchSharp 0.107.0 / libtorch 2.10.0 on {TS.get_num_threads()} threads, AutogradMini on {Environment.ProcessorCount}");
Console.WriteLine($"copy speed (read+write bytes/s): {Hardware.CopySpeed(1) / 1e9:F1} GB/s on 1 thread, {Hardware.CopySpeed(2) / 1e9:F1} GB/s on 2");
Console.WriteLine();
Console.WriteLine("| workload | AutogradMini | TorchSharp | TorchSharp / AutogradMini | target | met |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var pair in Workloads.All())
{
    if (words.Length > 0 && !words.Any(w => pair.Name.Contains(w, StringComparison.OrdinalIgnoreCase))) continue;
    var (ours, theirs) = Measure.Alternating(pair.Ours, pair.Theirs);
    double ratio = theirs / ours;
    Console.WriteLine($"| {pair.Name} | {Measure.Time(ours)} | {Measure.Time(theirs)} | {ratio:F2}x | ≥ {pair.Target:0.0#}x | {(ratio >= pair.Target ? "yes" : "no")} |");
}
if (script && (words.Length == 0 || words.Any(w => "script".Contains(w, StringComparison.OrdinalIgnoreCase))))
{
    // The MLP step as a user's file-based script runs it (dotnet run file.cs, which builds the library in Debug),
    // timed inside the script the same way, against the same step in this app; three of each, alternating.
    string path = ScriptPath();
    var mlp = TrainingSteps.Mlp();
    var inScript = new List<double>();
    var inApp = new List<double>();
    for (int i = 0; i < 3; i++)
    {
        inApp.Add(Measure.Single(mlp.Step));
        inScript.Add(RunScript(path));
    }
    double scriptTime = Measure.Median(inScript), appTime = Measure.Median(inApp);
    Console.WriteLine($"| file-based script's MLP step vs this app's | {Measure.Time(scriptTime)} (script) | {Measure.Time(appTime)} (app) " +
                      $"| script / app: {scriptTime / appTime:F2}x | ≤ 1.1x | {(scriptTime / appTime <= 1.1 ? "yes" : "no")} |");
}
Console.WriteLine();
Console.WriteLine($"load average (1, 5, 15 min): {loadBefore} before, {Load()} after");

static string Setting(string name) =>
    AppContext.GetData(name) is { } value ? $"{Convert.ToInt64(value, CultureInfo.InvariantCulture) >> 20} MiB" : "default";

static string Load() => File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "n/a";

static string ScriptPath()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "samples", "mlp_step.cs");
        if (File.Exists(candidate)) return candidate;
    }
    throw new FileNotFoundException("samples/mlp_step.cs not found above " + AppContext.BaseDirectory);
}

static double RunScript(string path)
{
    var start = new ProcessStartInfo("dotnet", ["run", "--file", path]) { WorkingDirectory = Path.GetDirectoryName(path)!, RedirectStandardOutput = true, RedirectStandardError = true };
    using var process = Process.Start(start)!;
    string output = process.StandardOutput.ReadToEnd();
    string errors = process.StandardError.ReadToEnd();
    process.WaitForExit();
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("median µs per step: ", StringComparison.Ordinal))
               ?? throw new InvalidOperationException($"the script printed no timing (exit {process.ExitCode}):\n{output}\n{errors}");
    return double.Parse(line["median µs per step: ".Length..], CultureInfo.InvariantCulture);
}

/// <summary>Medians of per-iteration times over batches of about <see cref="SampleTime"/> after a warm-up.</summary>
internal static class Measure
{
    private const int Rounds = 11;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1), SampleTime = TimeSpan.FromMilliseconds(40), Settle = TimeSpan.FromMilliseconds(25);

    /// <summary>Both warmed up for 1 s each, then <see cref="Rounds"/> rounds that alternate which goes first.</summary>
    public static (double Ours, double Theirs) Alternating(Action ours, Action theirs)
    {
        int batchOurs = Warm(ours), batchTheirs = Warm(theirs);
        var a = new double[Rounds];
        var b = new double[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            if (r % 2 == 0) { a[r] = Sample(ours, batchOurs); b[r] = Sample(theirs, batchTheirs); }
            else { b[r] = Sample(theirs, batchTheirs); a[r] = Sample(ours, batchOurs); }
        }
        return (Median(a), Median(b));
    }

    /// <summary>One workload alone, measured as <see cref="Alternating"/> measures each side.</summary>
    public static double Single(Action run)
    {
        int batch = Warm(run);
        var times = new double[Rounds];
        for (int r = 0; r < Rounds; r++) times[r] = Sample(run, batch);
        return Median(times);
    }

    private static int Warm(Action run)
    {
        var clock = Stopwatch.StartNew();
        int iterations = 0;
        // Long enough for the JIT to tier up the hot methods (30 calls, then a background compile).
        while (clock.Elapsed < WarmUp || iterations < 50) { run(); iterations++; }
        return Math.Max(1, (int)(iterations * SampleTime.TotalSeconds / clock.Elapsed.TotalSeconds));
    }

    private static double Sample(Action run, int batch)
    {
        // Both libraries keep their worker threads spinning after a parallel region (libtorch's OpenMP workers for
        // about 11 ms, without yielding; AutogradMini's team for 2 ms; thread CPU time from /proc/self/task/*/schedstat
        // during sleeps after a product): a pause lets the other side's spinners stop, so each sample runs on cores
        // that only its own library uses, as in an app that uses one of them. No longer than that: an app's training
        // loop does not idle, and after a long pause the GC hands memory back that the next steps fault in again
        // (up to 160 KB per ms of pause).
        Thread.Sleep(Settle);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < batch; i++) run();
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / batch;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string Time(double microseconds) =>
        microseconds >= 1000 ? $"{microseconds / 1000:F2} ms" : microseconds >= 10 ? $"{microseconds:F1} µs" : $"{microseconds:F2} µs";
}
