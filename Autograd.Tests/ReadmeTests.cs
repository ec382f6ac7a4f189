using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Autograd.Tests;

/// <summary>Every C# block of README.md is a complete program that runs: the README cannot drift from the API.</summary>
[NonParallelizable]
[Category("Slow")]
public class ReadmeTests
{
    private static readonly string RepoRoot = RepoPaths.Root;

    public static IEnumerable<TestCaseData> Snippets() =>
        Regex.Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md")), @"```csharp\n(.*?)```", RegexOptions.Singleline)
            .Select((match, i) => new TestCaseData(match.Groups[1].Value).SetArgDisplayNames($"snippet {i + 1}"));

    [Test]
    public void ReadmeHasCSharpSnippets() => Snippets().Count().ShouldBeGreaterThanOrEqualTo(2);

    [TestCaseSource(nameof(Snippets))]
    public void Snippet_RunsAsAScript(string code)
    {
        code.ShouldStartWith("#:project ../Autograd.Ops/Autograd.Ops.csproj", customMessage: "a snippet is a script in samples/");
        // Run it from a folder of its own, as a script written beside the samples, so the files it writes go there.
        string folder = Path.Combine(RepoRoot, "samples", "readme-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            string script = Path.Combine(folder, "snippet.cs");
            File.WriteAllText(script, code.Replace("#:project ../Autograd.Ops/", "#:project ../../Autograd.Ops/"));
            var start = new ProcessStartInfo("dotnet", ["run", script]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit(TimeSpan.FromMinutes(5)).ShouldBeTrue();
            process.ExitCode.ShouldBe(0, $"{stdout}\n{stderr.Result}");
            stdout.ShouldNotBeEmpty();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
