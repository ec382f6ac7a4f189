using System.Numerics;
using System.Numerics.Tensors;
using static Autograd.Comparisons;
using static Autograd.Differentiable;

namespace Autograd;

/// <summary>Pow, Sqrt, Abs, and the scaled forms Add(alpha), Sub(alpha), Addcmul, Addcdiv that optimizers are written with.</summary>
public static class Pointwise
{
    extension(Tensor self)
    {
        /// <summary>
        /// self ** exponent. Exponents 0.5, 2, 3, -0.5, -1, -2 are computed as sqrt and products, as PyTorch does;
        /// integer tensors with whole non-negative exponents stay integer.
        /// </summary>
        public Tensor Pow(double exponent)
        {
            ArgumentNullException.ThrowIfNull(self);
            var result = PowScalar(self, exponent);
            if (Graph.NeedsGrad(self))
            {
                Graph.Record(result, "PowBackward0", [self], g => exponent == 0
                    ? [Kernels.Full(self.DType, self.Dims, 0)]
                    : [g * (self.Pow(exponent - 1) * exponent)], saved: [self]);
            }
            return result;
        }

        /// <summary>Elementwise self ** exponent with broadcasting.</summary>
        public Tensor Pow(Tensor exponent)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(exponent);
            var shape = Shapes.Broadcast(self.Dims, exponent.Dims);
            var dtype = DTypes.Promote(self.DType, exponent.DType);
            if (dtype == DType.Bool) throw new ArgumentException("\"pow\" not implemented for 'Bool'");
            Tensor x = ExpandedCopy(Kernels.Cast(self, dtype), shape), e = ExpandedCopy(Kernels.Cast(exponent, dtype), shape);
            var result = Tensor.Empty(dtype, shape);
            if (dtype == DType.Int64) IntegerPowEach(x.Span<long>(), e.Span<long>(), result.Span<long>());
            else DTypes.DispatchFloating(dtype, new PowEach(x, e, result), "pow");
            if (Graph.NeedsGrad(self, exponent))
            {
                // PyTorch masks the formulas where they would give 0 * inf: a zero exponent, and log(0) for a zero base.
                Graph.Record(result, "PowBackward1", [self, exponent], g =>
                {
                    var zero = Kernels.Full(g.DType, [], 0);
                    var selfGrad = Where(exponent.Eq(0), zero, g * (exponent * self.Pow(exponent - 1.0)));
                    var exponentGrad = g * Where(self.Eq(0) * exponent.Ge(0), zero, result * self.Log());
                    return [GradFor(selfGrad, self), GradFor(exponentGrad, exponent)];
                }, saved: [self, exponent, result]);
            }
            return result;
        }

        /// <summary>Elementwise square root, as <c>torch.sqrt</c> (grad_fn <c>SqrtBackward0</c>): NaN below 0; an integer tensor gives float32.</summary>
        public Tensor Sqrt()
        {
            ArgumentNullException.ThrowIfNull(self);
            Tensor result;
            if (self.DType.IsFloating())
            {
                result = Tensor.Uninitialized(self.DType, self.Dims);
                DTypes.DispatchFloating(self.DType, new SquareRoot(self, result), "sqrt");
            }
            else result = Arithmetic.Map(self, TensorPrimitives.Sqrt);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "SqrtBackward0", [self], g => [g / (result * 2.0)], saved: [result]);
            return result;
        }

        /// <summary>Elementwise absolute value, as <c>torch.abs</c> (grad_fn <c>AbsBackward0</c>, whose gradient is 0 at 0); the dtype is kept.</summary>
        public Tensor Abs()
        {
            ArgumentNullException.ThrowIfNull(self);
            var result = Tensor.Empty(self.DType, self.Dims);
            // Two's complement, as PyTorch's kernel: |long.MinValue| wraps to itself (TensorPrimitives.Abs would throw).
            if (self.DType == DType.Int64) AbsWrapping(self.Span<long>(), result.Span<long>());
            else DTypes.DispatchFloating(self.DType, new Absolute(self, result), "abs_cpu");
            if (Graph.NeedsGrad(self)) Graph.Record(result, "AbsBackward0", [self], g => [g * Kernels.SignOf(self)], saved: [self]);
            return result;
        }

        /// <summary>self + alpha * other, as <c>torch.add(self, other, alpha=alpha)</c>: one fused multiply-add per element, as PyTorch's CPU kernel.</summary>
        public Tensor Add(Tensor other, double alpha = 1) => ScaledAdd(Argument.NotNull(self), Argument.NotNull(other), alpha, "AddBackward0");

        /// <summary>self - alpha * other, as <c>torch.sub(self, other, alpha=alpha)</c>.</summary>
        public Tensor Sub(Tensor other, double alpha = 1) => ScaledAdd(Argument.NotNull(self), Argument.NotNull(other), -alpha, "SubBackward0");

        /// <summary>self + value * tensor1 * tensor2, as PyTorch's CPU kernel: one fused multiply-add of (value * tensor1) and tensor2 onto self.</summary>
        public Tensor Addcmul(Tensor tensor1, Tensor tensor2, double value = 1)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(tensor1);
            ArgumentNullException.ThrowIfNull(tensor2);
            Tensor result;
            using (GradMode.Disable()) result = FusedMultiplyAdd(tensor1 * value, tensor2, self);
            if (Graph.NeedsGrad(self) || Graph.NeedsGrad(tensor1, tensor2))
            {
                InputMeta ms = InputMeta.Of(self), m1 = InputMeta.Of(tensor1), m2 = InputMeta.Of(tensor2);
                Tensor? saved1 = tensor2.RequiresGrad ? tensor1 : null, saved2 = tensor1.RequiresGrad ? tensor2 : null;
                Graph.Record(result, "AddcmulBackward0", [self, tensor1, tensor2],
                    g => [GradFor(g, ms), saved2 is null ? null : GradFor(g * saved2 * value, m1), saved1 is null ? null : GradFor(g * saved1 * value, m2)],
                    saved: [saved1, saved2]);
            }
            return result;
        }

        /// <summary>self + value * tensor1 / tensor2.</summary>
        public Tensor Addcdiv(Tensor tensor1, Tensor tensor2, double value = 1)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(tensor1);
            ArgumentNullException.ThrowIfNull(tensor2);
            Tensor result;
            using (GradMode.Disable()) result = self + tensor1 * value / tensor2;
            if (Graph.NeedsGrad(self) || Graph.NeedsGrad(tensor1, tensor2))
            {
                InputMeta ms = InputMeta.Of(self), m1 = InputMeta.Of(tensor1), m2 = InputMeta.Of(tensor2);
                Tensor? saved1 = tensor2.RequiresGrad ? tensor1 : null, saved2 = tensor1.RequiresGrad || tensor2.RequiresGrad ? tensor2 : null;
                bool grad1 = tensor1.RequiresGrad;
                Graph.Record(result, "AddcdivBackward0", [self, tensor1, tensor2],
                    g => [GradFor(g, ms), grad1 ? GradFor(g * value / saved2!, m1) : null, saved1 is null ? null : GradFor(-g * value * saved1 / (saved2! * saved2!), m2)],
                    saved: [saved1, saved2]);
            }
            return result;
        }
    }

    /// <summary>
    /// Square roots in the tensor's own type: a correctly rounded float sqrt is the double sqrt rounded to float
    /// (double's 53 bits exceed 2 x 24 + 2), so float32 needs no widening to be PyTorch's.
    /// </summary>
    private readonly struct SquareRoot(Tensor x, Tensor result) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt<T>(x.Span<T>(), result.Span<T>());
    }

    private readonly struct Absolute(Tensor x, Tensor result) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Abs<T>(x.Span<T>(), result.Span<T>());
    }

    private static void AbsWrapping(ReadOnlySpan<long> x, Span<long> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] < 0 ? unchecked(-x[i]) : x[i];
    }

    private static Tensor ScaledAdd(Tensor a, Tensor b, double alpha, string name)
    {
        var shape = Shapes.Broadcast(a.Dims, b.Dims);
        var dtype = DTypes.Promote(a.DType, b.DType);
        if (dtype is DType.Int64 or DType.Bool && !double.IsInteger(alpha))
            throw new ArgumentException("For integral input tensors, argument alpha must not be a floating point number.");
        if (name == "SubBackward0" && (a.DType == DType.Bool || b.DType == DType.Bool))
            throw new ArgumentException(dtype == DType.Bool ? Kernels.BoolsSubtraction : Kernels.BoolSubtraction);
        // Bool + alpha * Bool is a logical or (alpha taken as a bool), as in PyTorch.
        var result = dtype == DType.Bool
            ? Kernels.Binary(a, alpha == 0 ? Kernels.Full(DType.Bool, b.Dims, 0) : b, BinaryOp.Add)
            : FusedMultiplyAdd(b, Kernels.Full(dtype, [], alpha), a);
        if (Graph.NeedsGrad(a, b))
        {
            InputMeta ma = InputMeta.Of(a), mb = InputMeta.Of(b);
            Graph.Record(result, name, [a, b], g => [GradFor(g, ma), GradFor(g * alpha, mb)], saved: []);
        }
        return result;
    }

    /// <summary>x * y + addend rounded once per element (broadcast, promoted), as the FMA instructions of PyTorch's AVX2 kernels.</summary>
    private static Tensor FusedMultiplyAdd(Tensor x, Tensor y, Tensor addend)
    {
        var shape = Shapes.Broadcast(Shapes.Broadcast(x.Dims, y.Dims), addend.Dims);
        var dtype = DTypes.Promote(DTypes.Promote(x.DType, y.DType), addend.DType);
        Tensor Operand(Tensor t) => ExpandedCopy(Kernels.Cast(t, dtype), shape);
        Tensor a = Operand(x), c = Operand(addend);
        var result = Tensor.Uninitialized(dtype, shape);
        // A one-element multiplier (alpha in Add and SGD's update) is used as a scalar rather than expanded.
        var b = y.Count == 1 && a.Count != 1 ? Kernels.Cast(y, dtype) : Operand(y);
        bool scalar = b.Count != result.Count;
        // Integers have no rounding to fuse: a multiply and an add.
        if (dtype.IsFloating()) DTypes.DispatchFloating(dtype, new FusedMultiplyAddEach(a, b, c, result, scalar), "addcmul");
        else if (scalar) TensorPrimitives.MultiplyAdd(a.Span<long>(), b.Span<long>()[0], c.Span<long>(), result.Span<long>());
        else TensorPrimitives.MultiplyAdd<long>(a.Span<long>(), b.Span<long>(), c.Span<long>(), result.Span<long>());
        return result;
    }

    private readonly struct FusedMultiplyAddEach(Tensor a, Tensor b, Tensor c, Tensor result, bool scalar) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (scalar) TensorPrimitives.FusedMultiplyAdd(a.Span<T>(), b.Span<T>()[0], c.Span<T>(), result.Span<T>());
            else TensorPrimitives.FusedMultiplyAdd<T>(a.Span<T>(), b.Span<T>(), c.Span<T>(), result.Span<T>());
        }
    }

    private static Tensor PowScalar(Tensor self, double exponent)
    {
        // A bool base with a whole exponent computes in int64, as PyTorch's.
        if (self.DType == DType.Bool && double.IsInteger(exponent)) self = Kernels.Cast(self, DType.Int64);
        if (self.DType == DType.Int64 && double.IsInteger(exponent))
        {
            if (exponent < 0) throw new ArgumentException("Integers to negative integer powers are not allowed.");
            var power = Tensor.Empty(DType.Int64, self.Dims);
            var exponents = Kernels.Full(DType.Int64, self.Dims, exponent);
            IntegerPowEach(self.Span<long>(), exponents.Span<long>(), power.Span<long>());
            return power;
        }
        var x = self.DType.IsFloating() ? self : Kernels.Cast(self, DType.Float32);
        var result = Tensor.Empty(x.DType, x.Dims);
        DTypes.DispatchFloating(x.DType, new ScalarPower(x, exponent, result), "pow");
        return result;
    }

    private readonly struct ScalarPower(Tensor x, double exponent, Tensor result) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => PowScalar<T>(x.Span<T>(), exponent, result.Span<T>());
    }

    private static void PowScalar<T>(ReadOnlySpan<T> x, double exponent, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        switch (exponent)
        {
            case 0.5: TensorPrimitives.Sqrt(x, y); break;
            case 2: TensorPrimitives.Multiply(x, x, y); break;
            case 3: TensorPrimitives.Multiply(x, x, y); TensorPrimitives.Multiply(y, x, y); break;
            case -0.5: TensorPrimitives.Sqrt(x, y); TensorPrimitives.Reciprocal(y, y); break;
            case -1: TensorPrimitives.Reciprocal(x, y); break;
            case -2: TensorPrimitives.Multiply(x, x, y); TensorPrimitives.Reciprocal(y, y); break;
            default:
                var e = T.CreateTruncating(exponent);
                for (int i = 0; i < x.Length; i++) y[i] = T.Pow(x[i], e);
                break;
        }
    }

    private readonly struct PowEach(Tensor x, Tensor e, Tensor result) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> bases = x.Span<T>(), exponents = e.Span<T>();
            var y = result.Span<T>();
            for (int i = 0; i < bases.Length; i++) y[i] = T.Pow(bases[i], exponents[i]);
        }
    }

    private static void IntegerPowEach(ReadOnlySpan<long> x, ReadOnlySpan<long> e, Span<long> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (e[i] < 0) throw new ArgumentException("Integers to negative integer powers are not allowed.");
            // Square-and-multiply; wraps on overflow, as C++ integers do.
            long power = 1, square = x[i];
            for (long k = e[i]; k > 0; k >>= 1, square *= square)
            {
                if ((k & 1) != 0) power *= square;
            }
            y[i] = power;
        }
    }
}
