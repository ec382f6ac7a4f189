namespace Autograd;

/// <summary>
/// What a backward closure needs of an input it does not save: its shape and dtype (PyTorch's InputMetadata). Closures
/// capture this rather than the input, so a graph kept after Backward does not hold the input's elements.
/// </summary>
internal readonly record struct InputMeta(int[] Dims, DType DType)
{
    public static InputMeta Of(Tensor t) => new(t.Dims, t.DType);
}

/// <summary>Internal differentiable helpers that backward closures are written with, so gradients can be differentiated again.</summary>
internal static class Differentiable
{
    /// <summary>The one place where a gradient is brought back to its input's shape (undoing broadcasting) and dtype.</summary>
    public static Tensor GradFor(Tensor grad, Tensor input) => GradFor(grad, InputMeta.Of(input));

    /// <summary><see cref="GradFor(Tensor, Tensor)"/> from the input's metadata, for closures that do not keep the input.</summary>
    public static Tensor GradFor(Tensor grad, InputMeta input) => SumTo(grad, input.Dims).To(input.DType);

    public static Tensor SumTo(Tensor t, int[] shape)
    {
        if (t.Dims.AsSpan().SequenceEqual(shape)) return t;
        var result = Kernels.SumTo(t, shape);
        int[] dims = t.Dims;
        if (Graph.NeedsGrad(t)) Graph.Record(result, "SumBackward1", [t], g => [ExpandTo(g, dims)], saved: []);
        return result;
    }

    public static Tensor ExpandTo(Tensor t, int[] shape)
    {
        if (t.Dims.AsSpan().SequenceEqual(shape)) return t;
        var result = Kernels.Expand(t, shape);
        int[] dims = t.Dims;
        if (Graph.NeedsGrad(t)) Graph.Record(result, "ExpandBackward0", [t], g => [SumTo(g, dims)], saved: []);
        return result;
    }
}
