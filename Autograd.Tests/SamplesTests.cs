using System.Diagnostics;

namespace Autograd.Tests;

/// <summary>Runs each seed sample as a user would (dotnet run samples/NAME.cs) and compares with what PyTorch printed.</summary>
[NonParallelizable]
public class SamplesTests
{
    private static readonly string RepoRoot = FindRepoRoot();

    [TestCase("softmax")]
    [TestCase("cross_entropy")]
    [TestCase("cross_entropy_backward")]
    [TestCase("softmax_jacobian")]
    public void SamplePrintsWhatPyTorchPrints(string name)
    {
        string expected = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "samples", name + ".txt"));
        Run(Path.Combine("samples", name + ".cs")).ShouldBe(expected);
    }

    private static string Run(string sample)
    {
        var start = new ProcessStartInfo("dotnet", ["run", sample])
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit(TimeSpan.FromMinutes(5)).ShouldBeTrue($"{sample} did not finish");
        process.ExitCode.ShouldBe(0, $"{sample} failed: {stderr.Result}");
        return stdout;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AutogradMini.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("AutogradMini.sln not found above the test directory");
    }
}
