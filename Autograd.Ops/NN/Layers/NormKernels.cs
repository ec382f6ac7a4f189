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
        switch (x.DType)
        {
            case DType.Float32: Parallelism.ForRanges(rows, 4L * size, new LayerNormRows<float>(x.Data<float>(), result.Data<float>(), size, gamma?.Data<float>(), beta?.Data<float>(), eps)); break;
            case DType.Float64: Parallelism.ForRanges(rows, 4L * size, new LayerNormRows<double>(x.Data<double>(), result.Data<double>(), size, gamma?.Data<double>(), beta?.Data<double>(), eps)); break;
            default: throw new ArgumentException($"\"LayerNormKernelImpl\" not implemented for '{Comparisons.ScalarName(x.DType)}'");
        }
        return result;
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
    public static (double[] Mean, double[] SquaredDeviations) ChannelMoments(Tensor x, int n, int channels, int l) => x.DType switch
    {
        DType.Float32 => ChannelMoments(x.Data<float>(), n, channels, l),
        DType.Float64 => ChannelMoments(x.Data<double>(), n, channels, l),
        _ => throw new ArgumentException($"\"batch_norm\" not implemented for '{Comparisons.ScalarName(x.DType)}'"),
    };

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
        switch (x.DType)
        {
            case DType.Float32: Parallelism.ForRanges(n * channels, l, new Affine<float>(x.Data<float>(), result.Data<float>(), channels, l, alpha, beta)); break;
            case DType.Float64: Parallelism.ForRanges(n * channels, l, new Affine<double>(x.Data<double>(), result.Data<double>(), channels, l, alpha, beta)); break;
            default: throw new ArgumentException($"\"batch_norm\" not implemented for '{Comparisons.ScalarName(x.DType)}'");
        }
        return result;
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
