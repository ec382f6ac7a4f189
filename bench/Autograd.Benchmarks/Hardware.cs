using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Autograd.Benchmarks;

/// <summary>The machine's own limits, measured in the same run as the workloads so noise affects both alike.</summary>
public static class Hardware
{
    // Far larger than the caches, so copies measure memory speed.
    private const int CopyBytes = 256 << 20;

    /// <summary>Copy speed in bytes per second, counting bytes read plus bytes written (as STREAM does).</summary>
    public static double CopySpeed(int threads)
    {
        var source = GC.AllocateUninitializedArray<byte>(CopyBytes);
        var destination = GC.AllocateUninitializedArray<byte>(CopyBytes);
        source.AsSpan().Fill(1);
        destination.AsSpan().Fill(2);
        int part = CopyBytes / threads;
        var seconds = Median(7, () => Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
            t => source.AsSpan(t * part, part).CopyTo(destination.AsSpan(t * part, part))));
        return 2.0 * CopyBytes / seconds;
    }

    /// <summary>Floating-point operations per second of float32 fused multiply-adds on the widest accelerated vectors.</summary>
    public static double FmaPeak(int threads)
    {
        const long Iterations = 20_000_000;
        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;
        var seconds = Median(5, () => Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
            _ => GC.KeepAlive(Vector512.IsHardwareAccelerated
                ? FmaChains<Vector512<float>, Fma512>(Iterations)
                : FmaChains<Vector256<float>, Fma256>(Iterations))));
        return threads * Iterations * Chains * lanes * 2.0 / seconds;
    }

    private static double Median(int samples, Action run)
    {
        run();
        var times = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return times[samples / 2];
    }

    // Twelve independent chains cover the FMA latency on both FMA pipes.
    private const int Chains = 12;

    private static TVector FmaChains<TVector, TFma>(long iterations)
        where TVector : struct
        where TFma : IFma<TVector>
    {
        var m = TFma.Broadcast(0.999999f);
        var a = TFma.Broadcast(1e-7f);
        TVector c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m, c10 = m, c11 = m;
        for (long i = 0; i < iterations; i++)
        {
            c0 = TFma.Fma(c0, m, a); c1 = TFma.Fma(c1, m, a); c2 = TFma.Fma(c2, m, a); c3 = TFma.Fma(c3, m, a);
            c4 = TFma.Fma(c4, m, a); c5 = TFma.Fma(c5, m, a); c6 = TFma.Fma(c6, m, a); c7 = TFma.Fma(c7, m, a);
            c8 = TFma.Fma(c8, m, a); c9 = TFma.Fma(c9, m, a); c10 = TFma.Fma(c10, m, a); c11 = TFma.Fma(c11, m, a);
        }
        // Combining the chains keeps every one of them live.
        return TFma.Fma(TFma.Fma(TFma.Fma(c0, c1, c2), TFma.Fma(c3, c4, c5), TFma.Fma(c6, c7, c8)), c9, TFma.Fma(c10, c11, a));
    }

    private interface IFma<TVector>
    {
        static abstract TVector Broadcast(float value);
        static abstract TVector Fma(TVector x, TVector y, TVector addend);
    }

    private readonly struct Fma512 : IFma<Vector512<float>>
    {
        public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
        public static Vector512<float> Fma(Vector512<float> x, Vector512<float> y, Vector512<float> addend) => Vector512.FusedMultiplyAdd(x, y, addend);
    }

    private readonly struct Fma256 : IFma<Vector256<float>>
    {
        public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
        public static Vector256<float> Fma(Vector256<float> x, Vector256<float> y, Vector256<float> addend) => Vector256.FusedMultiplyAdd(x, y, addend);
    }
}
