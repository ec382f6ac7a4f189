using System.Runtime.CompilerServices;

namespace Autograd;

public sealed partial class Tensor
{
    /// <summary>
    /// Python's <c>x[...]</c>: integers, slices (System.Index and System.Range, or <see cref="TensorIndex.Slice"/>),
    /// <see cref="TensorIndex.Ellipsis"/>, <see cref="TensorIndex.None"/> and tensors (Int64 indices, Bool masks), in any
    /// combination PyTorch accepts. Basic indexing gives views that write through; tensor indices give copies
    /// (IndexBackward0). Setting writes into this tensor, as PyTorch's <c>__setitem__</c>: a copy into the view for
    /// basic indexing, <c>index_put_</c> for tensor indices, the value broadcast and converted to this dtype.
    /// </summary>
    [IndexerName("Index")]
    public Tensor this[params TensorIndex[] indices]
    {
        get => (Indexer ?? throw new InvalidOperationException("the ops library is not loaded")).Get(this, indices ?? throw new ArgumentNullException(nameof(indices)));
        set => (Indexer ?? throw new InvalidOperationException("the ops library is not loaded")).Set(this, indices ?? throw new ArgumentNullException(nameof(indices)), value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Set by the ops library when it loads: the core cannot reference the ops that indexing is made of.</summary>
    internal static IIndexer? Indexer;

    /// <summary>
    /// A 0-d float32 tensor holding <paramref name="value"/>, so that <c>x[mask] = double.NegativeInfinity</c> works.
    /// As a Python number, it is converted to the destination's dtype when assigned through the indexer (from the
    /// double, so a float64 tensor gets every bit of it).
    /// </summary>
    public static implicit operator Tensor(double value) =>
        new(new[] { (float)value }, []) { WrappedNumber = value };

    /// <summary>The double a tensor was made from by the implicit conversion (PyTorch's wrapped number); null for any other tensor.</summary>
    internal double? WrappedNumber { get; private init; }
}

/// <summary>The indexer's implementation, in the ops library.</summary>
internal interface IIndexer
{
    Tensor Get(Tensor self, TensorIndex[] indices);

    void Set(Tensor self, TensorIndex[] indices, Tensor value);
}
