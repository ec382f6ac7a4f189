namespace Autograd;

/// <summary>Cat and Stack (torch.cat, torch.stack), Tril and Triu, and the Bool reductions Any and All.</summary>
public static partial class Joining
{
    /// <summary>Joins tensors along an existing dim, promoting their dtypes, as <c>torch.cat</c>; 1-D empty tensors are skipped as in PyTorch.</summary>
    public static Tensor Cat(Tensor[] tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("torch.cat(): expected a non-empty list of Tensors");
        for (int i = 0; i < tensors.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(tensors[i], $"{nameof(tensors)}[{i}]");
            if (tensors[i].Rank == 0) throw new ArgumentException($"zero-dimensional tensor (at position {i}) cannot be concatenated");
        }
        // PyTorch's legacy rule: a 1-D tensor of size 0 joins anything and adds nothing.
        var parts = tensors.Where(t => !(t.Rank == 1 && t.Count == 0)).ToArray();
        var reference = parts.Length > 0 ? parts[0] : tensors[0];
        int d = Shapes.WrapDim(dim, reference.Rank);
        var dtype = tensors.Select(t => t.DType).Aggregate(DTypes.Promote);
        long length = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            if (t.Rank == 1 && t.Count == 0) continue;
            if (t.Rank != reference.Rank)
                throw new ArgumentException($"Tensors must have same number of dimensions: got {reference.Rank} and {t.Rank}");
            for (int k = 0; k < t.Rank; k++)
            {
                if (k != d && t.Dims[k] != reference.Dims[k])
                    throw new ArgumentException(
                        $"Sizes of tensors must match except in dimension {d}. Expected size {reference.Dims[k]} but got size {t.Dims[k]} for tensor number {i} in the list.");
            }
            length += t.Dims[d];
        }
        int[] shape = parts.Length == 0 ? [0] : (int[])reference.Dims.Clone();
        if (parts.Length > 0) shape[d] = checked((int)length);
        var result = Tensor.Uninitialized(dtype, shape);
        var strides = result.StrideArray;
        int start = 0;
        foreach (var t in parts)
        {
            var part = Kernels.Cast(t, dtype);
            Strided.Copy(part.Storage.Data, part.Offset, part.StrideArray, result.Storage.Data, start * strides[d], strides, part.Dims);
            start += t.Dims[d];
        }
        if (tensors.Any(Graph.NeedsGrad))
        {
            var sizes = tensors.Select(t => t.Rank == 1 && t.Count == 0 ? -1 : t.Dims[d]).ToArray();
            var metas = MetasOfThoseNeedingGrad(tensors);
            Graph.Record(result, "CatBackward0", tensors, g =>
            {
                var grads = new Tensor?[metas.Length];
                int offset = 0;
                for (int i = 0; i < metas.Length; i++)
                {
                    if (sizes[i] < 0)
                    {
                        grads[i] = Kernels.Full(g.DType, [0], 0);
                        continue;
                    }
                    if (metas[i] is { } meta) grads[i] = Differentiable.GradFor(g.Narrow(d, offset, sizes[i]), meta);
                    offset += sizes[i];
                }
                return grads;
            }, saved: []);
        }
        return result;
    }

    /// <summary>Joins equally shaped tensors along a new dim, as <c>torch.stack</c>.</summary>
    public static Tensor Stack(Tensor[] tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("stack expects a non-empty TensorList");
        for (int i = 0; i < tensors.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(tensors[i], $"{nameof(tensors)}[{i}]");
            if (!tensors[i].Dims.AsSpan().SequenceEqual(tensors[0].Dims))
                throw new ArgumentException(
                    $"stack expects each tensor to be equal size, but got {Shapes.Format(tensors[0].Dims)} at entry 0 and {Shapes.Format(tensors[i].Dims)} at entry {i}");
        }
        int d = Shapes.WrapDim(dim, tensors[0].Rank + 1);
        Tensor result;
        using (GradMode.Disable()) result = Cat([.. tensors.Select(t => t.Unsqueeze(d))], d);
        if (tensors.Any(Graph.NeedsGrad))
        {
            var metas = MetasOfThoseNeedingGrad(tensors);
            Graph.Record(result, "StackBackward0", tensors, g => [.. g.Unbind(d).Select((piece, i) => metas[i] is { } meta ? Differentiable.GradFor(piece, meta) : null)], saved: []);
        }
        return result;
    }

    /// <summary>The shape and dtype of each input that takes a gradient (null for the others): all the joins' backward keeps of them.</summary>
    private static InputMeta?[] MetasOfThoseNeedingGrad(Tensor[] tensors) =>
        Array.ConvertAll(tensors, t => t.RequiresGrad ? InputMeta.Of(t) : (InputMeta?)null);

    extension(Tensor self)
    {
        /// <summary>The lower triangle of the last two dims (elements with column − row ≤ <paramref name="diagonal"/>), as <c>torch.tril</c>.</summary>
        public Tensor Tril(int diagonal = 0) => Triangle(Argument.NotNull(self), diagonal, lower: true);

        /// <summary>The upper triangle of the last two dims (elements with column − row ≥ <paramref name="diagonal"/>), as <c>torch.triu</c>.</summary>
        public Tensor Triu(int diagonal = 0) => Triangle(Argument.NotNull(self), diagonal, lower: false);

        /// <summary>Whether any element is nonzero: a 0-d Bool tensor, as <c>torch.any</c>.</summary>
        public Tensor Any() => Tensor.Scalar(Kernels.Cast(Argument.NotNull(self), DType.Bool).Span<bool>().Contains(true));

        /// <summary>Whether every element is nonzero: a 0-d Bool tensor, as <c>torch.all</c>.</summary>
        public Tensor All() => Tensor.Scalar(!Kernels.Cast(Argument.NotNull(self), DType.Bool).Span<bool>().Contains(false));
    }

    private static Tensor Triangle(Tensor self, int diagonal, bool lower)
    {
        string name = lower ? "tril" : "triu";
        if (self.Rank < 2) throw new ArgumentException($"{name}: input tensor must have at least 2 dimensions");
        int rows = self.Dims[^2], columns = self.Dims[^1];
        var keep = new bool[rows * columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++) keep[i * columns + j] = lower ? j - i <= diagonal : j - i >= diagonal;
        }
        Tensor result;
        using (GradMode.Disable()) result = Comparisons.Where(new Tensor(keep, [rows, columns]), self, Kernels.Full(self.DType, [], 0));
        if (Graph.NeedsGrad(self))
            Graph.Record(result, lower ? "TrilBackward0" : "TriuBackward0", [self], g => [Triangle(g, diagonal, lower)], saved: []);
        return result;
    }
}
