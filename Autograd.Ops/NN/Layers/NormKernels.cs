using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd.NN;

/// <summary>
/// Forward kernels of the normalizations. Statistics accumulate in double (as PyTorch's CPU batch norm does) and each
/// output is x · scale + shift in the tensor's dtype, with scale and shift rounded once.
/// </summary>
internal static class NormKernels
{
    /// <summary>
    /// Each of <paramref name="rows"/> rows of length <paramref name="size"/> normalized to zero mean and unit biased
    /// variance, then times gamma plus beta (per position in the row) when given. Each row's mean and
    /// 1 / sqrt(variance + eps) go to <paramref name="statistics"/> (2 · row, 2 · row + 1) when given, for the backward.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, int rows, int size, Tensor? gamma, Tensor? beta, double eps, double[]? statistics)
    {
        var result = Tensor.Uninitialized(x.DType, x.Dims);
        DTypes.DispatchFloating(x.DType, new LayerNormalization(x, result, rows, size, gamma, beta, eps, statistics), "LayerNormKernelImpl");
        return result;
    }

    private readonly struct LayerNormalization(Tensor x, Tensor result, int rows, int size, Tensor? gamma, Tensor? beta, double eps,
        double[]? statistics) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Parallelism.ForRanges(rows, 4L * size,
                new LayerNormRows<T>(x.Data<T>(), result.Data<T>(), size, gamma?.Data<T>(), beta?.Data<T>(), eps, statistics));
    }

    private readonly struct LayerNormRows<T>(T[] x, T[] y, int size, T[]? gamma, T[]? beta, double eps, double[]? statistics) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            for (int row = start; row < end; row++)
            {
                ReadOnlySpan<T> input = x.AsSpan(row * size, size);
                var output = y.AsSpan(row * size, size);
                var (mean, rstd) = WideRows.MeanAndRstd(input, eps);
                if (statistics is not null) (statistics[2 * row], statistics[2 * row + 1]) = (mean, rstd);
                T scale = T.CreateTruncating(rstd), shift = T.CreateTruncating(-rstd * mean);
                // In the dtype, in the scalar order x · scale + shift, · gamma, + beta (no fused multiply-add), so the
                // vectors and the tail round alike.
                var scales = Vector256.Create(scale);
                var shifts = Vector256.Create(shift);
                ref T inputStart = ref MemoryMarshal.GetReference(input);
                ref T outputStart = ref MemoryMarshal.GetReference(output);
                int i = 0;
                for (; i + Vector256<T>.Count <= size; i += Vector256<T>.Count)
                {
                    var value = Vector256.LoadUnsafe(ref inputStart, (nuint)i) * scales + shifts;
                    if (gamma is not null) value *= Vector256.LoadUnsafe(ref gamma[0], (nuint)i);
                    if (beta is not null) value += Vector256.LoadUnsafe(ref beta[0], (nuint)i);
                    value.StoreUnsafe(ref outputStart, (nuint)i);
                }
                for (; i < size; i++)
                {
                    T value = input[i] * scale + shift;
                    if (gamma is not null) value *= gamma[i];
                    if (beta is not null) value += beta[i];
                    output[i] = value;
                }
            }
        }
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
/// First-order backward kernels of the normalizations, with statistics and sums in double; the
/// backward closures use them when no graph of the gradient is recorded (the differentiable composite otherwise).
/// </summary>
internal static class NormBackwardKernels
{
    /// <summary>
    /// Layer norm's (dx, dgamma, dbeta) over rows of <paramref name="size"/>, given the forward's per-row
    /// <paramref name="statistics"/> (mean, rstd); dgamma and dbeta only when gamma is given / asked.
    /// </summary>
    public static (Tensor? Dx, Tensor? DGamma, Tensor? DBeta) LayerNorm(Tensor x, Tensor dy, int rows, int size, Tensor? gamma, double[] statistics,
        bool needDx, bool needDGamma, bool needDBeta) =>
        DTypes.DispatchFloating<LayerNormGradients, (Tensor?, Tensor?, Tensor?)>(x.DType,
            new LayerNormGradients(x, dy, rows, size, gamma, statistics, needDx, needDGamma, needDBeta), "LayerNormBackwardKernelImpl");

    private readonly struct LayerNormGradients(Tensor x, Tensor dy, int rows, int size, Tensor? gamma, double[] statistics,
        bool needDx, bool needDGamma, bool needDBeta) : IFloatingFunc<(Tensor?, Tensor?, Tensor?)>
    {
        public (Tensor?, Tensor?, Tensor?) Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            LayerNorm<T>(x, dy, rows, size, gamma, statistics, needDx, needDGamma, needDBeta);
    }

    // Partial column sums (dgamma, dbeta) are kept for at most this many row chunks, and at most this many doubles in all.
    private const int MaxChunks = 64, MaxPartialElements = 1 << 20;

    // One element of the backward costs about 0.3 ns on one core (two vector passes over the row), in Parallelism's units.
    private const long LayerNormBackwardWork = 6;

    private static (Tensor?, Tensor?, Tensor?) LayerNorm<T>(Tensor x, Tensor dy, int rows, int size, Tensor? gamma, double[] statistics,
        bool needDx, bool needDGamma, bool needDBeta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dx = needDx ? Tensor.Uninitialized(x.DType, x.Dims) : null;
        // Rows are cut into chunks fixed by the shape alone, each summing its own dgamma and dbeta partials, which are
        // then folded in chunk order: the same bits whatever the thread count. The caps bound the partials' memory
        // and the fold's chunks · size adds, small next to the rows' passes once chunks hold many rows.
        int chunks = Math.Clamp(Math.Min(rows, MaxPartialElements / Math.Max(1, size)), 1, MaxChunks);
        double[] dGammaParts = new double[needDGamma ? chunks * size : 0], dBetaParts = new double[needDBeta ? chunks * size : 0];
        var body = new LayerNormGradientRows<T>(x.Data<T>(), dy.Data<T>(), gamma?.Data<T>(), dx?.Data<T>(), dGammaParts, dBetaParts, rows, size, chunks, statistics);
        Parallelism.ForRanges(chunks, (long)(rows / chunks + 1) * size * LayerNormBackwardWork, body);
        return (dx, needDGamma ? Vector<T>(FoldChunks(dGammaParts, chunks, size), gamma!.Dims) : null,
            needDBeta ? Vector<T>(FoldChunks(dBetaParts, chunks, size), gamma?.Dims ?? [size]) : null);
    }

    /// <summary>The sum of the <paramref name="chunks"/> consecutive partials of <paramref name="size"/>, in chunk order.</summary>
    private static ReadOnlySpan<double> FoldChunks(double[] parts, int chunks, int size)
    {
        var total = parts.AsSpan(0, size);
        for (int chunk = 1; chunk < chunks; chunk++) TensorPrimitives.Add(total, parts.AsSpan(chunk * size, size), total);
        return total;
    }

    private readonly struct LayerNormGradientRows<T>(T[] x, T[] dy, T[]? gamma, T[]? dx, double[] dGammaParts, double[] dBetaParts,
        int rows, int size, int chunks, double[] statistics) : IRangeBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            for (int chunk = start; chunk < end; chunk++)
            {
                var dGamma = dGammaParts.Length == 0 ? default : dGammaParts.AsSpan(chunk * size, size);
                var dBeta = dBetaParts.Length == 0 ? default : dBetaParts.AsSpan(chunk * size, size);
                for (int row = Parallelism.RangeStart(rows, chunks, chunk); row < Parallelism.RangeStart(rows, chunks, chunk + 1); row++)
                {
                    Row(x.AsSpan(row * size, size), dy.AsSpan(row * size, size), gamma, dx is null ? default : dx.AsSpan(row * size, size),
                        dGamma, dBeta, statistics[2 * row], statistics[2 * row + 1]);
                }
            }
        }

        /// <summary>
        /// One row's dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat · xhat)), with xhat = (x − mean) · rstd and
        /// dxhat = dy · gamma, in double; adds dy · xhat and dy into the chunk's dgamma and dbeta partials. Empty spans
        /// are the outputs not asked for.
        /// </summary>
        private static void Row(ReadOnlySpan<T> input, ReadOnlySpan<T> grad, T[]? gamma, Span<T> output, Span<double> dGamma, Span<double> dBeta,
            double mean, double rstd)
        {
            int size = input.Length;
            ReadOnlySpan<T> weight = gamma;
            var means = Vector256.Create(mean);
            // Σ dxhat and Σ dxhat · (x − mean), two accumulators each.
            Vector256<double> sumLow = default, sumHigh = default, productLow = default, productHigh = default;
            int i = 0;
            for (; i + WideRows.Step <= size; i += WideRows.Step)
            {
                var (x0, x1) = WideRows.Load(input, i);
                var (g0, g1) = WideRows.Load(grad, i);
                if (gamma is not null)
                {
                    var (w0, w1) = WideRows.Load(weight, i);
                    (g0, g1) = (g0 * w0, g1 * w1);
                }
                sumLow += g0;
                sumHigh += g1;
                productLow += g0 * (x0 - means);
                productHigh += g1 * (x1 - means);
            }
            double sumDxhat = Vector256.Sum(sumLow + sumHigh), sumDxhatCentered = Vector256.Sum(productLow + productHigh);
            for (; i < size; i++)
            {
                double dxhat = Dxhat(grad, weight, i);
                sumDxhat += dxhat;
                sumDxhatCentered += dxhat * (double.CreateTruncating(input[i]) - mean);
            }
            double meanDxhat = sumDxhat / size, meanDxhatXhat = sumDxhatCentered * rstd / size;
            var rstds = Vector256.Create(rstd);
            var meanDxhats = Vector256.Create(meanDxhat);
            var meanDxhatXhats = Vector256.Create(meanDxhatXhat);
            ref double dGammaStart = ref MemoryMarshal.GetReference(dGamma), dBetaStart = ref MemoryMarshal.GetReference(dBeta);
            for (i = 0; i + WideRows.Step <= size; i += WideRows.Step)
            {
                var (x0, x1) = WideRows.Load(input, i);
                var (g0, g1) = WideRows.Load(grad, i);
                var (xhat0, xhat1) = ((x0 - means) * rstds, (x1 - means) * rstds);
                if (!dGamma.IsEmpty)
                {
                    (Vector256.LoadUnsafe(ref dGammaStart, (nuint)i) + g0 * xhat0).StoreUnsafe(ref dGammaStart, (nuint)i);
                    (Vector256.LoadUnsafe(ref dGammaStart, (nuint)i + 4) + g1 * xhat1).StoreUnsafe(ref dGammaStart, (nuint)i + 4);
                }
                if (!dBeta.IsEmpty)
                {
                    (Vector256.LoadUnsafe(ref dBetaStart, (nuint)i) + g0).StoreUnsafe(ref dBetaStart, (nuint)i);
                    (Vector256.LoadUnsafe(ref dBetaStart, (nuint)i + 4) + g1).StoreUnsafe(ref dBetaStart, (nuint)i + 4);
                }
                if (output.IsEmpty) continue;
                if (gamma is not null)
                {
                    var (w0, w1) = WideRows.Load(weight, i);
                    (g0, g1) = (g0 * w0, g1 * w1);
                }
                WideRows.Store(output, i, rstds * (g0 - meanDxhats - xhat0 * meanDxhatXhats), rstds * (g1 - meanDxhats - xhat1 * meanDxhatXhats));
            }
            for (; i < size; i++)
            {
                double gi = double.CreateTruncating(grad[i]), xhat = (double.CreateTruncating(input[i]) - mean) * rstd;
                if (!dGamma.IsEmpty) dGamma[i] += gi * xhat;
                if (!dBeta.IsEmpty) dBeta[i] += gi;
                if (!output.IsEmpty) output[i] = T.CreateTruncating(rstd * (Dxhat(grad, weight, i) - meanDxhat - xhat * meanDxhatXhat));
            }
        }

        private static double Dxhat(ReadOnlySpan<T> grad, ReadOnlySpan<T> weight, int i) =>
            weight.IsEmpty ? double.CreateTruncating(grad[i]) : double.CreateTruncating(grad[i]) * double.CreateTruncating(weight[i]);
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

    private static Tensor Vector<T>(ReadOnlySpan<double> values, int[] shape) where T : unmanaged, INumber<T>
    {
        var result = Tensor.Uninitialized(DTypes.Of<T>(), shape);
        var data = result.Data<T>();
        for (int i = 0; i < values.Length; i++) data[i] = T.CreateTruncating(values[i]);
        return result;
    }
}

/// <summary>
/// Passes over a row of float or double elements in double precision, <see cref="Step"/> elements at a time as two
/// Vector256&lt;double&gt; (floats widen exactly), the leftover tail in scalars. The type tests are constants to the JIT,
/// which keeps only the element type's branch.
/// </summary>
internal static class WideRows
{
    /// <summary>Elements per load: one Vector256 of floats, widened into two of doubles.</summary>
    public const int Step = 8;

    /// <summary>The elements i .. i + 7 in double, as two vectors of 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call per load, returning two vectors in memory, cost more than the pass
    public static (Vector256<double> Low, Vector256<double> High) Load<T>(ReadOnlySpan<T> values, int i) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector256.Widen(Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values)), (nuint)i));
        if (typeof(T) == typeof(double))
        {
            ref double start = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values));
            return (Vector256.LoadUnsafe(ref start, (nuint)i), Vector256.LoadUnsafe(ref start, (nuint)i + 4));
        }
        throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>Stores the two vectors of 4 doubles as elements i .. i + 7, each rounded to nearest as T.CreateTruncating does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Span<T> values, int i, Vector256<double> low, Vector256<double> high) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Vector256.Narrow(low, high).StoreUnsafe(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values)), (nuint)i);
            return;
        }
        if (typeof(T) == typeof(double))
        {
            ref double start = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values));
            low.StoreUnsafe(ref start, (nuint)i);
            high.StoreUnsafe(ref start, (nuint)i + 4);
            return;
        }
        throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>
    /// The row's mean and 1 / sqrt(biased variance + eps), in double: two passes (the sum, then the squared deviations
    /// from the mean, which stays accurate when the mean is large next to the spread), four accumulators each so the
    /// adds do not wait on one another.
    /// </summary>
    public static (double Mean, double Rstd) MeanAndRstd<T>(ReadOnlySpan<T> values, double eps) where T : unmanaged, INumber<T>
    {
        int n = values.Length, i = 0;
        Vector256<double> a = default, b = default, c = default, d = default;
        for (; i + 2 * Step <= n; i += 2 * Step)
        {
            var (x0, x1) = Load(values, i);
            var (x2, x3) = Load(values, i + Step);
            (a, b, c, d) = (a + x0, b + x1, c + x2, d + x3);
        }
        if (i + Step <= n)
        {
            var (x0, x1) = Load(values, i);
            (a, b) = (a + x0, b + x1);
            i += Step;
        }
        double sum = Vector256.Sum((a + c) + (b + d));
        for (; i < n; i++) sum += double.CreateTruncating(values[i]);
        double mean = sum / n;

        var means = Vector256.Create(mean);
        (a, b, c, d, i) = (default, default, default, default, 0);
        for (; i + 2 * Step <= n; i += 2 * Step)
        {
            var (x0, x1) = Load(values, i);
            var (x2, x3) = Load(values, i + Step);
            (x0, x1, x2, x3) = (x0 - means, x1 - means, x2 - means, x3 - means);
            (a, b, c, d) = (a + x0 * x0, b + x1 * x1, c + x2 * x2, d + x3 * x3);
        }
        if (i + Step <= n)
        {
            var (x0, x1) = Load(values, i);
            (x0, x1) = (x0 - means, x1 - means);
            (a, b) = (a + x0 * x0, b + x1 * x1);
            i += Step;
        }
        double squares = Vector256.Sum((a + c) + (b + d));
        for (; i < n; i++)
        {
            double deviation = double.CreateTruncating(values[i]) - mean;
            squares += deviation * deviation;
        }
        return (mean, 1 / Math.Sqrt(squares / n + eps));
    }
}
