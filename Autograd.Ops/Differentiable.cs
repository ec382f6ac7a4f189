namespace Autograd;

/// <summary>Internal differentiable helpers that backward closures are written with, so gradients can be differentiated again.</summary>
internal static class Differentiable
{
    /// <summary>The one place where a gradient is brought back to its input's shape (undoing broadcasting) and dtype.</summary>
    public static Tensor GradFor(Tensor grad, Tensor input) => SumTo(grad, input.Dims).To(input.DType);

    public static Tensor SumTo(Tensor t, int[] shape)
    {
        if (t.Dims.AsSpan().SequenceEqual(shape)) return t;
        var result = Kernels.SumTo(t, shape);
        if (Graph.NeedsGrad(t)) Graph.Record(result, "SumBackward1", [t], g => [ExpandTo(g, t.Dims)], saved: []);
        return result;
    }

    public static Tensor ExpandTo(Tensor t, int[] shape)
    {
        if (t.Dims.AsSpan().SequenceEqual(shape)) return t;
        var result = Kernels.Expand(t, shape);
        if (Graph.NeedsGrad(t)) Graph.Record(result, "ExpandBackward0", [t], g => [SumTo(g, t.Dims)], saved: []);
        return result;
    }

}
