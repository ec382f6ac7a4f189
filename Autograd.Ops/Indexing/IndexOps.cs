using static Autograd.Differentiable;

namespace Autograd;

/// <summary>
/// Index ops with PyTorch's semantics, messages and gradients: index_select, index_add, index_put(_), nonzero. The
/// indexer's advanced indexing (<c>x[idx]</c>, <c>x[mask] = v</c>) is made of <see cref="Take"/> and <see cref="Put"/>.
/// </summary>
public static partial class IndexOps
{
    extension(Tensor self)
    {
        /// <summary>The slices of dim <paramref name="dim"/> at the positions in <paramref name="index"/> (a vector), as <c>torch.index_select</c>.</summary>
        public Tensor IndexSelect(int dim, Tensor index)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(index);
            if (index.Rank > 1) throw new IndexOutOfRangeException("index_select(): Index is supposed to be a vector");
            if (index.DType != DType.Int64) throw new ArgumentException("index_select(): Expected dtype int32 or int64 for index");
            int d = Shapes.WrapDim(dim, self.Rank);
            var positions = index.ToArray<long>();
            Tensor result;
            if (self.Rank == 0)
            {
                if (positions.Any(p => p != 0)) throw new IndexOutOfRangeException("index out of range in self");
                result = new Tensor(self.CopyOfValues(), []);
            }
            else
            {
                int size = self.Dims[d];
                foreach (long p in positions)
                {
                    if (p < 0 || p >= size) throw new ArgumentException($"INDICES element is out of DATA bounds, id={p} axis_dim={size}");
                }
                result = AlongDim(self.Dims, d, index).Gather(self.Storage.Data, self.StrideArray, self.Offset);
            }
            if (Graph.NeedsGrad(self))
            {
                Graph.Record(result, "IndexSelectBackward0", [self],
                    g => [self.Rank == 0 ? g : Torch.Zeros(self.Dims, g.DType).IndexAdd(d, index, g)], saved: [index]);
            }
            return result;
        }

        /// <summary>
        /// A copy with the slices of <paramref name="source"/> along <paramref name="dim"/> added at the positions in
        /// <paramref name="index"/> (repeated positions add up), as <c>torch.index_add</c>.
        /// </summary>
        public Tensor IndexAdd(int dim, Tensor index, Tensor source)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(index);
            ArgumentNullException.ThrowIfNull(source);
            int d = Shapes.WrapDim(dim, self.Rank);
            int n = index.Count;
            if (index.Rank > 1)
                throw new IndexOutOfRangeException(
                    $"index_add_(): Index is supposed to be a vector, but got dim: {index.Rank} with type: {index.DType.ScalarName()} and size: {Shapes.Format(index.Dims)}");
            if (index.DType != DType.Int64)
                throw new ArgumentException($"index_add_(): Expected dtype int32/int64 for index but got: {index.DType.ScalarName()}");
            if (self.DType != source.DType)
                throw new ArgumentException($"index_add_(): self ({self.DType.ScalarName()}) and source ({source.DType.ScalarName()}) must have the same scalar type");
            if (d != 0 && d >= source.Rank)
                throw new ArgumentException($"index_add_(): Indexing dim {d} is out of bounds of the source tensor with dim {source.Rank}");
            int sourceSize = source.Rank == 0 ? 1 : source.Dims[d];
            if (n != sourceSize)
                throw new ArgumentException($"index_add_(): Number of indices ({n}) should be equal to source.size(dim): ({sourceSize}), for dim: {d}");
            int[] dims = self.Rank == 0 ? [1] : self.Dims;
            foreach (long p in index.ToArray<long>())
            {
                if (p < 0 || p >= dims[d]) throw new IndexOutOfRangeException("index out of range in self");
            }
            // Each slice of source is added, broadcast, into the slice of self it is indexed to, as PyTorch's kernel does.
            int[] selfSlice = [.. dims[..d], .. dims[(d + 1)..]];
            int[] sourceSlice = source.Rank == 0 ? [] : [.. source.Dims[..d], .. source.Dims[(d + 1)..]];
            var broadcast = Shapes.Broadcast(selfSlice, sourceSlice);
            if (!broadcast.AsSpan().SequenceEqual(selfSlice))
                throw new ArgumentException($"output with shape {Shapes.Format(selfSlice)} doesn't match the broadcast shape {Shapes.Format(broadcast)}");
            var spread = Spread(source, dims, d, n);
            var plan = AlongDim(dims, d, index);
            var result = new Tensor(self.CopyOfValues(), self.Dims);
            plan.Scatter(result.Storage.Data, Strided.ContiguousStrides(dims), 0, Strided.Gather(spread), accumulate: true);
            if (Graph.NeedsGrad(self, source))
            {
                var sourceGeometry = StridedGeometry.Of(source);
                var spreadGeometry = StridedGeometry.Of(spread);
                Graph.Record(result, "IndexAddBackward0", [self, source], g =>
                [
                    g,
                    source.RequiresGrad ? StridedGeometry.Embed((self.Rank == 0 ? g.Reshape(1) : g).IndexSelect(d, index), sourceGeometry, spreadGeometry) : null,
                ], saved: [index]);
            }
            return result;
        }

        /// <summary>
        /// Writes <paramref name="values"/> (broadcast to the indexing result, of this dtype) at the elements
        /// <c>self[indices]</c> picks, in place; with <paramref name="accumulate"/>, adds them, repeated indices adding up
        /// (<c>tensor.index_put_</c>). Int64 indices and Bool masks, as the indexer's.
        /// </summary>
        public Tensor IndexPut_(Tensor[] indices, Tensor values, bool accumulate = false)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(values);
            var plan = PutPlan(self, indices, values);
            PutInPlace(self, plan, values, accumulate);
            return self;
        }

        /// <summary>Out of place <see cref="IndexPut_"/>, as <c>torch.index_put</c>.</summary>
        public Tensor IndexPut(Tensor[] indices, Tensor values, bool accumulate = false)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(values);
            var plan = PutPlan(self, indices, values);
            return Put(self, plan, values, accumulate);
        }

        /// <summary>The indices of the nonzero elements (NaN counts as nonzero), one row each, as <c>torch.nonzero</c>: Int64 [n, dims].</summary>
        public Tensor Nonzero() => NonzeroOf(Argument.NotNull(self));
    }

    private static AdvancedIndex PutPlan(Tensor self, Tensor[] indices, Tensor values)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(values);
        foreach (var index in indices) ArgumentNullException.ThrowIfNull(index, nameof(indices));
        return AdvancedIndex.Create(self.Dims, indices);
    }

    /// <summary>The plan of indexing dim <paramref name="d"/> of <paramref name="dims"/> by a vector (index_select, index_add).</summary>
    private static AdvancedIndex AlongDim(int[] dims, int d, Tensor index)
    {
        var indices = new Tensor?[d + 1];
        indices[d] = index.Rank == 0 ? new Tensor(index.ToArray<long>(), [1]) : index;
        return AdvancedIndex.Create(dims, indices);
    }

    /// <summary>index_add's source seen (without a copy) in the shape of self with dim d of size n, its slices broadcast.</summary>
    private static Tensor Spread(Tensor source, int[] dims, int d, int n)
    {
        int[] shape = [.. dims[..d], n, .. dims[(d + 1)..]];
        var strides = new int[shape.Length];
        int[] sourceDims = source.Rank == 0 ? [1] : source.Dims, sourceStrides = source.Rank == 0 ? [0] : source.StrideArray;
        int[] sliceDims = [.. sourceDims[..d], .. sourceDims[(d + 1)..]], sliceStrides = [.. sourceStrides[..d], .. sourceStrides[(d + 1)..]];
        int lead = shape.Length - 1 - sliceDims.Length;
        for (int k = 0, j = 0; k < shape.Length; k++)
        {
            if (k == d)
            {
                strides[k] = sourceStrides[d];
                continue;
            }
            int s = j++ - lead;
            strides[k] = s >= 0 && sliceDims[s] == shape[k] ? sliceStrides[s] : 0;
        }
        return source.AsView(shape, strides, source.Offset, differentiable: false);
    }

    /// <summary>The elements <paramref name="plan"/> picks from <paramref name="source"/> (advanced indexing), recorded as IndexBackward0.</summary>
    internal static Tensor Take(Tensor source, AdvancedIndex plan)
    {
        var result = plan.Gather(source.Storage.Data, source.StrideArray, source.Offset);
        if (Graph.NeedsGrad(source))
            Graph.Record(result, "IndexBackward0", [source], g => [Put(Torch.Zeros(source.Dims, g.DType), plan, g, accumulate: true)], saved: []);
        return result;
    }

    /// <summary>A copy of <paramref name="self"/> with <paramref name="values"/> written (or added) at the elements <paramref name="plan"/> picks, recorded as IndexPutBackward0.</summary>
    internal static Tensor Put(Tensor self, AdvancedIndex plan, Tensor values, bool accumulate)
    {
        var spread = PutValues(self, plan, values);
        var result = new Tensor(self.CopyOfValues(), self.Dims);
        plan.Scatter(result.Storage.Data, result.StrideArray, 0, spread, accumulate);
        if (Graph.NeedsGrad(self, values))
        {
            Graph.Record(result, "IndexPutBackward0", [self, values], g =>
            [
                accumulate ? g : Put(g, plan, Kernels.Full(g.DType, [], 0), accumulate: false),
                values.RequiresGrad ? GradFor(Take(g, plan), values) : null,
            ], saved: []);
        }
        return result;
    }

    /// <summary>
    /// index_put_ into <paramref name="self"/>'s storage: the indexed elements written through its strides, recorded
    /// when a graph is through the in-place machinery (IndexPutBackward0 on self, or CopySlices on its base when self is a view).
    /// </summary>
    internal static void PutInPlace(Tensor self, AdvancedIndex plan, Tensor values, bool accumulate)
    {
        void Write() => plan.Scatter(self.Storage.Data, self.StrideArray, self.Offset, PutValues(self, plan, values), accumulate);
        if (GradMode.IsEnabled && (self.RequiresGrad || values.RequiresGrad))
        {
            InPlace.Update(self, [values], t => Put(t, plan, values, accumulate), overlapAllowed: true, Write);
            return;
        }
        Write();
        self.Storage.BumpVersion();
    }

    /// <summary>The values checked (shape, dtype) and broadcast to the indexing result, as a row-major array that shares nothing with self.</summary>
    private static Array PutValues(Tensor self, AdvancedIndex plan, Tensor values)
    {
        if (!BroadcastsTo(values.Dims, plan.Shape))
            throw new ArgumentException(
                $"shape mismatch: value tensor of shape {Shapes.Format(values.Dims)} cannot be broadcast to indexing result of shape {Shapes.Format(plan.Shape)}");
        if (values.DType != self.DType)
            throw new ArgumentException(
                $"Index put requires the source and destination dtypes match, got {self.DType.ScalarName()} for the destination and {values.DType.ScalarName()} for the source.");
        var spread = Comparisons.ExpandedCopy(values, plan.Shape);
        return ReferenceEquals(spread.Storage, self.Storage) ? spread.CopyOfValues() : spread.Values;
    }

    /// <summary>Whether <paramref name="shape"/> broadcasts to <paramref name="target"/> without changing it.</summary>
    internal static bool BroadcastsTo(int[] shape, int[] target)
    {
        if (shape.Length > target.Length) return false;
        for (int i = 1; i <= shape.Length; i++)
        {
            if (shape[^i] != 1 && shape[^i] != target[^i]) return false;
        }
        return true;
    }

    /// <summary>torch.nonzero of any tensor: Int64 [n, rank], row-major order.</summary>
    internal static Tensor NonzeroOf(Tensor t)
    {
        var flags = DTypes.Dispatch<NonzeroFlags, bool[]>(t.DType, new NonzeroFlags(t.Values));
        int n = flags.Count(f => f), rank = t.Rank;
        var result = new long[n * rank];
        var index = new int[rank];
        for (int i = 0, row = 0; i < flags.Length; i++)
        {
            if (flags[i])
            {
                for (int d = 0; d < rank; d++) result[row * rank + d] = index[d];
                row++;
            }
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < t.Dims[d]) break;
                index[d] = 0;
            }
        }
        return new Tensor(result, [n, rank]);
    }

    private readonly struct NonzeroFlags(Array values) : IElementFunc<bool[]>
    {
        public bool[] Invoke<T>() where T : unmanaged
        {
            var data = (T[])values;
            var flags = new bool[data.Length];
            for (int i = 0; i < data.Length; i++) flags[i] = !EqualityComparer<T>.Default.Equals(data[i], default);
            return flags;
        }
    }
}
