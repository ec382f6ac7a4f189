using System.Text.Json;

namespace Autograd.Tests;

/// <summary>
/// The view ops against PyTorch 1.13 (Golden/views.json, tools/gen_views_golden.py): values, sizes, strides, storage
/// offset, contiguity, grad_fn, gradients; write-through of an in-place write to the view under autograd (the base's
/// values, CopySlices, its version, the view's rebased AsStridedBackward0, the gradient through the rebased graph); errors.
/// </summary>
public class ViewsGoldenTests
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "views.json")));
        return document.RootElement.Clone();
    });

    public static IEnumerable<TestCaseData> Cases() =>
        Root.Value.GetProperty("cases").EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(Describe(c)));

    public static IEnumerable<TestCaseData> Errors() =>
        Root.Value.GetProperty("errors").EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(Describe(c)));

    private static string Describe(JsonElement c) =>
        $"{Shapes.Format(Ints(c.GetProperty("shape")))} {c.GetProperty("steps").GetRawText()}";

    private static int[] Ints(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt32())];

    private static double[] Doubles(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetDouble())];

    private static Tensor Apply(Tensor t, JsonElement step)
    {
        var items = step.EnumerateArray().ToArray();
        string op = items[0].GetString()!;
        int I(int k) => items[k].GetInt32();
        int[] Rest() => [.. items.Skip(1).Select(v => v.GetInt32())];
        return op switch
        {
            "view" => t.View(Rest()),
            "reshape" => t.Reshape(Rest()),
            "transpose" => t.Transpose(I(1), I(2)),
            "t" => t.T(),
            "permute" => t.Permute(Rest()),
            "movedim" => t.Movedim(I(1), I(2)),
            "expand" => t.Expand(Rest()),
            "narrow" => t.Narrow(I(1), I(2), I(3)),
            "select" => t.Select(I(1), I(2)),
            "diagonal" => items.Length switch { 1 => t.Diagonal(), 2 => t.Diagonal(I(1)), _ => t.Diagonal(I(1), I(2), I(3)) },
            "unfold" => t.Unfold(I(1), I(2), I(3)),
            "as_strided" => t.AsStrided(Ints(items[1]), Ints(items[2]), I(3)),
            "unsqueeze" => t.Unsqueeze(I(1)),
            "squeeze" => items.Length == 1 ? t.Squeeze() : t.Squeeze(I(1)),
            "flatten" => items.Length == 1 ? t.Flatten() : t.Flatten(I(1)),
            "unflatten" => t.Unflatten(I(1), Ints(items[2])),
            "split" => t.Split(I(1), I(2))[I(3)],
            "split_sizes" => t.Split(Ints(items[1]), I(2))[I(3)],
            "chunk" => t.Chunk(I(1), I(2))[I(3)],
            "unbind" => t.Unbind(I(1))[I(2)],
            "contiguous" => t.Contiguous(),
            "ravel" => t.Ravel(),
            _ => throw new ArgumentException(op),
        };
    }

    private static (Tensor X, Tensor Y) Base(int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var x = (Torch.Tensor(Enumerable.Range(0, n).Select(i => i * 0.5 + 1).ToArray()).Reshape(shape)).Detach();
        x.RequiresGrad = true;
        return (x, x * 1.0);
    }

    [TestCaseSource(nameof(Cases))]
    public void ViewOp_MatchesPyTorch(JsonElement c)
    {
        var shape = Ints(c.GetProperty("shape"));
        var (x, y) = Base(shape);
        var r = c.GetProperty("steps").EnumerateArray().Aggregate(y, Apply);
        r.ToArray<double>().ShouldBe(Doubles(c.GetProperty("values")));
        r.Shape.ShouldBe(Ints(c.GetProperty("size")));
        r.Strides.ShouldBe(Ints(c.GetProperty("stride")));
        r.StorageOffset.ShouldBe(c.GetProperty("offset").GetInt32());
        r.IsContiguous.ShouldBe(c.GetProperty("contiguous").GetBoolean());
        r.GradFn.ShouldNotBeNull().Name.ShouldBe(c.GetProperty("grad_fn").GetString());
        var w = Torch.Tensor(Enumerable.Range(1, r.Numel()).Select(i => (double)i).ToArray()).Reshape([.. r.Shape]);
        Gradients.Grad([(r * w).Sum()], [x])[0]!.ToArray<double>().ShouldBe(Doubles(c.GetProperty("grad")));

        if (!c.TryGetProperty("write", out var write)) return;
        var (x2, y2) = Base(shape);
        var r2 = c.GetProperty("steps").EnumerateArray().Aggregate(y2, Apply);
        r2.Mul_(3.0);
        y2.ToArray<double>().ShouldBe(Doubles(write.GetProperty("base")));
        y2.GradFn.ShouldNotBeNull().Name.ShouldBe(write.GetProperty("base_grad_fn").GetString());
        y2.Version.ShouldBe(write.GetProperty("version").GetInt32());
        r2.GradFn.ShouldNotBeNull().Name.ShouldBe(write.GetProperty("view_grad_fn").GetString());
        Gradients.Grad([(y2 * y2).Sum()], [x2])[0]!.ToArray<double>().ShouldBe(Doubles(write.GetProperty("grad")));
    }

    [TestCaseSource(nameof(Errors))]
    public void ViewOp_FailsWithPyTorchsMessage(JsonElement c)
    {
        var shape = Ints(c.GetProperty("shape"));
        var t = Torch.Zeros(shape);
        var error = Should.Throw<Exception>(() => c.GetProperty("steps").EnumerateArray().Aggregate(t, Apply));
        error.Message.ShouldBe(c.GetProperty("message").GetString());
    }
}
