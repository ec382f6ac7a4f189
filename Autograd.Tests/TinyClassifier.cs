using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// A two-layer classifier (MatMul + bias, softplus, MatMul + bias, cross-entropy) on fixed random data, trained by
/// plain SGD (in-place updates under NoGrad): the workload of the long-run and threading tests. All its randomness
/// comes from its own generator.
/// </summary>
internal sealed class TinyClassifier
{
    private const int Samples = 16, Features = 8, Hidden = 16, Classes = 4;

    private readonly Tensor inputs, targets, w1, b1, w2, b2;

    public TinyClassifier(long seed)
    {
        var generator = new Generator(seed);
        inputs = Torch.Randn([Samples, Features], generator: generator);
        targets = Torch.Tensor(Array.ConvertAll(Torch.Rand([Samples], generator: generator).ToArray<float>(), u => (long)(u * Classes)));
        w1 = Parameter([Features, Hidden], generator);
        b1 = Parameter([Hidden], generator);
        w2 = Parameter([Hidden, Classes], generator);
        b2 = Parameter([Classes], generator);
    }

    /// <summary>One forward, backward and SGD update; returns the loss before the update.</summary>
    public float Step(double learningRate = 0.1)
    {
        var hidden = Softplus(inputs.MatMul(w1) + b1);
        var loss = Functional.CrossEntropy(hidden.MatMul(w2) + b2, targets);
        loss.Backward();
        using (Torch.NoGrad())
        {
            foreach (var parameter in new[] { w1, b1, w2, b2 })
            {
                parameter.Sub_(parameter.Grad.ShouldNotBeNull(), alpha: learningRate);
                parameter.Grad = null;
            }
        }
        return loss.Item<float>();
    }

    /// <summary>Every parameter value, flattened, for bit-exact comparisons.</summary>
    public float[] Parameters() => [.. w1.ToArray<float>(), .. b1.ToArray<float>(), .. w2.ToArray<float>(), .. b2.ToArray<float>()];

    private static Tensor Softplus(Tensor x) => (x.Exp() + 1.0).Log();

    private static Tensor Parameter(int[] shape, Generator generator)
    {
        Tensor value;
        using (Torch.NoGrad()) value = Torch.Randn(shape, generator: generator) * 0.3;
        value.RequiresGrad = true;
        return value;
    }
}
