using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

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
    [TestCase("indexing")]
    [TestCase("porting")]
    public void SamplePrintsWhatPyTorchPrints(string name)
    {
        string expected = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "samples", name + ".txt"));
        Run(Path.Combine("samples", name + ".cs")).ShouldBe(expected);
    }

    /// <summary>Each form's library loss and gradient print the same as the loss written by hand from LogSoftmax.</summary>
    [Test]
    public void CrossEntropyFormsSample_LibraryAgreesWithLossByHand()
    {
        string stdout = Run(Path.Combine("samples", "cross_entropy_forms.cs"));
        var sections = stdout.Split("== ", StringSplitOptions.RemoveEmptyEntries);
        sections.Length.ShouldBeGreaterThanOrEqualTo(8);
        foreach (string section in sections)
        {
            string title = section[..section.IndexOf('\n')];
            Printed(section, "library").ShouldBe(Printed(section, "by hand"), title);
            Printed(section, "library grad").ShouldBe(Printed(section, "by hand grad"), title);
        }

        // The tensor text after "label: " up to the next label, without its grad_fn suffix; the by-hand loss gives -0.
        // where the library gives 0. for ignored targets, so signs of zero are not compared.
        static string Printed(string section, string label)
        {
            var match = Regex.Match(section, $@"^{label}: (tensor\(.*?\))(?=\n(?:library|by hand|$)|\n*$)", RegexOptions.Multiline | RegexOptions.Singleline);
            match.Success.ShouldBeTrue($"{label} in {section}");
            return Regex.Replace(match.Groups[1].Value, @",\s*grad_fn=<\w+>", "").Replace("-0.0000", " 0.0000");
        }
    }

    [Test]
    public void TrainingSample_ReachesNinetyFivePercent_AndWritesItsPicturesAndGraph()
    {
        string output = Directory.CreateTempSubdirectory("autograd-training-").FullName;
        try
        {
            string stdout = Run(Path.Combine("samples", "train_classifier.cs"), output);

            var accuracy = Regex.Match(stdout, @"final accuracy: (\d+\.\d)%");
            accuracy.Success.ShouldBeTrue(stdout);
            double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(95);
            // Its training time is printed ("trained N epochs in S s") and quoted in notes; tests assert no timings.
            stdout.ShouldMatch(@"trained \d+ epochs in \d+\.\d s");
            foreach (string picture in new[] { "loss.png", "decision_boundary.png" })
                File.ReadAllBytes(Path.Combine(output, picture))[..8].ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, picture);
            File.ReadAllText(Path.Combine(output, "graph.dot")).ShouldContain("NllLossBackward0");
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    /// <summary>The Gaussian-process fit through Torch.Linalg ends where PyTorch's does, and draws its posterior.</summary>
    [Test]
    public void GaussianProcessSample_FitsThePyTorchHyperparameters_AndWritesItsPosterior()
    {
        string output = Directory.CreateTempSubdirectory("autograd-gp-").FullName;
        try
        {
            string stdout = Run(Path.Combine("samples", "gaussian_process.cs"), output);
            double[] Row(string name)
            {
                var match = Regex.Match(stdout, $@"^{name}\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$", RegexOptions.Multiline);
                match.Success.ShouldBeTrue(stdout);
                return [.. match.Groups.Values.Skip(1).Select(g => double.Parse(g.Value, CultureInfo.InvariantCulture))];
            }
            var (ours, pytorch) = (Row("AutogradMini"), Row(@"PyTorch 1\.13"));
            ours.ShouldBe(pytorch, tolerance: 2e-6);
            pytorch[0].ShouldBeGreaterThan(1);
            File.ReadAllBytes(Path.Combine(output, "posterior.png"))[..8].ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    /// <summary>
    /// The CNN on the UCI digits, its full default run (14 epochs, about half a minute here): the mnist example's lines,
    /// a test accuracy of at least 97% after the last epoch, and the picture of the misclassified digits.
    /// </summary>
    [Test]
    public void DigitsCnnSample_ReachesNinetySevenPercent_AndDrawsItsMistakes()
    {
        string output = Directory.CreateTempSubdirectory("autograd-digits-").FullName;
        try
        {
            string stdout = Run(Path.Combine("samples", "digits_cnn.cs"), output);

            stdout.ShouldContain("1797 digits: 1438 for training, 359 for testing");
            stdout.ShouldContain("(conv1): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
            Regex.Matches(stdout, @"^Train Epoch: (\d+) \[\d+/1438 \(\d+%\)\]\tLoss: \d+\.\d{6}$", RegexOptions.Multiline)
                .Select(m => m.Groups[1].Value).Distinct().Count().ShouldBe(14, stdout);
            var tests = Regex.Matches(stdout, @"^Test set: Average loss: (\d+\.\d{4}), Accuracy: (\d+)/359 \((\d+\.\d)%\)$", RegexOptions.Multiline);
            tests.Count.ShouldBe(14, stdout);
            double Loss(int epoch) => double.Parse(tests[epoch].Groups[1].Value, CultureInfo.InvariantCulture);
            int correct = int.Parse(tests[^1].Groups[2].Value, CultureInfo.InvariantCulture);
            Loss(13).ShouldBeLessThan(Loss(0) / 4);
            (correct / 359.0).ShouldBeGreaterThanOrEqualTo(0.97, stdout);
            stdout.ShouldMatch(@"trained 14 epochs in \d+\.\d s");
            stdout.ShouldContain($"{359 - correct} misclassified test digits drawn in misclassified.png");
            File.ReadAllBytes(Path.Combine(output, "misclassified.png"))[..8].ShouldBe(Png);
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    /// <summary>
    /// The tiny GPT for 20 steps: the vocabulary and parameter count, the loss estimates at steps 0, 10 and 20 (falling,
    /// from about ln 75 at the start), a 300-character sample of the text's characters, and the loss curve.
    /// </summary>
    [Test]
    public void TinyGptSample_ShortRun_LearnsAndSamples_AndPlotsItsLoss()
    {
        string output = Directory.CreateTempSubdirectory("autograd-gpt-").FullName;
        try
        {
            string stdout = Run(Path.Combine("samples", "tiny_gpt.cs"), output, "--steps", "20", "--eval-interval", "10");

            stdout.ShouldContain("684,768 characters, vocabulary of 75: ");
            stdout.ShouldContain("0.111 M parameters");
            var evals = Regex.Matches(stdout, @"^step (\d+): train loss (\d+\.\d{4}), val loss (\d+\.\d{4})$", RegexOptions.Multiline);
            evals.Select(m => m.Groups[1].Value).ShouldBe(["0", "10", "20"], stdout);
            double Loss(int row, int column) => double.Parse(evals[row].Groups[column].Value, CultureInfo.InvariantCulture);
            Loss(0, 2).ShouldBe(Math.Log(75), tolerance: 0.3);
            Loss(2, 2).ShouldBeLessThan(Loss(0, 2) - 0.5);
            Loss(2, 3).ShouldBeLessThan(Loss(0, 3) - 0.5);
            stdout.ShouldMatch(@"trained 20 steps in \d+\.\d s");

            var sample = Regex.Match(stdout, "--- sample ---\n(.*)\n--------------\n", RegexOptions.Singleline);
            sample.Success.ShouldBeTrue(stdout);
            sample.Groups[1].Value.Length.ShouldBe(301);   // the starting newline and 300 drawn characters
            sample.Groups[1].Value.ShouldAllBe(c => c == '\n' || (c >= ' ' && c <= 'z'));
            File.ReadAllBytes(Path.Combine(output, "loss.png"))[..8].ShouldBe(Png);
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// A script outside the repo, referencing the library project as the README shows, runs the library JIT-optimized:
    /// `dotnet run` builds referenced projects in Debug, so the library projects optimize in every configuration.
    /// </summary>
    [Test]
    public void ScriptOutsideTheRepo_LoadsTheLibraryBuiltWithTheJitOptimizerOn()
    {
        string folder = Directory.CreateTempSubdirectory("autograd-script-").FullName;
        try
        {
            string script = Path.Combine(folder, "optimized.cs");
            File.WriteAllText(script, $"""
                #:project {Path.Combine(RepoRoot, "Autograd.Ops", "Autograd.Ops.csproj")}
                using System.Diagnostics;
                using System.Reflection;
                foreach (var assembly in new[] {"{"} typeof(Autograd.Tensor).Assembly, typeof(Autograd.Torch).Assembly {"}"})
                    Console.WriteLine($"{"{"}assembly.GetName().Name{"}"} optimizer disabled: {"{"}assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled ?? false{"}"}");
                """);
            Run(script).ShouldBe("Autograd.Core optimizer disabled: False\nAutograd.Ops optimizer disabled: False\n");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Run(string sample, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", ["run", sample, "--", .. args])
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
