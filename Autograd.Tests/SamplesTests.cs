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
    public void ScriptInSamples_RunsWithThePackagesGcDefaults()
    {
        string script = Path.Combine(RepoRoot, "samples", $"gc_defaults_{Guid.NewGuid():N}.cs");
        try
        {
            File.WriteAllText(script, """
                #:project ../Autograd.Ops/Autograd.Ops.csproj
                foreach (var name in new[] { "System.GC.RegionSize", "System.GC.LOHThreshold", "System.GC.Gen0MaxBudget" })
                    Console.WriteLine($"{name}={AppContext.GetData(name)}");
                """);
            Run(script).ShouldBe("System.GC.RegionSize=33554432\nSystem.GC.LOHThreshold=16777216\nSystem.GC.Gen0MaxBudget=33554432\n");
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

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AutogradMini.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("AutogradMini.sln not found above the test directory");
    }
}
