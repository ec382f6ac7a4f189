using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// The activations (modules and Functional), Normalize, CosineSimilarity and Pad against PyTorch 1.13
/// (Golden/losses_nn.json): values, grad_fn names, gradients, reprs and error messages.
/// </summary>
[TestFixture]
public class ActivationTests
{
    private static readonly HashSet<string> Fns =
        ["gelu", "silu", "leaky_relu", "elu", "softplus", "relu", "tanh", "sigmoid", "softmax", "log_softmax", "normalize", "cosine_similarity", "pad"];

    public static IEnumerable<TestCaseData> Cases() =>
        LossesGolden.Cases.Where(c => Fns.Contains(c.Fn)).Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    public static IEnumerable<TestCaseData> Errors() =>
        LossesGolden.Errors.Where(e => Fns.Contains(e.Fn)).Select(e => new TestCaseData(e).SetArgDisplayNames(e.Name));

    /// <summary>
    /// The output's tolerance in units in the last place (0: bit for bit). ReLU, LeakyReLU, ELU and padding match bit for
    /// bit, and so does exact GELU on float32 (oneDNN's formulas, which PyTorch runs for it). SiLU and Softplus differ by
    /// an ulp where PyTorch's exp or log1p rounds differently; float64 exact GELU computes erf with MathNet; Tanh,
    /// Sigmoid, the softmaxes and the norms are the library's existing kernels or reductions.
    /// </summary>
    internal static int OutputUlps(NnCase c) => c.Fn switch
    {
        "relu" or "leaky_relu" or "pad" => 0,
        "gelu" when IsFloat32ExactGelu(c) => 0,
        "elu" or "silu" or "softplus" => 2,
        "gelu" => c.Args.GetProperty("approximate").GetString() == "tanh" ? 4 : 16,
        _ => 8,
    };

    /// <summary>A gradient's tolerance: bit for bit for ReLU, LeakyReLU, padding and float32 exact GELU, else as <see cref="OutputUlps"/> allows for the ops in it.</summary>
    internal static int GradUlps(NnCase c) => c.Fn switch
    {
        "relu" or "leaky_relu" or "pad" => 0,
        "gelu" when IsFloat32ExactGelu(c) => 0,
        "elu" => 2,
        _ => 16,
    };

    private static bool IsFloat32ExactGelu(NnCase c) =>
        c.Args.GetProperty("approximate").GetString() == "none" && LossesGolden.Decode(c.Inputs[0]).DType == DType.Float32;

    [TestCaseSource(nameof(Cases))]
    public void Value_AndGradFn(NnCase c) => LossesGolden.CheckValueAndGradFn(c, OutputUlps(c));

    [TestCaseSource(nameof(Cases))]
    public void Gradients(NnCase c) => LossesGolden.CheckGradients(c, _ => GradUlps(c));

    [TestCaseSource(nameof(Errors))]
    public void RejectedCalls_HavePyTorchsMessage(NnError e) => ShouldThrow(e);

    internal static void ShouldThrow(NnError e)
    {
        Tensor[] inputs = [.. e.Inputs.Select(LossesGolden.Decode)];
        var exception = Should.Throw<Exception>(() => LossesGolden.Call(e.Fn, e.Via, e.Args, inputs));
        if (e.Family == "argument") exception.ShouldBeAssignableTo<ArgumentException>();
        else exception.ShouldBeOfType<NotSupportedException>();
        exception.Message.ShouldBe(e.Message);
    }

    [Test]
    public void ActivationModules_PrintAsPyTorch()
    {
        var expected = LossesGolden.Json.GetProperty("reprs").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("text").GetString()!);
        new GELU().ToString().ShouldBe(expected["GELU"]);
        new GELU("tanh").ToString().ShouldBe(expected["GELU tanh"]);
        new SiLU().ToString().ShouldBe(expected["SiLU"]);
        new LeakyReLU().ToString().ShouldBe(expected["LeakyReLU"]);
        new LeakyReLU(0.2).ToString().ShouldBe(expected["LeakyReLU 0.2"]);
        new ELU().ToString().ShouldBe(expected["ELU"]);
        new ELU(0.5).ToString().ShouldBe(expected["ELU 0.5"]);
        new Softplus().ToString().ShouldBe(expected["Softplus"]);
        new Softplus(2, 10.5).ToString().ShouldBe(expected["Softplus 2 10.5"]);
        new Softmax(1).ToString().ShouldBe(expected["Softmax 1"]);
        new LogSoftmax(-1).ToString().ShouldBe(expected["LogSoftmax -1"]);
        new ReLU().ToString().ShouldBe(expected["ReLU"]);
        new NN.Tanh().ToString().ShouldBe(expected["Tanh"]);
        new NN.Sigmoid().ToString().ShouldBe(expected["Sigmoid"]);
        new Sequential(new Linear(2, 3), new GELU(), new LeakyReLU(0.2), new Softmax(-1)).ToString().ShouldBe(expected["Sequential"]);
    }

    [TestCase(0.01, "0.01")]
    [TestCase(1.0, "1.0")]
    [TestCase(1e-5, "1e-05")]
    [TestCase(1e15, "1000000000000000.0")]
    [TestCase(1e16, "1e+16")]
    [TestCase(-2.5e-7, "-2.5e-07")]
    [TestCase(123456.75, "123456.75")]
    public void Floats_PrintAsPythonRepr(double value, string text) => PythonRepr.Float(value).ShouldBe(text);
}
