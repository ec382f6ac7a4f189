using System.Numerics;

namespace Autograd;

/// <summary>Sort, Argsort and Topk along a dim: stable, with NaN ordered as the largest value, as PyTorch's CPU kernels.</summary>
public static class Sorting
{
    extension(Tensor self)
    {
        /// <summary>torch.sort(x, dim, descending): sorted values and the indices they came from (stable; NaN largest).</summary>
        public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dim, self.Rank);
            var (values, indices) = SortAlong(self, d, descending, self.Rank == 0 ? 1 : self.Dims[d]);
            Record(self, values, indices, d, "SortBackward0");
            return (values, indices);
        }

        /// <summary>torch.argsort(x, dim, descending): the indices that sort x along dim.</summary>
        public Tensor Argsort(int dim = -1, bool descending = false)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dim, self.Rank);
            return SortAlong(self, d, descending, self.Rank == 0 ? 1 : self.Dims[d]).Indices;
        }

        /// <summary>torch.topk(x, k, dim, largest, sorted): the k largest (or smallest) values along dim and their indices, in sorted order.</summary>
        public (Tensor Values, Tensor Indices) Topk(int k, int dim = -1, bool largest = true, bool sorted = true)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dim, self.Rank);
            int size = self.Rank == 0 ? 1 : self.Dims[d];
            if (k < 0 || k > size) throw new ArgumentException("selected index k out of range");
            var (values, indices) = SortAlong(self, d, descending: largest, k);
            Record(self, values, indices, d, "TopkBackward0");
            return (values, indices);
        }
    }

    private static void Record(Tensor self, Tensor values, Tensor indices, int dim, string name)
    {
        if (!Graph.NeedsGrad(self)) return;
        Graph.Record(values, name, [self], g =>
        {
            var zeros = Kernels.Full(self.DType, self.Dims, 0);
            return self.Rank == 0 ? [g] : [zeros.Scatter(dim, indices, g)];
        }, saved: [indices]);
    }

    /// <summary>The first <paramref name="keep"/> sorted elements of every slice along dim, with their indices.</summary>
    private static (Tensor Values, Tensor Indices) SortAlong(Tensor t, int dim, bool descending, int keep)
    {
        int[] shape = t.Rank == 0 ? [] : [.. t.Dims.Select((s, i) => i == dim ? keep : s)];
        var values = Tensor.Uninitialized(t.DType, shape);
        var indices = Tensor.Uninitialized(DType.Int64, shape);
        var (outer, size, inner) = Shapes.SplitAt(t.Dims, dim);
        DTypes.DispatchNumeric(t.DType, new SortSlices(t, values, indices, outer, size, inner, keep, descending), "sort");
        return (values, indices);
    }

    private readonly struct SortSlices(Tensor t, Tensor values, Tensor indices, int outer, int size, int inner, int keep, bool descending) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> =>
            SortEach(t.Data<T>(), values.Data<T>(), indices.Data<long>(), outer, size, inner, keep, descending);
    }

    private static void SortEach<T>(T[] x, T[] values, long[] indices, int outer, int size, int inner, int keep, bool descending)
        where T : INumber<T>
    {
        var slice = new T[size];
        var order = new int[size];
        // NaN above everything; ties by position, which makes the sort stable.
        int Compare(int a, int b)
        {
            T u = slice[a], v = slice[b];
            int c = T.IsNaN(u) ? (T.IsNaN(v) ? 0 : 1) : T.IsNaN(v) ? -1 : u.CompareTo(v);
            if (descending) c = -c;
            return c != 0 ? c : a.CompareTo(b);
        }
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                for (int s = 0; s < size; s++) { slice[s] = x[(o * size + s) * inner + i]; order[s] = s; }
                Array.Sort(order, Compare);
                for (int s = 0; s < keep; s++)
                {
                    int at = (o * keep + s) * inner + i;
                    values[at] = slice[order[s]];
                    indices[at] = order[s];
                }
            }
        }
    }
}
