namespace Autograd;

/// <summary>
/// Large tensor buffers that Backward knows are dead (gradients it handed from node to node and no one else took),
/// kept per thread for the next tensor of the same element type and length. A training step makes the same shapes
/// every time, so the next step's tensors take them instead of fresh memory. Held weakly: the pool keeps nothing
/// alive, a collection empties it, and memory that would otherwise be garbage costs nothing extra. The point is the
/// memory itself: fresh gen0 memory past what the GC keeps committed is faulted in page by page, which on the 2-core
/// VM cost a transformer step 2–5 ms (bench/RESULTS.md).
/// </summary>
internal static class BufferPool
{
    /// <summary>
    /// Below this many elements (64 KiB of float32) a buffer is cheap to allocate, gen0 space the GC keeps committed
    /// anyway; counted in elements so the check on every allocation and gradient is one comparison.
    /// </summary>
    public const int MinElements = 16 * 1024;
    /// <summary>Buffers kept per element type and length; more of one shape than a step frees are not needed.</summary>
    private const int PerShape = 32;

    [ThreadStatic] private static Dictionary<(Type, int), Stack<WeakReference<Array>>>? buffers;
    [ThreadStatic] private static Stack<WeakReference<Array>>? spareReferences;

    /// <summary>Takes a dead buffer of <typeparamref name="T"/> and <paramref name="length"/>, or null; its contents are garbage.</summary>
    public static T[]? Take<T>(int length) where T : unmanaged
    {
        // The size first: most tensors are small, and the thread-static lookup costs more than the comparison.
        if (length < MinElements || buffers is not { } pool || !pool.TryGetValue((typeof(T), length), out var stack)) return null;
        while (stack.TryPop(out var reference))
        {
            bool alive = reference.TryGetTarget(out var array);
            reference.SetTarget(null!);
            (spareReferences ??= new()).Push(reference);
            if (alive) return (T[])array!;
        }
        return null;
    }

    /// <summary>Whether a buffer is large enough to keep (the others are not worth tracking either).</summary>
    public static bool Worth(Array array) => array.Length >= MinElements;

    /// <summary>Gives back a buffer no tensor will read or write again; see <see cref="Worth"/>.</summary>
    public static void Return(Array array)
    {
        buffers ??= new();
        var key = (array.GetType().GetElementType()!, array.Length);
        if (!buffers.TryGetValue(key, out var stack)) buffers[key] = stack = new();
        if (stack.Count >= PerShape) return;
        if (spareReferences is { Count: > 0 } spares)
        {
            var reference = spares.Pop();
            reference.SetTarget(array);
            stack.Push(reference);
        }
        else stack.Push(new WeakReference<Array>(array));
    }
}
