using System.Buffers.Binary;

namespace Autograd;

/// <summary>
/// PyTorch's CPU random generator (<c>torch.Generator</c>): an MT19937 stream plus one cached normal sample,
/// drawing bit-identical numbers to PyTorch 1.13 on an AVX2 CPU. All members are thread-safe.
/// </summary>
public sealed class Generator
{
    /// <summary>The seed of a fresh <c>torch.Generator()</c> (and of libtorch's default generator).</summary>
    public const long DefaultSeed = 67280421310721;

    /// <summary>PyTorch switches to its block algorithm for normal samples from this many elements on.</summary>
    private const int NormalBlockSize = 16;

    /// <summary>The size in bytes of PyTorch's <c>CPUGeneratorImplState</c>, what <see cref="GetState"/> returns.</summary>
    public const int StateSize = 5056;

    /// <summary>The size of PyTorch's older <c>CPUGeneratorImplStateLegacy</c>, which <see cref="SetState"/> also accepts.</summary>
    private const int LegacyStateSize = 5048;

    private readonly Lock gate = new();
    private readonly MersenneTwister engine = new();

    /// <summary>The second Box–Muller sample of the scalar algorithm, kept for the next normal draw, as PyTorch does.</summary>
    private double? cachedNormal;

    /// <summary>
    /// PyTorch's cache of a float normal sample. None of the CPU kernels here draws float normals one by one, so only
    /// <see cref="SetState"/> sets it; it is kept so that <see cref="GetState"/> gives back the state it was given.
    /// </summary>
    private float? cachedFloatNormal;

    /// <summary>
    /// A generator seeded with <paramref name="seed"/>, as <c>torch.Generator().manual_seed(seed)</c>; without a seed it starts
    /// from <see cref="DefaultSeed"/>, as a fresh <c>torch.Generator()</c> does.
    /// </summary>
    /// <param name="seed">The seed; only its low 32 bits seed MT19937, as in <see cref="ManualSeed"/>.</param>
    public Generator(long seed = DefaultSeed) => ManualSeed(seed);

    /// <summary>
    /// The global generator behind <c>Torch.ManualSeed</c>, <c>Rand</c> and <c>Randn</c>. It starts from
    /// <see cref="DefaultSeed"/>, as in libtorch (Python's torch seeds its own at random on import).
    /// </summary>
    public static Generator Default { get; } = new();

    /// <summary>
    /// <c>Generator.initial_seed()</c>: the last seed given (or set through <see cref="SetState"/>); PyTorch reports a
    /// negative seed as the same 64 bits read unsigned.
    /// </summary>
    public long InitialSeed
    {
        get { lock (gate) return (long)engine.InitialSeed; }
    }

    /// <summary>Like <c>manual_seed</c>: MT19937 is seeded with the low 32 bits, and the cached normals are dropped.</summary>
    public void ManualSeed(long seed)
    {
        lock (gate) SeedUnlocked((ulong)seed);
    }

    /// <summary>
    /// <c>Generator.seed()</c>: seeds with 64 nondeterministic bits (from the operating system, as PyTorch reads
    /// /dev/urandom) and returns them; Python shows the same bits as an unsigned number.
    /// </summary>
    public long Seed()
    {
        long seed = BitConverter.ToInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(sizeof(long)));
        ManualSeed(seed);
        return seed;
    }

    private void SeedUnlocked(ulong seed)
    {
        engine.Seed(seed);
        cachedNormal = null;
        cachedFloatNormal = null;
    }

    /// <summary>
    /// <c>Generator.get_state()</c>: the bytes of PyTorch's <c>CPUGeneratorImplState</c> (little-endian, 5056 bytes):
    /// the seed, MT19937's position and its 624 words (each widened to 64 bits), the cached double normal and the
    /// cached float normal. <c>torch.Generator().set_state(torch.tensor(list(bytes), dtype=torch.uint8))</c> reads it.
    /// </summary>
    public byte[] GetState()
    {
        var state = new byte[StateSize];
        var span = state.AsSpan();
        lock (gate)
        {
            engine.Write(span);
            if (cachedNormal is { } normal)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(span[NormalYOffset..], normal);
                BinaryPrimitives.WriteInt32LittleEndian(span[NormalValidOffset..], 1);
            }
            if (cachedFloatNormal is { } floatNormal)
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[FloatNormalOffset..], floatNormal);
                span[FloatNormalValidOffset] = 1;
            }
        }
        return state;
    }

    /// <summary>
    /// <c>Generator.set_state(state)</c>: takes the bytes <see cref="GetState"/> or PyTorch's <c>get_state()</c> gives,
    /// or PyTorch's legacy 5048-byte layout (whose cached normal is stored as Box–Muller's radius and angle).
    /// </summary>
    public void SetState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != StateSize && state.Length != LegacyStateSize)
            throw new ArgumentException(
                $"Expected either a CPUGeneratorImplStateLegacy of size {LegacyStateSize} or a CPUGeneratorImplState of size {StateSize} but found the input RNG state size to be {state.Length}");
        var span = (ReadOnlySpan<byte>)state;
        var engineState = MersenneTwister.Read(span) ?? throw new ArgumentException("Invalid mt19937 state");
        double? normal = null;
        float? floatNormal = null;
        bool normalValid = BinaryPrimitives.ReadInt32LittleEndian(span[NormalValidOffset..]) != 0;
        if (state.Length == LegacyStateSize)
        {
            if (normalValid)
            {
                double rho = BinaryPrimitives.ReadDoubleLittleEndian(span[NormalRhoOffset..]);
                double x = BinaryPrimitives.ReadDoubleLittleEndian(span[NormalXOffset..]);
                normal = rho * Math.Sin(2.0 * Math.PI * x);
            }
        }
        else
        {
            if (normalValid) normal = BinaryPrimitives.ReadDoubleLittleEndian(span[NormalYOffset..]);
            if (span[FloatNormalValidOffset] != 0) floatNormal = BinaryPrimitives.ReadSingleLittleEndian(span[FloatNormalOffset..]);
        }
        lock (gate)
        {
            engine.CopyFrom(engineState);
            cachedNormal = normal;
            cachedFloatNormal = floatNormal;
        }
    }

    // Offsets in CPUGeneratorImplState after the engine's words (seed, left, seeded, next, state[624] as uint64).
    private const int NormalXOffset = 5016;
    private const int NormalYOffset = 5024;
    private const int NormalRhoOffset = 5032;
    private const int NormalValidOffset = 5040;
    private const int FloatNormalOffset = 5048;
    private const int FloatNormalValidOffset = 5052;

    /// <summary>PyTorch's <c>random()</c>: one 32-bit draw per element.</summary>
    internal void FillBits(Span<uint> destination)
    {
        lock (gate)
        {
            for (int i = 0; i < destination.Length; i++) destination[i] = engine.Next();
        }
    }

    /// <summary>PyTorch's <c>random64()</c>: two 32-bit draws per element, the first one the high word.</summary>
    internal void FillBits(Span<ulong> destination)
    {
        lock (gate)
        {
            for (int i = 0; i < destination.Length; i++) destination[i] = NextBits64();
        }
    }

    /// <summary><c>torch.rand</c> for float32.</summary>
    internal void FillUniform(Span<float> destination)
    {
        lock (gate) FillUniformUnlocked(destination);
    }

    /// <summary><c>torch.rand</c> for float64.</summary>
    internal void FillUniform(Span<double> destination)
    {
        lock (gate) FillUniformUnlocked(destination);
    }

    /// <summary><c>torch.randn</c> for float32.</summary>
    internal void FillNormal(Span<float> destination) => FillNormal(destination, 0, 1);

    /// <summary><c>torch.randn</c> for float64.</summary>
    internal void FillNormal(Span<double> destination) => FillNormal(destination, 0, 1);

    /// <summary><c>normal_(mean, std)</c> for float32.</summary>
    internal void FillNormal(Span<float> destination, double mean, double std)
    {
        lock (gate)
        {
            if (destination.Length >= NormalBlockSize)
            {
                float m = (float)mean, s = (float)std;
                FillNormalBlocks(destination, FillUniformUnlocked, block => TransformBlock(block, m, s));
                return;
            }
            for (int i = 0; i < destination.Length; i++) destination[i] = (float)NextNormal(mean, std);
        }
    }

    /// <summary><c>normal_(mean, std)</c> for float64.</summary>
    internal void FillNormal(Span<double> destination, double mean, double std)
    {
        lock (gate)
        {
            if (destination.Length >= NormalBlockSize)
            {
                FillNormalBlocks(destination, FillUniformUnlocked, block => TransformBlock(block, mean, std));
                return;
            }
            for (int i = 0; i < destination.Length; i++) destination[i] = NextNormal(mean, std);
        }
    }

    /// <summary>24 random bits per element, so every float32 in [0, 1) that is a multiple of 2^-24 is equally likely.</summary>
    private void FillUniformUnlocked(Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = (engine.Next() & 0xFFFFFF) * (1f / (1 << 24));
    }

    private void FillUniformUnlocked(Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = NextDouble();
    }

    private ulong NextBits64()
    {
        ulong high = engine.Next();
        ulong low = engine.Next();
        return high << 32 | low;
    }

    /// <summary>53 random bits from PyTorch's <c>random64</c>.</summary>
    private double NextDouble() => (NextBits64() & ((1UL << 53) - 1)) * (1.0 / (1UL << 53));

    /// <summary>
    /// PyTorch's scalar <c>normal_distribution&lt;double&gt;</c>: Box–Muller, one sample returned and one cached; the
    /// sample is scaled as <c>sample * std + mean</c>, fused (which also turns a -0 into +0 for mean 0).
    /// </summary>
    private double NextNormal(double mean, double std)
    {
        if (cachedNormal is { } cached)
        {
            cachedNormal = null;
            return Math.FusedMultiplyAdd(cached, std, mean);
        }
        double u1 = NextDouble();
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        cachedNormal = radius * Math.Sin(theta);
        return Math.FusedMultiplyAdd(radius * Math.Cos(theta), std, mean);
    }

    /// <summary>
    /// PyTorch's <c>normal_fill</c>: uniforms for every element, then Box–Muller over each block of 16; a partial
    /// last block is replaced by 16 fresh uniforms transformed and written over the last 16 elements.
    /// </summary>
    private static void FillNormalBlocks<T>(Span<T> data, Action<Span<T>> fillUniform, Action<Span<T>> transformBlock)
    {
        fillUniform(data);
        for (int start = 0; start + NormalBlockSize <= data.Length; start += NormalBlockSize)
            transformBlock(data.Slice(start, NormalBlockSize));
        if (data.Length % NormalBlockSize != 0)
        {
            var tail = data[^NormalBlockSize..];
            fillUniform(tail);
            transformBlock(tail);
        }
    }

    /// <summary>The float64 block: double math through the C library, as PyTorch's scalar <c>normal_fill_16</c>.</summary>
    private static void TransformBlock(Span<double> block, double mean, double std)
    {
        for (int j = 0; j < NormalBlockSize / 2; j++)
        {
            double u1 = 1 - block[j];   // [0, 1) -> (0, 1] for the log
            double u2 = block[j + NormalBlockSize / 2];
            double radius = Math.Sqrt(-2 * Math.Log(u1));
            double theta = 2.0 * Math.PI * u2;
            block[j] = Math.FusedMultiplyAdd(radius * Math.Cos(theta), std, mean);
            block[j + NormalBlockSize / 2] = Math.FusedMultiplyAdd(radius * Math.Sin(theta), std, mean);
        }
    }

    /// <summary>The float32 block: float math with the polynomials of PyTorch's AVX2 kernel <c>normal_fill_16_AVX2</c>.</summary>
    private static void TransformBlock(Span<float> block, float mean, float std)
    {
        for (int j = 0; j < NormalBlockSize / 2; j++)
        {
            float u1 = 1f - block[j];
            float u2 = block[j + NormalBlockSize / 2];
            float radius = MathF.Sqrt(-2f * AvxMath.Log(u1));
            var (sin, cos) = AvxMath.SinCos(AvxMath.TwoPi * u2);
            block[j] = MathF.FusedMultiplyAdd(radius * cos, std, mean);
            block[j + NormalBlockSize / 2] = MathF.FusedMultiplyAdd(radius * sin, std, mean);
        }
    }

    /// <summary>
    /// One lane of <c>log256_ps</c> and <c>sincos256_ps</c> (Cephes polynomials, from avx_mathfun.h) that PyTorch's AVX2
    /// normal kernel uses instead of the C library. GCC fuses some of their multiply-adds into FMA instructions; the
    /// FusedMultiplyAdd calls sit exactly where it does, which is what makes the bits match.
    /// Constants are written as doubles cast to float because the C++ source rounds them that way.
    /// </summary>
    private static class AvxMath
    {
        public const float TwoPi = (float)(2.0 * Math.PI);

        private const float SqrtHalf = (float)0.707106781186547524;
        private const float LogQ1 = (float)-2.12194440e-4;
        private const float LogQ2 = (float)0.693359375;
        private static readonly float[] LogP =
        [
            (float)7.0376836292E-2, (float)-1.1514610310E-1, (float)1.1676998740E-1,
            (float)-1.2420140846E-1, (float)1.4249322787E-1, (float)-1.6668057665E-1,
            (float)2.0000714765E-1, (float)-2.4999993993E-1, (float)3.3333331174E-1,
        ];

        private const float FourOverPi = (float)1.27323954473516;
        private const float MinusDP1 = (float)-0.78515625;
        private const float MinusDP2 = (float)-2.4187564849853515625e-4;
        private const float MinusDP3 = (float)-3.77489497744594108e-8;
        private const float SinP0 = (float)-1.9515295891E-4;
        private const float SinP1 = (float)8.3321608736E-3;
        private const float SinP2 = (float)-1.6666654611E-1;
        private const float CosP0 = (float)2.443315711809948E-005;
        private const float CosP1 = (float)-1.388731625493765E-003;
        private const float CosP2 = (float)4.166664568298827E-002;

        /// <summary>Natural log of <paramref name="x"/> in (0, 1], where no NaN, infinity or subnormal case arises.</summary>
        public static float Log(float x)
        {
            // x = m * 2^e with m in [0.5, 1); below sqrt(1/2), use 2m and e - 1 so that m - 1 stays small.
            int bits = BitConverter.SingleToInt32Bits(x);
            float e = (bits >> 23) - 126;
            float m = BitConverter.Int32BitsToSingle((bits & ~0x7F800000) | BitConverter.SingleToInt32Bits(0.5f));
            if (m < SqrtHalf)
            {
                e -= 1;
                m = m - 1f + m;
            }
            else
            {
                m -= 1f;
            }

            float z = m * m;
            float y = LogP[0];
            for (int i = 1; i < LogP.Length; i++) y = MathF.FusedMultiplyAdd(y, m, LogP[i]);
            y = MathF.FusedMultiplyAdd(y * m, z, e * LogQ1);
            y = MathF.FusedMultiplyAdd(-z, 0.5f, y);
            return MathF.FusedMultiplyAdd(e, LogQ2, m + y);
        }

        /// <summary>Sine and cosine of <paramref name="x"/> in [0, 2π).</summary>
        public static (float Sin, float Cos) SinCos(float x)
        {
            // The octant j (even) picks the polynomial and the signs; x is reduced by j·π/4 in three parts.
            int j = ((int)(x * FourOverPi) + 1) & ~1;
            float y = j;
            x = MathF.FusedMultiplyAdd(y, MinusDP1, x);
            x = MathF.FusedMultiplyAdd(y, MinusDP2, x);
            x = MathF.FusedMultiplyAdd(y, MinusDP3, x);

            float z = x * x;
            float cosPoly = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(CosP0, z, CosP1), z, CosP2);
            cosPoly = MathF.FusedMultiplyAdd(cosPoly * z, z, -(z * 0.5f)) + 1f;
            float sinPoly = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(SinP0, z, SinP1), z, SinP2);
            sinPoly = MathF.FusedMultiplyAdd(sinPoly * z, x, x);

            bool swapPolynomials = (j & 2) != 0;
            float sin = swapPolynomials ? cosPoly : sinPoly;
            float cos = swapPolynomials ? sinPoly : cosPoly;
            return ((j & 4) != 0 ? -sin : sin, ((j - 2) & 4) == 0 ? -cos : cos);
        }
    }

    /// <summary>
    /// The 32-bit Mersenne Twister MT19937 with its reference seeding (<c>init_genrand</c>), holding its position as
    /// PyTorch's <c>at::mt19937</c> does (<c>left</c> counts down to the next regeneration, <c>next</c> indexes the words),
    /// so that its state reads and writes as PyTorch's bytes.
    /// </summary>
    private sealed class MersenneTwister
    {
        private const int N = 624;
        private const int M = 397;
        private const int SeedOffset = 0, LeftOffset = 8, SeededOffset = 12, NextOffset = 16, WordsOffset = 24;
        private readonly uint[] state = new uint[N];
        private ulong seed;
        private int left;
        private bool seeded;
        private uint next;

        public ulong InitialSeed => seed;

        public void Seed(ulong value)
        {
            seed = value;
            seeded = true;
            state[0] = (uint)value;
            for (int i = 1; i < N; i++)
                state[i] = 1812433253u * (state[i - 1] ^ (state[i - 1] >> 30)) + (uint)i;
            left = 1;
            next = 0;
        }

        public uint Next()
        {
            if (--left == 0) Twist();
            uint y = state[next++];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9D2C5680u;
            y ^= (y << 15) & 0xEFC60000u;
            return y ^ (y >> 18);
        }

        /// <summary>Writes the engine's part of PyTorch's state struct; the rest of <paramref name="bytes"/> is untouched.</summary>
        public void Write(Span<byte> bytes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes[SeedOffset..], seed);
            BinaryPrimitives.WriteInt32LittleEndian(bytes[LeftOffset..], left);
            BinaryPrimitives.WriteInt32LittleEndian(bytes[SeededOffset..], seeded ? 1 : 0);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes[NextOffset..], next);
            for (int i = 0; i < N; i++) BinaryPrimitives.WriteUInt64LittleEndian(bytes[(WordsOffset + 8 * i)..], state[i]);
        }

        /// <summary>The engine stored in PyTorch's state bytes, or null where PyTorch finds it invalid.</summary>
        public static MersenneTwister? Read(ReadOnlySpan<byte> bytes)
        {
            var engine = new MersenneTwister
            {
                seed = BinaryPrimitives.ReadUInt64LittleEndian(bytes[SeedOffset..]),
                left = BinaryPrimitives.ReadInt32LittleEndian(bytes[LeftOffset..]),
                seeded = BinaryPrimitives.ReadInt32LittleEndian(bytes[SeededOffset..]) != 0,
                next = (uint)BinaryPrimitives.ReadUInt64LittleEndian(bytes[NextOffset..]),
            };
            for (int i = 0; i < N; i++) engine.state[i] = (uint)BinaryPrimitives.ReadUInt64LittleEndian(bytes[(WordsOffset + 8 * i)..]);
            return engine is { seeded: true, left: > 0 and <= N, next: <= N } ? engine : null;
        }

        public void CopyFrom(MersenneTwister other)
        {
            other.state.CopyTo(state, 0);
            (seed, left, seeded, next) = (other.seed, other.left, other.seeded, other.next);
        }

        /// <summary>Regenerates all N words in place; later words read the already regenerated ones, as the reference does.</summary>
        private void Twist()
        {
            for (int i = 0; i < N; i++)
            {
                uint y = (state[i] & 0x80000000u) | (state[(i + 1) % N] & 0x7FFFFFFFu);
                state[i] = state[(i + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908B0DFu : 0u);
            }
            left = N;
            next = 0;
        }
    }
}
