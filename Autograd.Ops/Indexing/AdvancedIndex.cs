using System.Numerics;

namespace Autograd;

/// <summary>
/// PyTorch's advanced indexing of one tensor shape by a list of index tensors (null = the whole dim): Bool masks
/// stand for the columns of their nonzero(), the indices broadcast together, and the result has the broadcast shape in
/// place of the indexed dims when those are adjacent, in front of the other dims otherwise. Built once with every
/// index validated and wrapped (the checks and messages of PyTorch's index and index_put_), it maps the result's
/// elements to storage positions for any strides of the indexed shape.
/// </summary>
internal sealed class AdvancedIndex
{
    private readonly int[] dims;
    private readonly long[][] values;
    private readonly int count;
    private readonly (int Size, int Dim, int Stride)[] layout;

    /// <summary>The shape of the indexing result.</summary>
    public int[] Shape { get; }

    private AdvancedIndex(int[] source, int[] dims, long[][] values, int[] broadcast)
    {
        this.dims = dims;
        this.values = values;
        count = Shapes.NumElements(broadcast);
        var strides = Strided.ContiguousStrides(broadcast);
        var indexed = broadcast.Select((size, i) => (Size: size, Dim: -1, Stride: strides[i]));
        var plain = Enumerable.Range(0, source.Length).Where(d => !dims.Contains(d)).Select(d => (Size: source[d], Dim: d, Stride: 0)).ToArray();
        bool adjacent = dims[^1] - dims[0] + 1 == dims.Length;
        layout = adjacent
            ? [.. plain.Where(p => p.Dim < dims[0]), .. indexed, .. plain.Where(p => p.Dim > dims[^1])]
            : [.. indexed, .. plain];
        Shape = [.. layout.Select(l => l.Size)];
    }

    /// <summary>Validates <paramref name="indices"/> against <paramref name="shape"/> (PyTorch's messages and exception kinds).</summary>
    public static AdvancedIndex Create(int[] shape, IReadOnlyList<Tensor?> indices)
    {
        if (indices.Count > shape.Length)
            throw new IndexOutOfRangeException($"too many indices for tensor of dimension {shape.Length} (got {indices.Count})");
        foreach (var index in indices)
        {
            if (index is not null && index.DType != DType.Int64 && index.DType != DType.Bool)
                throw new IndexOutOfRangeException("tensors used as indices must be long, byte or bool tensors");
        }
        // Masks become the columns of their nonzero(), checked against the dims they cover.
        var expanded = new List<Tensor?>();
        foreach (var index in indices)
        {
            if (index is null || index.DType != DType.Bool)
            {
                expanded.Add(index);
                continue;
            }
            int first = expanded.Count;
            for (int j = 0; j < index.Rank; j++)
            {
                if (first + j >= shape.Length)
                    throw new IndexOutOfRangeException($"too many indices for tensor of dimension {shape.Length} (got {first + index.Rank})");
                if (index.Dims[j] != shape[first + j])
                    throw new IndexOutOfRangeException(
                        $"The shape of the mask {Shapes.Format(index.Dims)} at index {j} does not match the shape of the indexed tensor {Shapes.Format(shape)} at index {first + j}");
            }
            var nonzero = IndexOps.NonzeroOf(index);
            for (int j = 0; j < index.Rank; j++) expanded.Add(Column(nonzero, j));
        }
        var defined = Enumerable.Range(0, expanded.Count).Where(i => expanded[i] is not null).ToArray();
        // PyTorch fails on an index list without a tensor in it with this (internal) message.
        if (defined.Length == 0) throw new ArgumentException("strides() called on an undefined Tensor");
        int[] broadcast;
        try
        {
            broadcast = defined.Select(i => expanded[i]!.Dims).Aggregate(Shapes.Broadcast);
        }
        catch (ArgumentException)
        {
            throw new IndexOutOfRangeException(
                $"shape mismatch: indexing tensors could not be broadcast together with shapes {string.Join(", ", defined.Select(i => Shapes.Format(expanded[i]!.Dims)))}");
        }
        var values = defined.Select(i => Comparisons.ExpandedCopy(expanded[i]!, broadcast).ToArray<long>()).ToArray();
        int n = Shapes.NumElements(broadcast);
        for (int b = 0; b < n; b++)
        {
            for (int k = 0; k < defined.Length; k++)
            {
                long at = values[k][b];
                int size = shape[defined[k]];
                if (at < -size || at >= size)
                    throw new IndexOutOfRangeException($"index {at} is out of bounds for dimension {k} with size {size}");
                if (at < 0) values[k][b] = at + size;
            }
        }
        return new AdvancedIndex(shape, defined, values, broadcast);
    }

    private static Tensor Column(Tensor nonzero, int j)
    {
        var all = nonzero.Span<long>();
        int rank = nonzero.Dims[1];
        var column = new long[nonzero.Dims[0]];
        for (int i = 0; i < column.Length; i++) column[i] = all[i * rank + j];
        return new Tensor(column, [column.Length]);
    }

    /// <summary>The storage position of every result element (row-major) when the indexed tensor has these strides and offset.</summary>
    public int[] Positions(int[] strides, int offset)
    {
        var fromIndices = new int[count];
        for (int b = 0; b < count; b++)
        {
            long position = 0;
            for (int k = 0; k < dims.Length; k++) position += values[k][b] * strides[dims[k]];
            fromIndices[b] = checked((int)position);
        }
        var positions = new int[Shapes.NumElements(Shape)];
        if (positions.Length == 0) return positions;
        int rank = layout.Length;
        var index = new int[rank];
        int plain = offset, indexed = 0;
        for (int i = 0; i < positions.Length; i++)
        {
            positions[i] = plain + fromIndices[indexed];
            for (int d = rank - 1; d >= 0; d--)
            {
                var (size, dim, stride) = layout[d];
                if (dim >= 0) plain += strides[dim];
                else indexed += stride;
                if (++index[d] < size) break;
                if (dim >= 0) plain -= strides[dim] * size;
                else indexed -= stride * size;
                index[d] = 0;
            }
        }
        return positions;
    }

    /// <summary>The indexed elements of a tensor laid out as <paramref name="strides"/> over <paramref name="storage"/>, as a new contiguous tensor.</summary>
    public Tensor Gather(Array storage, int[] strides, int offset)
    {
        var result = Tensor.Uninitialized(DTypes.OfStorage(storage), Shape);
        DTypes.Dispatch(result.DType, new GatherAction(storage, result.Storage.Data, Positions(strides, offset)));
        return result;
    }

    /// <summary>Writes (or adds) row-major <paramref name="source"/> (of <see cref="Shape"/>) at the indexed elements of a strided layout.</summary>
    public void Scatter(Array storage, int[] strides, int offset, Array source, bool accumulate)
    {
        var dtype = DTypes.OfStorage(storage);
        var positions = Positions(strides, offset);
        if (!accumulate) DTypes.Dispatch(dtype, new WriteAction(source, storage, positions));
        else if (dtype == DType.Bool) OrInto((bool[])source, (bool[])storage, positions);
        else DTypes.DispatchNumeric(dtype, new AddAction(source, storage, positions), "index_put_");
    }

    /// <summary>Accumulating bools is a logical or, as PyTorch's index_put_ with accumulate=True on a bool tensor.</summary>
    private static void OrInto(bool[] source, bool[] storage, int[] positions)
    {
        for (int i = 0; i < positions.Length; i++) storage[positions[i]] |= source[i];
    }

    private readonly struct GatherAction(Array storage, Array result, int[] positions) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            T[] from = (T[])storage, to = (T[])result;
            for (int i = 0; i < positions.Length; i++) to[i] = from[positions[i]];
        }
    }

    private readonly struct WriteAction(Array source, Array storage, int[] positions) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            T[] from = (T[])source, to = (T[])storage;
            for (int i = 0; i < positions.Length; i++) to[positions[i]] = from[i];
        }
    }

    private readonly struct AddAction(Array source, Array storage, int[] positions) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            T[] from = (T[])source, to = (T[])storage;
            for (int i = 0; i < positions.Length; i++) to[positions[i]] += from[i];
        }
    }
}
