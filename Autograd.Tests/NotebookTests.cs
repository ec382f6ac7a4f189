using System.Diagnostics;
using System.Text.Json;

namespace Autograd.Tests;

/// <summary>
/// samples/notebook.ipynb runs headless, as a user's Polyglot notebook would, through dotnet-repl (a .NET tool from
/// NuGet that runs .NET Interactive notebooks), and shows the loss, the gradient check and its inline chart.
/// </summary>
[NonParallelizable]
[Category("Slow")]
public class NotebookTests
{
    [Test]
    public void Notebook_RunsHeadless_AndShowsTheSeedsGradient()
    {
        string root = RepoPaths.Root;
        string work = Directory.CreateTempSubdirectory("autograd-notebook-").FullName;
        try
        {
            // The notebook loads the Release build of the library, as its first cell says.
            Run("dotnet", ["build", "-c", "Release", Path.Combine(root, "Autograd.Ops", "Autograd.Ops.csproj"), "-v", "q"], root);
            Run("dotnet", ["tool", "install", "dotnet-repl", "--version", "0.3.259", "--tool-path", Path.Combine(work, "tools")], work);
            string output = Path.Combine(work, "out.ipynb");
            Run(Path.Combine(work, "tools", "dotnet-repl"), ["--run", "notebook.ipynb", "--exit-after-run", "--output-path", output], Path.Combine(root, "samples"));

            using var notebook = JsonDocument.Parse(File.ReadAllText(output));
            var outputs = notebook.RootElement.GetProperty("cells").EnumerateArray()
                .Where(cell => cell.GetProperty("cell_type").GetString() == "code")
                .SelectMany(cell => cell.GetProperty("outputs").EnumerateArray()).ToList();
            outputs.ShouldNotContain(o => o.GetProperty("output_type").GetString() == "error");
            string text = string.Concat(outputs.Where(o => o.GetProperty("output_type").GetString() == "stream")
                .SelectMany(o => o.GetProperty("text").EnumerateArray().Select(line => line.GetString())));
            text.ShouldContain("tensor(1.8978, grad_fn=<NllLossBackward0>)");
            text.ShouldContain("largest difference: ");
            outputs.ShouldContain(o => o.GetProperty("output_type").GetString() == "display_data" && o.GetRawText().Contains("<svg"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Run(string file, string[] args, string directory)
    {
        var start = new ProcessStartInfo(file, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        // dotnet-repl targets an earlier runtime; it runs on this SDK's.
        start.Environment["DOTNET_ROLL_FORWARD"] = "Major";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit(TimeSpan.FromMinutes(8)).ShouldBeTrue($"{file} did not finish");
        process.ExitCode.ShouldBe(0, $"{file} {string.Join(' ', args)} failed:\n{stdout}\n{stderr.Result}");
    }
}
