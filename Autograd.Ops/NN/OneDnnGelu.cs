using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd.NN;

/// <summary>
/// Exact GELU and its gradient on float32, computed lane by lane in the operations of oneDNN 2.6's eltwise
/// <c>gelu_erf</c> (jit_uni_eltwise_injector), which PyTorch 1.13 runs for a contiguous float32 input of more than one
/// element: erf by Abramowitz and Stegun 7.1.26 with oneDNN's own exp, each multiply-add fused where oneDNN's is and
/// nowhere else, so the results are PyTorch's bits. Every element takes the same formula (oneDNN masks its tail).
/// </summary>
internal static class OneDnnGelu
{
    /// <summary>These formulas need fused multiply-add in 256-bit vectors; without it GELU takes its scalar path.</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated && Fma.IsSupported;

    private const float OneOverSqrt2 = 0.707106769f;   // 0x3f3504f3
    private const float OneOverSqrtPi = 0.564189553f;  // 0x3f106eba
    private const float P = 0.3275911f;
    private const float P1 = 0.254829592f, P2 = -0.284496736f, P3 = 1.421413741f, P4 = -1.453152027f, P5 = 1.061405429f;

    // oneDNN's exp: n = floor(x log2 e + 1/2), r = x - n ln 2 (one fused step), a degree-5 polynomial in r, times
    // 2^(n-1) and then 2 (so n = 128 stays representable); x is clamped to [ln FLT_MIN, ln FLT_MAX] and below ln FLT_MIN
    // the result is 0.
    private const float LnFloatMin = -87.3365479f;  // 0xc2aeac50
    private const float LnFloatMax = 88.7228394f;   // 0x42b17218
    private const float Log2E = 1.44269502f;        // 0x3fb8aa3b
    private const float Ln2 = 0.693147182f;         // 0x3f317218
    private const float E1 = 0.999999701f, E2 = 0.499991506f, E3 = 0.166676521f, E4 = 0.0418978221f, E5 = 0.00828929059f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(Vector256<float> x)
    {
        var underflow = Vector256.LessThan(x, Vector256.Create(LnFloatMin));
        x = Vector256.MaxNative(Vector256.MinNative(x, Vector256.Create(LnFloatMax)), Vector256.Create(LnFloatMin));
        var n = Vector256.Floor(x * Vector256.Create(Log2E) + Vector256.Create(0.5f));
        var r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2), x);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n - Vector256.Create(1f)) + Vector256.Create(127), 23).AsSingle();
        scale = Vector256.AndNot(scale, underflow);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(E5), r, Vector256.Create(E4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f));
        return p * scale * Vector256.Create(2f);
    }

    /// <summary>erf(x) from |x|'s t = 1 / (1 + p |x|) and the negated e^(-x^2) (sign of x restored), as oneDNN orders it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Erf(Vector256<float> x, Vector256<float> negativeExp, Vector256<float> sign)
    {
        var t = Vector256.Create(1f) / Vector256.FusedMultiplyAdd(Vector256.Create(P), Vector256.Abs(x), Vector256.Create(1f));
        var r = Vector256.FusedMultiplyAdd(Vector256.Create(P5), t, Vector256.Create(P4));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(P3));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(P2));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(P1));
        return Vector256.FusedMultiplyAdd(negativeExp * t, r, Vector256.Create(1f)) ^ sign;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Forward(Vector256<float> s)
    {
        var negativeZero = Vector256.Create(-0f);
        var x = s * Vector256.Create(OneOverSqrt2);
        var erf = Erf(x, negativeZero ^ Exp(negativeZero ^ (x * x)), s & negativeZero);
        var half = s * Vector256.Create(0.5f);
        return Vector256.FusedMultiplyAdd(erf, half, half);
    }

    /// <summary>dGELU/ds times the upstream gradient g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Backward(Vector256<float> s, Vector256<float> g)
    {
        var negativeZero = Vector256.Create(-0f);
        var x = s * Vector256.Create(OneOverSqrt2);
        var q = Exp(negativeZero ^ (x * x));
        var density = x * Vector256.Create(OneOverSqrtPi) * q;
        var erf = Erf(x, negativeZero ^ q, x & negativeZero);
        return Vector256.FusedMultiplyAdd(erf, Vector256.Create(0.5f), density + Vector256.Create(0.5f)) * g;
    }

    /// <summary>y = GELU(x) over whole spans; <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        ref float source = ref MemoryMarshal.GetReference(x), destination = ref MemoryMarshal.GetReference(y);
        int width = Vector256<float>.Count, i = 0;
        for (; i <= x.Length - width; i += width)
            Forward(Vector256.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
        if (i == x.Length) return;
        Span<float> lanes = stackalloc float[width];
        x[i..].CopyTo(lanes);
        Forward(Vector256.Create<float>(lanes)).CopyTo(lanes);
        lanes[..(x.Length - i)].CopyTo(y[i..]);
    }

    /// <summary>grad = g dGELU/dx over whole spans.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> grad)
    {
        ref float source = ref MemoryMarshal.GetReference(x), upstream = ref MemoryMarshal.GetReference(g), destination = ref MemoryMarshal.GetReference(grad);
        int width = Vector256<float>.Count, i = 0;
        for (; i <= x.Length - width; i += width)
            Backward(Vector256.LoadUnsafe(ref source, (nuint)i), Vector256.LoadUnsafe(ref upstream, (nuint)i)).StoreUnsafe(ref destination, (nuint)i);
        if (i == x.Length) return;
        Span<float> lanes = stackalloc float[2 * width];
        x[i..].CopyTo(lanes);
        g[i..].CopyTo(lanes[width..]);
        Backward(Vector256.Create<float>(lanes), Vector256.Create<float>(lanes[width..])).CopyTo(lanes);
        lanes[..(x.Length - i)].CopyTo(grad[i..]);
    }
}
