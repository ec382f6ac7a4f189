using System.Numerics;
using System.Runtime.InteropServices;

namespace Autograd;

/// <summary>The element buffer of one or more tensors; views (View, Reshape, Unsqueeze, Detach) share it.</summary>
internal sealed class Storage(Array data)
{
    public readonly Array Data = data;
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

    /// <summary>
    /// Set once a differentiable view shares the buffer. PyTorch rebases the history of every view (and of the base)
    /// on a recorded in-place write; this engine does not, so such writes are refused rather than left with wrong gradients.
    /// </summary>
    public bool HasViews { get; set; }
}

/// <summary>A dense, row-major n-dimensional array that records the operations applied to it.</summary>
public sealed class Tensor
{
    internal readonly Storage Storage;
    internal readonly int[] Dims;
    private bool requiresGrad;
    private Tensor? grad;

    /// <summary>
    /// Set by an op that hands this tensor over as a gradient no one else holds (CrossEntropy's, written in its
    /// forward); see <see cref="Storage.Exclusive"/>.
    /// </summary>
    internal bool Exclusive { get => Storage.Exclusive; set => Storage.Exclusive = value; }

    internal Tensor(Array data, int[] shape) : this(new Storage(data), shape) { }

    internal Tensor(Storage storage, int[] shape)
    {
        Storage = storage;
        Dims = shape;
        DType = storage.Data switch
        {
            float[] => DType.Float32,
            double[] => DType.Float64,
            long[] => DType.Int64,
            _ => throw new ArgumentException("Tensor data must be float[], double[] or long[]."),
        };
    }

    /// <summary>A zero-filled tensor.</summary>
    internal static Tensor Empty(DType dtype, int[] shape) => new(DTypes.Allocate(dtype, Shapes.NumElements(shape)), shape);

    /// <summary>A tensor whose elements are garbage until written: for kernels that write every element, saving a pass over memory.</summary>
    internal static Tensor Uninitialized(DType dtype, int[] shape) => new(DTypes.AllocateUninitialized(dtype, Shapes.NumElements(shape)), shape);

    internal static Tensor Scalar<T>(T value) where T : unmanaged => new(new[] { value }, []);

    public IReadOnlyList<int> Shape => Dims;
    public DType DType { get; }
    internal int Rank => Dims.Length;
    internal int Count => Storage.Data.Length;

    /// <summary>
    /// A matrix view of another tensor's storage with its two dims swapped (T(), Transpose of a matrix), as PyTorch's
    /// strided view: element (i, j) is at j x Dims[0] + i. Matrix products read it in place; other kernels read
    /// <see cref="Values"/>.
    /// </summary>
    internal bool Transposed { get; private init; }

    /// <summary>The elements in row-major order: the storage itself, or for a transposed view a row-major copy of it.</summary>
    internal Array Values => Transposed ? Transposition.Matrix(Storage.Data, Dims[0], Dims[1]) : Storage.Data;

    /// <summary>A row-major copy of the elements that no other tensor shares.</summary>
    internal Array CopyOfValues() => Transposed ? Values : (Array)Storage.Data.Clone();

    /// <summary>Writes row-major <paramref name="values"/> into the storage, in its layout (an in-place update).</summary>
    internal void SetValues(Array values)
    {
        if (Transposed) values = Transposition.Matrix(values, Dims[1], Dims[0]);
        Array.Copy(values, Storage.Data, Count);
    }

    /// <summary>Where element <paramref name="index"/> of the row-major order sits in the storage.</summary>
    internal int StorageIndex(int index) => Transposed ? index % Dims[1] * Dims[0] + index / Dims[1] : index;

    /// <summary>Row-major elements for a kernel to read; a tensor's own buffer (for writing) unless it is a transposed view.</summary>
    internal T[] Data<T>() where T : unmanaged => (T[])Values;
    internal Span<T> Span<T>() where T : unmanaged => (T[])Values;

    /// <summary>The tensor this differentiable view (View, Reshape, Unsqueeze, ...) was made from; null if it is no view.</summary>
    internal Tensor? Base { get; private init; }

    /// <summary>
    /// A differentiable view of this tensor: another shape over the same storage. A transposed view keeps its layout
    /// only under its own shape; another shape of it is a row-major copy (PyTorch's reshape copies it too).
    /// </summary>
    internal Tensor ViewAs(int[] shape)
    {
        if (Transposed && !shape.AsSpan().SequenceEqual(Dims)) return new(Values, shape);
        Storage.HasViews = true;
        return new(Storage, shape) { Base = Base ?? this, Transposed = Transposed };
    }

    /// <summary>A differentiable view of this matrix with its dims swapped, sharing its storage.</summary>
    internal Tensor TransposedView()
    {
        Storage.HasViews = true;
        // With a dim of 1 both layouts order the elements alike, so the view stays row-major.
        bool transposed = Dims[0] != 1 && Dims[1] != 1 && !Transposed;
        return new(Storage, [Dims[1], Dims[0]]) { Base = Base ?? this, Transposed = transposed };
    }

    /// <summary>PyTorch's <c>_version</c>: the number of in-place writes to this tensor's storage.</summary>
    public int Version => Storage.Version;

    public GradFn? GradFn { get; private set; }
    public bool IsLeaf => GradFn is null;

    /// <summary>Settable on leaves only, and only for floating dtypes, as in PyTorch.</summary>
    public bool RequiresGrad
    {
        get => requiresGrad;
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

    /// <summary>Makes this tensor the output of <paramref name="fn"/>; called by ops only.</summary>
    internal void SetGradFn(GradFn fn)
    {
        GradFn = fn;
        requiresGrad = true;
    }

    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Engine.Run(this, gradient, retainGraph || createGraph, createGraph);

    /// <summary>A new leaf sharing this tensor's storage, cut from the graph.</summary>
    public Tensor Detach() => new(Storage, Dims) { Transposed = Transposed };

    /// <summary>Flat, row-major copy of the elements, converted to <typeparamref name="T"/> if the dtype differs.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (Storage.Data is T[]) return (T[])CopyOfValues();
        var result = new T[Count];
        for (int i = 0; i < result.Length; i++) result[i] = Convert<T>(i);
        return result;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Count != 1)
            throw new ArgumentException($"a Tensor with {Count} elements cannot be converted to Scalar");
        return Convert<T>(0);
    }

    private T Convert<T>(int index) where T : unmanaged
    {
        index = StorageIndex(index);
        double value = Storage.Data switch
        {
            float[] f => f[index],
            double[] d => d[index],
            long[] l => l[index],
            _ => throw new InvalidOperationException(),
        };
        if (typeof(T) == typeof(long) && Storage.Data is long[] longs) return (T)(object)longs[index];
        return typeof(T) == typeof(float) ? (T)(object)(float)value
            : typeof(T) == typeof(double) ? (T)(object)value
            : typeof(T) == typeof(long) ? (T)(object)(long)value
            : throw new NotSupportedException($"Element type {typeof(T).Name} is not a tensor element type; use float, double or long.");
    }

    /// <summary>Exactly PyTorch's <c>str(tensor)</c>.</summary>
    public override string ToString() => TensorFormatter.Format(this);
}
