using System.Numerics;
using System.Runtime.InteropServices;
using MathNet.Numerics;
using static Autograd.Comparisons;

namespace Autograd.NN;

/// <summary>
/// One elementwise activation: its value and its gradient in the order of float operations of PyTorch's CPU kernel
/// (transcendental functions in double, rounded once), and the gradient composed of differentiable ops for double backward.
/// </summary>
internal interface IActivation
{
    T Forward<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;

    T Backward<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T>;

    Tensor Composed(Tensor x, Tensor g);

    /// <summary>
    /// Computes all float32 elements in vectors, in the operations PyTorch's vector kernel uses (oneDNN's, for GELU),
    /// where it does; false leaves them to <see cref="Forward{T}"/>.
    /// </summary>
    bool TryForwardVectors(ReadOnlySpan<float> x, Span<float> y) => false;

    /// <summary>As <see cref="TryForwardVectors"/>, for the gradient.</summary>
    bool TryBackwardVectors(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> grad) => false;
}

/// <summary>Runs an <see cref="IActivation"/>: one pass forward, and one node whose closure is the direct kernel or the composed form.</summary>
internal static class ActivationKernels
{
    public static Tensor Apply<TActivation>(TActivation activation, Tensor input, string gradFn, string kernel) where TActivation : IActivation
    {
        ArgumentNullException.ThrowIfNull(input);
        var result = Tensor.Uninitialized(input.DType, input.Dims);
        DTypes.DispatchFloating(input.DType, new Forward<TActivation>(activation, input, result), kernel);
        if (Graph.NeedsGrad(input))
            Graph.Record(result, gradFn, [input], g => [GradMode.IsEnabled ? activation.Composed(input, g) : Backward(activation, input, g)], saved: [input]);
        return result;
    }

    private readonly struct Forward<TActivation>(TActivation activation, Tensor input, Tensor result) : IFloatingAction where TActivation : IActivation
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> x = input.Span<T>();
            var y = result.Span<T>();
            if (typeof(T) == typeof(float) && activation.TryForwardVectors(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y))) return;
            for (int i = 0; i < x.Length; i++) y[i] = activation.Forward(x[i]);
        }
    }

    private static Tensor Backward<TActivation>(TActivation activation, Tensor input, Tensor g) where TActivation : IActivation
    {
        var grad = Tensor.Uninitialized(input.DType, input.Dims);
        DTypes.DispatchFloating(input.DType, new Gradient<TActivation>(activation, input, g, grad), "activation_backward");
        return grad;
    }

    private readonly struct Gradient<TActivation>(TActivation activation, Tensor input, Tensor g, Tensor grad) : IFloatingAction where TActivation : IActivation
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> x = input.Span<T>(), upstream = Broadcasting.Read<T>(g, input.Dims);
            var dx = grad.Span<T>();
            if (typeof(T) == typeof(float)
                && activation.TryBackwardVectors(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(upstream), MemoryMarshal.Cast<T, float>(dx)))
                return;
            for (int i = 0; i < x.Length; i++) dx[i] = activation.Backward(x[i], upstream[i]);
        }
    }

    public static T Exp<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Elementwise.Exp(x);

    public static T Erf<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x)));

    public static T Tanh<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(Math.Tanh(double.CreateTruncating(x)));

    public static T C<T>(double value) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(value);

    /// <summary>
    /// Φ(x) = 0.5 (1 + erf(x / √2)), differentiable to any order: its gradient exp(-x^2 / 2) / √(2π) is built from ops.
    /// For exact GELU's composed gradient.
    /// </summary>
    public static Tensor NormalCdf(Tensor x) => Apply(new NormalCdfKernel(), x, "ErfBackward0", "erf_vml_cpu");

    private readonly struct NormalCdfKernel : IActivation
    {
        public T Forward<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
            T.CreateTruncating(0.5 * (1 + SpecialFunctions.Erf(double.CreateTruncating(x) * Math.Sqrt(0.5))));

        public T Backward<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T>
        {
            double v = double.CreateTruncating(x);
            return g * T.CreateTruncating(Math.Exp(-0.5 * v * v) / Math.Sqrt(2 * Math.PI));
        }

        public Tensor Composed(Tensor x, Tensor g) => g * ((x * x * -0.5).Exp() * (1 / Math.Sqrt(2 * Math.PI)));
    }
}

/// <summary>Exact GELU, x Φ(x) = x 0.5 (1 + erf(x / √2)), and its tanh approximation; PyTorch's scalar kernels.</summary>
internal readonly struct GeluKernel(bool tanh) : IActivation
{
    private const double Sqrt1Over2 = 0.70710678118654752440;     // M_SQRT1_2
    private const double TwoOverSqrtPi = 1.12837916709551257390;  // M_2_SQRTPI
    private const double Sqrt2 = 1.41421356237309504880;          // M_SQRT2
    private const double Kappa = 0.044715;

    public T Forward<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = ActivationKernels.C<T>(0.5);
        if (!tanh) return x * half * (T.One + ActivationKernels.Erf(x * ActivationKernels.C<T>(Sqrt1Over2)));
        T beta = ActivationKernels.C<T>(Sqrt2 * TwoOverSqrtPi * 0.5), kappa = ActivationKernels.C<T>(Kappa);
        T cube = x * x * x;
        T inner = beta * (x + kappa * cube);
        return half * x * (T.One + ActivationKernels.Tanh(inner));
    }

    public T Backward<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = ActivationKernels.C<T>(0.5);
        if (!tanh)
        {
            T beta = ActivationKernels.C<T>(TwoOverSqrtPi * Sqrt1Over2 * 0.5);
            T cdf = half * (T.One + ActivationKernels.Erf(x * ActivationKernels.C<T>(Sqrt1Over2)));
            T pdf = beta * ActivationKernels.Exp(x * x * ActivationKernels.C<T>(-0.5));
            return g * (cdf + x * pdf);
        }
        T b = ActivationKernels.C<T>(Sqrt2 * TwoOverSqrtPi * 0.5), kappa = ActivationKernels.C<T>(Kappa);
        T square = x * x, cube = square * x;
        T tanhInner = ActivationKernels.Tanh(b * (x + kappa * cube));
        T left = half * x, right = T.One + tanhInner;
        T leftDerivative = half * right;
        T tanhDerivative = T.One - tanhInner * tanhInner;
        T innerDerivative = b * (T.One + ActivationKernels.C<T>(3) * kappa * square);
        T rightDerivative = left * tanhDerivative * innerDerivative;
        return g * (leftDerivative + rightDerivative);
    }

    // PyTorch runs oneDNN's gelu_erf for exact GELU of more than one element; one element takes its scalar kernel.
    private bool UsesOneDnn(int count) => !tanh && count > 1 && OneDnnGelu.IsSupported;

    public bool TryForwardVectors(ReadOnlySpan<float> x, Span<float> y)
    {
        if (!UsesOneDnn(x.Length)) return false;
        OneDnnGelu.Forward(x, y);
        return true;
    }

    public bool TryBackwardVectors(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> grad)
    {
        if (!UsesOneDnn(x.Length)) return false;
        OneDnnGelu.Backward(x, g, grad);
        return true;
    }

    public Tensor Composed(Tensor x, Tensor g)
    {
        if (!tanh) return g * (ActivationKernels.NormalCdf(x) + x * ((x * x * -0.5).Exp() * (TwoOverSqrtPi * Sqrt1Over2 * 0.5)));
        double beta = Sqrt2 * TwoOverSqrtPi * 0.5;
        var tanhInner = ((x + x * x * x * Kappa) * beta).Tanh();
        var rightDerivative = x * 0.5 * (1.0 - tanhInner * tanhInner) * ((x * x * (3 * Kappa) + 1.0) * beta);
        return g * ((tanhInner + 1.0) * 0.5 + rightDerivative);
    }
}

/// <summary>SiLU (swish), x σ(x) = x / (1 + exp(-x)); PyTorch's kernels.</summary>
internal readonly struct SiluKernel : IActivation
{
    public T Forward<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x / (T.One + ActivationKernels.Exp(-x));

    public T Backward<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sigmoid = T.One / (T.One + ActivationKernels.Exp(-x));
        return g * sigmoid * (T.One + x * (T.One - sigmoid));
    }

    public Tensor Composed(Tensor x, Tensor g)
    {
        var sigmoid = x.Sigmoid();
        return g * sigmoid * (x * (1.0 - sigmoid) + 1.0);
    }
}

/// <summary>Leaky ReLU: x where x &gt; 0, else x times the negative slope.</summary>
internal readonly struct LeakyReluKernel(double negativeSlope) : IActivation
{
    public T Forward<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? x : x * ActivationKernels.C<T>(negativeSlope);

    public T Backward<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? g : g * ActivationKernels.C<T>(negativeSlope);

    public Tensor Composed(Tensor x, Tensor g) => Where(x.Gt(0), g, g * negativeSlope);
}

/// <summary>ELU: x where x &gt; 0, else alpha (exp(x) - 1); PyTorch's kernels (scale and input scale 1).</summary>
internal readonly struct EluKernel(double alpha) : IActivation
{
    public T Forward<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x <= T.Zero ? (ActivationKernels.Exp(x) - T.One) * ActivationKernels.C<T>(alpha) : x;

    public T Backward<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T> =>
        x <= T.Zero ? g * ActivationKernels.C<T>(alpha) * ActivationKernels.Exp(x) : g;

    public Tensor Composed(Tensor x, Tensor g) => Where(x.Le(0), g * alpha * x.Exp(), g);
}

/// <summary>Softplus: log(1 + exp(beta x)) / beta, or x itself where beta x exceeds the threshold; PyTorch's kernels.</summary>
internal readonly struct SoftplusKernel(double beta, double threshold) : IActivation
{
    public T Forward<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T b = ActivationKernels.C<T>(beta), scaled = x * b;
        return scaled > ActivationKernels.C<T>(threshold) ? x : Elementwise.Log1p(ActivationKernels.Exp(scaled)) / b;
    }

    public T Backward<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scaled = x * ActivationKernels.C<T>(beta);
        T z = ActivationKernels.Exp(scaled);
        return scaled > ActivationKernels.C<T>(threshold) ? g : g * z / (z + T.One);
    }

    public Tensor Composed(Tensor x, Tensor g)
    {
        var scaled = x * beta;
        return Where(scaled.Gt(threshold), g, g * scaled.Sigmoid());
    }
}
