namespace Autograd;

/// <summary>Where a gradient flows: into an earlier node, or into a leaf's <see cref="Tensor.Grad"/>.</summary>
internal readonly record struct Edge(GradFn? Function, Tensor? Leaf);

/// <summary>A recorded operation: PyTorch's name for it and the closure that maps its output gradient to input gradients.</summary>
public sealed class GradFn
{
    private const string Freed =
        "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.";

    private Func<Tensor, Tensor?[]>? backward;
    private readonly bool savesTensors;
    internal readonly Edge[] Next;

    // Scratch state of the Backward pass that is running over this node.
    internal int Dependencies;
    internal int VisitStamp;
    internal Tensor? PendingGrad;

    internal GradFn(string name, int[] shape, Edge[] next, Func<Tensor, Tensor?[]> backward, bool savesTensors)
    {
        Name = name;
        Shape = shape;
        Next = next;
        this.backward = backward;
        this.savesTensors = savesTensors;
    }

    /// <summary>PyTorch's class name for this node, e.g. "SoftmaxBackward0".</summary>
    public string Name { get; }

    /// <summary>The shape of the tensor this node produced.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The nodes this one feeds gradients into (null entries for leaves and inputs that need no gradient).</summary>
    public IReadOnlyList<GradFn?> NextFunctions => Array.ConvertAll(Next, e => e.Function);

    internal Tensor?[] Apply(Tensor gradOutput) => (backward ?? throw FreedError())(gradOutput);

    /// <summary>Throws if this node's saved tensors were released; checked before a pass starts, so it changes nothing.</summary>
    internal void EnsureNotFreed()
    {
        if (backward is null) throw FreedError();
    }

    private static InvalidOperationException FreedError() => new(Freed);

    /// <summary>Drops saved tensors; a node that saved none can run again, as in PyTorch.</summary>
    internal void Release()
    {
        if (savesTensors) backward = null;
    }

    public override string ToString() => Name;
}

/// <summary>Recording of operations into the graph.</summary>
internal static class Graph
{
    public static bool NeedsGrad(Tensor a) => a.RequiresGrad && GradMode.IsEnabled;

    public static bool NeedsGrad(Tensor a, Tensor b) => (a.RequiresGrad || b.RequiresGrad) && GradMode.IsEnabled;

    /// <summary>Makes <paramref name="result"/> the output of a new node; call only when NeedsGrad holds.</summary>
    public static Tensor Record(Tensor result, string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward, bool savesTensors = true)
    {
        var next = new Edge[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            if (!input.RequiresGrad) continue;
            next[i] = input.GradFn is { } fn ? new Edge(fn, null) : new Edge(null, input);
        }
        result.SetGradFn(new GradFn(name, result.Dims, next, backward, savesTensors));
        return result;
    }
}
