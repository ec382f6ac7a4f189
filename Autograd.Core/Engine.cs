using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd;

/// <summary>
/// The Backward pass: an iterative topological walk of the graph (no recursion, so deep graphs fit the stack). Its
/// scratch state (dependency counts, pending gradients) belongs to the pass, as PyTorch's GraphTask, so passes on
/// several threads over graphs that share nodes do not disturb each other.
/// </summary>
internal static class Engine
{
    /// <summary>One node's state within one pass.</summary>
    private sealed class NodeState
    {
        public int Dependencies;
        public Tensor? PendingGrad;
    }

    public static void Run(Tensor root, Tensor? gradient, bool retainGraph, bool createGraph) =>
        Execute([root], [gradient], retainGraph, createGraph, inputs: null);

    /// <summary>
    /// Propagates gradients from <paramref name="roots"/>. With <paramref name="inputs"/> null, gradients accumulate
    /// into the leaves' Grad; otherwise they are returned for those tensors, no Grad is touched, and only the nodes
    /// on a path to an input run (the others are neither executed nor released), as in torch.autograd.grad. Leaves
    /// take their gradients only once the pass has completed, so a failed Backward changes no Grad.
    /// </summary>
    public static Tensor?[]? Execute(Tensor[] roots, Tensor?[] rootGrads, bool retainGraph, bool createGraph, Tensor[]? inputs)
    {
        // A pass takes this thread's scratch while it runs, so a pass started inside it (a backward calling Grad) makes its own.
        var scratch = cachedScratch ?? new Scratch();
        cachedScratch = null;
        try
        {
            return Execute(roots, rootGrads, retainGraph, createGraph, inputs, scratch);
        }
        finally
        {
            if (scratch.Clear()) cachedScratch = scratch;
        }
    }

    /// <summary>
    /// The pass's maps and ready stack, kept per thread and cleared after each pass: a small graph's Backward otherwise
    /// spent a good part of its time making them.
    /// </summary>
    private sealed class Scratch
    {
        // Larger maps are not kept, so a one-off huge graph does not hold its buckets for the thread's lifetime.
        private const int KeptCapacity = 4096;

        public readonly Dictionary<Tensor, Tensor> LeafGrads = new(ReferenceEqualityComparer.Instance);
        public readonly Dictionary<GradFn, NodeState> States = new(ReferenceEqualityComparer.Instance);
        public readonly Stack<GradFn> Ready = new();
        public readonly Buffers Buffers = new();

        /// <summary>Empties the scratch; false when it grew too large to keep.</summary>
        public bool Clear()
        {
            bool keep = States.Count <= KeptCapacity && LeafGrads.Count <= KeptCapacity;
            LeafGrads.Clear();
            States.Clear();
            Ready.Clear();
            Buffers.Clear();
            return keep;
        }
    }

    /// <summary>
    /// Which gradient buffers the pass holds, and how many times: a buffer sits in nodes' pending gradients (a node's
    /// gradients may share one: add hands its gradient to both inputs), or with a leaf or the caller for good. One the
    /// pass made (<see cref="Storage.Exclusive"/>) and no longer holds anywhere, once the node that received it has
    /// run, is dead: PyTorch frees it then by reference count; here it goes to <see cref="BufferPool"/>.
    /// </summary>
    private sealed class Buffers
    {
        private readonly Dictionary<Array, int> held = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<Array> kept = new(ReferenceEqualityComparer.Instance);
        private readonly List<Tensor> candidates = [];

        // Buffers too small for the pool are not tracked at all: a small graph's pass pays one size check a gradient.
        public void Hold(Tensor g)
        {
            var data = g.Storage.Data;
            if (BufferPool.Worth(data)) held[data] = held.GetValueOrDefault(data) + 1;
        }

        /// <summary>A buffer a leaf's gradient or the caller may keep: never given back.</summary>
        public void Keep(Tensor g)
        {
            if (BufferPool.Worth(g.Storage.Data)) kept.Add(g.Storage.Data);
        }

        /// <summary>One holding of <paramref name="g"/>'s buffer ends; it is given back at <see cref="Settle"/> if no other remains.</summary>
        public void Drop(Tensor g)
        {
            var data = g.Storage.Data;
            if (!BufferPool.Worth(data)) return;
            if (held[data] == 1) held.Remove(data);
            else held[data]--;
            candidates.Add(g);
        }

        /// <summary>A gradient a node returned that may have gone nowhere (added into a pending gradient).</summary>
        public void Consider(Tensor g)
        {
            if (BufferPool.Worth(g.Storage.Data)) candidates.Add(g);
        }

        /// <summary>After a node: every buffer it received or returned that the pass made and no longer holds goes to the pool, once.</summary>
        public void Settle()
        {
            if (candidates.Count == 0) return;
            foreach (var g in candidates)
            {
                var data = g.Storage.Data;
                if (!g.Exclusive || held.ContainsKey(data) || !kept.Add(data)) continue;
                // Kept from here on: a buffer given back is not given back twice (a node's gradient and its input's view).
                BufferPool.Return(data);
            }
            candidates.Clear();
        }

        public void Clear()
        {
            held.Clear();
            kept.Clear();
            candidates.Clear();
        }
    }

    [ThreadStatic] private static Scratch? cachedScratch;

    private static Tensor?[]? Execute(Tensor[] roots, Tensor?[] rootGrads, bool retainGraph, bool createGraph, Tensor[]? inputs, Scratch scratch)
    {
        var seeds = new Tensor[roots.Length];
        for (int i = 0; i < roots.Length; i++) seeds[i] = SeedGradient(roots[i], rootGrads[i], i);

        using var mode = createGraph ? GradMode.Set(true) : null;
        using var suspension = createGraph ? default : GradMode.SuspendOnThisThread();
        var leafGrads = scratch.LeafGrads;
        var captured = inputs is null ? null : new Tensor?[inputs.Length];
        var states = scratch.States;
        var ready = scratch.Ready;
        var needed = inputs is null ? null : NodesLeadingTo(roots, inputs);
        for (int i = 0; i < roots.Length; i++)
        {
            if (roots[i].GradFn is { } fn) CountDependencies(fn, states, needed, ready);
        }
        var buffers = scratch.Buffers;
        for (int i = 0; i < roots.Length; i++)
        {
            if (roots[i].GradFn is { } fn) states[fn].PendingGrad = Pend(states[fn].PendingGrad, seeds[i], buffers);
            else Accumulate(leafGrads, roots[i], seeds[i], buffers);
        }
        for (int i = 0; i < roots.Length; i++)
        {
            if (roots[i].GradFn is { } fn && states[fn].Dependencies == 0 && !ready.Contains(fn)) ready.Push(fn);
        }

        while (ready.Count > 0)
        {
            var node = ready.Pop();
            var state = states[node];
            var gradOutput = state.PendingGrad;
            state.PendingGrad = null;
            // A node that received no gradient, or leads to no input, does not run but still releases its successors' dependency counts.
            Tensor?[]? gradInputs = null;
            if (gradOutput is not null)
            {
                if (inputs is not null) CaptureNonLeaf(node, gradOutput, inputs, captured!, buffers);
                if (WillRun(node, needed))
                {
                    Storage.MakingGradients = !createGraph;
                    try
                    {
                        gradInputs = node.Apply(gradOutput);
                    }
                    finally
                    {
                        Storage.MakingGradients = false;
                    }
                    if (!retainGraph) node.Release();
                }
            }
            for (int i = 0; i < node.Next.Length; i++)
            {
                var edge = node.Next[i];
                var g = gradInputs?[i];
                if (g is not null) buffers.Consider(g);
                if (edge.Function is { } next)
                {
                    var nextState = states[next];
                    if (g is not null) nextState.PendingGrad = Pend(nextState.PendingGrad, g, buffers);
                    if (--nextState.Dependencies == 0) ready.Push(next);
                }
                else if (edge.Leaf is { } leaf && g is not null)
                {
                    Accumulate(leafGrads, leaf, g, buffers);
                }
            }
            if (gradOutput is not null) buffers.Drop(gradOutput);
            buffers.Settle();
        }

        if (inputs is null)
        {
            foreach (var (leaf, g) in leafGrads) leaf.AccumulateGrad(g, OwnCopy, (accumulated, added) => Sum(accumulated, added));
            return null;
        }
        for (int i = 0; i < inputs.Length; i++)
        {
            if (leafGrads.TryGetValue(inputs[i], out var g)) captured![i] = g;
            // The caller holds these now.
            if (captured![i] is { } handed) handed.Exclusive = false;
        }
        return captured;
    }

    private static void Accumulate(Dictionary<Tensor, Tensor> grads, Tensor key, Tensor g, Buffers buffers)
    {
        var sum = Sum(grads.GetValueOrDefault(key), g);
        buffers.Keep(sum);
        grads[key] = sum;
    }

    /// <summary>A node's pending gradient after <paramref name="g"/> arrives: g itself, or the sum, which replaces what was pending.</summary>
    private static Tensor Pend(Tensor? pending, Tensor g, Buffers buffers)
    {
        var sum = Sum(pending, g);
        buffers.Hold(sum);
        if (pending is not null) buffers.Drop(pending);
        return sum;
    }

    /// <summary>
    /// A leaf's first gradient as a tensor of its own: the same tensor may be another leaf's gradient too, or the
    /// caller's, and an in-place write to one Grad must not reach the others. PyTorch copies it as well (CopyBackwards),
    /// and, as PyTorch does with a gradient only it references, takes a row-major one marked
    /// <see cref="Tensor.Exclusive"/> as is (once: the flag goes with it).
    /// </summary>
    private static Tensor OwnCopy(Tensor g)
    {
        if (g.Exclusive && g.IsDense)
        {
            g.Exclusive = false;
            return g.Base is null ? g : g.Detach();
        }
        var copy = new Tensor(g.CopyOfValues(), g.Dims);
        if (Graph.NeedsGrad(g)) Graph.Record(copy, "CopyBackwards", [g], grad => [grad], saved: []);
        return copy;
    }

    private static Tensor SeedGradient(Tensor root, Tensor? gradient, int index)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"element {index} of tensors does not require grad and does not have a grad_fn");
        if (gradient is null)
        {
            if (root.Count != 1) throw new InvalidOperationException("grad can be implicitly created only for scalar outputs");
            var ones = Tensor.Empty(root.DType, root.Dims);
            Fill(ones, 1);
            return ones;
        }
        if (!gradient.Dims.AsSpan().SequenceEqual(root.Dims))
            throw new ArgumentException(
                $"Mismatch in shape: grad_output[{index}] has a shape of torch.Size({Shapes.Format(gradient.Dims)}) and output[{index}] has a shape of torch.Size({Shapes.Format(root.Dims)}).");
        if (gradient.DType != root.DType)
            throw new ArgumentException(
                $"Expected grad_output[{index}] to have the same dtype as output[{index}], but got {gradient.DType.TorchName()} and {root.DType.TorchName()}");
        return gradient;
    }

    /// <summary>
    /// Counts, for every node reachable from <paramref name="root"/>, how many reachable nodes feed it, and clears what
    /// an earlier (possibly failed) pass left in them; fails before any gradient moves if a node that will run (every
    /// node, or those in <paramref name="needed"/>) was already released or a tensor it saved was modified since.
    /// </summary>
    private static void CountDependencies(GradFn root, Dictionary<GradFn, NodeState> states, HashSet<GradFn>? needed, Stack<GradFn> stack)
    {
        // The walk leaves stack empty, as it found it (it is the pass's ready stack, used only afterwards).
        if (!Visit(root)) return;
        stack.Push(root);
        while (stack.Count > 0)
        {
            foreach (var edge in stack.Pop().Next)
            {
                if (edge.Function is not { } next) continue;
                if (Visit(next)) stack.Push(next);
                states[next].Dependencies++;
            }
        }

        bool Visit(GradFn node)
        {
            if (states.ContainsKey(node)) return false;
            if (WillRun(node, needed)) node.EnsureUsable();
            states[node] = new NodeState();
            return true;
        }
    }

    /// <summary>Whether a node that receives a gradient runs: always in Backward, only on a path to an input in Grad.</summary>
    private static bool WillRun(GradFn node, HashSet<GradFn>? needed) => needed is null || needed.Contains(node);

    /// <summary>The nodes with an edge into an input (a leaf in inputs, or the node that made a non-leaf input) or into such a node.</summary>
    private static HashSet<GradFn> NodesLeadingTo(Tensor[] roots, Tensor[] inputs)
    {
        var needed = new HashSet<GradFn>();
        var visited = new HashSet<GradFn>();
        // Post-order walk: a node is decided after all its successors (the graph is acyclic, so a visited successor is decided).
        var stack = new Stack<(GradFn Node, int Edge)>();
        foreach (var root in roots)
        {
            if (root.GradFn is { } fn && visited.Add(fn)) stack.Push((fn, 0));
        }
        while (stack.Count > 0)
        {
            var (node, edge) = stack.Pop();
            if (edge < node.Next.Length)
            {
                stack.Push((node, edge + 1));
                if (node.Next[edge].Function is { } next && visited.Add(next)) stack.Push((next, 0));
            }
            else if (Array.Exists(node.Next, LeadsToInput)) needed.Add(node);
        }
        return needed;

        bool LeadsToInput(Edge e) => e.Function is { } f
            ? needed.Contains(f) || Array.Exists(inputs, t => t.GradFn == f)
            : e.Leaf is { } leaf && Array.Exists(inputs, t => ReferenceEquals(t, leaf));
    }

    private static void CaptureNonLeaf(GradFn node, Tensor gradOutput, Tensor[] inputs, Tensor?[] captured, Buffers buffers)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!ReferenceEquals(inputs[i].GradFn, node)) continue;
            captured[i] = gradOutput;
            buffers.Keep(gradOutput);
        }
    }

    /// <summary>Adds two gradients of one tensor; recorded as AddBackward0 when building a graph of the gradient.</summary>
    private static Tensor Sum(Tensor? accumulated, Tensor g)
    {
        if (accumulated is null) return g;
        var result = Tensor.Uninitialized(g.DType, g.Dims);
        DTypes.DispatchFloating(result.DType, new Addition(accumulated, g, result), "add");
        if (Graph.NeedsGrad(accumulated, g)) Graph.Record(result, "AddBackward0", [accumulated, g], grad => [grad, grad], saved: []);
        return result;
    }

    private readonly struct Addition(Tensor a, Tensor b, Tensor result) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add<T>(a.Span<T>(), b.Span<T>(), result.Span<T>());
    }

    private static void Fill(Tensor t, double value) => DTypes.DispatchFloating(t.DType, new Filling(t, value), "fill");

    private readonly struct Filling(Tensor t, double value) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => t.Span<T>().Fill(T.CreateTruncating(value));
    }
}
