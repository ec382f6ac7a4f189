using System.Numerics;

namespace Autograd;

/// <summary>Scatter, Gather, ScatterAdd: the index ops the one-hot labels and Max's gradient are made of.</summary>
public static class Indexing
{
    extension(Tensor self)
    {
        /// <summary>Out of place, like torch.scatter: a copy with <paramref name="value"/> written at the indexed places.</summary>
        public Tensor Scatter(int dim, Tensor index, double value)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(index);
            int d = Shapes.WrapDim(dim, self.Rank);
            var places = Places(self, d, index, null, "scatter");
            var result = Copy(self);
            var fill = Kernels.Full(self.DType, [], value);
            Write(result, places, fill, broadcastSource: true, accumulate: false);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "ScatterBackward1", [self], g => [g.Scatter(d, index, 0.0)], saved: [index]);
            return result;
        }

        /// <summary>Out of place: a copy with src's elements written at the indexed places.</summary>
        public Tensor Scatter(int dim, Tensor index, Tensor src)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(index);
            ArgumentNullException.ThrowIfNull(src);
            int d = Shapes.WrapDim(dim, self.Rank);
            var places = Places(self, d, index, src, "scatter");
            var result = Copy(self);
            Write(result, places, src, broadcastSource: false, accumulate: false);
            if (Graph.NeedsGrad(self, src))
                Graph.Record(result, "ScatterBackward0", [self, src], g => [g.Scatter(d, index, 0.0), SourceGrad(g, d, index, src)], saved: [index]);
            return result;
        }

        /// <summary>Out of place: a copy with src's elements added at the indexed places.</summary>
        public Tensor ScatterAdd(int dim, Tensor index, Tensor src)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(index);
            ArgumentNullException.ThrowIfNull(src);
            int d = Shapes.WrapDim(dim, self.Rank);
            var places = Places(self, d, index, src, "scatter_add");
            var result = Copy(self);
            Write(result, places, src, broadcastSource: false, accumulate: true);
            if (Graph.NeedsGrad(self, src))
                Graph.Record(result, "ScatterAddBackward0", [self, src], g => [g, SourceGrad(g, d, index, src)], saved: [index]);
            return result;
        }

        /// <summary>Elements picked along <paramref name="dim"/> by <paramref name="index"/>; the result has index's shape.</summary>
        public Tensor Gather(int dim, Tensor index)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(index);
            int d = Shapes.WrapDim(dim, self.Rank);
            var places = Places(self, d, index, null, "gather");
            var result = Tensor.Empty(self.DType, index.Dims);
            var source = self.Values;
            var destination = result.Storage.Data;
            for (int i = 0; i < places.Target.Length; i++) Array.Copy(source, places.Target[i], destination, places.Source[i], 1);
            if (Graph.NeedsGrad(self))
                Graph.Record(result, "GatherBackward0", [self], g => [Kernels.Full(self.DType, self.Dims, 0).ScatterAdd(d, index, g)], saved: [self, index]);
            return result;
        }
    }

    /// <summary>src's gradient; an index smaller than src gives an index-shaped one, which the engine rejects as PyTorch does.</summary>
    private static Tensor? SourceGrad(Tensor g, int dim, Tensor index, Tensor src) => src.RequiresGrad ? g.Gather(dim, index) : null;

    private static Tensor Copy(Tensor t) => new(t.CopyOfValues(), t.Dims);

    /// <summary>
    /// For each element of <paramref name="index"/>: its offset in self along <paramref name="dim"/> (Target) and its own
    /// offset in index and src (Source). Validates everything first, so a failed call changes nothing.
    /// </summary>
    private static (int[] Target, int[] Source) Places(Tensor self, int dim, Tensor index, Tensor? src, string op)
    {
        if (index.DType != DType.Int64) throw new ArgumentException($"{op}(): Expected dtype int64 for index");
        if (src is not null && src.DType != self.DType) throw new ArgumentException($"{op}(): Expected self.dtype to be equal to src.dtype");
        // PyTorch checks no shapes for an empty index: there is nothing to write or read.
        if (index.Count == 0) return ([], []);
        // A 0-d self, index or src takes part as a 1-d tensor of one element, as in PyTorch.
        int[] selfDims = AtLeastOneDim(self), indexDims = AtLeastOneDim(index);
        if (indexDims.Length != selfDims.Length)
            throw new ArgumentException("Index tensor must have the same number of dimensions as self tensor");
        int rank = indexDims.Length;
        for (int i = 0; i < rank; i++)
        {
            bool selfTooSmall = i != dim && indexDims[i] > selfDims[i];
            // PyTorch reads src.size(i) even past src's rank, which fails as a dim out of range.
            bool srcTooSmall = !selfTooSmall && src is not null && indexDims[i] > (src.Rank == 0 ? 1 : src.Dims[Shapes.WrapDim(i, src.Rank)]);
            if (selfTooSmall || srcTooSmall)
            {
                string prefix = op == "gather" ? $"Size does not match at dimension {i} expected" : "Expected";
                string srcPart = src is null ? "" : $" and to be smaller size than src {Shapes.Format(src.Dims)}";
                throw new ArgumentException(
                    $"{prefix} index {Shapes.Format(index.Dims)} to be smaller than self {Shapes.Format(self.Dims)} apart from dimension {dim}{srcPart}");
            }
        }
        int[]? srcDims = src is null ? null : AtLeastOneDim(src);
        if (srcDims is not null && srcDims.Length != rank)
            throw new ArgumentException("Index tensor must have the same number of dimensions as src tensor");
        var indices = index.Span<long>();
        int size = selfDims[dim];
        var selfStrides = Shapes.BroadcastStrides(selfDims, selfDims);
        var srcStrides = Shapes.BroadcastStrides(srcDims ?? indexDims, srcDims ?? indexDims);
        var target = new int[index.Count];
        var source = new int[index.Count];
        var position = new int[rank];
        for (int i = 0; i < target.Length; i++)
        {
            long at = indices[i];
            if (at < 0 || at >= size) throw new ArgumentException($"index {at} is out of bounds for dimension {dim} with size {size}");
            int selfOffset = 0, srcOffset = 0;
            for (int k = 0; k < rank; k++)
            {
                selfOffset += (k == dim ? (int)at : position[k]) * selfStrides[k];
                srcOffset += position[k] * srcStrides[k];
            }
            target[i] = selfOffset;
            source[i] = srcOffset;
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++position[k] < indexDims[k]) break;
                position[k] = 0;
            }
        }
        return (target, source);
    }

    private static int[] AtLeastOneDim(Tensor t) => t.Rank == 0 ? [1] : t.Dims;

    private static void Write(Tensor result, (int[] Target, int[] Source) places, Tensor src, bool broadcastSource, bool accumulate)
    {
        if (result.DType == DType.Bool) WriteBool(result, places, Kernels.Cast(src, DType.Bool), broadcastSource, accumulate);
        else DTypes.DispatchNumeric(result.DType, new Writing(result, places, src, broadcastSource, accumulate), "index_put_");
    }

    private readonly struct Writing(Tensor result, (int[] Target, int[] Source) places, Tensor src, bool broadcastSource, bool accumulate) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => Write<T>(result, places, src, broadcastSource, accumulate);
    }

    /// <summary>Bool elements: adding is a logical or, as PyTorch's bool arithmetic.</summary>
    private static void WriteBool(Tensor result, (int[] Target, int[] Source) places, Tensor src, bool broadcastSource, bool accumulate)
    {
        var d = result.Span<bool>();
        ReadOnlySpan<bool> s = src.Span<bool>();
        for (int i = 0; i < places.Target.Length; i++)
        {
            bool value = s[broadcastSource ? 0 : places.Source[i]];
            d[places.Target[i]] = accumulate ? d[places.Target[i]] | value : value;
        }
    }

    private static void Write<T>(Tensor result, (int[] Target, int[] Source) places, Tensor src, bool broadcastSource, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        var d = result.Span<T>();
        ReadOnlySpan<T> s = src.Span<T>();
        for (int i = 0; i < places.Target.Length; i++)
        {
            T value = s[broadcastSource ? 0 : places.Source[i]];
            d[places.Target[i]] = accumulate ? d[places.Target[i]] + value : value;
        }
    }
}
