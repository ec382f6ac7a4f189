using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// A two-layer classifier (MatMul + bias, softplus, MatMul + bias, cross-entropy) on fixed random data, trained by
/// plain SGD: the workload of the long-run and threading tests. All its randomness comes from its own generator.
/// </summary>
internal sealed class TinyClassifier
{
    private const int Samples = 16, Features = 8, Hidden = 16, Classes = 4;

    private readonly Tensor inputs, targets;
    private Tensor w1, b1, w2, b2;

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
            w1 = Updated(w1, learningRate);
            b1 = Updated(b1, learningRate);
            w2 = Updated(w2, learningRate);
            b2 = Updated(b2, learningRate);
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

    /// <summary>p - lr * grad as a fresh leaf, so the old parameter and its graph can be collected.</summary>
    private static Tensor Updated(Tensor parameter, double learningRate)
    {
        var next = parameter - parameter.Grad.ShouldNotBeNull() * learningRate;
        next.RequiresGrad = true;
        return next;
    }
}
