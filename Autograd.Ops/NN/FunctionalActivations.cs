namespace Autograd.NN;

/// <summary>The activations of torch.nn.functional.</summary>
public static partial class Functional
{
    /// <summary>F.relu.</summary>
    public static Tensor Relu(Tensor input) => Argument.NotNull(input).Relu();

    /// <summary>F.tanh (torch.tanh).</summary>
    public static Tensor Tanh(Tensor input) => Argument.NotNull(input).Tanh();

    /// <summary>F.sigmoid (torch.sigmoid).</summary>
    public static Tensor Sigmoid(Tensor input) => Argument.NotNull(input).Sigmoid();

    /// <summary>F.softmax along <paramref name="dim"/>.</summary>
    public static Tensor Softmax(Tensor input, int dim) => Argument.NotNull(input).Softmax(dim);

    /// <summary>F.log_softmax along <paramref name="dim"/>.</summary>
    public static Tensor LogSoftmax(Tensor input, int dim) => Argument.NotNull(input).LogSoftmax(dim);

    /// <summary>
    /// F.gelu: x Φ(x), exactly through erf with <paramref name="approximate"/> "none" (the default), or PyTorch's tanh
    /// approximation with "tanh".
    /// </summary>
    public static Tensor Gelu(Tensor input, string approximate = "none")
    {
        ArgumentNullException.ThrowIfNull(approximate);
        if (approximate is not ("none" or "tanh")) throw new ArgumentException("approximate argument must be either none or tanh.");
        return ActivationKernels.Apply(new GeluKernel(approximate == "tanh"), input, "GeluBackward0", "GeluKernelImpl");
    }

    /// <summary>F.silu: x σ(x).</summary>
    public static Tensor Silu(Tensor input) => ActivationKernels.Apply(new SiluKernel(), input, "SiluBackward0", "silu_cpu");

    /// <summary>F.leaky_relu: x for x &gt; 0, else <paramref name="negativeSlope"/> x.</summary>
    public static Tensor LeakyRelu(Tensor input, double negativeSlope = 0.01) =>
        ActivationKernels.Apply(new LeakyReluKernel(negativeSlope), input, "LeakyReluBackward0", "leaky_relu_cpu");

    /// <summary>F.elu: x for x &gt; 0, else <paramref name="alpha"/> (exp(x) - 1).</summary>
    public static Tensor Elu(Tensor input, double alpha = 1.0) =>
        ActivationKernels.Apply(new EluKernel(alpha), input, "EluBackward0", "elu_cpu");

    /// <summary>F.softplus: log(1 + exp(beta x)) / beta, linear where beta x &gt; <paramref name="threshold"/>.</summary>
    public static Tensor Softplus(Tensor input, double beta = 1, double threshold = 20) =>
        ActivationKernels.Apply(new SoftplusKernel(beta, threshold), input, "SoftplusBackward0", "softplus_cpu");
}
