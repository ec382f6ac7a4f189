using System.Text.Json;

namespace Autograd.Tests;

/// <summary>Torch.Einsum against torch.einsum (Golden/einsum.json, tools/gen_einsum_golden.py): values, gradients, messages.</summary>
public class EinsumTests
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "einsum.json")));
        return document.RootElement.Clone();
    });

    public static IEnumerable<TestCaseData> Cases() =>
        Root.Value.GetProperty("cases").EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(c.GetProperty("equation").GetString()!));

    public static IEnumerable<TestCaseData> Errors() =>
        Root.Value.GetProperty("errors").EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(c.GetProperty("equation").GetString()!));

    /// <summary>Operand k drawn as PyTorch drew it: torch.rand(shape, float64) after manual_seed(k + 1).</summary>
    private static Tensor[] Operands(JsonElement c) =>
        [.. c.GetProperty("shapes").EnumerateArray().Select((shape, k) =>
        {
            Torch.ManualSeed(k + 1);
            return Torch.Rand([.. shape.EnumerateArray().Select(d => d.GetInt32())], DType.Float64, requiresGrad: true);
        })];

    private static double[] Doubles(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetDouble())];

    [TestCaseSource(nameof(Cases))]
    public void Einsum_MatchesPyTorch(JsonElement c)
    {
        var operands = Operands(c);
        var result = Torch.Einsum(c.GetProperty("equation").GetString()!, operands);
        result.Shape.ShouldBe([.. c.GetProperty("size").EnumerateArray().Select(d => d.GetInt32())]);
        result.ToArray<double>().ShouldBe(Doubles(c.GetProperty("values")), tolerance: 1e-12);
        var w = Torch.Tensor(Enumerable.Range(1, result.Numel()).Select(i => (double)i).ToArray()).Reshape([.. result.Shape]);
        var grads = Gradients.Grad([(result * w).Sum()], operands);
        var expected = c.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < operands.Length; i++) grads[i]!.ToArray<double>().ShouldBe(Doubles(expected[i]), tolerance: 1e-12);
    }

    [TestCaseSource(nameof(Errors))]
    public void Einsum_FailsWithPyTorchsMessage(JsonElement c) =>
        Should.Throw<ArgumentException>(() => Torch.Einsum(c.GetProperty("equation").GetString()!, Operands(c)))
            .Message.ShouldBe(c.GetProperty("message").GetString());

    [Test]
    public void Einsum_PassesGradCheckAndGradGradCheck()
    {
        Torch.ManualSeed(5);
        Tensor[] inputs = [Torch.Rand([2, 3], DType.Float64, requiresGrad: true), Torch.Rand([3, 2, 2], DType.Float64, requiresGrad: true)];
        Gradients.GradCheck(x => Torch.Einsum("ij,jkk->ik", x), inputs).ShouldBeTrue();
        Gradients.GradGradCheck(x => Torch.Einsum("ij,jkk->ik", x), inputs).ShouldBeTrue();
    }
}
