namespace Autograd.NN;

/// <summary>torch.nn.init: in-place initializers drawing from the default generator, without recording a graph.</summary>
public static class Init
{
    /// <summary>Uniform samples in [a, b).</summary>
    public static Tensor Uniform_(Tensor tensor, double a = 0, double b = 1)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (GradMode.Disable()) return tensor.Uniform_(a, b);
    }

    /// <summary>
    /// He initialization for a leaky ReLU of negative slope <paramref name="a"/> (fan_in mode): uniform in
    /// [-bound, bound] with bound = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)), in PyTorch's order of operations.
    /// </summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Count == 0) return tensor;   // PyTorch only warns: initializing a zero-element tensor does nothing.
        double gain = Math.Sqrt(2.0 / (1 + a * a));
        double std = gain / Math.Sqrt(FanIn(tensor));
        double bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound);
    }

    /// <summary>Inputs per output: dim 1 times the product of the dims after it.</summary>
    internal static int FanIn(Tensor tensor)
    {
        if (tensor.Rank < 2) throw new ArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
        return tensor.Count / tensor.Dims[0];
    }
}
