using Autograd.NN;
using CsCheck;

namespace Autograd.Tests;

/// <summary>The layers' Functional ops on small random float64 inputs: every setting drawn, shapes kept tiny so the checks stay fast.</summary>
public partial class GradCheckPropertyTests
{
    private static readonly Dictionary<string, Gen<Case>> LayerOps = new()
    {
        ["Conv1d"] = Convolution(spatialRank: 1),
        ["Conv2d(int)"] = Convolution(spatialRank: 2),
        ["Conv2d(tuple)"] = ConvolutionWithTuples(),
        ["MaxPool2d"] = Pooling("MaxPool2d", element: null, (x, k, s, p) => Functional.MaxPool2d(x, k, s, p)),
        ["AvgPool2d"] = Pooling("AvgPool2d", Any, (x, k, s, p) => Functional.AvgPool2d(x, k, s, p)),
        ["AdaptiveAvgPool2d"] = AdaptivePooling(),
        ["LayerNorm"] = LayerNormCase(),
        ["BatchNorm"] = BatchNormCase(),
        ["Embedding"] = EmbeddingCase(),
    };

    /// <summary>Input (N, C, [H,] W) with N in 1-2, groups 1-2, kernel 1-2, stride 1-2, padding 0-1, dilation 1-2; bias or not; a random subset requiring grad.</summary>
    private static Gen<Case> Convolution(int spatialRank) =>
        from n in Gen.Int[1, 2]
        from groups in Gen.Int[1, 2]
        from perGroupIn in Gen.Int[1, 2]
        from perGroupOut in Gen.Int[1, 2]
        from kernel in Gen.Int[1, 2]
        from stride in Gen.Int[1, 2]
        from padding in Gen.Int[0, 1]
        from dilation in Gen.Int[1, 2]
        from extra in Gen.Int[0, 2].Array[spatialRank]
        let size = dilation * (kernel - 1) + 1
        let spatial = extra.Select(e => size + e).ToArray()
        from x in Values([n, groups * perGroupIn, .. spatial], Any)
        from w in Values([groups * perGroupOut, perGroupIn, .. Enumerable.Repeat(kernel, spatialRank)], Any)
        from b in Values([groups * perGroupOut], Any)
        from withBias in Gen.Bool
        from requiring in Gen.Int[1, 7]
        select new Case($"Conv{spatialRank}d(stride {stride}, padding {padding}, dilation {dilation}, groups {groups}, bias {withBias})",
            a => spatialRank == 1
                ? Functional.Conv1d(a[0], a[1], withBias ? a[2] : null, stride, padding, dilation, groups)
                : Functional.Conv2d(a[0], a[1], withBias ? a[2] : null, stride, padding, dilation, groups),
            withBias ? RequiringSubset(requiring, x, w, b) : RequiringSubset(requiring | 1, x, w));

    /// <summary>An unbatched (C, H, W) input with (height, width) settings that differ per dim.</summary>
    private static Gen<Case> ConvolutionWithTuples() =>
        from kernel in Gen.Int[1, 2].Array[2]
        from stride in Gen.Int[1, 2].Array[2]
        from padding in Gen.Int[0, 1].Array[2]
        from extra in Gen.Int[0, 2].Array[2]
        from x in Values([2, kernel[0] + extra[0], kernel[1] + extra[1]], Any)
        from w in Values([2, 2, kernel[0], kernel[1]], Any)
        select new Case($"Conv2d(kernel ({kernel[0]}, {kernel[1]}), stride ({stride[0]}, {stride[1]}), padding ({padding[0]}, {padding[1]}))",
            a => Functional.Conv2d(a[0], a[1], null, (stride[0], stride[1]), (padding[0], padding[1])), [x, w]);

    private static Gen<Case> Pooling(string name, Gen<double>? element, Func<Tensor, int, int, int, Tensor> op) =>
        from batched in Gen.Bool
        from kernel in Gen.Int[1, 3]
        from stride in Gen.Int[1, 3]
        from padding in Gen.Int[0, kernel / 2]
        from extra in Gen.Int[0, 2].Array[2]
        from channels in Gen.Int[1, 2]
        from x in Values([.. batched ? new[] { 2 } : [], channels, kernel + extra[0], kernel + extra[1]], element)
        select new Case($"{name}(kernel {kernel}, stride {stride}, padding {padding})", a => op(a[0], kernel, stride, padding), [x]);

    private static Gen<Case> AdaptivePooling() =>
        from size in Gen.Int[1, 5].Array[2]
        from output in Gen.Int[1, 3].Array[2]
        from x in Values([1, 2, size[0], size[1]], Any)
        select new Case($"AdaptiveAvgPool2d(({output[0]}, {output[1]}))", a => Functional.AdaptiveAvgPool2d(a[0], (output[0], output[1])), [x]);

    /// <summary>Rows of 2-4 values (distinct enough that the variance stays away from zero), over one or two trailing dims; weight and bias optional.</summary>
    private static Gen<Case> LayerNormCase() =>
        from rows in Gen.Int[1, 3]
        from normalized in Gen.Int[2, 4]
        from twoDims in Gen.Bool
        let shape = twoDims ? new[] { 1, normalized } : [normalized]
        from x in Values([rows, .. shape], element: null)
        from w in Values(shape, Any)
        from b in Values(shape, Any)
        from affine in Gen.Bool
        select new Case($"LayerNorm({Shapes.Format(shape)}, affine {affine})",
            a => Functional.LayerNorm(a[0], shape, affine ? a[1] : null, affine ? a[2] : null), affine ? [x, w, b] : [x]);

    /// <summary>Training (batch statistics) or evaluation (fixed running statistics) over (N, C[, L]).</summary>
    private static Gen<Case> BatchNormCase() =>
        from n in Gen.Int[2, 3]
        from channels in Gen.Int[1, 2]
        from length in Gen.Int[0, 2]
        from training in Gen.Bool
        from x in Values([n, channels, .. length == 0 ? Array.Empty<int>() : [length]], element: null)
        from w in Values([channels], Any)
        from b in Values([channels], Any)
        from mean in Any.Array[channels]
        from variance in Positive.Array[channels]
        select new Case($"BatchNorm(training {training})",
            a => Functional.BatchNorm(a[0], training ? null : Constant(mean, [channels]), training ? null : Constant(variance, [channels]), a[1], a[2], training),
            [x, w, b]);

    /// <summary>
    /// Lookups with repeats; a padding row, when there is one, is an extra last row that is never looked up (PyTorch
    /// defines its gradient as zero, which finite differences of a looked-up row would not see).
    /// </summary>
    private static Gen<Case> EmbeddingCase() =>
        from rows in Gen.Int[1, 4]
        from dim in Gen.Int[1, 3]
        from indices in Gen.Int[0, rows - 1].Array[Gen.Int[1, 5]]
        from padded in Gen.Bool
        from w in Values([padded ? rows + 1 : rows, dim], Any)
        let index = Torch.Tensor([.. indices.Select(i => (long)i)])
        select new Case($"Embedding({Describe(index)}, padding {padded})", a => Functional.Embedding(index, a[0], padded ? rows : null), [w]);

    /// <summary>The inputs, input k requiring grad when bit k of <paramref name="requiring"/> is set.</summary>
    private static Tensor[] RequiringSubset(int requiring, params Tensor[] inputs) =>
        [.. inputs.Select((t, k) => RequiringGrad(t, (requiring & (1 << k)) != 0))];
}
