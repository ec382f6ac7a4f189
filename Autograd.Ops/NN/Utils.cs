using System.Numerics;

namespace Autograd.NN;

/// <summary>torch.nn.utils: gradient clipping.</summary>
public static class Utils
{
    /// <summary>
    /// torch.nn.utils.clip_grad_norm_: scales the gradients of <paramref name="parameters"/> in place so that their
    /// total norm (the norm of the vector of per-gradient norms) is at most <paramref name="maxNorm"/>, and returns
    /// that total norm before clipping (a 0-d tensor; <c>tensor(0.)</c> when no parameter has a gradient). As in
    /// PyTorch 1.13 the factor is <c>maxNorm / (total + 1e-6)</c> clamped to 1, so gradients within the limit are
    /// left as they are. <paramref name="normType"/> may be <see cref="double.PositiveInfinity"/> (the largest
    /// magnitude). The norms are summed in double precision, so the total may differ from PyTorch's float32
    /// reduction in the last bit.
    /// </summary>
    public static Tensor ClipGradNorm_(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return Torch.Scalar(0);
        var dtype = grads.Any(g => g.DType == DType.Float64) ? DType.Float64 : DType.Float32;
        var norms = grads.Select(g => Round(Norm(g.ToArray<double>(), normType), g.DType)).ToArray();
        double total = Round(double.IsPositiveInfinity(normType) ? norms.Max() : Norm(norms, normType), dtype);
        var totalNorm = Kernels.Full(dtype, [], total);
        using (Torch.NoGrad())
        {
            // max_norm / (total_norm + 1e-6) is Python's reflected division: reciprocal() * max_norm.
            var coefficient = (totalNorm + 1e-6).Reciprocal() * maxNorm;
            double value = coefficient.Item<double>();
            var clamped = value > 1.0 ? Kernels.Full(dtype, [], 1.0) : coefficient;
            foreach (var grad in grads) grad.Detach().Mul_(clamped);
        }
        return totalNorm;
    }

    /// <summary>torch.nn.utils.clip_grad_value_: clamps every gradient element into [-clipValue, clipValue] in place.</summary>
    public static void ClipGradValue_(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var grad in parameters.Select(p => p.Grad).OfType<Tensor>())
        {
            var clamped = Tensor.Empty(grad.DType, grad.Dims);
            DTypes.DispatchFloating(grad.DType, new ClampedCopy(grad, clamped, clipValue), "clamp_scalar_cpu");
            using (Torch.NoGrad()) grad.Detach().Copy_(clamped);
        }
    }

    private readonly struct ClampedCopy(Tensor grad, Tensor clamped, double clipValue) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T low = T.CreateTruncating(-clipValue), high = T.CreateTruncating(clipValue);
            ReadOnlySpan<T> x = grad.Span<T>();
            var y = clamped.Span<T>();
            for (int i = 0; i < y.Length; i++) y[i] = T.IsNaN(x[i]) ? x[i] : T.Min(T.Max(x[i], low), high);
        }
    }

    /// <summary>The p-norm of <paramref name="values"/> as torch.norm defines it (inf: largest magnitude, -inf: smallest, 0: nonzero count).</summary>
    private static double Norm(double[] values, double p)
    {
        if (values.Length == 0) return 0;
        if (double.IsPositiveInfinity(p)) return values.Max(Math.Abs);
        if (double.IsNegativeInfinity(p)) return values.Min(Math.Abs);
        if (p == 0) return values.Count(v => v != 0);
        if (p == 1) return values.Sum(Math.Abs);
        if (p == 2) return Math.Sqrt(values.Sum(v => v * v));
        return Math.Pow(values.Sum(v => Math.Pow(Math.Abs(v), p)), 1 / p);
    }

    private static double Round(double value, DType dtype) => dtype == DType.Float32 ? (float)value : value;
}
