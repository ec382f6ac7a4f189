namespace Autograd;

public static partial class Torch
{
    /// <summary><c>torch.randint(low, high, size)</c>: int64 samples uniform in [low, high).</summary>
    public static Tensor Randint(long low, long high, int[] shape, Generator? generator = null) =>
        RandomSampling.Randint(low, high, ValidShape(shape), generator ?? Generator.Default);

    /// <summary><c>torch.randint(high, size)</c>: int64 samples uniform in [0, high).</summary>
    public static Tensor Randint(long high, int[] shape, Generator? generator = null) => Randint(0, high, shape, generator);

    /// <summary><c>torch.randperm(n)</c>: a random permutation of 0 .. n - 1 (int64), PyTorch's CPU shuffle.</summary>
    public static Tensor Randperm(int n, Generator? generator = null) => RandomSampling.Randperm(n, generator ?? Generator.Default);

    /// <summary><c>torch.multinomial(input, num_samples, replacement)</c>; see <see cref="RandomSampling"/>'s Multinomial.</summary>
    public static Tensor Multinomial(Tensor input, int numSamples, bool replacement = false, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Multinomial(numSamples, replacement, generator);
    }

    /// <summary><c>torch.normal(mean, std, size)</c>: float32 samples of N(mean, std²).</summary>
    public static Tensor Normal(double mean, double std, int[] shape, Generator? generator = null)
    {
        RandomSampling.CheckStd(std);
        return RandomSampling.Normal(DType.Float32, ValidShape(shape), mean, std, generator ?? Generator.Default);
    }

    /// <summary>
    /// <c>torch.bernoulli(p)</c>: 1 with probability p per element, 0 otherwise, in p's dtype; recorded as
    /// BernoulliBackward0 (a zero gradient) when p requires grad, as in PyTorch.
    /// </summary>
    public static Tensor Bernoulli(Tensor p, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(p);
        return RandomSampling.Bernoulli(p, generator ?? Generator.Default);
    }

    /// <summary><c>torch.rand_like(t)</c>: uniform samples in [0, 1) of t's shape and dtype.</summary>
    public static Tensor RandLike(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (!t.DType.IsFloating()) throw new ArgumentException($"\"check_uniform_bounds\" not implemented for '{t.DType.ScalarName()}'");
        return Rand([.. t.Dims], t.DType);
    }

    /// <summary><c>torch.randn_like(t)</c>: standard normal samples of t's shape and dtype.</summary>
    public static Tensor RandnLike(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (!t.DType.IsFloating()) throw new ArgumentException($"\"normal_kernel_cpu\" not implemented for '{t.DType.ScalarName()}'");
        return Randn([.. t.Dims], t.DType);
    }
}
