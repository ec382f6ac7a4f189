using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Autograd.Optim;

/// <summary>
/// Adam's and AdamW's update of one parameter in a single pass over its elements, in place on the parameter and its
/// state, instead of the eight whole-tensor ops of PyTorch's for-loop implementation. Each element goes through the
/// same roundings as those ops do here (each multiply, divide, add and square root rounded to the element type; a
/// fused multiply-add only where the op's kernel fuses: add with alpha, addcmul, and Adam's L2 decay), so the bits are
/// those of the op-by-op update.
/// </summary>
internal static class FusedAdamStep
{
    /// <summary>The step's coefficients, as the op-by-op update converts them to the element type.</summary>
    internal readonly record struct Coefficients(
        double Decay, double Beta1, double OneMinusBeta1, double Beta2, double OneMinusBeta2, double L2Decay,
        double BiasCorrection2Sqrt, double Eps, double NegativeStepSize, bool Maximize);

    /// <summary>
    /// Whether the fused update applies: parameter, gradient and state dense, of one floating dtype and element count
    /// (anything else takes the op-by-op update, which handles every layout).
    /// </summary>
    internal static bool Applies(Tensor parameter, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq)
    {
        if (!parameter.DType.IsFloating()) return false;
        foreach (var t in (ReadOnlySpan<Tensor?>)[grad, expAvg, expAvgSq, maxExpAvgSq])
        {
            if (t is not null && (t.DType != parameter.DType || t.Count != parameter.Count || !t.IsDense)) return false;
        }
        return parameter.IsDense;
    }

    /// <summary>Updates the parameter, exp_avg, exp_avg_sq (and max_exp_avg_sq) in place.</summary>
    internal static void Run(Tensor parameter, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq, Coefficients c)
    {
        DTypes.DispatchFloating(parameter.DType, new Dispatch(parameter, grad, expAvg, expAvgSq, maxExpAvgSq, c), "adam");
        parameter.Storage.BumpVersion();
        expAvg.Storage.BumpVersion();
        expAvgSq.Storage.BumpVersion();
        maxExpAvgSq?.Storage.BumpVersion();
    }

    private readonly struct Dispatch(Tensor parameter, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq, Coefficients c) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var body = new Elements<T>(parameter.Data<T>(), grad.Data<T>(), expAvg.Data<T>(), expAvgSq.Data<T>(), maxExpAvgSq?.Data<T>(), new Scalars<T>(c));
            // About 5 arrays read and 4 written per element, with a square root and two divisions.
            Parallelism.ForRanges(parameter.Count, 16, body);
        }
    }

    /// <summary>The coefficients as vectors of the element type, each rounded to it as the op-by-op update does.</summary>
    private readonly struct Scalars<T>(Coefficients c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public readonly Vector<T> Decay = Of(c.Decay), Beta1 = Of(c.Beta1), OneMinusBeta1 = Of(c.OneMinusBeta1), Beta2 = Of(c.Beta2),
            OneMinusBeta2 = Of(c.OneMinusBeta2), L2Decay = Of(c.L2Decay), BiasCorrection2Sqrt = Of(c.BiasCorrection2Sqrt), Eps = Of(c.Eps),
            NegativeStepSize = Of(c.NegativeStepSize);
        public readonly bool Maximize = c.Maximize, L2 = c.L2Decay != 0;

        private static Vector<T> Of(double value) => new(T.CreateTruncating(value));
    }

    private readonly struct Elements<T>(T[] parameter, T[] grad, T[] expAvg, T[] expAvgSq, T[]? maxExpAvgSq, Scalars<T> s) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            int width = Vector<T>.Count, i = start;
            for (; i <= end - width; i += width) Update(i);
            if (i == end) return;
            // The last few elements go through the same vector code, padded with zeros in scratch.
            int tail = end - i;
            Span<T> scratch = stackalloc T[5 * width];
            var arrays = (ReadOnlySpan<T[]?>)[parameter, grad, expAvg, expAvgSq, maxExpAvgSq];
            scratch.Clear();
            for (int a = 0; a < arrays.Length; a++) arrays[a]?.AsSpan(i, tail).CopyTo(scratch.Slice(a * width));
            var padded = Vectors(scratch, width);
            Step(ref padded[0], padded[1], ref padded[2], ref padded[3], ref padded[4]);
            for (int a = 0; a < arrays.Length; a++)
            {
                if (a != 1 && arrays[a] is { } target) MemoryMarshal.Cast<Vector<T>, T>(padded.Slice(a, 1))[..tail].CopyTo(target.AsSpan(i, tail));
            }
        }

        private static Span<Vector<T>> Vectors(Span<T> scratch, int width) => MemoryMarshal.Cast<T, Vector<T>>(scratch[..(5 * width)]);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Update(int i)
        {
            ref var p = ref Unsafe.As<T, Vector<T>>(ref parameter[i]);
            ref var m = ref Unsafe.As<T, Vector<T>>(ref expAvg[i]);
            ref var v = ref Unsafe.As<T, Vector<T>>(ref expAvgSq[i]);
            var g = Unsafe.As<T, Vector<T>>(ref grad[i]);
            if (maxExpAvgSq is null)
            {
                var unused = default(Vector<T>);
                Step(ref p, g, ref m, ref v, ref unused);
            }
            else Step(ref p, g, ref m, ref v, ref Unsafe.As<T, Vector<T>>(ref maxExpAvgSq[i]));
        }

        /// <summary>One vector of elements, op for op as <see cref="Adam.AdamStep"/>'s tensor ops round them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Step(ref Vector<T> p, Vector<T> g, ref Vector<T> m, ref Vector<T> v, ref Vector<T> max)
        {
            if (s.Maximize) g = -g;
            var param = p;
            // AdamW's decay is a multiply (by 1 for Adam); Adam's L2 decay is add(param, alpha=weight_decay), one FMA.
            if (s.L2) g = FusedMultiplyAdd(param, s.L2Decay, g);
            param *= s.Decay;
            m = FusedMultiplyAdd(g, s.OneMinusBeta1, m * s.Beta1);
            v = FusedMultiplyAdd(g * s.OneMinusBeta2, g, v * s.Beta2);
            var second = v;
            if (maxExpAvgSq is not null)
            {
                // torch.maximum: NaN wins.
                var keep = Vector.BitwiseOr(Vector.OnesComplement(Vector.Equals(max, max)), Vector.GreaterThan(max, v));
                second = max = Vector.ConditionalSelect(keep, max, v);
            }
            var denominator = Vector.SquareRoot(second) / s.BiasCorrection2Sqrt + s.Eps;
            p = param + m * s.NegativeStepSize / denominator;
        }

        private static Vector<T> FusedMultiplyAdd(Vector<T> a, Vector<T> b, Vector<T> addend)
        {
            if (typeof(T) == typeof(float)) return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), addend.As<T, float>()).As<float, T>();
            return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), addend.As<T, double>()).As<double, T>();
        }
    }
}
