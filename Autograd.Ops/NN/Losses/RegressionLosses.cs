using System.Numerics;
using static Autograd.Comparisons;

namespace Autograd.NN;

/// <summary>Helpers the composed (double-backward) gradients share.</summary>
internal static class Composed
{
    /// <summary>-1, 0 or 1 per element (0 for NaN), in the tensor's dtype: a constant, as sign has no gradient.</summary>
    public static Tensor Sign(Tensor t) => Kernels.SignOf(t);

    /// <summary>A 0-d constant of the tensor's dtype.</summary>
    public static Tensor Constant(Tensor like, double value) => Kernels.Full(like.DType, [], value);

    public static Tensor Times(Tensor t, Tensor? factor) => factor is null ? t : t * factor;
}

/// <summary>(x - y)^2; PyTorch's mse kernels. Mean's backward scales by 2 / n before the difference.</summary>
internal readonly struct MseKernel : IPointwiseLoss
{
    public T Loss<T>(T x, T y, T w, T pw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T d = x - y;
        return d * d;
    }

    public T InputGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T> =>
        Alpha<T>(count) * (x - y) * g;

    public T TargetGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T> =>
        Alpha<T>(count) * (y - x) * g;

    private static T Alpha<T>(int count) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(count > 0 ? 2.0 / count : 2.0);

    public (Tensor Input, Tensor Target) Composed(Tensor x, Tensor y, Tensor? w, Tensor? pw, Tensor gs)
    {
        var dx = (x - y) * gs * 2.0;
        return (dx, -dx);
    }
}

/// <summary>|x - y|: PyTorch 1.13 composes it as abs(input - target) and reduces with mean or sum, so its gradients are those nodes'.</summary>
internal readonly struct L1Kernel : IPointwiseLoss
{
    public T Loss<T>(T x, T y, T w, T pw) where T : unmanaged, IFloatingPointIeee754<T> => T.Abs(x - y);

    public T InputGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T> =>
        Scaled(g, count) * Sign(x - y);

    public T TargetGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T> =>
        -(Scaled(g, count) * Sign(x - y));

    /// <summary>MeanBackward0's g / n.</summary>
    internal static T Scaled<T>(T g, int count) where T : unmanaged, IFloatingPointIeee754<T> =>
        count > 0 ? g / T.CreateTruncating(count) : g;

    private static T Sign<T>(T d) where T : unmanaged, IFloatingPointIeee754<T> =>
        d > T.Zero ? T.One : d < T.Zero ? -T.One : T.Zero;

    public (Tensor Input, Tensor Target) Composed(Tensor x, Tensor y, Tensor? w, Tensor? pw, Tensor gs)
    {
        var dx = gs * NN.Composed.Sign(x - y);
        return (dx, -dx);
    }
}

/// <summary>
/// Smooth L1 with threshold beta: 0.5 z^2 / beta below it, z - 0.5 beta above (z = |x - y|). Its backward is PyTorch's:
/// ±norm x g outside (-beta, beta), norm x d x g / beta inside, with norm = 1 / n under Mean.
/// </summary>
internal readonly struct SmoothL1Kernel(double beta) : IPointwiseLoss
{
    public T Loss<T>(T x, T y, T w, T pw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T z = T.Abs(x - y), b = T.CreateTruncating(beta), half = T.CreateTruncating(0.5);
        return z < b ? half * z * z / b : z - half * b;
    }

    public T InputGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T> => Grad(x - y, g, count);

    public T TargetGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T> => Grad(y - x, g, count);

    private T Grad<T>(T d, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T norm = T.CreateTruncating(count > 0 ? 1.0 / count : 1.0), b = T.CreateTruncating(beta);
        return d <= -b ? -norm * g : d >= b ? norm * g : norm * d * g / b;
    }

    public (Tensor Input, Tensor Target) Composed(Tensor x, Tensor y, Tensor? w, Tensor? pw, Tensor gs) => (Grad(x - y, gs), Grad(y - x, gs));

    private Tensor Grad(Tensor d, Tensor gs) => beta == 0
        ? Where(d.Le(0), -gs, gs)
        : Where(d.Le(-beta), -gs, Where(d.Ge(beta), gs, d * gs / beta));
}

/// <summary>Huber with threshold delta: 0.5 z^2 below it, delta (z - 0.5 delta) above; PyTorch's kernels.</summary>
internal readonly struct HuberKernel(double delta) : IPointwiseLoss
{
    public T Loss<T>(T x, T y, T w, T pw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T z = T.Abs(x - y), d = T.CreateTruncating(delta), half = T.CreateTruncating(0.5);
        return z < d ? half * z * z : d * (z - half * d);
    }

    public T InputGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T> => Grad(x - y, g, count);

    public T TargetGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T> => Grad(y - x, g, count);

    private T Grad<T>(T x, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T norm = T.CreateTruncating(count > 0 ? 1.0 / count : 1.0), d = T.CreateTruncating(delta);
        return x <= -d ? -norm * g * d : x >= d ? norm * g * d : norm * x * g;
    }

    public (Tensor Input, Tensor Target) Composed(Tensor x, Tensor y, Tensor? w, Tensor? pw, Tensor gs) => (Grad(x - y, gs), Grad(y - x, gs));

    private Tensor Grad(Tensor d, Tensor gs) => Where(d.Le(-delta), -gs * delta, Where(d.Ge(delta), gs * delta, d * gs));
}
