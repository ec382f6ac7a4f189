using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Autograd.Tests;

/// <summary>Runs each seed sample as a user would (dotnet run samples/NAME.cs) and compares with what PyTorch printed.</summary>
[NonParallelizable]
[Category("Slow")]
public class SamplesTests
{
    private static readonly string RepoRoot = RepoPaths.Root;

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
    /// The CNN on the UCI digits, its full default run (14 epochs, about half a minute here), prints what its PyTorch twin
    /// (tools/seed_programs/digits_cnn.py: the same split, loader order, weights, dropout masks and updates) prints, up
    /// to float rounding: every training loss, every test loss and accuracy; it ends at 97% or more and draws its mistakes.
    /// </summary>
    [Test]
    public void DigitsCnnSample_PrintsWhatPyTorchPrints_ReachesNinetySevenPercent_AndDrawsItsMistakes()
    {
        string output = Directory.CreateTempSubdirectory("autograd-digits-").FullName;
        try
        {
            string stdout = Run(Path.Combine("samples", "digits_cnn.cs"), output);

            ShouldMatchUpToRounding(stdout, "digits_cnn", @"(?<=Loss: )\d+\.\d{6}$", 2e-5, @"(?<=Average loss: )\d+\.\d{4}", 1e-4);
            var accuracy = Regex.Matches(stdout, @"^Test set: .*Accuracy: (\d+)/359", RegexOptions.Multiline);
            accuracy.Count.ShouldBe(14);
            (int.Parse(accuracy[^1].Groups[1].Value, CultureInfo.InvariantCulture) / 359.0).ShouldBeGreaterThanOrEqualTo(0.97);
            File.ReadAllBytes(Path.Combine(output, "misclassified.png"))[..8].ShouldBe(Png);
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    /// <summary>
    /// The tiny GPT for 20 steps prints what its PyTorch twin (tools/seed_programs/tiny_gpt.py, the same batches, weights,
    /// dropout masks, AdamW updates and Multinomial draws) prints for 20 steps: the loss estimates up to rounding, and the
    /// same 300 generated characters; it writes its loss curve.
    /// </summary>
    [Test]
    public void TinyGptSample_ShortRun_PrintsWhatPyTorchPrints_AndPlotsItsLoss()
    {
        string output = Directory.CreateTempSubdirectory("autograd-gpt-").FullName;
        try
        {
            string stdout = Run(Path.Combine("samples", "tiny_gpt.cs"), output, "--steps", "20", "--eval-interval", "10");

            ShouldMatchUpToRounding(stdout, "tiny_gpt", @"(?<=loss )\d+\.\d{4}", 1e-4);
            Regex.Matches(stdout, @"^step (\d+): train", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ShouldBe(["0", "10", "20"]);
            File.ReadAllBytes(Path.Combine(output, "loss.png"))[..8].ShouldBe(Png);
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    /// <summary>
    /// Line by line as Golden/samples/NAME.txt, except the timing line ("trained ... in S s") and the numbers matched
    /// by each pattern, which may differ by the tolerance after it (float rounding: GEMM and convolution sum in another
    /// order than PyTorch's BLAS).
    /// </summary>
    private static void ShouldMatchUpToRounding(string stdout, string name, params object[] patternsAndTolerances)
    {
        string[] expected = File.ReadAllLines(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "samples", name + ".txt"));
        string[] actual = stdout.Split('\n')[..^1];
        actual.Length.ShouldBe(expected.Length, stdout);
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i].StartsWith("trained ", StringComparison.Ordinal))
            {
                actual[i].ShouldMatch(@"^trained \d+ \w+ in \d+\.\d s$");
                continue;
            }
            string e = expected[i], a = actual[i];
            for (int k = 0; k < patternsAndTolerances.Length; k += 2)
            {
                var pattern = new Regex((string)patternsAndTolerances[k]);
                var (want, got) = (pattern.Matches(e), pattern.Matches(a));
                got.Count.ShouldBe(want.Count, $"line {i + 1}: {a}");
                for (int j = 0; j < want.Count; j++)
                {
                    double.Parse(got[j].Value, CultureInfo.InvariantCulture).ShouldBe(
                        double.Parse(want[j].Value, CultureInfo.InvariantCulture), (double)patternsAndTolerances[k + 1], $"line {i + 1}: {a}");
                }
                (e, a) = (pattern.Replace(e, "#"), pattern.Replace(a, "#"));
            }
            a.ShouldBe(e, $"line {i + 1}");
        }
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

    /// <summary>
    /// A script in samples/ gets the package's runtime defaults for large tensors (build/AutogradMini.props, which
    /// samples/Directory.Build.props imports and the package hands to the apps that reference it).
    /// </summary>
    [Test]
    public void ScriptInSamples_RunsWithThePackagesRuntimeDefaults()
    {
        string script = Path.Combine(RepoRoot, "samples", $"gc_defaults_{Guid.NewGuid():N}.cs");
        try
        {
            File.WriteAllText(script, """
                #:project ../Autograd.Ops/Autograd.Ops.csproj
                foreach (var name in new[] { "System.GC.RegionSize", "System.GC.LOHThreshold", "System.GC.Gen0MaxBudget",
                                             "System.Runtime.TieredCompilation.QuickJitForLoops", "System.Runtime.TieredPGO" })
                    Console.WriteLine($"{name}={AppContext.GetData(name)}");
                """);
            Run(script).ShouldBe("System.GC.RegionSize=33554432\nSystem.GC.LOHThreshold=16777216\nSystem.GC.Gen0MaxBudget=134217728\n" +
                                 "System.Runtime.TieredCompilation.QuickJitForLoops=false\nSystem.Runtime.TieredPGO=false\n");
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>The package carries those defaults in build/ and buildTransitive/, so NuGet imports them into consumers.</summary>
    [Test]
    public void Package_CarriesTheGcDefaultsForConsumers()
    {
        var project = System.Xml.Linq.XDocument.Load(Path.Combine(RepoRoot, "Autograd.Ops", "Autograd.Ops.csproj"));
        var packed = project.Descendants("None").Single(e => (string?)e.Attribute("Include") == "build/AutogradMini.props");
        ((string?)packed.Attribute("Pack")).ShouldBe("true");
        ((string?)packed.Attribute("PackagePath")).ShouldBe("build/;buildTransitive/");
        ((string?)project.Descendants("PackageId").Single()).ShouldBe("AutogradMini");
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
}
