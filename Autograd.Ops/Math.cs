using System.Numerics;
using System.Numerics.Tensors;
using MathNet.Numerics;
using static Autograd.Differentiable;

namespace Autograd;

/// <summary>
/// Pointwise math as torch's: trigonometric and hyperbolic functions, logarithms, rounding, the special functions
/// (on MathNet.Numerics), Maximum/Minimum, Atan2, Clamp and Lerp. Floating functions of integer tensors give float32;
/// float32 is computed in double and rounded once (correctly rounded, within 1 ulp of PyTorch's vectorized kernels).
/// </summary>
public static class MathOps
{
    private const double Ln2 = 0.693147180559945309417232121458176568;
    private const double Ln10 = 2.30258509299404568401799145468436421;

    extension(Tensor self)
    {
        /// <summary>torch.sin.</summary>
        public Tensor Sin() => Unary(Argument.NotNull(self), TensorPrimitives.Sin, "SinBackward0", (g, r) => g * self.Cos(), saveResult: false);

        /// <summary>torch.cos.</summary>
        public Tensor Cos() => Unary(Argument.NotNull(self), TensorPrimitives.Cos, "CosBackward0", (g, r) => g * -self.Sin(), saveResult: false);

        /// <summary>torch.tan.</summary>
        public Tensor Tan() => Unary(Argument.NotNull(self), TensorPrimitives.Tan, "TanBackward0", (g, r) => g * (r * r + 1), saveResult: true);

        /// <summary>torch.asin.</summary>
        public Tensor Asin() => Unary(Argument.NotNull(self), TensorPrimitives.Asin, "AsinBackward0", (g, r) => g * (1 - self * self).Rsqrt(), saveResult: false);

        /// <summary>torch.acos.</summary>
        public Tensor Acos() => Unary(Argument.NotNull(self), TensorPrimitives.Acos, "AcosBackward0", (g, r) => g * -(1 - self * self).Rsqrt(), saveResult: false);

        /// <summary>torch.atan.</summary>
        public Tensor Atan() => Unary(Argument.NotNull(self), TensorPrimitives.Atan, "AtanBackward0", (g, r) => g / (self * self + 1), saveResult: false);

        /// <summary>torch.sinh.</summary>
        public Tensor Sinh() => Unary(Argument.NotNull(self), Each(Math.Sinh), "SinhBackward0", (g, r) => g * self.Cosh(), saveResult: false);

        /// <summary>torch.cosh.</summary>
        public Tensor Cosh() => Unary(Argument.NotNull(self), Each(Math.Cosh), "CoshBackward0", (g, r) => g * self.Sinh(), saveResult: false);

        /// <summary>torch.log1p: log(1 + x), accurate near 0.</summary>
        public Tensor Log1p() => Unary(Argument.NotNull(self), Each(Log1p), "Log1PBackward0", (g, r) => g / (self + 1), saveResult: false);

        /// <summary>torch.expm1: exp(x) - 1, accurate near 0.</summary>
        public Tensor Expm1() => Unary(Argument.NotNull(self), Each(Expm1), "Expm1Backward0", (g, r) => g * (r + 1), saveResult: true);

        /// <summary>torch.log2.</summary>
        public Tensor Log2() => Unary(Argument.NotNull(self), TensorPrimitives.Log2, "Log2Backward0", (g, r) => g / (self * Ln2), saveResult: false);

        /// <summary>torch.log10.</summary>
        public Tensor Log10() => Unary(Argument.NotNull(self), Each(Math.Log10), "Log10Backward0", (g, r) => g / (self * Ln10), saveResult: false);

        /// <summary>torch.rsqrt: 1 / sqrt(x).</summary>
        public Tensor Rsqrt() => Unary(Argument.NotNull(self), Each(x => 1 / Math.Sqrt(x)), "RsqrtBackward0", (g, r) => g * -0.5 * r.Pow(3), saveResult: true);

        /// <summary>torch.erf, on MathNet.Numerics.</summary>
        public Tensor Erf() => Unary(Argument.NotNull(self), Each(SpecialFunctions.Erf), "ErfBackward0", (g, r) => g * ((-(self * self)).Exp() * (2 / Math.Sqrt(Math.PI))), saveResult: false);

        /// <summary>torch.erfc, on MathNet.Numerics.</summary>
        public Tensor Erfc() => Unary(Argument.NotNull(self), Each(SpecialFunctions.Erfc), "ErfcBackward0", (g, r) => g * ((-(self * self)).Exp() * (-2 / Math.Sqrt(Math.PI))), saveResult: false);

        /// <summary>torch.erfinv, on MathNet.Numerics (±inf at ±1, NaN beyond).</summary>
        public Tensor Erfinv() => Unary(Argument.NotNull(self), Each(Erfinv), "ErfinvBackward0", (g, r) => g * ((r * r).Exp() * (Math.Sqrt(Math.PI) / 2)), saveResult: true);

        /// <summary>torch.lgamma: log |Γ(x)| (inf at 0 and the negative integers).</summary>
        public Tensor Lgamma() => Unary(Argument.NotNull(self), Each(Lgamma), "LgammaBackward0", (g, r) => g * self.Digamma(), saveResult: false);

        /// <summary>torch.digamma: ψ(x); ∓inf at ±0 and NaN at the negative integers, as PyTorch.</summary>
        public Tensor Digamma()
        {
            ArgumentNullException.ThrowIfNull(self);
            var x = self.DType.IsFloating() ? self : Kernels.Cast(self, DType.Float32);
            var result = Tensor.Uninitialized(x.DType, self.Dims);
            DTypes.DispatchFloating(x.DType, new GammaDerivative(x, result, trigamma: false), "digamma");
            if (Graph.NeedsGrad(self)) Graph.Record(result, "DigammaBackward0", [self], g => [g * Polygamma(1, self)], saved: [self]);
            return result;
        }

        /// <summary>torch.floor; integer tensors are returned unchanged in value (Int64).</summary>
        public Tensor Floor() => Rounding(Argument.NotNull(self), TensorPrimitives.Floor, "FloorBackward0");

        /// <summary>torch.ceil.</summary>
        public Tensor Ceil() => Rounding(Argument.NotNull(self), TensorPrimitives.Ceiling, "CeilBackward0");

        /// <summary>torch.round: halves to even.</summary>
        public Tensor Round() => Rounding(Argument.NotNull(self), Each(Math.Round), "RoundBackward0");

        /// <summary>torch.trunc: toward zero.</summary>
        public Tensor Trunc() => Rounding(Argument.NotNull(self), TensorPrimitives.Truncate, "TruncBackward0");

        /// <summary>torch.sign: -1, 0 or 1 (0 for ±0 and NaN, as PyTorch's (0 &lt; x) - (x &lt; 0)); Int64 stays Int64.</summary>
        public Tensor Sign()
        {
            ArgumentNullException.ThrowIfNull(self);
            if (self.DType == DType.Int64)
            {
                var ints = Tensor.Uninitialized(DType.Int64, self.Dims);
                var x = self.Span<long>();
                var y = ints.Span<long>();
                for (int i = 0; i < x.Length; i++) y[i] = Math.Sign(x[i]);
                return ints;
            }
            return Rounding(self, Each(x => x > 0 ? 1 : x < 0 ? -1 : 0), "SignBackward0");
        }

        /// <summary>torch.square: x ** 2 (PyTorch records it as pow, PowBackward0); Int64 stays Int64.</summary>
        public Tensor Square() => Argument.NotNull(self).Pow(2);

        /// <summary>torch.maximum: elementwise larger value, NaN if either is; ties split the gradient in halves, as PyTorch.</summary>
        public Tensor Maximum(Tensor other) => Extreme(Argument.NotNull(self), Argument.NotNull(other), largest: true);

        /// <summary>torch.minimum: elementwise smaller value, NaN if either is.</summary>
        public Tensor Minimum(Tensor other) => Extreme(Argument.NotNull(self), Argument.NotNull(other), largest: false);

        /// <summary>torch.atan2(self, other): the angle of (other, self); integer inputs give float32.</summary>
        public Tensor Atan2(Tensor other)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(other);
            var dtype = FloatingResult(DTypes.Promote(self, other));
            var shape = Shapes.Broadcast(self.Dims, other.Dims);
            Tensor y = Wide(self, shape), x = Wide(other, shape);
            var wide = Tensor.Uninitialized(DType.Float64, shape);
            TensorPrimitives.Atan2<double>(y.Span<double>(), x.Span<double>(), wide.Span<double>());
            var result = Kernels.Cast(wide, dtype);
            if (Graph.NeedsGrad(self, other))
            {
                Graph.Record(result, "Atan2Backward0", [self, other], g =>
                {
                    var reciprocal = (self * self + other * other).Reciprocal();
                    return [self.RequiresGrad ? GradFor(g * other * reciprocal, self) : null,
                            other.RequiresGrad ? GradFor(g * -self * reciprocal, other) : null];
                }, saved: [self, other]);
            }
            return result;
        }

        /// <summary>torch.clamp(x, min, max) with scalar bounds: NaN stays NaN; min above max gives max. At least one bound is required.</summary>
        public Tensor Clamp(double? min = null, double? max = null)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (min is null && max is null) throw new ArgumentException("torch.clamp: At least one of 'min' or 'max' must not be None");
            bool integral = self.DType == DType.Int64 && (min is null || double.IsInteger(min.Value)) && (max is null || double.IsInteger(max.Value));
            var source = integral || self.DType.IsFloating() ? self : Kernels.Cast(self, DType.Float32);
            var result = Tensor.Uninitialized(source.DType, source.Dims);
            DTypes.DispatchNumeric(source.DType, new Clamping(source, min, max, result), "clamp_scalar_cpu");
            if (Graph.NeedsGrad(self))
            {
                Graph.Record(result, "ClampBackward1", [self], g =>
                {
                    Tensor zero = Kernels.Full(g.DType, [], 0);
                    if (min is { } lo && max is { } hi) return [And(self.Ge(lo), self.Le(hi), g, zero)];
                    return [Comparisons.Where(min is { } l ? self.Ge(l) : self.Le(max!.Value), g, zero)];
                }, saved: [self]);
            }
            return result;
        }

        /// <summary>torch.clamp(x, min, max) with tensor bounds (broadcast): minimum(maximum(x, min), max).</summary>
        public Tensor Clamp(Tensor? min, Tensor? max)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (min is null && max is null) throw new ArgumentException("torch.clamp: At least one of 'min' or 'max' must not be None");
            Tensor result;
            using (GradMode.Disable())
            {
                result = self;
                if (min is not null) result = result.Maximum(min);
                if (max is not null) result = result.Minimum(max);
            }
            bool needs = Graph.NeedsGrad(self) || min is not null && Graph.NeedsGrad(min) || max is not null && Graph.NeedsGrad(max);
            if (needs)
            {
                Tensor lower = min ?? self, upper = max ?? self;
                Graph.Record(result, "ClampBackward0", [self, lower, upper], g =>
                {
                    Tensor zero = Kernels.Full(g.DType, [], 0);
                    Tensor Masked(Tensor mask, Tensor input) => GradFor(Comparisons.Where(mask, g, zero), input);
                    if (min is not null && max is not null)
                    {
                        return [self.RequiresGrad ? GradFor(And(self.Ge(min), self.Le(max), g, zero), self) : null,
                                min.RequiresGrad ? GradFor(And(self.Lt(min), min.Lt(max), g, zero), min) : null,
                                max.RequiresGrad ? GradFor(Comparisons.Where(self.Gt(max), g, Comparisons.Where(max.Lt(min), g, zero)), max) : null];
                    }
                    if (min is not null)
                        return [self.RequiresGrad ? Masked(self.Ge(min), self) : null, min.RequiresGrad ? Masked(self.Lt(min), min) : null, null];
                    return [self.RequiresGrad ? Masked(self.Le(max!), self) : null, null, max!.RequiresGrad ? Masked(self.Gt(max), max) : null];
                }, saved: [self, min, max]);
            }
            return result;
        }

        /// <summary>torch.lerp(self, end, weight): self + weight * (end - self), or end - (end - self) * (1 - weight) for |weight| ≥ 0.5, as PyTorch's kernel.</summary>
        public Tensor Lerp(Tensor end, double weight)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(end);
            if (self.DType != end.DType)
                throw new ArgumentException($"expected dtype {self.DType.TorchName()} for `end` but got dtype {end.DType.TorchName()}");
            var shape = Shapes.Broadcast(self.Dims, end.Dims);
            Tensor a = Comparisons.ExpandedCopy(self, shape), b = Comparisons.ExpandedCopy(end, shape);
            var result = Tensor.Uninitialized(self.DType, shape);
            DTypes.DispatchFloating(self.DType, new Interpolation(a, b, weight, result), "lerp_kernel_scalar");
            if (Graph.NeedsGrad(self, end))
                Graph.Record(result, "LerpBackward0", [self, end], g => [GradFor(g * (1 - weight), self), GradFor(g * weight, end)], saved: []);
            return result;
        }
    }

    /// <summary>ψ^(n)(x), the n-th derivative of digamma (n ≥ 1), as torch.polygamma; differentiable to any order.</summary>
    internal static Tensor Polygamma(int n, Tensor x)
    {
        Tensor result;
        if (n == 1)
        {
            var input = x.DType.IsFloating() ? x : Kernels.Cast(x, DType.Float32);
            result = Tensor.Uninitialized(input.DType, x.Dims);
            DTypes.DispatchFloating(input.DType, new GammaDerivative(input, result, trigamma: true), "polygamma");
        }
        else result = Arithmetic.Map(x, Each(v => PolygammaValue(n, v)));
        if (Graph.NeedsGrad(x)) Graph.Record(result, "PolygammaBackward0", [x], g => [g * Polygamma(n + 1, x)], saved: [x]);
        return result;
    }

    /// <summary>g where both masks hold, else zero (PyTorch's logical_and of the masks, then where).</summary>
    private static Tensor And(Tensor a, Tensor b, Tensor g, Tensor zero) => Comparisons.Where(a, Comparisons.Where(b, g, zero), zero);

    private static DType FloatingResult(DType dtype) => dtype == DType.Int64 ? DType.Float32 : dtype;

    private static Tensor Wide(Tensor t, int[] shape) => Comparisons.ExpandedCopy(Kernels.Cast(t, DType.Float64), shape);

    private static Arithmetic.SpanMap<double> Each(Func<double, double> f) => (x, y) =>
    {
        for (int i = 0; i < x.Length; i++) y[i] = f(x[i]);
    };

    private static Tensor Unary(Tensor self, Arithmetic.SpanMap<double> function, string name, Func<Tensor, Tensor, Tensor> backward, bool saveResult)
    {
        ArgumentNullException.ThrowIfNull(self);
        var result = Arithmetic.Map(self, function);
        if (Graph.NeedsGrad(self)) Graph.Record(result, name, [self], g => [backward(g, result)], saved: [saveResult ? result : self]);
        return result;
    }

    /// <summary>Rounding-type functions: integer tensors keep their values and dtype; the gradient is zero.</summary>
    private static Tensor Rounding(Tensor self, Arithmetic.SpanMap<double> function, string name)
    {
        ArgumentNullException.ThrowIfNull(self);
        if (self.DType == DType.Int64) return CopyOf(self);
        var result = Arithmetic.Map(self, function);
        if (Graph.NeedsGrad(self)) Graph.Record(result, name, [self], g => [g * 0.0], saved: []);
        return result;
    }

    private static Tensor CopyOf(Tensor t)
    {
        var copy = Tensor.Uninitialized(t.DType, t.Dims);
        Array.Copy(t.Values, copy.Storage.Data, t.Count);
        return copy;
    }

    private static Tensor Extreme(Tensor self, Tensor other, bool largest)
    {
        ArgumentNullException.ThrowIfNull(other);
        var dtype = DTypes.Promote(self, other);
        var shape = Shapes.Broadcast(self.Dims, other.Dims);
        Tensor a = Comparisons.ExpandedCopy(Kernels.Cast(self, dtype), shape), b = Comparisons.ExpandedCopy(Kernels.Cast(other, dtype), shape);
        var result = Tensor.Uninitialized(dtype, shape);
        DTypes.DispatchNumeric(dtype, new Extremes(a, b, result, largest), largest ? "maximum_cpu" : "minimum_cpu");
        if (Graph.NeedsGrad(self, other))
        {
            Graph.Record(result, largest ? "MaximumBackward0" : "MinimumBackward0", [self, other], g =>
            {
                var zero = Kernels.Full(g.DType, [], 0);
                var shared = Comparisons.Where(self.Eq(other), g / 2, g);
                Tensor selfLoses = largest ? self.Lt(other) : self.Gt(other), otherLoses = largest ? self.Gt(other) : self.Lt(other);
                return [self.RequiresGrad ? GradFor(Comparisons.Where(selfLoses, zero, shared), self) : null,
                        other.RequiresGrad ? GradFor(Comparisons.Where(otherLoses, zero, shared), other) : null];
            }, saved: [self, other]);
        }
        return result;
    }

    private readonly struct Extremes(Tensor a, Tensor b, Tensor result, bool largest) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => ExtremeEach<T>(a.Span<T>(), b.Span<T>(), result.Span<T>(), largest);
    }

    private static void ExtremeEach<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, bool largest) where T : INumber<T>
    {
        for (int i = 0; i < y.Length; i++)
        {
            T x = a[i], z = b[i];
            y[i] = T.IsNaN(x) ? x : T.IsNaN(z) ? z : largest ? (x > z ? x : z) : (x < z ? x : z);
        }
    }

    /// <summary>The bounds rounded to the element type, as the scalars PyTorch's kernel receives.</summary>
    private readonly struct Clamping(Tensor source, double? min, double? max, Tensor result) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> =>
            ClampEach(source.Span<T>(), min is { } low ? T.CreateTruncating(low) : null, max is { } high ? T.CreateTruncating(high) : null, result.Span<T>());
    }

    private static void ClampEach<T>(ReadOnlySpan<T> x, T? min, T? max, Span<T> y) where T : struct, INumber<T>
    {
        for (int i = 0; i < y.Length; i++)
        {
            T v = x[i];
            if (T.IsNaN(v)) { y[i] = v; continue; }
            if (min is { } lo && v < lo) v = lo;
            if (max is { } hi && v > hi) v = hi;
            y[i] = v;
        }
    }

    private readonly struct Interpolation(Tensor a, Tensor b, double weight, Tensor result) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => LerpEach(a.Span<T>(), b.Span<T>(), T.CreateTruncating(weight), result.Span<T>());
    }

    private static void LerpEach<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, T w, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        T half = T.CreateTruncating(0.5);
        bool small = T.Abs(w) < half;
        for (int i = 0; i < y.Length; i++)
        {
            T diff = b[i] - a[i];
            // PyTorch's scalar kernel, compiled with FMA contraction in its AVX2 build.
            y[i] = small ? T.FusedMultiplyAdd(w, diff, a[i]) : T.FusedMultiplyAdd(-diff, T.One - w, b[i]);
        }
    }

    private static double Log1p(double x) => double.IsInfinity(x) && x > 0 ? x : x == 0 ? x : Math.Abs(x) < 1e-4
        ? x * (1 - x * (0.5 - x * (1.0 / 3 - x * 0.25)))
        : Math.Log(1 + x) * x / ((1 + x) - 1);

    /// <summary>Kahan's expm1: (u - 1) x / log(u) with u = exp(x) cancels the rounding error of u.</summary>
    private static double Expm1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        return um1 == -1 ? -1 : double.IsInfinity(u) ? u : um1 * x / Math.Log(u);
    }

    private static double Erfinv(double x) => x switch
    {
        1 => double.PositiveInfinity,
        -1 => double.NegativeInfinity,
        _ when !(Math.Abs(x) < 1) => double.NaN,
        _ => SpecialFunctions.ErfInv(x),
    };

    /// <summary>
    /// log |Γ(x)|: series about 2 on [1.5, 2.5] (accurate at the roots 1 and 2), the recurrence into it below 13,
    /// Stirling's series above, the reflection formula for negatives; +inf at 0 and the negative integers.
    /// </summary>
    private static double Lgamma(double x)
    {
        if (double.IsNaN(x)) return x;
        if (double.IsInfinity(x)) return double.PositiveInfinity;
        if (x <= 0 && double.IsInteger(x)) return double.PositiveInfinity;
        if (x < 0) return Math.Log(Math.PI / Math.Abs(double.SinPi(x))) - Lgamma(1 - x);
        double shift = 0;
        if (x < 1.5)
        {
            double product = 1;
            while (x < 1.5) { product *= x; x += 1; }
            shift = -Math.Log(product);
        }
        else if (x > 2.5 && x < 13)
        {
            double product = 1;
            while (x > 2.5) { x -= 1; product *= x; }
            shift = Math.Log(product);
        }
        if (x >= 13)
        {
            double inverse = 1 / x, square = inverse * inverse;
            double tail = inverse * (1.0 / 12 - square * (1.0 / 360 - square * (1.0 / 1260 - square * (1.0 / 1680 - square / 1188))));
            return (x - 0.5) * Math.Log(x) - x + 0.91893853320467274178 + tail;
        }
        // lgamma(2 + z) = (1 - γ) z + Σ_{k≥2} (-1)^k (ζ(k) - 1) z^k / k, |z| ≤ 0.5.
        double zz = x - 2, sum = 0, power = -zz;
        for (int k = 2; k < ZetaMinusOne.Length; k++)
        {
            power *= -zz;
            sum += ZetaMinusOne[k] * power / k;
        }
        return shift + (zz * (1 - 0.57721566490153286061) + sum);
    }

    /// <summary>ζ(k) - 1 for k = 0 .. 59 (0 unused entries below 2): closed forms and sums of n^-k.</summary>
    private static readonly double[] ZetaMinusOne = BuildZeta();

    private static double[] BuildZeta()
    {
        var z = new double[60];
        double[] known = [0, 0, 0.64493406684822643647, 0.20205690315959428540, 0.08232323371113819152, 0.03692775514336992633,
            0.01734306198444913971, 0.00834927738192282684, 0.00407735619794433938, 0.00200839282608221442, 0.00099457512781808534];
        known.CopyTo(z, 0);
        for (int k = known.Length; k < z.Length; k++)
        {
            double s = 0;
            for (int n = 60; n >= 2; n--) s += Math.Pow(n, -k);
            z[k] = s;
        }
        return z;
    }

    /// <summary>Digamma, or with <paramref name="trigamma"/> its derivative, of each element at the input's element type.</summary>
    private readonly struct GammaDerivative(Tensor x, Tensor result, bool trigamma) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (trigamma) TrigammaEach(x.Span<T>(), result.Span<T>());
            else DigammaEach(x.Span<T>(), result.Span<T>());
        }
    }

    private static void DigammaEach<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = Digamma(x[i]);
    }

    /// <summary>
    /// PyTorch's calc_digamma in the input's precision: ∓inf at ±0, NaN at negative integers, reflection for negatives,
    /// the recurrence up to 10, then the asymptotic series (its polynomial with fused multiply-adds, as its AVX2 build).
    /// </summary>
    private static T Digamma<T>(T x) where T : IFloatingPointIeee754<T>
    {
        if (T.IsZero(x)) return T.IsNegative(x) ? T.PositiveInfinity : T.NegativeInfinity;
        if (x < T.Zero)
        {
            if (x == T.Truncate(x)) return T.NaN;
            double r = double.CreateTruncating(x) - Math.Truncate(double.CreateTruncating(x));
            var piOverTan = T.CreateTruncating(Math.PI / Math.Tan(Math.PI * r));
            return Digamma(T.One - x) - piOverTan;
        }
        T result = T.Zero, ten = T.CreateTruncating(10);
        while (x < ten)
        {
            result -= T.One / x;
            x += T.One;
        }
        if (x == ten) return result + T.CreateTruncating(2.25175258906672110764);
        T series = T.Zero;
        if (x < T.CreateTruncating(1.0e17))
        {
            T z = T.One / (x * x);
            T p = T.CreateTruncating(DigammaCoefficients[0]);
            for (int k = 1; k < DigammaCoefficients.Length; k++) p = T.FusedMultiplyAdd(p, z, T.CreateTruncating(DigammaCoefficients[k]));
            series = z * p;
        }
        return result + T.Log(x) - T.CreateTruncating(0.5) / x - series;
    }

    private static readonly double[] DigammaCoefficients =
        [8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3, -4.16666666666666666667E-3,
         3.96825396825396825397E-3, -8.33333333333333333333E-3, 8.33333333333333333333E-2];

    private static void TrigammaEach<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = Trigamma(x[i]);
    }

    /// <summary>PyTorch's calc_trigamma in the input's precision: reflection below 0.5, six recurrence steps, then three Bernoulli terms.</summary>
    private static T Trigamma<T>(T x) where T : IFloatingPointIeee754<T>
    {
        T sign = T.One, result = T.Zero, half = T.CreateTruncating(0.5);
        if (x < half)
        {
            sign = -T.One;
            T sinPiX = T.Sin(T.Pi * x);
            result -= T.Pi * T.Pi / (sinPiX * sinPiX);
            x = T.One - x;
        }
        for (int i = 0; i < 6; i++)
        {
            result += T.One / (x * x);
            x += T.One;
        }
        T ixx = T.One / (x * x);
        T sixth = T.One / T.CreateTruncating(6), thirtieth = T.One / T.CreateTruncating(30), fortySecond = T.One / T.CreateTruncating(42);
        result += (T.One + T.One / (T.CreateTruncating(2) * x) + ixx * (sixth - ixx * (thirtieth - ixx * fortySecond))) / x;
        return sign * result;
    }

    /// <summary>ψ^(n)(x) for n ≥ 1: the recurrence up to x ≥ 20, then the asymptotic series.</summary>
    private static double PolygammaValue(int n, double x)
    {
        if (double.IsNaN(x) || double.IsNegativeInfinity(x)) return double.NaN;
        if (double.IsPositiveInfinity(x)) return 0;
        if (x <= 0 && double.IsInteger(x)) return n % 2 == 1 ? double.PositiveInfinity : double.NaN;
        double factorial = 1;
        for (int k = 2; k <= n; k++) factorial *= k;
        double sign = n % 2 == 1 ? 1 : -1, shift = 0;
        while (x < 20) { shift += 1 / Math.Pow(x, n + 1); x += 1; }
        // (-1)^(n+1) [ (n-1)!/x^n + n!/(2 x^(n+1)) + sum_k B_2k (2k+n-1)!/((2k)! x^(2k+n)) ]
        double[] bernoulli = [1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6];
        double series = factorial / n / Math.Pow(x, n) + factorial / (2 * Math.Pow(x, n + 1));
        double rising = factorial; // (2k + n - 1)! / (2k)!, updated per k
        for (int k = 1; k <= bernoulli.Length; k++)
        {
            rising = k == 1 ? factorial * (n + 1) / 2.0 * 1 : rising * (2 * k + n - 2) * (2 * k + n - 1) / ((2.0 * k - 1) * 2 * k);
            series += bernoulli[k - 1] * rising / Math.Pow(x, 2 * k + n);
        }
        return sign * (series + factorial * shift);
    }
}
