using System.Numerics;
using System.Numerics.Tensors;
using static Autograd.Comparisons;

namespace Autograd;

/// <summary>Relu, Tanh and Sigmoid; each backward is written with the saved result, as PyTorch's.</summary>
public static class Activations
{
    extension(Tensor self)
    {
        /// <summary>x &lt; 0 ? 0 : x, as PyTorch's clamp_min: NaN and -0 pass through. Integer tensors stay integer.</summary>
        public Tensor Relu()
        {
            ArgumentNullException.ThrowIfNull(self);
            if (self.DType == DType.Bool) throw new ArgumentException("Boolean inputs not supported for relu");
            var result = Tensor.Uninitialized(self.DType, self.Dims);
            DTypes.DispatchNumeric(self.DType, new ZeroingWhere(self, self, result, orEqual: false), "relu");
            if (Graph.NeedsGrad(self)) Graph.Record(result, "ReluBackward0", [self], g => [ThresholdBackward(g, result)], saved: [result]);
            return result;
        }

        /// <summary>Elementwise hyperbolic tangent, as <c>torch.tanh</c> (grad_fn <c>TanhBackward0</c>, written with the saved result); an integer tensor gives float32.</summary>
        public Tensor Tanh()
        {
            ArgumentNullException.ThrowIfNull(self);
            var result = Elementwise(self, new TanhOf());
            if (Graph.NeedsGrad(self)) Graph.Record(result, "TanhBackward0", [self], g => [g * (1.0 - result * result)], saved: [result]);
            return result;
        }

        /// <summary>Elementwise logistic function 1 / (1 + e<sup>-x</sup>), as <c>torch.sigmoid</c> (grad_fn <c>SigmoidBackward0</c>, written with the saved result); an integer tensor gives float32.</summary>
        public Tensor Sigmoid()
        {
            ArgumentNullException.ThrowIfNull(self);
            var result = Elementwise(self, new SigmoidOf());
            if (Graph.NeedsGrad(self)) Graph.Record(result, "SigmoidBackward0", [self], g => [g * ((1.0 - result) * result)], saved: [result]);
            return result;
        }
    }

    /// <summary>
    /// A function of each element in the tensor's own precision (an integer or bool tensor gives float32), as PyTorch's
    /// scalar kernels compute tanh and sigmoid: float32's exp overflows to infinity at 89 (so sigmoid(-100) is 0, not
    /// a float64 result's 3.7e-44), and tiny arguments keep their value and sign. TensorPrimitives.Tanh loses small
    /// arguments to cancellation (0 or -0 below about 1e-16, 1e-12 relative error at 2^-15).
    /// </summary>
    private static Tensor Elementwise<TFunction>(Tensor self, TFunction function) where TFunction : struct, IElementFunction
    {
        var input = self.DType.IsFloating() ? self : Kernels.Cast(self, DType.Float32);
        var result = Tensor.Uninitialized(input.DType, input.Dims);
        DTypes.DispatchFloating(input.DType, new ApplyEach<TFunction>(input, result, function), "elementwise");
        return result;
    }

    private interface IElementFunction
    {
        T Of<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;
    }

    private readonly struct TanhOf : IElementFunction
    {
        public T Of<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(x);
    }

    private readonly struct SigmoidOf : IElementFunction
    {
        public T Of<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));
    }

    private readonly struct ApplyEach<TFunction>(Tensor x, Tensor result, TFunction function) : IFloatingAction where TFunction : struct, IElementFunction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> from = x.Span<T>();
            var to = result.Span<T>();
            for (int i = 0; i < from.Length; i++) to[i] = function.Of(from[i]);
        }
    }

    /// <summary>
    /// PyTorch's threshold_backward: y &lt;= 0 ? 0 : g, so a NaN output passes its gradient. Differentiable in g when a
    /// graph of the gradient is built; otherwise one pass.
    /// </summary>
    private static Tensor ThresholdBackward(Tensor g, Tensor y)
    {
        if (GradMode.IsEnabled) return Where(y.Le(0), Kernels.Full(g.DType, [], 0), g);
        var result = Tensor.Uninitialized(g.DType, g.Dims);
        DTypes.DispatchNumeric(g.DType, new ZeroingWhere(y, g, result, orEqual: true), "threshold_backward");
        return result;
    }

    private readonly struct ZeroingWhere(Tensor key, Tensor source, Tensor destination, bool orEqual) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => ZeroWhere<T>(key.Span<T>(), source.Span<T>(), destination.Span<T>(), orEqual);
    }

    /// <summary>destination = (key &lt; 0, or &lt;= 0 when <paramref name="orEqual"/>) ? 0 : source; NaN keys select source.</summary>
    private static void ZeroWhere<T>(ReadOnlySpan<T> key, ReadOnlySpan<T> source, Span<T> destination, bool orEqual) where T : unmanaged, INumber<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= key.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var k = new Vector<T>(key[i..]);
                var zero = orEqual ? Vector.LessThanOrEqual(k, Vector<T>.Zero) : Vector.LessThan(k, Vector<T>.Zero);
                Vector.AndNot(new Vector<T>(source[i..]), zero).CopyTo(destination[i..]);
            }
        }
        for (; i < key.Length; i++) destination[i] = (orEqual ? key[i] <= T.Zero : key[i] < T.Zero) ? T.Zero : source[i];
    }
}
