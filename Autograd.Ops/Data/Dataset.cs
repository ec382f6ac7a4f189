namespace Autograd.Data;

/// <summary>
/// A map-style data set, as PyTorch's <c>torch.utils.data.Dataset</c>: <see cref="Count"/> samples, each a row of
/// tensors (features, target, ...) read by index. Derive from it for data that is made on demand;
/// <see cref="TensorDataset"/> wraps tensors already in memory.
/// </summary>
public abstract class Dataset
{
    /// <summary>The number of samples, as <c>len(dataset)</c>.</summary>
    public abstract int Count { get; }

    /// <summary>Sample <paramref name="index"/>, as <c>dataset[index]</c>: one tensor per field.</summary>
    public abstract Tensor[] this[int index] { get; }
}

/// <summary>
/// PyTorch's <c>TensorDataset</c>: sample i is row i (along dim 0) of each tensor, as views that share their storage.
/// </summary>
public sealed class TensorDataset : Dataset
{
    private readonly Tensor[] tensors;

    /// <summary>Wraps tensors whose dim 0 has the same size; throws PyTorch's "Size mismatch between tensors" otherwise.</summary>
    public TensorDataset(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("TensorDataset needs at least one tensor", nameof(tensors));
        foreach (var t in tensors) ArgumentNullException.ThrowIfNull(t, nameof(tensors));
        int count = tensors[0].Size(0);
        if (Array.Exists(tensors, t => t.Size(0) != count)) throw new ArgumentException("Size mismatch between tensors");
        this.tensors = [.. tensors];
    }

    /// <summary>The wrapped tensors, as <c>dataset.tensors</c>.</summary>
    public IReadOnlyList<Tensor> Tensors => tensors;

    /// <summary>The size of the tensors' dim 0.</summary>
    public override int Count => tensors[0].Size(0);

    /// <summary>
    /// <c>tuple(t[index] for t in tensors)</c>: row <paramref name="index"/> of each tensor (negative counts from the end),
    /// a view (SelectBackward0 under autograd).
    /// </summary>
    public override Tensor[] this[int index] => Array.ConvertAll(tensors, t => t.Select(0, index));
}

/// <summary>PyTorch's <c>Subset</c>: the samples of <see cref="Dataset"/> at <see cref="Indices"/>, in that order.</summary>
public sealed class Subset : Dataset
{
    private readonly int[] indices;

    /// <summary>A view of <paramref name="dataset"/> through <paramref name="indices"/> (not checked until read, as in PyTorch).</summary>
    public Subset(Dataset dataset, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(indices);
        Dataset = dataset;
        this.indices = [.. indices];
    }

    /// <summary>The whole data set, as <c>subset.dataset</c>.</summary>
    public Dataset Dataset { get; }

    /// <summary>The indices into <see cref="Dataset"/>, as <c>subset.indices</c>.</summary>
    public IReadOnlyList<int> Indices => indices;

    /// <summary>The number of indices.</summary>
    public override int Count => indices.Length;

    /// <summary>Sample <c>Indices[index]</c> of the whole data set (negative <paramref name="index"/> counts from the end).</summary>
    public override Tensor[] this[int index] => Dataset[indices[index < 0 ? index + indices.Length : index]];
}
