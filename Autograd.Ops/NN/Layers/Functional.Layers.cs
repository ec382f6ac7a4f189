namespace Autograd.NN;

/// <summary>torch.nn.functional's layers: convolution, pooling, normalization and embedding.</summary>
public static partial class Functional
{
    /// <summary>
    /// F.conv1d: input (N, C, L) or unbatched (C, L), weight (O, C / groups, K), optional bias (O). Computed as im2col
    /// and the packed matrix product; gradients of every order are again convolutions (ConvolutionBackward0).
    /// </summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        ConvOps.Apply(input, weight, bias, [stride], [padding], [dilation], groups);

    /// <summary>
    /// F.conv2d: input (N, C, H, W) or unbatched (C, H, W), weight (O, C / groups, KH, KW), optional bias (O); the same
    /// stride, padding and dilation along both dims. Computed as im2col and the packed matrix product (ConvolutionBackward0).
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        ConvOps.Apply(input, weight, bias, [stride, stride], [padding, padding], [dilation, dilation], groups);

    /// <summary>F.conv2d with (height, width) stride, padding and dilation, as PyTorch's tuples; a null one is PyTorch's default.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (int, int) stride, (int, int)? padding = null, (int, int)? dilation = null, int groups = 1) =>
        ConvOps.Apply(input, weight, bias, Repr.Pair(stride), Repr.Pair(padding ?? (0, 0)), Repr.Pair(dilation ?? (1, 1)), groups);

    /// <summary>F.max_pool2d over (N, C, H, W) or (C, H, W): the maximum of each window; stride defaults to the kernel size, padding is -inf.</summary>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0) => PoolOps.MaxPool(input, kernelSize, stride, padding);

    /// <summary>F.avg_pool2d over (N, C, H, W) or (C, H, W): the mean of each window, zero padding counted (count_include_pad).</summary>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0) => PoolOps.AvgPool(input, kernelSize, stride, padding);

    /// <summary>F.adaptive_avg_pool2d to outputSize x outputSize.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputSize) => PoolOps.AdaptiveAvgPool(input, outputSize, outputSize);

    /// <summary>F.adaptive_avg_pool2d to (height, width).</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, (int, int) outputSize) => PoolOps.AdaptiveAvgPool(input, outputSize.Item1, outputSize.Item2);

    /// <summary>
    /// F.layer_norm: normalizes over the trailing dims <paramref name="normalizedShape"/> (biased variance), then
    /// times weight plus bias when given (NativeLayerNormBackward0).
    /// </summary>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        NormOps.LayerNorm(input, Argument.NotNull(normalizedShape), weight, bias, eps);

    /// <summary>
    /// F.batch_norm over dim 1 of (N, C, ...). Training: normalizes with the batch's mean and biased variance and moves
    /// the running statistics given (in place) by <paramref name="momentum"/>, the variance unbiased. Otherwise: normalizes
    /// with the running statistics (NativeBatchNormBackward0).
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5) =>
        NormOps.BatchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps);

    /// <summary>
    /// F.embedding: the rows of <paramref name="weight"/> at the Int64 <paramref name="input"/> indices
    /// (EmbeddingBackward0); repeated indices add their gradients, the paddingIdx row gets none.
    /// </summary>
    public static Tensor Embedding(Tensor input, Tensor weight, int? paddingIdx = null) => EmbeddingOps.Lookup(Argument.NotNull(input), weight, paddingIdx);
}
