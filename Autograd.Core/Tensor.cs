using System.Numerics;
using System.Runtime.InteropServices;

namespace Autograd;

/// <summary>The element buffer of one or more tensors; views (View, Reshape, Unsqueeze, Detach) share it.</summary>
internal sealed class Storage(Array data)
{
    /// <summary>The elements; set once after construction only by <see cref="Tensor.Fresh"/>.</summary>
    public Array Data { get; private set; } = data;

    /// <summary>Gives a storage made without its buffer (<see cref="Tensor.Fresh"/>) the buffer.</summary>
    public void Attach(Array data) => Data = data;
    private int version;

    /// <summary>PyTorch's version counter: how many in-place writes the buffer has had, shared by all its views.</summary>
    public int Version => Volatile.Read(ref version);

    /// <summary>Every in-place write calls this, so Backward can tell that a tensor it saved has changed.</summary>
    public void BumpVersion() => Interlocked.Increment(ref version);

    /// <summary>
    /// Set while Backward runs a node's closure without recording a graph: the buffers made then are held only by the
    /// gradients the pass hands on (PyTorch knows this from reference counts), so a leaf may take one as its Grad.
    /// </summary>
    [ThreadStatic] internal static bool MakingGradients;

    /// <summary>Held by no tensor but a gradient in flight, so Backward may make it a leaf's Grad without the copy it otherwise makes.</summary>
    public bool Exclusive { get; set; } = MakingGradients;

    /// <summary>The number of elements the buffer holds.</summary>
    public int Length => Data.Length;
}

/// <summary>
/// PyTorch's tensor: a storage, sizes, strides and a storage offset. Element (i0, ..., ik) sits at
/// StorageOffset + Σ i_d × Strides[d] of the storage; views (View, Transpose, Narrow, indexing, ...) are other sizes,
/// strides and offsets over the same storage, so writes through one are seen by all, and they share the version counter.
/// </summary>
public sealed partial class Tensor
{
    internal readonly Storage Storage;
    internal readonly int[] Dims;
    internal readonly int[] StrideArray;
    internal readonly int Offset;
    private readonly int count;
    private bool requiresGrad;
    private Tensor? grad;
    private GradFn? gradFn;

    /// <summary>
    /// Set by an op that hands this tensor over as a gradient no one else holds (CrossEntropy's, written in its
    /// forward); see <see cref="Storage.Exclusive"/>.
    /// </summary>
    internal bool Exclusive { get => Storage.Exclusive; set => Storage.Exclusive = value; }

    /// <summary>A contiguous tensor owning <paramref name="data"/> (row-major, as many elements as the shape holds).</summary>
    internal Tensor(Array data, int[] shape) : this(new Storage(data), shape, Strided.ContiguousStrides(shape), 0) { }

    /// <summary>A tensor over <paramref name="storage"/> with the given geometry; the caller has checked that it fits.</summary>
    internal Tensor(Storage storage, int[] shape, int[] strides, int offset) : this(storage, shape, strides, offset, DTypes.OfStorage(storage.Data)) { }

    private Tensor(Storage storage, int[] shape, int[] strides, int offset, DType dtype)
    {
        if (shape.Length > MaxDims)
            throw new ArgumentException($"too many dimensions ({shape.Length}): a tensor has at most {MaxDims}, as a NumPy array");
        Storage = storage;
        Dims = shape;
        StrideArray = strides;
        Offset = offset;
        count = Shapes.NumElements(shape);
        DType = dtype;
    }

    /// <summary>The most dims a tensor may have (NumPy's limit), which bounds every walk over dims, printing included.</summary>
    internal const int MaxDims = 64;

    /// <summary>A zero-filled tensor.</summary>
    internal static Tensor Empty(DType dtype, int[] shape) => Fresh(dtype, shape, zeroed: true);

    /// <summary>A tensor whose elements are garbage until written: for kernels that write every element, saving a pass over memory.</summary>
    internal static Tensor Uninitialized(DType dtype, int[] shape) => Fresh(dtype, shape, zeroed: false);

    /// <summary>
    /// A new contiguous tensor. A large one gets its buffer last: a buffer that uses up the GC's gen0 budget makes the
    /// next small allocation start a collection, and one made before the tensor's own objects was still referenced
    /// then, so every collection copied it into gen1 (16 MB each time in a loop of 4096 x 1000 softmaxes).
    /// </summary>
    private static Tensor Fresh(DType dtype, int[] shape, bool zeroed)
    {
        int length = Shapes.NumElements(shape);
        Array Buffer() => zeroed ? DTypes.Allocate(dtype, length) : DTypes.AllocateUninitialized(dtype, length);
        if (length < BufferPool.MinElements) return new(Buffer(), shape);
        var storage = new Storage(Array.Empty<byte>());
        var tensor = new Tensor(storage, shape, Strided.ContiguousStrides(shape), 0, dtype);
        storage.Attach(Buffer());
        return tensor;
    }

    internal static Tensor Scalar<T>(T value) where T : unmanaged => new(new[] { value }, []);

    private Size? shape;

    /// <summary>The sizes of the dims, as <c>tensor.shape</c> (a <see cref="Autograd.Size"/>: prints as <c>torch.Size([4, 7])</c>).</summary>
    public Size Shape => shape ??= Autograd.Size.Wrap(Dims);

    /// <summary>How many storage elements apart neighbours along each dim are, as <c>tensor.stride()</c>.</summary>
    public IReadOnlyList<int> Strides => StrideArray;

    /// <summary>Where element 0 sits in the storage, as <c>tensor.storage_offset()</c>.</summary>
    public int StorageOffset => Offset;

    /// <summary>The element type, as <c>tensor.dtype</c>.</summary>
    public DType DType { get; }

    internal int Rank => Dims.Length;

    /// <summary>The number of elements, as <c>tensor.numel()</c>.</summary>
    public int Numel() => count;

    /// <summary>The number of dims, as <c>tensor.dim()</c>.</summary>
    public int Dim() => Dims.Length;

    /// <summary>The size of one dim (negative counts from the end), as <c>tensor.size(dim)</c>.</summary>
    public int Size(int dim) => Rank == 0
        ? throw new IndexOutOfRangeException($"dimension specified as {dim} but tensor has no dimensions")
        : Dims[Shapes.WrapDim(dim, Rank)];

    /// <summary>The number of elements (not of the storage, which a view may only partly cover).</summary>
    internal int Count => count;

    /// <summary>Whether the elements lie in row-major order without gaps, as <c>tensor.is_contiguous()</c> (dims of size 1 or less ignored).</summary>
    public bool IsContiguous => Strided.IsContiguous(Dims, StrideArray);

    /// <summary>Contiguous, at offset 0 and covering its whole storage: the storage array is the row-major element array.</summary>
    internal bool IsDense => Offset == 0 && count == Storage.Length && IsContiguous;

    /// <summary>The elements in row-major order: the storage itself when dense, otherwise a row-major copy gathered through the strides.</summary>
    internal Array Values => IsDense ? Storage.Data : Strided.Gather(this);

    /// <summary>A row-major copy of the elements that no other tensor shares.</summary>
    internal Array CopyOfValues() => IsDense ? (Array)Storage.Data.Clone() : Strided.Gather(this);

    /// <summary>Writes row-major <paramref name="values"/> into the storage through this tensor's strides (an in-place update).</summary>
    internal void SetValues(Array values)
    {
        if (IsDense) Array.Copy(values, Storage.Data, count);
        else Strided.Scatter(values, this);
    }

    /// <summary>Where element <paramref name="index"/> of the row-major order sits in the storage.</summary>
    internal int StorageIndex(int index)
    {
        int position = Offset;
        for (int d = Dims.Length - 1; d >= 0; d--)
        {
            position += index % Dims[d] * StrideArray[d];
            index /= Dims[d];
        }
        return position;
    }

    /// <summary>Row-major elements for a kernel to read; a tensor's own buffer (for writing) only when it is dense.</summary>
    internal T[] Data<T>() where T : unmanaged => (T[])Values;
    internal Span<T> Span<T>() where T : unmanaged => (T[])Values;

    /// <summary>The tensor this differentiable view was made from (the root: never itself a view); null if it is no view.</summary>
    internal Tensor? Base { get; private init; }

    /// <summary>Set on the outputs of Split, Chunk and Unbind: PyTorch refuses in-place writes to views of multiple-output ops under grad.</summary>
    internal string? MultiOutputOf { get; set; }

    /// <summary>The storage version when this view's history was last set; a later in-place write (through any alias) makes it stale.</summary>
    private int viewVersion;

    /// <summary>
    /// A view of this tensor's storage with another geometry, checked to lie inside the storage. It is differentiable
    /// (has a base) unless <paramref name="differentiable"/> is false, as for Detach.
    /// </summary>
    internal Tensor AsView(int[] shape, int[] strides, int offset, bool differentiable = true)
    {
        Strided.CheckInBounds(shape, strides, offset, Storage.Length);
        // Views made without grad mode are not differentiable views, as PyTorch's no-grad views: no history is rebased onto them.
        bool tracked = differentiable && GradMode.IsEnabled;
        return new(Storage, shape, strides, offset) { Base = tracked ? Base ?? this : null, viewVersion = Storage.Version };
    }

    /// <summary>PyTorch's <c>_version</c>: the number of in-place writes to this tensor's storage.</summary>
    public int Version => Storage.Version;

    /// <summary>
    /// The node that made this tensor, as <c>tensor.grad_fn</c>. For a view whose storage was written in place since
    /// its history was set (through itself or another alias), the history is regenerated as AsStridedBackward0 of its
    /// base, as PyTorch does.
    /// </summary>
    public GradFn? GradFn
    {
        get
        {
            if (Base is { } root && viewVersion != Storage.Version && root.RequiresGrad) RegenerateViewHistory(root);
            return gradFn;
        }
    }

    /// <summary>Set by the ops library: builds the AsStridedBackward0 node of a view of <c>root</c> with this geometry.</summary>
    internal static Func<Tensor, Tensor, GradFn>? ViewHistory;

    private void RegenerateViewHistory(Tensor root)
    {
        gradFn = (ViewHistory ?? throw new InvalidOperationException("the ops library is not loaded"))(root, this);
        requiresGrad = true;
        viewVersion = Storage.Version;
    }

    /// <summary>Whether this tensor has no history: made by the user, or by an op that recorded nothing.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Settable on leaves only, and only for floating dtypes, as in PyTorch.</summary>
    public bool RequiresGrad
    {
        get => requiresGrad || Base is not null && GradFn is not null;
        set
        {
            if (!IsLeaf)
                throw new InvalidOperationException(value
                    ? "you can only change requires_grad flags of leaf variables."
                    : "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
            if (value && !DType.IsFloating())
                throw new ArgumentException("only Tensors of floating point and complex dtype can require gradients");
            requiresGrad = value;
        }
    }

    private readonly Lock gradLock = new();

    /// <summary>Accumulated by Backward on leaves.</summary>
    public Tensor? Grad
    {
        get => grad;
        set
        {
            if (value is not null)
            {
                if (value.DType != DType) throw new ArgumentException("assigned grad has data of a different type");
                if (!value.Dims.AsSpan().SequenceEqual(Dims)) throw new ArgumentException("assigned grad has data of a different size");
            }
            grad = value;
        }
    }

    /// <summary>
    /// Adds <paramref name="g"/> to Grad (or makes it Grad) under a lock, so that Backward passes on several threads
    /// into one shared leaf lose no update, as in PyTorch.
    /// </summary>
    internal void AccumulateGrad(Tensor g, Func<Tensor, Tensor> own, Func<Tensor, Tensor, Tensor> sum)
    {
        lock (gradLock) grad = grad is null ? own(g) : sum(grad, g);
    }

    /// <summary>Makes this tensor the output of <paramref name="fn"/>; called by ops only.</summary>
    internal void SetGradFn(GradFn fn)
    {
        gradFn = fn;
        requiresGrad = true;
        viewVersion = Storage.Version;
    }

    /// <summary>Computes the gradients of this tensor with respect to the graph's leaves, as <c>tensor.backward()</c>.</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Engine.Run(this, gradient, retainGraph || createGraph, createGraph);

    /// <summary>A new leaf sharing this tensor's storage and version counter, cut from the graph, as <c>tensor.detach()</c>.</summary>
    public Tensor Detach() => AsView(Dims, StrideArray, Offset, differentiable: false);

    /// <summary>Flat, row-major copy of the elements, converted to <typeparamref name="T"/> if the dtype differs.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (Storage.Data is T[]) return (T[])CopyOfValues();
        var result = new T[Count];
        for (int i = 0; i < result.Length; i++) result[i] = Convert<T>(StorageIndex(i));
        return result;
    }

    /// <summary>
    /// The value of a one-element tensor, as <c>tensor.item()</c> (any shape holding one element, as in PyTorch), in
    /// the element type asked for; to long as Python's <c>int()</c> truncates a float.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor has more or fewer than one element (PyTorch 1.13's ValueError).</exception>
    /// <exception cref="InvalidOperationException">A NaN asked for as long (Python's ValueError).</exception>
    /// <exception cref="OverflowException">An infinity (Python's OverflowError), or a value outside long's range
    /// (PyTorch's overflow message: Python's int would hold it), asked for as long.</exception>
    public T Item<T>() where T : unmanaged
    {
        if (Count != 1)
            throw new ArgumentException("only one element tensors can be converted to Python scalars");
        return Convert<T>(StorageIndex(0));
    }

    private T Convert<T>(int storageIndex) where T : unmanaged
    {
        var data = Storage.Data;
        if (data is T[] same) return same[storageIndex];
        // A bool is no number: True reads as 1.
        double value = DType == DType.Bool ? (((bool[])data)[storageIndex] ? 1 : 0)
            : DTypes.DispatchNumeric<StoredValue, double>(DType, new StoredValue(data, storageIndex), "item");
        if (typeof(T) == typeof(long))
        {
            if (double.IsNaN(value)) throw new InvalidOperationException("cannot convert float NaN to integer");
            if (double.IsInfinity(value)) throw new OverflowException("cannot convert float infinity to integer");
            // Python's int() has no bound; long has, and .NET would saturate silently.
            if (value is >= 9223372036854775808.0 or < -9223372036854775808.0)
                throw new OverflowException("value cannot be converted to type int64_t without overflow");
            return (T)(object)(long)value;
        }
        return typeof(T) == typeof(float) ? (T)(object)(float)value
            : typeof(T) == typeof(double) ? (T)(object)value
            : typeof(T) == typeof(bool) ? (T)(object)(value != 0)
            : throw new NotSupportedException($"Element type {typeof(T).Name} is not a tensor element type; use float, double, long or bool.");
    }

    private readonly struct StoredValue(Array data, int storageIndex) : INumericFunc<double>
    {
        public double Invoke<T>() where T : unmanaged, INumber<T> => double.CreateTruncating(((T[])data)[storageIndex]);
    }

    /// <summary>Exactly PyTorch's <c>str(tensor)</c>.</summary>
    public override string ToString() => TensorFormatter.Format(this);
}
