using System.Numerics;
using System.Numerics.Tensors;
using static Autograd.Differentiable;

namespace Autograd;

/// <summary>+ - * / with broadcasting, unary minus, Exp, Log, Reciprocal.</summary>
public static class Arithmetic
{
    extension(Tensor self)
    {
        /// <summary>
        /// Elementwise sum <c>a + b</c>, as <c>torch.add</c> (grad_fn <c>AddBackward0</c>); the operands broadcast and their
        /// dtypes promote as in PyTorch; two Bool tensors give their logical or.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes of <paramref name="a"/> and <paramref name="b"/> do not broadcast.</exception>
        public static Tensor operator +(Tensor a, Tensor b)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            var result = Kernels.Binary(a, b, BinaryOp.Add);
            if (Graph.NeedsGrad(a, b))
            {
                InputMeta ma = InputMeta.Of(a), mb = InputMeta.Of(b);
                Graph.Record(result, "AddBackward0", [a, b], g => [GradFor(g, ma), GradFor(g, mb)], saved: []);
            }
            return result;
        }

        /// <summary>
        /// Elementwise difference <c>a - b</c>, as <c>torch.sub</c> (grad_fn <c>SubBackward0</c>); the operands broadcast and their
        /// dtypes promote as in PyTorch.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast, or both operands are Bool (PyTorch's message suggests <c>logical_xor</c>).</exception>
        public static Tensor operator -(Tensor a, Tensor b)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            var result = Kernels.Binary(a, b, BinaryOp.Subtract);
            if (Graph.NeedsGrad(a, b))
            {
                InputMeta ma = InputMeta.Of(a), mb = InputMeta.Of(b);
                Graph.Record(result, "SubBackward0", [a, b], g => [GradFor(g, ma), GradFor(-g, mb)], saved: []);
            }
            return result;
        }

        /// <summary>
        /// Elementwise product <c>a * b</c>, as <c>torch.mul</c> (grad_fn <c>MulBackward0</c>); the operands broadcast and their
        /// dtypes promote as in PyTorch; two Bool tensors give their logical and.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes of <paramref name="a"/> and <paramref name="b"/> do not broadcast.</exception>
        public static Tensor operator *(Tensor a, Tensor b)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            var result = Kernels.Binary(a, b, BinaryOp.Multiply);
            if (Graph.NeedsGrad(a, b))
            {
                Tensor? savedA = b.RequiresGrad ? a : null, savedB = a.RequiresGrad ? b : null;
                InputMeta ma = InputMeta.Of(a), mb = InputMeta.Of(b);
                Graph.Record(result, "MulBackward0", [a, b],
                    g => [savedB is null ? null : GradFor(g * savedB, ma), savedA is null ? null : GradFor(g * savedA, mb)], saved: [savedA, savedB]);
            }
            return result;
        }

        /// <summary>
        /// Elementwise true division <c>a / b</c>, as <c>torch.div</c> (grad_fn <c>DivBackward0</c>); the operands broadcast, and
        /// integer or Bool operands give a float32 result, as in PyTorch.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes of <paramref name="a"/> and <paramref name="b"/> do not broadcast.</exception>
        public static Tensor operator /(Tensor a, Tensor b)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            var result = Kernels.Binary(a, b, BinaryOp.Divide);
            if (Graph.NeedsGrad(a, b))
            {
                Tensor? savedA = b.RequiresGrad ? a : null;
                InputMeta ma = InputMeta.Of(a), mb = InputMeta.Of(b);
                bool gradA = a.RequiresGrad;
                Graph.Record(result, "DivBackward0", [a, b],
                    g => [gradA ? GradFor(g / b, ma) : null, savedA is null ? null : GradFor(-g * savedA / (b * b), mb)], saved: [savedA, b]);
            }
            return result;
        }

        /// <summary><c>a + b</c> with a Python-float scalar, as <c>torch.add(a, b)</c>: the scalar broadcasts to every element; an integer or Bool tensor gives float32.</summary>
        public static Tensor operator +(Tensor a, double b) => AddScalar(Argument.NotNull(a), b);
        /// <summary><c>b + a</c> with a Python-float scalar, as <c>torch.add(a, b)</c>: the scalar broadcasts to every element; an integer or Bool tensor gives float32.</summary>
        public static Tensor operator +(double b, Tensor a) => AddScalar(Argument.NotNull(a), b);
        /// <summary><c>a - b</c> with a Python-float scalar, as <c>torch.sub(a, b)</c>: the scalar broadcasts to every element; an integer or Bool tensor gives float32.</summary>
        public static Tensor operator -(Tensor a, double b) => SubtractScalar(Argument.NotNull(a), b);
        /// <summary><c>a * b</c> with a Python-float scalar, as <c>torch.mul(a, b)</c>: the scalar broadcasts to every element; an integer or Bool tensor gives float32.</summary>
        public static Tensor operator *(Tensor a, double b) => MultiplyScalar(Argument.NotNull(a), b);
        /// <summary><c>b * a</c> with a Python-float scalar, as <c>torch.mul(a, b)</c>: the scalar broadcasts to every element; an integer or Bool tensor gives float32.</summary>
        public static Tensor operator *(double b, Tensor a) => MultiplyScalar(Argument.NotNull(a), b);
        /// <summary><c>a / b</c> with a Python-float scalar, as <c>torch.div(a, b)</c>: the scalar broadcasts to every element; an integer or Bool tensor gives float32.</summary>
        public static Tensor operator /(Tensor a, double b) => DivideScalar(Argument.NotNull(a), b);

        /// <summary>b - a: PyTorch's rsub.</summary>
        public static Tensor operator -(double b, Tensor a)
        {
            ArgumentNullException.ThrowIfNull(a);
            var result = Kernels.Binary(a, b, BinaryOp.Subtract, scalarFirst: true);
            if (Graph.NeedsGrad(a)) Graph.Record(result, "RsubBackward1", [a], g => [-g], saved: []);
            return result;
        }

        /// <summary>b / a, computed as PyTorch does: reciprocal(a) * b.</summary>
        public static Tensor operator /(double b, Tensor a) => Argument.NotNull(a).Reciprocal() * b;

        /// <summary>Elementwise negation <c>-a</c>, as <c>torch.neg</c> (grad_fn <c>NegBackward0</c>); integer tensors stay integer.</summary>
        public static Tensor operator -(Tensor a)
        {
            ArgumentNullException.ThrowIfNull(a);
            var result = Kernels.Binary(a, -1.0, BinaryOp.Multiply, scalarFirst: false);
            if (!a.DType.IsFloating()) result = Kernels.Cast(result, a.DType);
            if (Graph.NeedsGrad(a)) Graph.Record(result, "NegBackward0", [a], g => [-g], saved: []);
            return result;
        }

        /// <summary>Elementwise e<sup>x</sup>, as <c>torch.exp</c> (grad_fn <c>ExpBackward0</c>); an integer tensor gives float32.</summary>
        public Tensor Exp()
        {
            ArgumentNullException.ThrowIfNull(self);
            var result = Map(self, TensorPrimitives.Exp);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "ExpBackward0", [self], g => [g * result], saved: [result]);
            return result;
        }

        /// <summary>Elementwise natural logarithm, as <c>torch.log</c> (grad_fn <c>LogBackward0</c>): NaN below 0, -inf at 0; an integer tensor gives float32.</summary>
        public Tensor Log()
        {
            ArgumentNullException.ThrowIfNull(self);
            var result = Map(self, TensorPrimitives.Log);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "LogBackward0", [self], g => [g / self], saved: [self]);
            return result;
        }

        /// <summary>Elementwise 1 / x, as <c>torch.reciprocal</c> (grad_fn <c>ReciprocalBackward0</c>); an integer tensor gives float32.</summary>
        public Tensor Reciprocal()
        {
            ArgumentNullException.ThrowIfNull(self);
            var result = Kernels.Binary(self, 1.0, BinaryOp.Divide, scalarFirst: true);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "ReciprocalBackward0", [self], g => [-g * (result * result)], saved: [result]);
            return result;
        }
    }

    private static Tensor AddScalar(Tensor a, double b)
    {
        var result = Kernels.Binary(a, b, BinaryOp.Add, scalarFirst: false);
        if (Graph.NeedsGrad(a)) Graph.Record(result, "AddBackward0", [a], g => [g], saved: []);
        return result;
    }

    private static Tensor SubtractScalar(Tensor a, double b)
    {
        var result = Kernels.Binary(a, b, BinaryOp.Subtract, scalarFirst: false);
        if (Graph.NeedsGrad(a)) Graph.Record(result, "SubBackward0", [a], g => [g], saved: []);
        return result;
    }

    private static Tensor MultiplyScalar(Tensor a, double b)
    {
        var result = Kernels.Binary(a, b, BinaryOp.Multiply, scalarFirst: false);
        if (Graph.NeedsGrad(a)) Graph.Record(result, "MulBackward0", [a], g => [g * b], saved: [SavedScalar]);
        return result;
    }

    private static Tensor DivideScalar(Tensor a, double b)
    {
        var result = Kernels.Binary(a, b, BinaryOp.Divide, scalarFirst: false);
        if (Graph.NeedsGrad(a)) Graph.Record(result, "DivBackward0", [a], g => [g / b], saved: [SavedScalar]);
        return result;
    }

    /// <summary>
    /// PyTorch saves a Python scalar operand as a 0-d tensor, which makes the node single-use. The closures here keep
    /// the scalar itself, so one shared stand-in (never written, so its version never moves) marks such nodes.
    /// </summary>
    private static readonly Tensor SavedScalar = Tensor.Scalar(0.0);

    /// <summary>
    /// A floating elementwise function; integer inputs compute in float32, as in PyTorch. Float32 is computed in
    /// double and rounded once, which gives the correctly rounded values PyTorch prints.
    /// </summary>
    internal static Tensor Map(Tensor a, SpanMap<double> function)
    {
        // A bool input computes on its 0 and 1 in float32, as an integer input does.
        if (a.DType == DType.Bool) a = Kernels.Cast(a, DType.Float32);
        var result = Tensor.Uninitialized(a.DType == DType.Float64 ? DType.Float64 : DType.Float32, a.Dims);
        int chunks = (a.Count + WidenedChunk - 1) / WidenedChunk;
        DTypes.DispatchNumeric(a.DType, new WidenedMap(a.Values, result, function, chunks), "map");
        return result;
    }

    /// <summary>Runs <see cref="Widened{TSource, TResult}"/> at the source's element type, then (a second dispatch) the result's.</summary>
    private readonly struct WidenedMap(Array source, Tensor result, SpanMap<double> function, int chunks) : INumericAction
    {
        public void Invoke<TSource>() where TSource : unmanaged, INumber<TSource> =>
            DTypes.DispatchFloating(result.DType, new WidenedInto<TSource>((TSource[])source, result.Storage.Data, function, chunks), "map");
    }

    private readonly struct WidenedInto<TSource>(TSource[] x, Array y, SpanMap<double> function, int chunks) : IFloatingAction
        where TSource : unmanaged, INumber<TSource>
    {
        public void Invoke<TResult>() where TResult : unmanaged, IFloatingPointIeee754<TResult> =>
            Parallelism.ForRanges(chunks, WidenedChunk * FunctionCost, new Widened<TSource, TResult>(x, (TResult[])y, function));
    }

    private const int WidenedChunk = 512;
    // Widening, a double-precision exp or log, and narrowing cost about ten cheap element operations per element.
    private const int FunctionCost = 10;

    internal delegate void SpanMap<T>(ReadOnlySpan<T> source, Span<T> destination);

    /// <summary>
    /// Chunks [start, end): each widened into a stack buffer, mapped and narrowed back, so no wide copy of the tensor is
    /// made. Chunks are fixed by index, so every element is computed the same way however they are split across threads.
    /// </summary>
    private readonly struct Widened<TSource, TResult>(TSource[] x, TResult[] y, SpanMap<double> function) : IRangeBody
        where TSource : unmanaged, INumber<TSource>
        where TResult : unmanaged, INumber<TResult>
    {
        public void Run(int start, int end)
        {
            Span<double> wide = stackalloc double[WidenedChunk];
            for (int chunk = start; chunk < end; chunk++)
            {
                int first = chunk * WidenedChunk, n = Math.Min(WidenedChunk, x.Length - first);
                TensorPrimitives.ConvertTruncating<TSource, double>(x.AsSpan(first, n), wide[..n]);
                function(wide[..n], wide[..n]);
                TensorPrimitives.ConvertTruncating<double, TResult>(wide[..n], y.AsSpan(first, n));
            }
        }
    }
}
