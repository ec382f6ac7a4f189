using System.Numerics;
using System.Numerics.Tensors;
using static Autograd.Comparisons;

namespace Autograd;

/// <summary>Relu, Tanh and Sigmoid; each backward is written with the saved result, as PyTorch's.</summary>
public static class Activations
{
    extension(Tensor self)
    {
        /// <summary>max(x, 0); a NaN stays NaN. Integer tensors stay integer.</summary>
        public Tensor Relu()
        {
            var result = Tensor.Empty(self.DType, self.Dims);
            switch (self.DType)
            {
                case DType.Float32: ClampBelowAtZero<float>(self.Span<float>(), result.Span<float>()); break;
                case DType.Float64: ClampBelowAtZero<double>(self.Span<double>(), result.Span<double>()); break;
                default: ClampBelowAtZero<long>(self.Span<long>(), result.Span<long>()); break;
            }
            // threshold_backward: the gradient passes where the output is positive.
            if (Graph.NeedsGrad(self))
                Graph.Record(result, "ReluBackward0", [self], g => [Where(result.Gt(0), g, Kernels.Full(g.DType, [], 0))], saved: [result]);
            return result;
        }

        public Tensor Tanh()
        {
            var result = Arithmetic.Map(self, TensorPrimitives.Tanh);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "TanhBackward0", [self], g => [g * (1.0 - result * result)], saved: [result]);
            return result;
        }

        public Tensor Sigmoid()
        {
            var result = Arithmetic.Map(self, TensorPrimitives.Sigmoid);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "SigmoidBackward0", [self], g => [g * ((1.0 - result) * result)], saved: [result]);
            return result;
        }
    }

    private static void ClampBelowAtZero<T>(ReadOnlySpan<T> x, Span<T> y) where T : INumber<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > T.Zero || T.IsNaN(x[i]) ? x[i] : T.Zero;
    }
}
