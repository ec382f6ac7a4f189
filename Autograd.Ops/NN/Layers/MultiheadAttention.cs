using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.NN;

/// <summary>
/// torch.nn.MultiheadAttention: scaled dot-product attention over numHeads heads, computed as PyTorch 1.13's
/// F.multi_head_attention_forward composes it (packed in-projection, q / sqrt(head_dim), bmm, softmax, bmm, out_proj),
/// so its gradients are those of the ops. Inputs are (L, N, E), or (N, L, E) with batchFirst, or unbatched (L, E).
/// </summary>
public sealed class MultiheadAttention : Module
{
    /// <summary>
    /// <c>nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first=batch_first)</c>: the packed in-projection is
    /// Xavier-uniform and the biases zero, drawn from the default generator in PyTorch's order.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="numHeads"/> is not positive or does not divide <paramref name="embedDim"/>.</exception>
    public MultiheadAttention(int embedDim, int numHeads, bool batchFirst = false, double dropout = 0.0, bool bias = true)
    {
        if (numHeads <= 0 || embedDim % numHeads != 0) throw new ArgumentException("embed_dim must be divisible by num_heads");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        BatchFirst = batchFirst;
        Dropout = dropout;
        RegisterParameter("in_proj_weight", Torch.Zeros(3 * embedDim, embedDim));
        if (bias) RegisterParameter("in_proj_bias", Torch.Zeros(3 * embedDim));
        // PyTorch draws out_proj's Linear initialization first, then in_proj_weight's, then zeroes the biases.
        OutProj = RegisterModule("out_proj", new NonDynamicallyQuantizableLinear(embedDim, embedDim, bias));
        XavierUniform(InProjWeight);
        using (Torch.NoGrad())
        {
            InProjBias?.Zero_();
            OutProj.Bias?.Zero_();
        }
    }

    /// <summary>PyTorch's <c>embed_dim</c>: the model dimension E of query, key and value.</summary>
    public int EmbedDim { get; }
    /// <summary>PyTorch's <c>num_heads</c>: each head attends over E / num_heads dims.</summary>
    public int NumHeads { get; }
    /// <summary>PyTorch's <c>batch_first</c>: batched inputs are (N, L, E) rather than (L, N, E).</summary>
    public bool BatchFirst { get; }
    /// <summary>PyTorch's <c>dropout</c>: the probability of dropping an attention weight while training.</summary>
    public double Dropout { get; }
    /// <summary>The query, key and value projections stacked: (3 x embedDim, embedDim).</summary>
    public Tensor InProjWeight => OwnParameter("in_proj_weight")!;
    /// <summary>The stacked query, key and value biases (3 x embedDim), or null without bias, as <c>in_proj_bias</c>.</summary>
    public Tensor? InProjBias => OwnParameter("in_proj_bias");
    /// <summary>The output projection, as <c>out_proj</c> (a <see cref="NonDynamicallyQuantizableLinear"/>).</summary>
    public Linear OutProj { get; }

    /// <summary>Self-attention: the output of <c>Forward(input, input, input)</c>.</summary>
    public override Tensor Forward(Tensor input) => Forward(Argument.NotNull(input), input, input, needWeights: false).Output;

    /// <summary>
    /// Attention of query over key/value. <paramref name="attnMask"/>, floating, (L, S) or (N·numHeads, L, S), is added
    /// to the attention logits (-inf forbids a position). Returns the output and, when <paramref name="needWeights"/>,
    /// the attention weights averaged over the heads: (N, L, S), or (L, S) unbatched.
    /// </summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null, bool needWeights = true)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        bool batched = query.Rank == 3;
        if (query.Rank is not (2 or 3) || key.Rank != query.Rank || value.Rank != query.Rank)
            throw new ArgumentException($"query should be unbatched 2D or batched 3D tensor but received {query.Rank}-D query tensor");
        if (BatchFirst && batched)
        {
            // As PyTorch, the same tensor passed twice is transposed once, so the projection stays packed.
            if (ReferenceEquals(key, value))
            {
                if (ReferenceEquals(query, key)) query = key = value = query.Transpose(1, 0);
                else { query = query.Transpose(1, 0); key = value = key.Transpose(1, 0); }
            }
            else (query, key, value) = (query.Transpose(1, 0), key.Transpose(1, 0), value.Transpose(1, 0));
        }
        var (output, weights) = Attend(query, key, value, attnMask, needWeights, batched);
        return (BatchFirst && batched ? output.Transpose(1, 0) : output, weights);
    }

    private (Tensor Output, Tensor? Weights) Attend(Tensor query, Tensor key, Tensor value, Tensor? attnMask, bool needWeights, bool batched)
    {
        if (!batched)
        {
            bool selfAttention = ReferenceEquals(query, key) && ReferenceEquals(key, value), sameKeyValue = ReferenceEquals(key, value);
            query = query.Unsqueeze(1);
            key = selfAttention ? query : key.Unsqueeze(1);
            value = sameKeyValue ? key : value.Unsqueeze(1);
        }
        int tgtLen = query.Shape[0], bsz = query.Shape[1], embed = query.Shape[2], srcLen = key.Shape[0];
        if (embed != EmbedDim) throw new ArgumentException($"was expecting embedding dimension of {EmbedDim}, but got {embed}");
        if (!key.Shape.SequenceEqual(value.Shape))
            throw new ArgumentException($"key shape {Shapes.Format(key.Dims)} does not match value shape {Shapes.Format(value.Dims)}");
        int heads = NumHeads, headDim = embed / heads;
        var (q, k, v) = Project(query, key, value);
        if (attnMask is not null)
        {
            if (!attnMask.DType.IsFloating()) throw new ArgumentException($"Only float, byte, and bool types are supported for attn_mask, not {attnMask.DType}");
            if (attnMask.Rank == 2)
            {
                if (attnMask.Shape[0] != tgtLen || attnMask.Shape[1] != srcLen)
                    throw new ArgumentException($"The shape of the 2D attn_mask is torch.Size({Shapes.Format(attnMask.Dims)}), but should be ({tgtLen}, {srcLen}).");
                attnMask = attnMask.Unsqueeze(0);
            }
            else if (attnMask.Rank == 3)
            {
                if (attnMask.Shape[0] != bsz * heads || attnMask.Shape[1] != tgtLen || attnMask.Shape[2] != srcLen)
                    throw new ArgumentException($"The shape of the 3D attn_mask is torch.Size({Shapes.Format(attnMask.Dims)}), but should be ({bsz * heads}, {tgtLen}, {srcLen}).");
            }
            else throw new ArgumentException($"attn_mask's dimension {attnMask.Rank} is not supported");
        }
        q = q.Contiguous().View(tgtLen, bsz * heads, headDim).Transpose(0, 1);
        k = k.Contiguous().View(srcLen, bsz * heads, headDim).Transpose(0, 1);
        v = v.Contiguous().View(srcLen, bsz * heads, headDim).Transpose(0, 1);
        var scores = (q / Math.Sqrt(headDim)).Bmm(k.Transpose(-2, -1));
        if (attnMask is not null) scores = Masked(scores, attnMask);
        var weights = scores.Softmax(-1);
        if (Training && Dropout > 0) weights = NN.Dropout.Apply(weights, Dropout, train: true);
        var output = weights.Bmm(v).Transpose(0, 1).Contiguous().View(tgtLen * bsz, embed);
        output = OutProj.Forward(output).View(tgtLen, bsz, embed);
        Tensor? averaged = needWeights ? weights.View(bsz, heads, tgtLen, srcLen).Sum(1) / heads : null;
        if (!batched)
        {
            output = output.Squeeze(1);
            averaged = averaged?.Squeeze(0);
        }
        return (output, averaged);
    }

    /// <summary>
    /// mask + scores (the mask (1, L, S) or (N·heads, L, S)): added into the fresh scores, which no node saves, when the
    /// mask needs no gradient and has their dtype, else as the broadcast op. Addition commutes, so the bits are the op's.
    /// </summary>
    private static Tensor Masked(Tensor scores, Tensor mask)
    {
        if (Graph.NeedsGrad(mask) || mask.DType != scores.DType) return mask + scores;
        DTypes.DispatchFloating(scores.DType, new MaskAddition(scores, mask.Contiguous()), "add");
        scores.Storage.BumpVersion();
        return scores;
    }

    private readonly struct MaskAddition(Tensor scores, Tensor mask) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] s = scores.Data<T>(), m = mask.Data<T>();
            int block = scores.Dims[1] * scores.Dims[2];
            for (int b = 0; b < scores.Dims[0]; b++)
            {
                var target = s.AsSpan(b * block, block);
                TensorPrimitives.Add(target, m.AsSpan(mask.Dims[0] == 1 ? 0 : b * block, block), target);
            }
        }
    }

    /// <summary>
    /// The in-projection: one product per projection, with the packed weight's rows for q, k and v. PyTorch makes one
    /// product for self-attention and chunks it; here the chunks' backward (each a zero-filled gradient of the whole
    /// product, summed by the engine) cost more than the product (about 16 MB of traffic a step at 1024 x 384), while
    /// three products give each output element the same multiply-add chain as the packed one.
    /// </summary>
    private (Tensor Q, Tensor K, Tensor V) Project(Tensor query, Tensor key, Tensor value)
    {
        int e = EmbedDim;
        Tensor Projection(Tensor x, int index) =>
            Linear3(x, Rows(InProjWeight, index * e, e), InProjBias is null ? null : Rows(InProjBias, index * e, e));
        return (Projection(query, 0), Projection(key, 1), Projection(value, 2));
    }

    /// <summary>F.linear of a (L, N, E) input: addmm over its rows.</summary>
    private static Tensor Linear3(Tensor x, Tensor weight, Tensor? bias)
    {
        var rows = x.Reshape(x.Shape[0] * x.Shape[1], x.Shape[2]);
        var product = bias is null ? rows.MatMul(weight.T()) : bias.Addmm(rows, weight.T());
        return product.View(x.Shape[0], x.Shape[1], weight.Shape[0]);
    }

    /// <summary>Rows [start, start + count) of a matrix or vector (PyTorch's split/chunk along dim 0).</summary>
    private static Tensor Rows(Tensor t, int start, int count) => t.Narrow(0, start, count);

    /// <summary>nn.init.xavier_uniform_: uniform in ±sqrt(3) x sqrt(2 / (fan_in + fan_out)), in PyTorch's order of operations.</summary>
    private static void XavierUniform(Tensor weight)
    {
        int fanIn = weight.Shape[1], fanOut = weight.Shape[0];
        double std = 1.0 * Math.Sqrt(2.0 / (fanIn + fanOut));
        double a = Math.Sqrt(3.0) * std;
        Init.Uniform_(weight, -a, a);
    }

    /// <summary>PyTorch prints no settings for MultiheadAttention, only its <c>out_proj</c> child: empty.</summary>
    protected override string ExtraRepr() => "";
}

/// <summary>torch.nn.modules.linear.NonDynamicallyQuantizableLinear: MultiheadAttention's out_proj, a Linear by another name.</summary>
public sealed class NonDynamicallyQuantizableLinear(int inFeatures, int outFeatures, bool bias = true) : Linear(inFeatures, outFeatures, bias);
