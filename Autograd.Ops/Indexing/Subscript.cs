using System.Runtime.CompilerServices;

namespace Autograd;

/// <summary>
/// The tensor indexer <c>x[...]</c>, as PyTorch's Python <c>__getitem__</c> / <c>__setitem__</c>: the basic entries
/// (integers, slices, None, Ellipsis, 0-d tensors) are applied left to right as views (Select, Slice, Unsqueeze),
/// recording the tensor entries by the dim they reach; then the tensor entries index the view (advanced indexing, a
/// copy) or, when setting, index_put_ into it.
/// </summary>
internal sealed class Subscript : IIndexer
{
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => Tensor.Indexer = new Subscript();

    public Tensor Get(Tensor self, TensorIndex[] indices)
    {
        if (self.Rank == 0 && indices.Length == 1) CheckSingleOnScalar(indices[0]);
        var (view, tensors) = ApplyBasic(self, indices);
        if (tensors is not null) return IndexOps.Take(view, AdvancedIndex.Create(view.Dims, tensors));
        return ReferenceEquals(view, self) ? Alias(self) : view;
    }

    public void Set(Tensor self, TensorIndex[] indices, Tensor value)
    {
        // A Python number takes the destination's dtype, converted from the double.
        if (value.WrappedNumber is double number) value = Kernels.Full(self.DType, [], number);
        if (self.Rank == 0 && indices.Length == 1) CheckSingleOnScalar(indices[0]);
        var (view, tensors) = ApplyBasic(self, indices);
        if (tensors is null)
        {
            CopyTo(view, value);
            return;
        }
        var plan = AdvancedIndex.Create(view.Dims, tensors);
        IndexOps.PutInPlace(view, plan, WithoutLeadingOnes(value), accumulate: false);
    }

    /// <summary>PyTorch's messages for a single integer or slice on a 0-d tensor (its fast paths, before the general count of dims).</summary>
    private static void CheckSingleOnScalar(TensorIndex index)
    {
        if (index.Kind == TensorIndex.Kinds.Integer)
        {
            var at = index.Start!.Value;
            if (at.Value == 0)
                throw new IndexOutOfRangeException(
                    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
            throw new IndexOutOfRangeException($"index {(at.IsFromEnd ? -at.Value : at.Value)} is out of bounds for dimension 0 with size 0");
        }
        if (index.Kind == TensorIndex.Kinds.Slice) throw new IndexOutOfRangeException("slice() cannot be applied to a 0-dim tensor.");
    }

    /// <summary>
    /// PyTorch's applySlicing: the basic entries as views, left to right; each tensor entry is recorded at the dim it
    /// reaches (a mask advances one dim, however many it covers, as in PyTorch). Null when there is no tensor entry.
    /// </summary>
    private static (Tensor View, List<Tensor?>? Tensors) ApplyBasic(Tensor self, TensorIndex[] indices)
    {
        int specified = 0;
        foreach (var index in indices)
        {
            specified += index.Kind switch
            {
                TensorIndex.Kinds.Integer or TensorIndex.Kinds.Slice => 1,
                TensorIndex.Kinds.Tensor => index.Tensor!.DType == DType.Bool ? index.Tensor.Rank : 1,
                _ => 0,
            };
        }
        if (specified > self.Rank) throw new IndexOutOfRangeException($"too many indices for tensor of dimension {self.Rank}");
        var result = self;
        List<Tensor?>? tensors = null;
        int dim = 0;
        for (int k = 0; k < indices.Length; k++)
        {
            var index = indices[k];
            switch (index.Kind)
            {
                case TensorIndex.Kinds.Integer:
                    var at = index.Start!.Value;
                    result = SelectAt(result, dim, at.IsFromEnd ? result.Dims[dim] - at.Value : at.Value, k, at.IsFromEnd && at.Value > 0 ? -at.Value : null);
                    break;
                case TensorIndex.Kinds.Slice:
                    result = SliceAt(result, dim++, index.Start, index.Stop, index.Step);
                    break;
                case TensorIndex.Kinds.None:
                    result = result.Unsqueeze(dim++);
                    break;
                case TensorIndex.Kinds.Ellipsis:
                    dim += self.Rank - specified;
                    break;
                default:
                    var t = index.Tensor!;
                    if (t.Rank == 0 && t.DType == DType.Int64)
                    {
                        long value = t.Item<long>();
                        result = SelectAt(result, dim, value < 0 ? result.Dims[dim] + value : value, k, value < 0 ? value : null);
                        break;
                    }
                    if (t.Rank == 0 && t.DType == DType.Bool)
                    {
                        // A 0-d mask adds a dim of size 1 and keeps it (true) or empties it (false).
                        result = result.Unsqueeze(dim);
                        t = t.Item<bool>() ? new Tensor(new long[] { 0 }, [1]) : new Tensor(Array.Empty<long>(), [0]);
                    }
                    tensors ??= [];
                    while (tensors.Count < dim) tensors.Add(null);
                    tensors.Add(t);
                    dim++;
                    break;
            }
        }
        return (result, tensors);
    }

    /// <summary>Select with the message of PyTorch's indexing; <paramref name="written"/> is the negative index as written, for the message.</summary>
    private static Tensor SelectAt(Tensor t, int dim, long index, int realDim, long? written)
    {
        int size = t.Dims[dim];
        if (index < 0 || index >= size)
            throw new IndexOutOfRangeException($"index {written ?? index} is out of bounds for dimension {realDim} with size {size}");
        return t.Select(dim, (int)index);
    }

    /// <summary>Python's slice of one dim: negative bounds count from the end, bounds clamp to the dim, an empty range stays at its start.</summary>
    private static Tensor SliceAt(Tensor t, int dim, Index? start, Index? stop, int step)
    {
        int size = t.Dims[dim];
        int Resolve(Index? bound, int omitted) => bound is not { } b ? omitted
            : b.IsFromEnd ? Math.Max(size - b.Value, 0) : Math.Min(b.Value, size);
        int from = Resolve(start, 0), to = Resolve(stop, size);
        return ShapeOps.Slice(t, dim, from, Math.Max(to, from), step);
    }

    private static Tensor Alias(Tensor self)
    {
        var result = self.AsView(self.Dims, self.StrideArray, self.Offset);
        if (Graph.NeedsGrad(self)) Graph.Record(result, "AliasBackward0", [self], g => [g], saved: []);
        return result;
    }

    /// <summary>PyTorch's copy_to: a copy of the same shape, a fill from a 0-d value, else the value (leading 1s dropped) expanded to the view.</summary>
    private static void CopyTo(Tensor destination, Tensor value)
    {
        if (destination.Dims.AsSpan().SequenceEqual(value.Dims)) destination.Copy_(value);
        else if (value.Rank == 0) InPlace.Update(destination, [value], t => FilledWith(t, value), overlapAllowed: true);
        else destination.Copy_(WithoutLeadingOnes(value).Expand(destination.Dims));
    }

    /// <summary>t's shape filled with a 0-d tensor's value (its gradient: the sum), as <c>fill_(Tensor)</c>.</summary>
    private static Tensor FilledWith(Tensor t, Tensor value)
    {
        var result = Kernels.Expand(Kernels.Cast(value, t.DType), t.Dims);
        if (Graph.NeedsGrad(t, value))
        {
            Graph.Record(result, "FillBackward3", [t, value],
                g => [Kernels.Full(g.DType, t.Dims, 0), value.RequiresGrad ? g.Sum().To(value.DType) : null], saved: []);
        }
        return result;
    }

    /// <summary>The value without its leading dims of size 1 (a view), as PyTorch's setitem drops them.</summary>
    private static Tensor WithoutLeadingOnes(Tensor value)
    {
        int lead = 0;
        while (lead < value.Rank && value.Dims[lead] == 1) lead++;
        return lead == 0 ? value : value.View(value.Dims[lead..]);
    }
}
