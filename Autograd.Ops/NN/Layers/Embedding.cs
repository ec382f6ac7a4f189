using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.NN;

/// <summary>Embedding lookup and its gradient, each the other's adjoint, so both are differentiable to any order.</summary>
internal static class EmbeddingOps
{
    /// <summary>F.embedding: rows <paramref name="indices"/> of <paramref name="weight"/>, shaped indices.Shape + [dim] (EmbeddingBackward0).</summary>
    public static Tensor Lookup(Tensor indices, Tensor weight, int? paddingIdx)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        if (indices.DType != DType.Int64)
            throw new ArgumentException($"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got {indices.DType.LegacyTypeName()} instead (while checking arguments for embedding)");
        if (weight.Rank != 2) throw new ArgumentException("'weight' must be 2-D");
        int rows = weight.Dims[0];
        foreach (long index in indices.Span<long>())
        {
            if (index < 0 || index >= rows) throw new ArgumentOutOfRangeException(null, "index out of range in self");
        }
        int? padding = paddingIdx is { } p && p < 0 ? p + rows : paddingIdx;
        return Gather(weight, indices, padding);
    }

    private static Tensor Gather(Tensor weight, Tensor indices, int? paddingIdx)
    {
        int dim = weight.Dims[1];
        var result = Tensor.Uninitialized(weight.DType, [.. indices.Dims, dim]);
        DTypes.DispatchFloating(weight.DType, new GatherRows(weight, indices, result, dim), "embedding");
        if (Graph.NeedsGrad(weight))
            Graph.Record(result, "EmbeddingBackward0", [weight], g => [ScatterRows(g, indices, weight.Dims[0], paddingIdx)], saved: [indices]);
        return result;
    }

    /// <summary>The weight's gradient: each row of g added into its index's row, in order; the padding row gets none.</summary>
    private static Tensor ScatterRows(Tensor g, Tensor indices, int rows, int? paddingIdx)
    {
        int dim = g.Dims[^1];
        var result = Tensor.Empty(g.DType, [rows, dim]);
        DTypes.DispatchFloating(g.DType, new AddRows(g, indices, result, dim, paddingIdx), "embedding_backward");
        if (Graph.NeedsGrad(g))
            Graph.Record(result, "EmbeddingDenseBackwardBackward0", [g], u => [PaddingMasked(Gather(u, indices, paddingIdx), indices, paddingIdx)], saved: [indices]);
        return result;
    }

    /// <summary>Zeroes the rows looked up at the padding index (the adjoint of the gradient, which skips them).</summary>
    private static Tensor PaddingMasked(Tensor rows, Tensor indices, int? paddingIdx)
    {
        if (paddingIdx is not { } p || !indices.Span<long>().Contains(p)) return rows;
        var keep = Tensor.Uninitialized(rows.DType, [.. indices.Dims, 1]);
        DTypes.DispatchFloating(rows.DType, new KeepFlags(indices, p, keep), "embedding_backward");
        return rows * keep;
    }

    /// <summary>0 where the index is the padding index, else 1.</summary>
    private readonly struct KeepFlags(Tensor indices, int paddingIdx, Tensor keep) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<long> idx = indices.Span<long>();
            var flags = keep.Data<T>();
            for (int i = 0; i < idx.Length; i++) flags[i] = idx[i] == paddingIdx ? T.Zero : T.One;
        }
    }

    private readonly struct GatherRows(Tensor weight, Tensor indices, Tensor result, int dim) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<long> idx = indices.Span<long>();
            T[] from = weight.Data<T>(), to = result.Data<T>();
            for (int i = 0; i < idx.Length; i++) from.AsSpan((int)idx[i] * dim, dim).CopyTo(to.AsSpan(i * dim, dim));
        }
    }

    private readonly struct AddRows(Tensor g, Tensor indices, Tensor result, int dim, int? paddingIdx) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<long> idx = indices.Span<long>();
            T[] from = g.Data<T>(), to = result.Data<T>();
            for (int i = 0; i < idx.Length; i++)
            {
                if (idx[i] == paddingIdx) continue;
                var row = to.AsSpan((int)idx[i] * dim, dim);
                TensorPrimitives.Add(row, from.AsSpan(i * dim, dim), row);
            }
        }
    }
}

/// <summary>
/// torch.nn.Embedding: a table of numEmbeddings vectors of embeddingDim, looked up by Int64 indices. The weight is
/// drawn standard normal from the default generator (as PyTorch's normal_), its paddingIdx row zeroed; that row
/// gets no gradient.
/// </summary>
public sealed class Embedding : Module
{
    /// <summary><c>nn.Embedding(num_embeddings, embedding_dim, padding_idx)</c>; a negative <paramref name="paddingIdx"/> counts from the end.</summary>
    /// <exception cref="ArgumentException"><paramref name="paddingIdx"/> is outside [-numEmbeddings, numEmbeddings).</exception>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null)
    {
        if (paddingIdx is { } p && (p >= numEmbeddings || p < -numEmbeddings))
            throw new ArgumentException("Padding_idx must be within num_embeddings");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx is { } q && q < 0 ? q + numEmbeddings : paddingIdx;
        RegisterParameter("weight", Torch.Randn(numEmbeddings, embeddingDim));
        if (PaddingIdx is { } row)
        {
            // fill_(0) of the row, as PyTorch: +0, whatever the sign of the drawn value.
            var values = Weight.ToArray<float>();
            Array.Clear(values, row * embeddingDim, embeddingDim);
            using (Torch.NoGrad()) Weight.Copy_(new Tensor(values, [numEmbeddings, embeddingDim]));
        }
    }

    /// <summary>PyTorch's <c>num_embeddings</c>: the number of rows in the table.</summary>
    public int NumEmbeddings { get; }
    /// <summary>PyTorch's <c>embedding_dim</c>: the size of each vector.</summary>
    public int EmbeddingDim { get; }
    /// <summary>PyTorch's <c>padding_idx</c>, made non-negative, or null: that row starts at zero and gets no gradient.</summary>
    public int? PaddingIdx { get; }
    /// <summary>The (num_embeddings, embedding_dim) table, as <c>embedding.weight</c>.</summary>
    public Tensor Weight => OwnParameter("weight")!;

    /// <summary><c>Embedding.forward</c>: <c>F.embedding(input, weight, padding_idx)</c>, the rows picked by the int64 indices, shaped <c>input.shape + (embedding_dim,)</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not int64.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, num_embeddings).</exception>
    public override Tensor Forward(Tensor input) => Functional.Embedding(Argument.NotNull(input), Weight, PaddingIdx);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>10, 3</c>, then <c>padding_idx=0</c> when set.</summary>
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is { } p ? $", padding_idx={p}" : "");
}
