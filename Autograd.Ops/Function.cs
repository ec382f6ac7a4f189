namespace Autograd;

/// <summary>
/// A user-defined differentiable operation, as PyTorch's <c>torch.autograd.Function</c>: derive from it, write
/// <see cref="Forward"/> (which runs with grad mode off and may keep tensors for the backward with
/// <see cref="FunctionContext.SaveForBackward"/>) and <see cref="Backward"/> (one gradient per input, or null where an
/// input needs none), then call <see cref="Apply"/>. The output's node prints as "&lt;ClassName&gt;Backward"
/// (a class <c>LegendrePolynomial3</c> gives "LegendrePolynomial3Backward"). Backward runs with grad mode on when the
/// pass builds a graph of the gradients (createGraph), so a Backward written with tensor ops can be differentiated again.
/// </summary>
/// <example>
/// <code>
/// sealed class Cube : Function
/// {
///     public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs)
///     {
///         ctx.SaveForBackward(inputs[0]);
///         return inputs[0].Pow(3);
///     }
///     public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) =>
///         [gradOutput * 3 * ctx.SavedTensors[0].Pow(2)];
/// }
/// var y = new Cube().Apply(x);
/// </code>
/// </example>
public abstract class Function
{
    /// <summary>
    /// PyTorch's <c>forward(ctx, *inputs)</c>: computes the output from <paramref name="inputs"/>, with grad mode off.
    /// Tensors the backward reads go to <see cref="FunctionContext.SaveForBackward"/>, which guards them against
    /// in-place writes.
    /// </summary>
    public abstract Tensor Forward(FunctionContext ctx, params Tensor[] inputs);

    /// <summary>
    /// PyTorch's <c>backward(ctx, grad_output)</c>: the gradient of each input, in the order Forward received them
    /// (null for an input that takes none; <see cref="FunctionContext.NeedsInputGrad"/> tells which do). Trailing null
    /// entries beyond the inputs are ignored, as PyTorch ignores trailing Nones; a null array stands for PyTorch's
    /// <c>return None</c>, one null gradient. A gradient whose shape the input's shape broadcasts to is summed back to
    /// the input's shape, and one of another dtype is converted to the input's, as PyTorch's engine does.
    /// </summary>
    public abstract Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput);

    /// <summary>
    /// PyTorch's <c>Function.apply(*inputs)</c>: runs <see cref="Forward"/> without recording, and, when grad mode is
    /// on and an input requires grad, makes the output (of a floating dtype) the result of a node named
    /// "&lt;ClassName&gt;Backward" whose backward is <see cref="Backward"/>. An output that is one of the inputs is
    /// returned as a new tensor sharing its storage, as PyTorch returns a view of it.
    /// </summary>
    public Tensor Apply(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"input {i} is null");
        }
        var ctx = new FunctionContext(Array.ConvertAll(inputs, t => t.RequiresGrad));
        Tensor output;
        using (GradMode.Set(enabled: false))
        {
            output = Forward(ctx, inputs)
                ?? throw new InvalidOperationException($"{GetType().Name}.Forward returned null; it must return a tensor");
        }
        ctx.EndForward();
        if (!GradMode.IsEnabled || !Array.Exists(inputs, t => t.RequiresGrad) || !output.DType.IsFloating()) return output;

        // The node must be the output's own history: an input (or any tensor with history) is returned as a fresh alias.
        if (output.RequiresGrad || Array.Exists(inputs, t => ReferenceEquals(t, output))) output = output.Detach();
        string name = GetType().Name.Split('`')[0] + "Backward";   // a generic class's name without its arity, as Python's __name__
        var inputDims = Array.ConvertAll(inputs, t => t.Dims);
        var inputTypes = Array.ConvertAll(inputs, t => t.DType);
        Graph.Record(output, name, inputs, g => InputGradients(ctx, g, name, inputDims, inputTypes), saved: [.. ctx.Saved]);
        ctx.Node = output.GradFn;
        return output;
    }

    /// <summary>Runs <see cref="Backward"/> and checks its gradients as PyTorch's engine does (count, then shape and dtype).</summary>
    private Tensor?[] InputGradients(FunctionContext ctx, Tensor gradOutput, string name, int[][] inputDims, DType[] inputTypes)
    {
        int expected = inputDims.Length;
        // The user's Backward may keep the gradient it receives or those it returns: Backward must not reuse their buffers.
        gradOutput.Exclusive = false;
        var returned = Backward(ctx, gradOutput) ?? [null];
        foreach (var g in returned)
        {
            if (g is not null) g.Exclusive = false;
        }
        int got = returned.Length;
        if (got > expected && Array.TrueForAll(returned[expected..], g => g is null)) got = expected;
        if (got != expected)
            throw ctx.Node!.Error($"function {name} returned an incorrect number of gradients (expected {expected}, got {got})");

        var grads = new Tensor?[expected];
        for (int i = 0; i < expected; i++)
        {
            // A gradient for an input that needs none goes nowhere, unchecked, as in PyTorch.
            if (returned[i] is not { } g || !ctx.NeedsInputGrad[i]) continue;
            if (!g.Dims.AsSpan().SequenceEqual(inputDims[i]) && ExpandsTo(inputDims[i], g.Dims)) g = Differentiable.SumTo(g, inputDims[i]);
            grads[i] = g.DType == inputTypes[i] ? g : g.To(inputTypes[i]);
        }
        return grads;
    }

    /// <summary>Whether <paramref name="shape"/> broadcasts to <paramref name="target"/> (PyTorch's is_expandable_to).</summary>
    private static bool ExpandsTo(int[] shape, int[] target)
    {
        if (shape.Length > target.Length) return false;
        for (int i = 1; i <= shape.Length; i++)
        {
            if (shape[^i] != target[^i] && shape[^i] != 1) return false;
        }
        return true;
    }
}

/// <summary>
/// What a <see cref="Function"/>'s Forward leaves for its Backward, as PyTorch's <c>ctx</c>: the saved tensors and which
/// inputs need a gradient.
/// </summary>
public sealed class FunctionContext
{
    private Tensor[] saved = [];
    private bool forwardDone;

    internal FunctionContext(bool[] needsInputGrad) => NeedsInputGrad = needsInputGrad;

    /// <summary>The node Apply recorded; null while Forward runs, and when nothing was recorded.</summary>
    internal GradFn? Node { get; set; }

    internal IReadOnlyList<Tensor> Saved => saved;

    /// <summary>
    /// PyTorch's <c>ctx.needs_input_grad</c>: for each input, whether it requires grad (so Backward may skip the
    /// gradients no one needs).
    /// </summary>
    public IReadOnlyList<bool> NeedsInputGrad { get; }

    /// <summary>
    /// PyTorch's <c>ctx.save_for_backward(*tensors)</c>: keeps tensors (inputs, the output, or intermediates) for
    /// Backward, with their version: writing one of them in place before Backward makes Backward fail, as in PyTorch.
    /// Call it from Forward; a later call replaces the earlier ones.
    /// </summary>
    public void SaveForBackward(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (forwardDone) throw new InvalidOperationException("SaveForBackward can only be called from Forward");
        for (int i = 0; i < tensors.Length; i++)
        {
            if (tensors[i] is null) throw new ArgumentNullException(nameof(tensors), $"tensor {i} is null");
        }
        saved = [.. tensors];
    }

    /// <summary>
    /// PyTorch's <c>ctx.saved_tensors</c>: the tensors given to <see cref="SaveForBackward"/>. Reading them fails with
    /// PyTorch's message once one was written in place since it was saved, or once Backward has freed them (without
    /// retainGraph).
    /// </summary>
    public IReadOnlyList<Tensor> SavedTensors
    {
        get
        {
            Node?.EnsureUsable();
            return saved;
        }
    }

    internal void EndForward() => forwardDone = true;
}
