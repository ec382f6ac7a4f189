using System.Diagnostics;
using System.Numerics.Tensors;

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

    /// <summary>Where the forward call that made this node ran (the op and its callers); kept in anomaly mode only, as in PyTorch.</summary>
    private readonly string? forwardTrace = AnomalyMode.IsEnabled ? new StackTrace(skipFrames: 2, fNeedFileInfo: true).ToString() : null;

    // Scratch state of the Backward pass that is running over this node.
    internal int Dependencies;
    internal int VisitStamp;
    internal Tensor? PendingGrad;

    internal GradFn(string name, Edge[] next, Func<Tensor, Tensor?[]> backward, bool savesTensors)
    {
        Name = name;
        Next = next;
        this.backward = backward;
        this.savesTensors = savesTensors;
    }

    /// <summary>PyTorch's class name for this node, e.g. "SoftmaxBackward0".</summary>
    public string Name { get; }

    /// <summary>The nodes this one feeds gradients into (null entries for leaves and inputs that need no gradient).</summary>
    public IReadOnlyList<GradFn?> NextFunctions => Array.ConvertAll(Next, e => e.Function);

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        var gradInputs = (backward ?? throw FreedError())(gradOutput);
        if (AnomalyMode.IsEnabled)
        {
            for (int i = 0; i < gradInputs.Length; i++)
            {
                if (gradInputs[i] is { } g && HasNaN(g)) throw Error($"Function '{Name}' returned nan values in its {i}th output.");
            }
        }
        return gradInputs;
    }

    private static bool HasNaN(Tensor t) => t.Storage.Data switch
    {
        float[] f => TensorPrimitives.IsNaNAny<float>(f),
        double[] d => TensorPrimitives.IsNaNAny<double>(d),
        _ => false,
    };

    /// <summary>Throws if this node's saved tensors were released; checked before a pass starts, so it changes nothing.</summary>
    internal void EnsureNotFreed()
    {
        if (backward is null) throw FreedError();
    }

    private InvalidOperationException FreedError() => Error(Freed);

    /// <summary>A Backward failure at this node; in anomaly mode it shows the node's forward call, as PyTorch's warning does.</summary>
    internal InvalidOperationException Error(string message) => new(forwardTrace is null ? message
        : $"{message}\nError detected in {Name}. Traceback of forward call that caused the error:\n{forwardTrace}");

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
        result.SetGradFn(new GradFn(name, next, backward, savesTensors));
        return result;
    }
}
