using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd;

/// <summary>Where a gradient flows: into an earlier node, or into a leaf's <see cref="Tensor.Grad"/>.</summary>
internal readonly record struct Edge(GradFn? Function, Tensor? Leaf)
{
    /// <summary>The shape of the input the gradient is for; null for an input that takes none.</summary>
    public int[]? Dims => Function?.Dims ?? Leaf?.Dims;
}

/// <summary>A tensor a node keeps for its backward, with its storage's version at that time (PyTorch's SavedVariable).</summary>
internal readonly record struct SavedTensor(Tensor Tensor, int Version, bool IsOutput);

/// <summary>A recorded operation: PyTorch's name for it and the closure that maps its output gradient to input gradients.</summary>
public sealed class GradFn
{
    private const string Freed =
        "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.";

    private Func<Tensor, Tensor?[]>? backward;
    private SavedTensor[] saved;
    /// <summary>A buffer only this node's closure holds (an op's scratch kept for its backward), pooled when the node is released.</summary>
    private Array? scratch;
    internal readonly Edge[] Next;

    /// <summary>Where the forward call that made this node ran (the op and its callers); kept in anomaly mode only, as in PyTorch.</summary>
    private readonly string? forwardTrace = AnomalyMode.IsEnabled ? ForwardTrace() : null;

    /// <summary>The calling frames outside the engine (which the JIT may have inlined into the op, so no fixed count skips them).</summary>
    private static string ForwardTrace()
    {
        var engine = typeof(GradFn).Assembly;
        var frames = new StackTrace(fNeedFileInfo: true).GetFrames().SkipWhile(f => f.GetMethod()?.DeclaringType?.Assembly == engine);
        return string.Concat(frames.Select(f => new StackTrace(f).ToString()));
    }

    internal GradFn(string name, int[] shape, Edge[] next, Func<Tensor, Tensor?[]> backward, SavedTensor[] saved, Array? scratch = null)
    {
        Name = name;
        Dims = shape;
        Next = next;
        this.backward = backward;
        this.saved = saved;
        this.scratch = scratch;
    }

    /// <summary>PyTorch's class name for this node, e.g. "SoftmaxBackward0".</summary>
    public string Name { get; }

    /// <summary>The shape of the tensor this node produced.</summary>
    public IReadOnlyList<int> Shape => Dims;

    internal int[] Dims { get; }

    /// <summary>The nodes this one feeds gradients into (null entries for leaves and inputs that need no gradient).</summary>
    public IReadOnlyList<GradFn?> NextFunctions => Array.ConvertAll(Next, e => e.Function);

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        // A closure run while recording (createGraph) may hand its scratch to the nodes it records: never pooled then.
        if (GradMode.IsEnabled) scratch = null;
        var gradInputs = (backward ?? throw FreedError())(gradOutput);
        for (int i = 0; i < gradInputs.Length; i++)
        {
            if (gradInputs[i] is not { } g || Next[i].Dims is not { } shape) continue;
            // PyTorch's validate_outputs: a gradient of the wrong shape must not reach an input.
            if (!g.Dims.AsSpan().SequenceEqual(shape))
                throw Error($"Function {Name} returned an invalid gradient at index {i} - got {Shapes.Format(g.Dims)} but expected shape compatible with {Shapes.Format(shape)}");
            if (AnomalyMode.IsEnabled && HasNaN(g)) throw Error($"Function '{Name}' returned nan values in its {i}th output.");
        }
        return gradInputs;
    }

    /// <summary>Whether a floating gradient holds a NaN; other dtypes hold none.</summary>
    private static bool HasNaN(Tensor t) => t.DType.IsFloating() && DTypes.DispatchFloating<NaNSearch, bool>(t.DType, new NaNSearch(t), "isnan");

    private readonly struct NaNSearch(Tensor t) : IFloatingFunc<bool>
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.IsNaNAny<T>(t.Span<T>());
    }

    /// <summary>
    /// Throws if this node's saved tensors were released, or written in place since it saved them; checked before a
    /// pass starts, so a failed Backward changes nothing.
    /// </summary>
    internal void EnsureUsable()
    {
        if (backward is null) throw FreedError();
        foreach (var s in saved)
        {
            if (s.Tensor.Version != s.Version) throw Error(ModifiedMessage(s));
        }
    }

    private string ModifiedMessage(SavedTensor s)
    {
        var producer = s.IsOutput ? this : s.Tensor.GradFn;
        string source = producer is null ? "" : $", which is output 0 of {producer.Name},";
        string hint = AnomalyMode.IsEnabled
            ? "the backtrace further above shows the operation that failed to compute its gradient. The variable in question was changed in there or anywhere later. Good luck!"
            : "enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).";
        string type = s.Tensor.DType.LegacyTypeName();
        return $"one of the variables needed for gradient computation has been modified by an inplace operation: [{type} {Shapes.Format(s.Tensor.Dims)}]{source} is at version {s.Tensor.Version}; expected version {s.Version} instead. Hint: {hint}";
    }

    private InvalidOperationException FreedError() => Error(Freed);

    /// <summary>A Backward failure at this node; in anomaly mode it shows the node's forward call, as PyTorch's warning does.</summary>
    internal InvalidOperationException Error(string message) => new(forwardTrace is null ? message
        : $"{message}\nError detected in {Name}. Traceback of forward call that caused the error:\n{forwardTrace}");

    /// <summary>Drops saved tensors; a node that saved none can run again, as in PyTorch.</summary>
    internal void Release()
    {
        if (saved.Length == 0) return;
        backward = null;
        saved = [];
        // The closure that held the scratch buffer is gone, so no one reads it again: the next step's op can take it.
        if (scratch is { } buffer && BufferPool.Worth(buffer)) BufferPool.Return(buffer);
        scratch = null;
    }

    /// <summary>The node's PyTorch name, e.g. <c>MulBackward0</c>: <c>type(t.grad_fn).__name__</c> in PyTorch.</summary>
    public override string ToString() => Name;
}

/// <summary>Recording of operations into the graph.</summary>
internal static class Graph
{
    public static bool NeedsGrad(Tensor a) => a.RequiresGrad && GradMode.IsEnabled;

    public static bool NeedsGrad(Tensor a, Tensor b) => (a.RequiresGrad || b.RequiresGrad) && GradMode.IsEnabled;

    /// <summary>
    /// Makes <paramref name="result"/> the output of a new node; call only when NeedsGrad holds. <paramref name="saved"/>
    /// lists the tensors the closure reads (null entries are skipped): PyTorch's saved variables, whose versions
    /// Backward checks. A node that saves none can run again after Backward, as in PyTorch.
    /// </summary>
    /// <remarks>
    /// <paramref name="scratch"/>, if given, is a tensor the op made for its backward and handed to no one but the
    /// closure (a convolution's unrolled input, max pooling's indices): its buffer goes back to the pool once Backward
    /// has run the node and released it, unless the closure ever ran while recording a graph of the gradient.
    /// </remarks>
    public static Tensor Record(Tensor result, string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward, Tensor?[] saved, Tensor? scratch = null)
    {
        result.SetGradFn(Node(name, result.Dims, inputs, backward, saved, result, scratch));
        return result;
    }

    /// <summary>A node for an output of <paramref name="shape"/>; <paramref name="output"/>, if given, marks the saved tensor that is the output itself.</summary>
    public static GradFn Node(string name, int[] shape, Tensor[] inputs, Func<Tensor, Tensor?[]> backward, Tensor?[] saved, Tensor? output = null, Tensor? scratch = null)
    {
        var next = new Edge[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            if (!input.RequiresGrad) continue;
            next[i] = input.GradFn is { } fn ? new Edge(fn, null) : new Edge(null, input);
        }
        var versions = new List<SavedTensor>(saved.Length);
        foreach (var t in saved)
        {
            if (t is not null) versions.Add(new SavedTensor(t, t.Version, IsOutput: ReferenceEquals(t, output)));
        }
        return new GradFn(name, shape, next, backward, [.. versions], scratch?.Storage.Data);
    }
}
