using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd;

/// <summary>
/// exp over spans for Softmax, LogSoftmax and the cross-entropy losses, whose time it dominates. float32 gets its own
/// vector kernel, within 1 ulp of the correctly rounded result: TensorPrimitives.Exp&lt;float&gt; measured 0.39 ns an
/// element on issue 5's AVX-512 machine (a 1000-float row in L1, one thread), thirteen times its Subtract; this one
/// 0.15 ns with the shift and the sum included. float64, and float32 where neither vector width is accelerated, keep
/// TensorPrimitives.
/// </summary>
internal static class FastExp
{
    /// <summary>
    /// What a softmax-like row costs an element in Parallelism.MinWork's cheap operations (its max, the exp and its
    /// sum, the scaling): about six, so a 256 x 1000 softmax (112 µs on one thread here) is split across the cores.
    /// </summary>
    public const int RowElementCost = 6;

    /// <summary>y = exp(x); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Exp<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) ExpSum(x, T.Zero, y);
        else TensorPrimitives.Exp(x, y);
    }

    /// <summary>y = exp(x - shift), in one pass, returning the sum of y; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static T ExpSum<T>(ReadOnlySpan<T> x, T shift, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length != x.Length) throw new ArgumentException("x and y differ in length");
        return ExpSumOfRow(x, shift, y, x.Length);
    }

    /// <summary>
    /// <see cref="ExpSum{T}"/> of the first <paramref name="length"/> elements of a row that more rows follow in both
    /// <paramref name="x"/> and <paramref name="y"/>, computed afterwards: a short last vector is then read and written
    /// whole instead of through masked loads and stores (slow on AVX2 machines), its lanes past the row left as garbage
    /// for the next row to overwrite. The row's elements and sum are the same bits either way.
    /// </summary>
    public static T ExpSumOfRow<T>(ReadOnlySpan<T> x, T shift, Span<T> y, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> xs = MemoryMarshal.Cast<T, float>(x);
            Span<float> ys = MemoryMarshal.Cast<T, float>(y);
            float s = float.CreateTruncating(shift);
            if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported) return T.CreateTruncating(ExpSum<Exp512, Vector512<float>>(xs, s, ys, length));
            if (Vector256.IsHardwareAccelerated && Fma.IsSupported) return T.CreateTruncating(ExpSum<Exp256, Vector256<float>>(xs, s, ys, length));
        }
        var row = y[..length];
        TensorPrimitives.Subtract(x[..length], shift, row);
        TensorPrimitives.Exp<T>(row, row);
        return TensorPrimitives.Sum<T>(row);
    }

    /// <summary>
    /// The largest element, as the shift for <see cref="ExpSum{T}"/>. With a nan in the span the result may be nan or
    /// not (float32 uses the single-instruction max, which does not propagate nan), but the exps then sum to nan
    /// either way, so the whole row comes out nan as in PyTorch; TensorPrimitives.Max, which checks every lane for nan,
    /// took 0.09 ns an element here (one thread, a 1000-float row in L1), this 0.036.
    /// </summary>
    public static T Max<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            ReadOnlySpan<float> xs = MemoryMarshal.Cast<T, float>(x);
            if (Vector512.IsHardwareAccelerated && xs.Length >= Exp512.Count) return T.CreateTruncating(Max<Exp512, Vector512<float>>(xs));
            if (Vector256.IsHardwareAccelerated && xs.Length >= Exp256.Count) return T.CreateTruncating(Max<Exp256, Vector256<float>>(xs));
        }
        return TensorPrimitives.Max(x);
    }

    /// <summary>
    /// <see cref="Max{T}"/> of at least one vector's worth: the last vector, then whole vectors from the start (which
    /// may overlap it), into two running maxima so consecutive max instructions do not wait on each other.
    /// </summary>
    private static float Max<TLanes, TVector>(ReadOnlySpan<float> x) where TLanes : IExpLanes<TVector> where TVector : struct
    {
        ref float source = ref MemoryMarshal.GetReference(x);
        int width = TLanes.Count, i = 0;
        var even = TLanes.Load(ref Unsafe.Add(ref source, x.Length - width));
        var odd = even;
        for (; i <= x.Length - 2 * width; i += 2 * width)
        {
            even = TLanes.MaxNative(even, TLanes.Load(ref Unsafe.Add(ref source, i)));
            odd = TLanes.MaxNative(odd, TLanes.Load(ref Unsafe.Add(ref source, i + width)));
        }
        if (i < x.Length - width) even = TLanes.MaxNative(even, TLanes.Load(ref Unsafe.Add(ref source, i)));
        return TLanes.MaxAcross(TLanes.MaxNative(even, odd));
    }

    /// <summary>
    /// <see cref="ExpSum{T}"/> for float32 at one vector width. A remainder shorter than a vector goes through the
    /// same formula with masked loads and stores, so an element's bits never depend on where it sits in a span or how
    /// a span is split.
    /// </summary>
    internal static float ExpSum<TLanes, TVector>(ReadOnlySpan<float> x, float shift, Span<float> y)
        where TLanes : IExpLanes<TVector> where TVector : struct
    {
        if (y.Length != x.Length) throw new ArgumentException("x and y differ in length");
        return ExpSum<TLanes, TVector>(x, shift, y, x.Length);
    }

    /// <summary>The first <paramref name="length"/> elements, a short last vector whole where both spans hold one (see <see cref="ExpSumOfRow{T}"/>).</summary>
    private static float ExpSum<TLanes, TVector>(ReadOnlySpan<float> x, float shift, Span<float> y, int length)
        where TLanes : IExpLanes<TVector> where TVector : struct
    {
        ref float source = ref MemoryMarshal.GetReference(x), destination = ref MemoryMarshal.GetReference(y);
        var shifts = TLanes.Broadcast(shift);
        var sums = TLanes.Broadcast(0);
        int i = 0;
        for (; i <= length - TLanes.Count; i += TLanes.Count)
        {
            var e = Exp<TLanes, TVector>(TLanes.Subtract(TLanes.Load(ref Unsafe.Add(ref source, i)), shifts));
            TLanes.Store(e, ref Unsafe.Add(ref destination, i));
            sums = TLanes.Add(sums, e);
        }
        if (i < length)
        {
            var mask = TLanes.FirstLanes(length - i);
            bool whole = Math.Min(x.Length, y.Length) - i >= TLanes.Count;
            ref float from = ref Unsafe.Add(ref source, i);
            var e = Exp<TLanes, TVector>(TLanes.Subtract(whole ? TLanes.Load(ref from) : TLanes.LoadFirst(ref from, mask), shifts));
            if (whole) TLanes.Store(e, ref Unsafe.Add(ref destination, i));
            else TLanes.StoreFirst(e, mask, ref Unsafe.Add(ref destination, i));
            sums = TLanes.Add(sums, TLanes.And(e, mask));
        }
        return TLanes.Sum(sums);
    }

    // e^x = 2^n e^r with n = round(x / ln 2) and r = x - n ln 2 in [-ln2/2, ln2/2] (Cody–Waite: ln 2 = Ln2Hi + Ln2Lo,
    // with Ln2Hi a multiple of 2^-16 so that x - n Ln2Hi is exact), e^r a polynomial, and 2^n applied with one rounding.
    private const float Log2E = 1.442695f;
    private const float Ln2Hi = 0.693145751953125f;
    private const float Ln2Lo = 1.4286068e-6f;
    /// <summary>1.5 x 2^23: adding it rounds to an integer (the fused multiply-add rounds x / ln 2 once).</summary>
    private const float Shifter = 12582912f;
    // e^r = 1 + r + r^2 (C2 + C3 r + C4 r^2 + C5 r^3 + C6 r^4), the quartic fitted here to (e^r - 1 - r) / r^2 for
    // least maximum relative error of e^r over [-ln2/2, ln2/2] (3.8e-9 with these float coefficients, 0.06 ulp).
    private const float C2 = 0.49999994f, C3 = 0.16666521f, C4 = 0.04166839f, C5 = 0.008368714f, C6 = 0.0013814615f;
    /// <summary>
    /// e^x rounds to 0 below ln(2^-150) ≈ -103.97 and overflows above ln(float.MaxValue) ≈ 88.72, so x is clamped to
    /// these (keeping n within [-150, 128]) and infinities need no special case.
    /// </summary>
    private const float Lowest = -104f, Highest = 89f;

    /// <summary>
    /// Every lane the same way, without branches: a vector whose lanes overflow, underflow to subnormals or are nan
    /// costs no more than any other, so a row of -inf (a masked softmax) is as fast as a row of numbers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Exp<TLanes, TVector>(TVector x) where TLanes : IExpLanes<TVector> where TVector : struct
    {
        x = TLanes.Clamp(x, Lowest, Highest);
        var n = TLanes.Subtract(TLanes.MultiplyAdd(x, TLanes.Broadcast(Log2E), TLanes.Broadcast(Shifter)), TLanes.Broadcast(Shifter));
        var r = TLanes.MultiplyAdd(n, TLanes.Broadcast(-Ln2Hi), x);
        r = TLanes.MultiplyAdd(n, TLanes.Broadcast(-Ln2Lo), r);
        var p = TLanes.MultiplyAdd(TLanes.Broadcast(C6), r, TLanes.Broadcast(C5));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(C4));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(C3));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(C2));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1));
        p = TLanes.MultiplyAdd(p, r, TLanes.Broadcast(1));
        return TLanes.ScaleByPowerOfTwo(p, n);
    }
}

/// <summary>The float32 vector operations <see cref="FastExp"/> needs, so one formula serves both vector widths.</summary>
internal interface IExpLanes<TVector> where TVector : struct
{
    static abstract int Count { get; }
    static abstract TVector Load(ref float source);
    static abstract void Store(TVector value, ref float destination);
    static abstract TVector Broadcast(float value);
    /// <summary>A mask of the first <paramref name="count"/> lanes (all bits set in each), for fewer elements than a vector.</summary>
    static abstract TVector FirstLanes(int count);
    /// <summary>The lanes of source under mask, 0 in the others; nothing is read beyond them.</summary>
    static abstract TVector LoadFirst(ref float source, TVector mask);
    /// <summary>Stores the lanes under mask; nothing is written beyond them.</summary>
    static abstract void StoreFirst(TVector value, TVector mask, ref float destination);
    static abstract TVector And(TVector left, TVector right);
    static abstract TVector Add(TVector left, TVector right);
    static abstract TVector Subtract(TVector left, TVector right);
    /// <summary>left * right + addend with one rounding.</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);
    static abstract float Sum(TVector value);
    /// <summary>The larger of each pair of lanes, whichever the hardware gives for nan.</summary>
    static abstract TVector MaxNative(TVector left, TVector right);
    static abstract float MaxAcross(TVector value);
    /// <summary>value limited to [min, max], a nan lane staying nan.</summary>
    static abstract TVector Clamp(TVector value, float min, float max);
    /// <summary>value x 2^n rounded once (to a subnormal or infinity where it must), for integer n in [-150, 128] and value in [0.5, 2).</summary>
    static abstract TVector ScaleByPowerOfTwo(TVector value, TVector n);
}

internal readonly struct Exp512 : IExpLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);
    public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    public static Vector512<float> FirstLanes(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    public static unsafe Vector512<float> LoadFirst(ref float source, Vector512<float> mask)
    {
        fixed (float* address = &source) return Avx512F.MaskLoad(address, mask, Vector512<float>.Zero);
    }

    public static unsafe void StoreFirst(Vector512<float> value, Vector512<float> mask, ref float destination)
    {
        fixed (float* address = &destination) Avx512F.MaskStore(address, mask, value);
    }

    public static Vector512<float> And(Vector512<float> left, Vector512<float> right) => left & right;
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) => Vector512.FusedMultiplyAdd(left, right, addend);
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);
    public static Vector512<float> MaxNative(Vector512<float> left, Vector512<float> right) => Vector512.MaxNative(left, right);
    public static float MaxAcross(Vector512<float> value) => Exp256.MaxAcross(Vector256.MaxNative(value.GetLower(), value.GetUpper()));
    // Max and Min (not their Native forms) propagate nan.
    public static Vector512<float> Clamp(Vector512<float> value, float min, float max) => Vector512.Min(Vector512.Max(value, Vector512.Create(min)), Vector512.Create(max));
    // VSCALEFPS: value x 2^floor(n) in one instruction, rounded once.
    public static Vector512<float> ScaleByPowerOfTwo(Vector512<float> value, Vector512<float> n) => Avx512F.Scale(value, n);
}

internal readonly struct Exp256 : IExpLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);
    public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    public static Vector256<float> FirstLanes(int count) => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();

    public static unsafe Vector256<float> LoadFirst(ref float source, Vector256<float> mask)
    {
        fixed (float* address = &source) return Avx.MaskLoad(address, mask);
    }

    public static unsafe void StoreFirst(Vector256<float> value, Vector256<float> mask, ref float destination)
    {
        fixed (float* address = &destination) Avx.MaskStore(address, mask, value);
    }

    public static Vector256<float> And(Vector256<float> left, Vector256<float> right) => left & right;
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;
    public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) => Vector256.FusedMultiplyAdd(left, right, addend);
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);
    public static Vector256<float> MaxNative(Vector256<float> left, Vector256<float> right) => Vector256.MaxNative(left, right);

    public static float MaxAcross(Vector256<float> value)
    {
        var half = Vector128.MaxNative(value.GetLower(), value.GetUpper());
        float max = half[0];
        for (int i = 1; i < Vector128<float>.Count; i++) max = MathF.Max(max, half[i]);
        return max;
    }
    public static Vector256<float> Clamp(Vector256<float> value, float min, float max) => Vector256.Min(Vector256.Max(value, Vector256.Create(min)), Vector256.Create(max));

    /// <summary>
    /// As two powers of two built in the exponent field, 2^(n - n/2) and 2^(n/2), each a normal float: the first
    /// product is exact, so the second rounds once, as VSCALEFPS does. A nan value stays nan whatever n holds.
    /// </summary>
    public static Vector256<float> ScaleByPowerOfTwo(Vector256<float> value, Vector256<float> n)
    {
        var whole = Vector256.ConvertToInt32Native(n);
        var half = Vector256.ShiftRightArithmetic(whole, 1);
        return value * PowerOfTwo(whole - half) * PowerOfTwo(half);
    }

    /// <summary>2^k for k in [-126, 127].</summary>
    private static Vector256<float> PowerOfTwo(Vector256<int> k) => ((k + Vector256.Create(127)) << 23).AsSingle();
}
