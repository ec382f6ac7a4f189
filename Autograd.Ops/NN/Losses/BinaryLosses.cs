using System.Numerics;
using static Autograd.Comparisons;

namespace Autograd.NN;

/// <summary>Transcendental functions of one element: computed in double and rounded once.</summary>
internal static class Elementwise
{
    public static T Log<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(Math.Log(double.CreateTruncating(x)));

    public static T Log1p<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(Log1p(double.CreateTruncating(x)));

    /// <summary>log(1 + x), accurate for small x (.NET's LogP1 is log(x + 1), which loses them).</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        // u - 1 is exact, so log(u) x / (u - 1) corrects the rounding of 1 + x.
        return u == 1 ? x : double.IsInfinity(u) ? Math.Log(u) : Math.Log(u) * x / (u - 1);
    }

    public static T Exp<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(Math.Exp(double.CreateTruncating(x)));

    public static T Sigmoid<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(1 / (1 + Math.Exp(-double.CreateTruncating(x))));

    /// <summary>log(sigmoid(x)) = -softplus(-x), stable for large |x|.</summary>
    public static T LogSigmoid<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = double.CreateTruncating(x);
        return T.CreateTruncating(Math.Min(v, 0) - Log1p(Math.Exp(-Math.Abs(v))));
    }
}

/// <summary>
/// Binary cross-entropy of probabilities: w ((y - 1) max(log(1 - x), -100) - y max(log x, -100)), as PyTorch's CPU kernel
/// (which clamps the logs at -100). The input's gradient is g (x - y) / max((1 - x) x, 1e-12), times w, divided by n under Mean.
/// </summary>
internal readonly struct BinaryCrossEntropyKernel : IPointwiseLoss
{
    /// <summary>PyTorch's EPSILON is a float, so a float64 loss clamps at (double)1e-12f.</summary>
    private const double Epsilon = (double)1e-12f;

    public T Loss<T>(T x, T y, T w, T pw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T floor = T.CreateTruncating(-100);
        T loss = (y - T.One) * T.Max(Elementwise.Log(T.One - x), floor) - y * T.Max(Elementwise.Log(x), floor);
        return loss * w;
    }

    public T InputGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T grad = g * (x - y) / T.Max((T.One - x) * x, T.CreateTruncating(Epsilon)) * w;
        return count > 0 ? grad / T.CreateTruncating(count) : grad;
    }

    public T TargetGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T grad = (Elementwise.Log(T.One - x) - Elementwise.Log(x)) * g * w;
        return count > 0 ? grad / T.CreateTruncating(count) : grad;
    }

    public (Tensor Input, Tensor Target) Composed(Tensor x, Tensor y, Tensor? w, Tensor? pw, Tensor gs)
    {
        var denominator = (1.0 - x) * x;
        denominator = Where(denominator.Lt(Epsilon), NN.Composed.Constant(x, Epsilon), denominator);
        var dx = NN.Composed.Times(gs * (x - y) / denominator, w);
        var dy = NN.Composed.Times(((1.0 - x).Log() - x.Log()) * gs, w);
        return (dx, dy);
    }
}

/// <summary>
/// Binary cross-entropy of logits in PyTorch's stable form: with m = max(-x, 0),
/// (1 - y) x + m + log(exp(-m) + exp(-x - m)), or with a positive-class weight pw,
/// (1 - y) x + (1 + (pw - 1) y)(log(exp(-m) + exp(-x - m)) + m); each then times w.
/// </summary>
internal readonly struct BinaryCrossEntropyWithLogitsKernel(bool hasPosWeight) : IPointwiseLoss
{
    public T Loss<T>(T x, T y, T w, T pw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T maxValue = T.Max(-x, T.Zero);
        T logSum = Elementwise.Log(Elementwise.Exp(-maxValue) + Elementwise.Exp(-x - maxValue));
        T loss = hasPosWeight
            ? (T.One - y) * x + ((pw - T.One) * y + T.One) * (logSum + maxValue)
            : (T.One - y) * x + maxValue + logSum;
        return loss * w;
    }

    public T InputGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T grad;
        if (hasPosWeight)
        {
            T t = pw * y;
            grad = ((t + T.One - y) * Elementwise.Sigmoid(x) - t) * g;
        }
        else grad = (Elementwise.Sigmoid(x) - y) * g;
        grad *= w;
        return count > 0 ? grad / T.CreateTruncating(count) : grad;
    }

    public T TargetGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T grad = hasPosWeight
            ? (Elementwise.LogSigmoid(-x) - Elementwise.LogSigmoid(x) * pw) * g
            : -x * g;
        grad *= w;
        return count > 0 ? grad / T.CreateTruncating(count) : grad;
    }

    public (Tensor Input, Tensor Target) Composed(Tensor x, Tensor y, Tensor? w, Tensor? pw, Tensor gs)
    {
        var s = x.Sigmoid();
        if (pw is null) return (NN.Composed.Times((s - y) * gs, w), NN.Composed.Times(-x * gs, w));
        var t = pw * y;
        var dx = ((t + 1.0 - y) * s - t) * gs;
        // log σ(-x) - pw log σ(x) = pw softplus(-x) - softplus(x), stable at large |x|.
        var dy = (Functional.Softplus(-x) * pw - Functional.Softplus(x)) * gs;
        return (NN.Composed.Times(dx, w), NN.Composed.Times(dy, w));
    }
}

/// <summary>
/// KL divergence of log-probabilities x from y: xlogy(y, y) - y x, or with a log target exp(y) (y - x). PyTorch 1.13
/// composes it from those ops, so the input's gradient is -(g y), or -(g exp(y)), with g divided by n first under Mean.
/// </summary>
internal readonly struct KlDivKernel(bool logTarget) : IPointwiseLoss
{
    public T Loss<T>(T x, T y, T w, T pw) where T : unmanaged, IFloatingPointIeee754<T> =>
        logTarget ? Elementwise.Exp(y) * (y - x) : XLogY(y) - y * x;

    /// <summary>y log y, 0 at y = 0 (NaN stays NaN).</summary>
    private static T XLogY<T>(T y) where T : unmanaged, IFloatingPointIeee754<T> => y == T.Zero ? T.Zero : y * Elementwise.Log(y);

    public T InputGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T gs = L1Kernel.Scaled(g, count);
        return logTarget ? -(gs * Elementwise.Exp(y)) : -gs * y;
    }

    public T TargetGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T gs = L1Kernel.Scaled(g, count);
        if (logTarget)
        {
            T e = Elementwise.Exp(y);
            return gs * (y - x) * e + gs * e;
        }
        // xlogy's two gradients (the first masked where y = 0), then the product's.
        T logPart = y == T.Zero ? T.Zero : gs * Elementwise.Log(y);
        return logPart + gs * y / y + -gs * x;
    }

    public (Tensor Input, Tensor Target) Composed(Tensor x, Tensor y, Tensor? w, Tensor? pw, Tensor gs)
    {
        if (logTarget)
        {
            var e = y.Exp();
            return (-(gs * e), gs * e * (y - x + 1.0));
        }
        return (-gs * y, gs * (y.Log() + 1.0 - x));
    }
}
