using System.Globalization;
using System.Numerics;

namespace Autograd;

/// <summary>
/// PyTorch's CPU sampling kernels over a <see cref="Generator"/>: randint, randperm, bernoulli, multinomial and normal,
/// drawing the same words in the same order as PyTorch 1.13, so results and the generator's state after each call are
/// bit-identical. Each kernel validates first and then takes all its words in one locked call, so a failed call
/// draws nothing and concurrent callers do not interleave.
/// </summary>
public static class RandomSampling
{
    extension(Tensor self)
    {
        /// <summary>
        /// <c>torch.multinomial(input, num_samples, replacement)</c>: indices drawn from each row of non-negative weights.
        /// Without replacement it takes PyTorch's exponential trick: each weight divided by an
        /// exponential sample, then the largest; with replacement, a binary search of each uniform in the row's
        /// normalized cumulative sum. Among exactly equal keys (zero weights drawn when the nonzero ones run out)
        /// the lower index comes first, where PyTorch's order follows its std::nth_element.
        /// </summary>
        public Tensor Multinomial(int numSamples, bool replacement = false, Generator? generator = null)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (!self.DType.IsFloating())
                throw new ArgumentException($"multinomial only supports floating-point dtypes for input, got: {Comparisons.ScalarName(self.DType)}");
            if (self.Rank is not (1 or 2)) throw new ArgumentException("prob_dist must be 1 or 2 dim");
            if (numSamples <= 0) throw new ArgumentException("cannot sample n_sample <= 0 samples");
            int categories = self.Dims[^1];
            int rows = self.Rank == 2 ? self.Dims[0] : 1;
            if (!replacement && numSamples > categories)
                throw new ArgumentException("cannot sample n_sample > prob_dist.size(-1) samples without replacement");
            if (categories > 1 << 24) throw new ArgumentException("number of categories cannot exceed 2^24");
            var result = Tensor.Empty(DType.Int64, self.Rank == 2 ? [rows, numSamples] : [numSamples]);
            if (result.Count == 0) return result;
            var source = generator ?? Generator.Default;
            DTypes.DispatchFloating(self.DType, new MultinomialSampling(self, rows, categories, numSamples, replacement, source, result), "multinomial");
            return result;
        }
    }

    private readonly struct MultinomialSampling(Tensor weights, int rows, int categories, int numSamples, bool replacement, Generator generator, Tensor samples)
        : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Multinomial(weights.Span<T>(), rows, categories, numSamples, replacement, generator, samples.Span<long>());
    }

    /// <summary><c>torch.randint(low, high, shape)</c>: (word % (high - low)) + low, a 64-bit word where the range needs one.</summary>
    internal static Tensor Randint(long low, long high, int[] shape, Generator generator)
    {
        if (low >= high)
            throw new ArgumentException($"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}");
        var result = Tensor.Empty(DType.Int64, shape);
        var values = result.Span<long>();
        ulong range = (ulong)(high - low);
        if (range >= 1UL << 32)
        {
            var words = new ulong[values.Length];
            generator.FillBits(words);
            for (int i = 0; i < values.Length; i++) values[i] = (long)(words[i] % range + (ulong)low);
        }
        else
        {
            var words = new uint[values.Length];
            generator.FillBits(words);
            for (int i = 0; i < values.Length; i++) values[i] = (long)(words[i] % range + (ulong)low);
        }
        return result;
    }

    /// <summary>
    /// <c>torch.randperm(n)</c>: PyTorch 1.13's CPU shuffle, one 32-bit word per position: position i swaps with
    /// i + word % (n - i). (PyTorch 1.13 has no other algorithm for sizes a tensor here can have: at 2^32 / 20
    /// elements it still draws n - 1 words.)
    /// </summary>
    internal static Tensor Randperm(int n, Generator generator)
    {
        if (n < 0) throw new ArgumentException($"Trying to create tensor with negative dimension {n}: [{n}]");
        var result = Tensor.Uninitialized(DType.Int64, [n]);
        var values = result.Span<long>();
        for (int i = 0; i < n; i++) values[i] = i;
        if (n < 2) return result;
        var words = new uint[n - 1];
        generator.FillBits(words);
        for (int i = 0; i < n - 1; i++)
        {
            long z = i + words[i] % (long)(n - i);
            (values[i], values[(int)z]) = (values[(int)z], values[i]);
        }
        return result;
    }

    /// <summary><c>torch.bernoulli(p)</c>: 1 where a uniform of p's precision is below p; p's dtype and shape.</summary>
    internal static Tensor Bernoulli(Tensor p, Generator generator)
    {
        const string RangeMessage =
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)";
        var result = Tensor.Empty(p.DType, p.Dims);
        switch (p.DType)
        {
            case DType.Float32:
            {
                var probabilities = p.Span<float>();
                foreach (float value in probabilities) if (!(value >= 0 && value <= 1)) throw new ArgumentException(RangeMessage);
                var values = result.Span<float>();
                generator.FillUniform(values);
                for (int i = 0; i < values.Length; i++) values[i] = values[i] < probabilities[i] ? 1f : 0f;
                break;
            }
            case DType.Float64:
            {
                var probabilities = p.Span<double>();
                foreach (double value in probabilities) if (!(value >= 0 && value <= 1)) throw new ArgumentException(RangeMessage);
                var values = result.Span<double>();
                generator.FillUniform(values);
                for (int i = 0; i < values.Length; i++) values[i] = values[i] < probabilities[i] ? 1.0 : 0.0;
                break;
            }
            case DType.Int64 or DType.Bool:
                throw new ArgumentException($"\"bernoulli_tensor_cpu_p_\" not implemented for '{p.DType.ScalarName()}'");
            default:
                throw new ArgumentException($"{(int)p.DType} is not a valid DType");
        }
        int[] shape = p.Dims;
        if (Graph.NeedsGrad(p)) Graph.Record(result, "BernoulliBackward0", [p], g => [Kernels.Full(g.DType, shape, 0)], saved: []);
        return result;
    }

    /// <summary>Validates <c>normal</c>'s standard deviation as PyTorch does (NaN fails too).</summary>
    internal static void CheckStd(double std)
    {
        if (!(std >= 0.0)) throw new ArgumentException($"normal expects std >= 0.0, but found std {CppNumber(std)}");
    }

    /// <summary>Normal samples of <paramref name="dtype"/> and <paramref name="shape"/>, as PyTorch's <c>normal_</c> fills a contiguous tensor.</summary>
    internal static Tensor Normal(DType dtype, int[] shape, double mean, double std, Generator generator)
    {
        var result = Tensor.Empty(dtype, shape);
        switch (dtype)
        {
            case DType.Float32: generator.FillNormal(result.Span<float>(), mean, std); break;
            case DType.Float64: generator.FillNormal(result.Span<double>(), mean, std); break;
            case DType.Int64: throw new ArgumentException("\"normal_kernel_cpu\" not implemented for 'Long'");
            default: throw new NotSupportedException($"normal of {dtype}");
        }
        return result;
    }

    /// <summary>A double as C++'s <c>operator&lt;&lt;</c> prints it (six significant digits), which PyTorch's messages use.</summary>
    internal static string CppNumber(double value) =>
        double.IsNaN(value) ? "nan"
        : double.IsInfinity(value) ? (value > 0 ? "inf" : "-inf")
        : value.ToString("G6", CultureInfo.InvariantCulture).Replace('E', 'e');

    private static void Multinomial<T>(ReadOnlySpan<T> weights, int rows, int categories, int numSamples, bool replacement, Generator generator, Span<long> samples)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!replacement)
        {
            foreach (var w in weights)
                if (!(w < T.PositiveInfinity && w >= T.Zero)) throw new ArgumentException("probability tensor contains either `inf`, `nan` or element < 0");
            for (int row = 0; row < rows; row++)
                if (!weights.Slice(row * categories, categories).ContainsAnyExcept(T.Zero))
                    throw new ArgumentException("invalid multinomial distribution (sum of probabilities <= 0)");
            WithoutReplacement(weights, rows, categories, numSamples, generator, samples);
            return;
        }
        for (int row = 0; row < rows; row++)
        {
            var sum = T.Zero;
            foreach (var w in weights.Slice(row * categories, categories))
            {
                if (!(w >= T.Zero)) throw new ArgumentException("invalid multinomial distribution (encountering probability entry < 0)");
                if (!T.IsFinite(w)) throw new ArgumentException("invalid multinomial distribution (encountering probability entry = infinity or NaN)");
                sum += w;
            }
            if (!(sum > T.Zero)) throw new ArgumentException("invalid multinomial distribution (sum of probabilities <= 0)");
        }
        WithReplacement(weights, rows, categories, numSamples, generator, samples);
    }

    /// <summary>
    /// PyTorch's multinomial without replacement: q = p / Exp(1) for every element (each exponential sample
    /// -log(1 - u) from a double uniform, rounded to p's dtype), then the indices of the row's largest q in
    /// decreasing order (argmax for one sample: the first of equal maxima).
    /// </summary>
    private static void WithoutReplacement<T>(ReadOnlySpan<T> weights, int rows, int categories, int numSamples, Generator generator, Span<long> samples)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var uniforms = new double[weights.Length];
        generator.FillUniform(uniforms);
        var keys = new T[categories];
        var order = new int[categories];
        for (int row = 0; row < rows; row++)
        {
            for (int j = 0; j < categories; j++)
            {
                var exponential = T.CreateTruncating(-Math.Log(1.0 - uniforms[row * categories + j]));
                keys[j] = weights[row * categories + j] / exponential;
            }
            var output = samples.Slice(row * numSamples, numSamples);
            if (numSamples == 1)
            {
                int best = 0;
                for (int j = 1; j < categories; j++)
                    if (!T.IsNaN(keys[best]) && (T.IsNaN(keys[j]) || keys[j] > keys[best])) best = j;
                output[0] = best;
                continue;
            }
            for (int j = 0; j < categories; j++) order[j] = j;
            var rowKeys = keys;
            Array.Sort(order, (a, b) =>
            {
                bool nanA = T.IsNaN(rowKeys[a]), nanB = T.IsNaN(rowKeys[b]);
                if (nanA != nanB) return nanA ? -1 : 1;
                int byKey = nanA ? 0 : rowKeys[b].CompareTo(rowKeys[a]);
                return byKey != 0 ? byKey : a.CompareTo(b);
            });
            for (int j = 0; j < numSamples; j++) output[j] = order[j];
        }
    }

    /// <summary>
    /// PyTorch's multinomial with replacement: the row's running sum in p's dtype, divided by the total, its last entry
    /// set to 1; each sample is the first slot whose cumulative weight is not below a double uniform.
    /// </summary>
    private static void WithReplacement<T>(ReadOnlySpan<T> weights, int rows, int categories, int numSamples, Generator generator, Span<long> samples)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var uniforms = new double[rows * numSamples];
        generator.FillUniform(uniforms);
        var cumulative = new T[categories];
        for (int row = 0; row < rows; row++)
        {
            var sum = T.Zero;
            for (int j = 0; j < categories; j++)
            {
                sum += weights[row * categories + j];
                cumulative[j] = sum;
            }
            for (int j = 0; j < categories; j++) cumulative[j] /= sum;
            cumulative[^1] = T.One;
            for (int s = 0; s < numSamples; s++)
            {
                double u = uniforms[row * numSamples + s];
                int left = 0, right = categories;
                while (right - left > 0)
                {
                    int mid = left + (right - left) / 2;
                    if (double.CreateTruncating(cumulative[mid]) < u) left = mid + 1;
                    else right = mid;
                }
                samples[row * numSamples + s] = left;
            }
        }
    }
}
