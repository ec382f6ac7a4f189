using static Autograd.Comparisons;

namespace Autograd.NN;

/// <summary>Normalize and CosineSimilarity of torch.nn.functional, composed of differentiable ops as PyTorch 1.13's are.</summary>
public static partial class Functional
{
    /// <summary>
    /// F.normalize: input / max(‖input‖_p, eps) along <paramref name="dim"/>. The clamp passes no gradient where the norm
    /// is below eps, as PyTorch's clamp_min.
    /// </summary>
    public static Tensor Normalize(Tensor input, double p = 2, int dim = 1, double eps = 1e-12)
    {
        ArgumentNullException.ThrowIfNull(input);
        var norm = VectorNorm.Along(input, p, dim);
        var denominator = Where(norm.Lt(eps), Kernels.Full(norm.DType, [], eps), norm);
        return input / denominator;
    }

    /// <summary>
    /// F.cosine_similarity as PyTorch 1.13 computes it: each operand divided by its norm along <paramref name="dim"/>
    /// (clamped to at least eps, the clamp outside the graph), then the products summed. The operands broadcast.
    /// </summary>
    public static Tensor CosineSimilarity(Tensor x1, Tensor x2, int dim = 1, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(x2);
        var dtype = DTypes.Promote(x1, x2);
        if (dtype is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"expected common dtype to be floating point, yet common dtype is {ScalarName(dtype)}");
        var shape = Shapes.Broadcast(x1.Dims, x2.Dims);
        Tensor a = Differentiable.ExpandTo(x1.To(dtype), shape), b = Differentiable.ExpandTo(x2.To(dtype), shape);
        int d = Shapes.WrapDim(dim, shape.Length);
        return (a / VectorNorm.ClampedClone(VectorNorm.Along(a, 2, d), eps) * (b / VectorNorm.ClampedClone(VectorNorm.Along(b, 2, d), eps))).Sum(d);
    }
}

/// <summary>The p-norm along one dim (kept), differentiable to any order, with PyTorch's norm backward.</summary>
internal static class VectorNorm
{
    public static Tensor Along(Tensor x, double p, int dim)
    {
        if (x.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"norm(): input dtype should be either floating point or complex. Got {ScalarName(x.DType)} instead.");
        if (double.IsNaN(p) || p < 0) throw new ArgumentException($"linalg.vector_norm: Expected ord to be a non-negative number, but got {p}");
        int d = Shapes.WrapDim(dim, x.Rank);
        var (outer, size, inner) = Shapes.SplitAt(x.Dims, d);
        var values = x.ToArray<double>();
        var norms = new double[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                double acc = 0;
                for (int s = 0; s < size; s++)
                {
                    double v = Math.Abs(values[(o * size + s) * inner + i]);
                    acc = double.IsPositiveInfinity(p) ? Math.Max(acc, v) : p == 0 ? acc + (v != 0 ? 1 : 0) : p == 1 ? acc + v : p == 2 ? acc + v * v : acc + Math.Pow(v, p);
                }
                norms[o * inner + i] = p is 0 or 1 || double.IsPositiveInfinity(p) ? acc : p == 2 ? Math.Sqrt(acc) : Math.Pow(acc, 1 / p);
            }
        }
        var result = Kernels.Cast(new Tensor(norms, Reductions.ReducedShape(x.Dims, d, keepDim: true)), x.DType);
        if (Graph.NeedsGrad(x)) Graph.Record(result, "NormBackward1", [x], g => [Backward(x, result, g, p, d)], saved: [x, result]);
        return result;
    }

    /// <summary>PyTorch's norm_backward, from ops: 0 where the norm is 0.</summary>
    private static Tensor Backward(Tensor x, Tensor norm, Tensor g, double p, int dim)
    {
        var zero = Kernels.Full(x.DType, [], 0);
        if (p == 0) return Kernels.Full(x.DType, x.Dims, 0);
        if (p == 1) return Composed.Sign(x) * g;
        if (double.IsPositiveInfinity(p))
        {
            // Shared evenly among the elements whose magnitude is the max.
            var ties = Kernels.Cast(x.Abs().Detach().Eq(norm.Detach()), x.DType);
            var count = ties.Sum(dim, keepDim: true);
            return Composed.Sign(x) * ties * (g / count);
        }
        var scaled = p == 2 ? x : Composed.Sign(x) * x.Abs().Pow(p - 1);
        var scale = Where(norm.Eq(0), zero, p == 2 ? g / norm : g / norm.Pow(p - 1));
        return scaled * scale;
    }

    /// <summary>
    /// A copy of the norm clamped to at least eps, whose gradient passes to the unclamped norm: PyTorch's clone, then
    /// clamp_min_ under no_grad.
    /// </summary>
    public static Tensor ClampedClone(Tensor norm, double eps)
    {
        Tensor result;
        using (GradMode.Disable()) result = Where(norm.Lt(eps), Kernels.Full(norm.DType, [], eps), norm);
        if (Graph.NeedsGrad(norm)) Graph.Record(result, "CloneBackward0", [norm], g => [g], saved: []);
        return result;
    }
}
