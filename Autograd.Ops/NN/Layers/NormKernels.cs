using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Forward kernels of the normalizations. Statistics accumulate in double (as PyTorch's CPU batch norm does) and each
/// output is x · scale + shift in the tensor's dtype, with scale and shift rounded once.
/// </summary>
internal static class NormKernels
{
    /// <summary>
    /// Each of <paramref name="rows"/> rows of length <paramref name="size"/> normalized to zero mean and unit biased
    /// variance, then times gamma plus beta (per position in the row) when given.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, int rows, int size, Tensor? gamma, Tensor? beta, double eps)
    {
        var result = Tensor.Uninitialized(x.DType, x.Dims);
        DTypes.DispatchFloating(x.DType, new LayerNormalization(x, result, rows, size, gamma, beta, eps), "LayerNormKernelImpl");
        return result;
    }

    private readonly struct LayerNormalization(Tensor x, Tensor result, int rows, int size, Tensor? gamma, Tensor? beta, double eps) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Parallelism.ForRanges(rows, 4L * size, new LayerNormRows<T>(x.Data<T>(), result.Data<T>(), size, gamma?.Data<T>(), beta?.Data<T>(), eps));
    }

    private readonly struct LayerNormRows<T>(T[] x, T[] y, int size, T[]? gamma, T[]? beta, double eps) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            for (int row = start; row < end; row++)
            {
                var input = x.AsSpan(row * size, size);
                var output = y.AsSpan(row * size, size);
                var (mean, variance) = Moments(input);
                double rstd = 1 / Math.Sqrt(variance + eps);
                T scale = T.CreateTruncating(rstd), shift = T.CreateTruncating(-rstd * mean);
                for (int i = 0; i < size; i++)
                {
                    T value = input[i] * scale + shift;
                    if (gamma is not null) value *= gamma[i];
                    if (beta is not null) value += beta[i];
                    output[i] = value;
                }
            }
        }
    }

    /// <summary>Mean and biased variance, in double.</summary>
    private static (double Mean, double Variance) Moments<T>(ReadOnlySpan<T> values) where T : unmanaged, INumber<T>
    {
        double sum = 0;
        foreach (var v in values) sum += double.CreateTruncating(v);
        double mean = sum / values.Length, squares = 0;
        foreach (var v in values)
        {
            double d = double.CreateTruncating(v) - mean;
            squares += d * d;
        }
        return (mean, squares / values.Length);
    }

    /// <summary>Per channel of x viewed as (N, C, L): the mean and the sum of squared deviations over N and L, in double.</summary>
    public static (double[] Mean, double[] SquaredDeviations) ChannelMoments(Tensor x, int n, int channels, int l) =>
        DTypes.DispatchFloating<ChannelMomentsOf, (double[], double[])>(x.DType, new ChannelMomentsOf(x, n, channels, l), "batch_norm");

    private readonly struct ChannelMomentsOf(Tensor x, int n, int channels, int l) : IFloatingFunc<(double[], double[])>
    {
        public (double[], double[]) Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => ChannelMoments(x.Data<T>(), n, channels, l);
    }

    private static (double[] Mean, double[] SquaredDeviations) ChannelMoments<T>(T[] x, int n, int channels, int l) where T : unmanaged, INumber<T>
    {
        double[] mean = new double[channels], squares = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++)
            {
                foreach (var v in x.AsSpan((b * channels + c) * l, l)) sum += double.CreateTruncating(v);
            }
            double m = sum / ((double)n * l), s = 0;
            for (int b = 0; b < n; b++)
            {
                foreach (var v in x.AsSpan((b * channels + c) * l, l))
                {
                    double d = double.CreateTruncating(v) - m;
                    s += d * d;
                }
            }
            mean[c] = m;
            squares[c] = s;
        }
        return (mean, squares);
    }

    /// <summary>y = x · alpha[c] + beta[c] over x viewed as (N, C, L), alpha and beta rounded to the dtype.</summary>
    public static Tensor ChannelAffine(Tensor x, int n, int channels, int l, double[] alpha, double[] beta)
    {
        var result = Tensor.Uninitialized(x.DType, x.Dims);
        DTypes.DispatchFloating(x.DType, new ChannelAffinity(x, result, n, channels, l, alpha, beta), "batch_norm");
        return result;
    }

    private readonly struct ChannelAffinity(Tensor x, Tensor result, int n, int channels, int l, double[] alpha, double[] beta) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Parallelism.ForRanges(n * channels, l, new Affine<T>(x.Data<T>(), result.Data<T>(), channels, l, alpha, beta));
    }

    private readonly struct Affine<T>(T[] x, T[] y, int channels, int l, double[] alpha, double[] beta) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            for (int block = start; block < end; block++)
            {
                int c = block % channels;
                T a = T.CreateTruncating(alpha[c]), b = T.CreateTruncating(beta[c]);
                var input = x.AsSpan(block * l, l);
                var output = y.AsSpan(block * l, l);
                for (int i = 0; i < l; i++) output[i] = input[i] * a + b;
            }
        }
    }
}

/// <summary>
/// First-order backward kernels of the normalizations, one pass per row or channel with statistics in double; the
/// backward closures use them when no graph of the gradient is recorded (the differentiable composite otherwise).
/// </summary>
internal static class NormBackwardKernels
{
    /// <summary>Layer norm's (dx, dgamma, dbeta) over rows of <paramref name="size"/>; dgamma and dbeta only when gamma is given / asked.</summary>
    public static (Tensor? Dx, Tensor? DGamma, Tensor? DBeta) LayerNorm(Tensor x, Tensor dy, int rows, int size, Tensor? gamma, double eps,
        bool needDx, bool needDGamma, bool needDBeta) =>
        DTypes.DispatchFloating<LayerNormGradients, (Tensor?, Tensor?, Tensor?)>(x.DType,
            new LayerNormGradients(x, dy, rows, size, gamma, eps, needDx, needDGamma, needDBeta), "LayerNormBackwardKernelImpl");

    private readonly struct LayerNormGradients(Tensor x, Tensor dy, int rows, int size, Tensor? gamma, double eps,
        bool needDx, bool needDGamma, bool needDBeta) : IFloatingFunc<(Tensor?, Tensor?, Tensor?)>
    {
        public (Tensor?, Tensor?, Tensor?) Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            LayerNorm<T>(x, dy, rows, size, gamma, eps, needDx, needDGamma, needDBeta);
    }

    private static (Tensor?, Tensor?, Tensor?) LayerNorm<T>(Tensor x, Tensor dy, int rows, int size, Tensor? gamma, double eps,
        bool needDx, bool needDGamma, bool needDBeta) where T : unmanaged, INumber<T>
    {
        T[] xs = x.Data<T>(), g = dy.Data<T>();
        T[]? w = gamma?.Data<T>();
        var dx = needDx ? Tensor.Uninitialized(x.DType, x.Dims) : null;
        double[] dGamma = new double[needDGamma ? size : 0], dBeta = new double[needDBeta ? size : 0];
        var xhat = new double[size];
        for (int row = 0; row < rows; row++)
        {
            var input = xs.AsSpan(row * size, size);
            var grad = g.AsSpan(row * size, size);
            double sum = 0;
            foreach (var v in input) sum += double.CreateTruncating(v);
            double mean = sum / size, squares = 0;
            foreach (var v in input) { double d = double.CreateTruncating(v) - mean; squares += d * d; }
            double rstd = 1 / Math.Sqrt(squares / size + eps), meanDxhat = 0, meanDxhatXhat = 0;
            for (int i = 0; i < size; i++)
            {
                xhat[i] = (double.CreateTruncating(input[i]) - mean) * rstd;
                double gi = double.CreateTruncating(grad[i]);
                double dxhat = w is null ? gi : gi * double.CreateTruncating(w[i]);
                meanDxhat += dxhat;
                meanDxhatXhat += dxhat * xhat[i];
                if (needDGamma) dGamma[i] += gi * xhat[i];
                if (needDBeta) dBeta[i] += gi;
            }
            if (dx is null) continue;
            meanDxhat /= size;
            meanDxhatXhat /= size;
            var output = dx.Data<T>().AsSpan(row * size, size);
            for (int i = 0; i < size; i++)
            {
                double gi = double.CreateTruncating(grad[i]);
                double dxhat = w is null ? gi : gi * double.CreateTruncating(w[i]);
                output[i] = T.CreateTruncating(rstd * (dxhat - meanDxhat - xhat[i] * meanDxhatXhat));
            }
        }
        return (dx, needDGamma ? Vector<T>(dGamma, gamma!.Dims) : null, needDBeta ? Vector<T>(dBeta, gamma?.Dims ?? [size]) : null);
    }

    /// <summary>
    /// Batch norm's (dx, dweight, dbias) over x viewed as (N, C, L): with the batch's statistics (training), or with
    /// the given <paramref name="invstd"/> as constants (evaluation).
    /// </summary>
    public static (Tensor? Dx, Tensor? DWeight, Tensor? DBias) BatchNorm(Tensor x, Tensor dy, int n, int channels, int l, double[] mean, double[] invstd,
        Tensor? weight, bool training, bool needDx, bool needDWeight, bool needDBias) =>
        DTypes.DispatchFloating<BatchNormGradients, (Tensor?, Tensor?, Tensor?)>(x.DType,
            new BatchNormGradients(x, dy, n, channels, l, mean, invstd, weight, training, needDx, needDWeight, needDBias), "batch_norm_backward");

    private readonly struct BatchNormGradients(Tensor x, Tensor dy, int n, int channels, int l, double[] mean, double[] invstd,
        Tensor? weight, bool training, bool needDx, bool needDWeight, bool needDBias) : IFloatingFunc<(Tensor?, Tensor?, Tensor?)>
    {
        public (Tensor?, Tensor?, Tensor?) Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            BatchNorm<T>(x, dy, n, channels, l, mean, invstd, weight, training, needDx, needDWeight, needDBias);
    }

    private static (Tensor?, Tensor?, Tensor?) BatchNorm<T>(Tensor x, Tensor dy, int n, int channels, int l, double[] mean, double[] invstd,
        Tensor? weight, bool training, bool needDx, bool needDWeight, bool needDBias) where T : unmanaged, INumber<T>
    {
        T[] xs = x.Data<T>(), g = dy.Data<T>();
        double[] w = weight?.ToArray<double>() ?? [.. Enumerable.Repeat(1.0, channels)];
        var dx = needDx ? Tensor.Uninitialized(x.DType, x.Dims) : null;
        double[] dWeight = new double[channels], dBias = new double[channels];
        double count = (double)n * l;
        for (int c = 0; c < channels; c++)
        {
            double sumDy = 0, sumDyXhat = 0;
            for (int b = 0; b < n; b++)
            {
                int offset = (b * channels + c) * l;
                for (int i = 0; i < l; i++)
                {
                    double gi = double.CreateTruncating(g[offset + i]);
                    sumDy += gi;
                    sumDyXhat += gi * (double.CreateTruncating(xs[offset + i]) - mean[c]) * invstd[c];
                }
            }
            dWeight[c] = sumDyXhat;
            dBias[c] = sumDy;
            if (dx is null) continue;
            var output = dx.Data<T>();
            double scale = w[c] * invstd[c];
            for (int b = 0; b < n; b++)
            {
                int offset = (b * channels + c) * l;
                for (int i = 0; i < l; i++)
                {
                    double gi = double.CreateTruncating(g[offset + i]);
                    output[offset + i] = T.CreateTruncating(training
                        ? scale * (gi - sumDy / count - (double.CreateTruncating(xs[offset + i]) - mean[c]) * invstd[c] * sumDyXhat / count)
                        : scale * gi);
                }
            }
        }
        return (dx, needDWeight ? Vector<T>(dWeight, weight!.Dims) : null, needDBias ? Vector<T>(dBias, [channels]) : null);
    }

    private static Tensor Vector<T>(double[] values, int[] shape) where T : unmanaged, INumber<T>
    {
        var result = Tensor.Uninitialized(DTypes.Of<T>(), shape);
        var data = result.Data<T>();
        for (int i = 0; i < values.Length; i++) data[i] = T.CreateTruncating(values[i]);
        return result;
    }
}
