using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// Autograd gradients against float64 central differences of L = sum(out * g), g a fixed tensor of out's shape
/// (L = out for 0-d outputs). Independent of PyTorch: it checks each backward formula against its own forward.
/// </summary>
[TestFixture]
public class FiniteDifferenceTests
{
    private const double Eps = 1e-6;
    private const double AbsTolerance = 1e-6;
    private const double RelTolerance = 1e-5;

    /// <summary>Golden cases whose gradient-carrying inputs are all float64 (the only ones precise enough to difference).</summary>
    public static IEnumerable<TestCaseData> Float64Cases() => Golden.Cases
        .Where(c => c.Backward
            && c.Inputs.Any(i => i.RequiresGrad)
            && c.Inputs.All(i => !i.RequiresGrad || i.DType == DType.Float64)
            && c.Outputs[0].Tensor.AsDoubles().All(double.IsFinite))
        .Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    [TestCaseSource(nameof(Float64Cases))]
    public void GoldenOp(GoldenCase c) =>
        CheckGradients(c.Inputs, c.GradOutput?.AsDoubles(), x => Golden.Apply(c.Op, c.Args, x)[0]);

    [Test]
    public void Float64Cases_CoverEveryDifferentiableOp()
    {
        var checkedOps = Float64Cases().Select(d => ((GoldenCase)d.Arguments[0]!).Op).ToHashSet();
        Golden.Cases.Select(c => c.Op).Where(op => op != "one_hot").Distinct().ShouldAllBe(op => checkedOps.Contains(op));
    }

    // Compositions of several ops, with inputs drawn here (System.Random, fixed seeds).

    [Test]
    public void SeedManualCrossEntropy()
    {
        var labels = Golden.Build(new TensorSpec(DType.Int64, [4, 1], new long[] { 1, 3, 5, 0 }, false));
        CheckGradients([Uniform(1, [4, 7], 0, 1)], null, x =>
        {
            var shifted = x[0] - x[0].Max(1).Values.Unsqueeze(1);
            var softmax = shifted.Exp() / shifted.Exp().Sum(1).Unsqueeze(1);
            var oneHot = Torch.Zeros([4, 7], DType.Float64).Scatter(1, labels, 1.0);
            return -(softmax.Log() * oneHot).Sum() / 4;
        });
    }

    [Test]
    public void CrossEntropyWithWeightAndLabelSmoothing()
    {
        var target = Golden.Build(new TensorSpec(DType.Int64, [5], new long[] { 2, 0, 3, 3, 1 }, false));
        var weight = Uniform(3, [4], 0.5, 2) with { RequiresGrad = false };
        CheckGradients([Uniform(2, [5, 4], -2, 2), weight], null, x =>
            Functional.CrossEntropy(x[0], target, weight: x[1], labelSmoothing: 0.15));
    }

    [Test]
    public void BroadcastArithmeticThenExpAndMean()
    {
        CheckGradients([Uniform(4, [3, 4], -1, 1), Uniform(5, [4], 0.5, 2)], Uniform(6, [3], -1, 1).AsDoubles(), x =>
            (x[0] * x[1] + x[0] / x[1] - 2.0 / x[1] + (1.5 - x[0])).Exp().Mean(1));
    }

    [Test]
    public void MatMulLogSoftmaxMax()
    {
        CheckGradients([Uniform(7, [3, 5], -1, 1), Uniform(8, [5, 4], -1, 1)], null, x =>
            x[0].MatMul(x[1]).LogSoftmax(1).Max(1).Values.Sum());
    }

    [Test]
    public void ShapeOpsThenSoftmax()
    {
        CheckGradients([Uniform(9, [2, 3, 2], -2, 2)], Uniform(10, [1, 3, 4], -1, 1).AsDoubles(), x =>
            x[0].View(2, 6).Reshape(3, 4).Unsqueeze(0).Softmax(-1).Clone());
    }

    [Test]
    public void ScatterThenSelfProduct()
    {
        var index = Golden.Build(new TensorSpec(DType.Int64, [2, 2], new long[] { 0, 3, 2, 1 }, false));
        CheckGradients([Uniform(11, [2, 4], -1, 1), Uniform(12, [2, 2], -1, 1)], Uniform(13, [2, 4], -1, 1).AsDoubles(), x =>
        {
            var scattered = x[0].Scatter(1, index, x[1]);
            return scattered * scattered - x[0] * 0.5;
        });
    }

    /// <summary>Compares the gradient of every input that requires grad with central differences of the objective.</summary>
    private static void CheckGradients(TensorSpec[] specs, double[]? g, Func<Tensor[], Tensor> f)
    {
        var inputs = Golden.Build(specs);
        var output = f(inputs);
        output.Backward(g is null ? null : Golden.Build(new TensorSpec(DType.Float64, [.. output.Shape], g, false)));
        for (int i = 0; i < specs.Length; i++)
        {
            if (!specs[i].RequiresGrad) continue;
            var analytic = Golden.Values(inputs[i].Grad.ShouldNotBeNull($"input {i}: grad"));
            var numeric = NumericGradient(specs, i, g, f);
            Golden.ShouldBeClose(analytic, numeric, AbsTolerance, RelTolerance, $"input {i}: d(sum(out*g))/dx vs central difference");
        }
    }

    private static double[] NumericGradient(TensorSpec[] specs, int input, double[]? g, Func<Tensor[], Tensor> f)
    {
        var x = specs[input].AsDoubles();
        var gradient = new double[x.Length];
        for (int j = 0; j < x.Length; j++)
        {
            gradient[j] = (Objective(Perturbed(specs, input, j, Eps), g, f) - Objective(Perturbed(specs, input, j, -Eps), g, f)) / (2 * Eps);
        }
        return gradient;
    }

    private static TensorSpec[] Perturbed(TensorSpec[] specs, int input, int element, double delta)
    {
        var copy = (TensorSpec[])specs.Clone();
        var values = (double[])specs[input].AsDoubles().Clone();
        values[element] += delta;
        copy[input] = specs[input].WithValues(values);
        return copy;
    }

    /// <summary>sum(out * g), evaluated without recording a graph.</summary>
    private static double Objective(TensorSpec[] specs, double[]? g, Func<Tensor[], Tensor> f)
    {
        using (Torch.NoGrad())
        {
            var values = Golden.Values(f(Golden.Build(specs)));
            return g is null ? values.Single() : values.Zip(g, (v, w) => v * w).Sum();
        }
    }

    private static TensorSpec Uniform(int seed, int[] shape, double low, double high)
    {
        var random = new Random(seed);
        var values = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = low + (high - low) * random.NextDouble();
        return new TensorSpec(DType.Float64, shape, values, RequiresGrad: true);
    }
}
