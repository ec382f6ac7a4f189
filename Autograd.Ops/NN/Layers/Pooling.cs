namespace Autograd.NN;

/// <summary>Max and average pooling over the last two dims, differentiable to any order (each backward's gradient is its adjoint).</summary>
internal static class PoolOps
{
    /// <summary>F.max_pool2d: window maxima; the gradient goes to the first maximum of each window (MaxPool2DWithIndicesBackward0).</summary>
    public static Tensor MaxPool(Tensor input, int kernelSize, int? stride, int padding)
    {
        var p = Windows(input, kernelSize, stride ?? kernelSize, padding);
        var (values, indices) = PoolKernels.Max(input, p);
        if (Graph.NeedsGrad(input))
            Graph.Record(values, "MaxPool2DWithIndicesBackward0", [input], g => [ScatterAdd(g, indices, input.Dims)], saved: [input], scratch: indices);
        return values;
    }

    private static Tensor ScatterAdd(Tensor g, Tensor indices, int[] shape)
    {
        var result = PoolKernels.ScatterAdd(g, indices, shape);
        if (Graph.NeedsGrad(g)) Graph.Record(result, "MaxPool2DWithIndicesBackwardBackward0", [g], u => [Gather(u, indices)], saved: []);
        return result;
    }

    private static Tensor Gather(Tensor x, Tensor indices)
    {
        var result = PoolKernels.Gather(x, indices);
        int[] shape = x.Dims;
        if (Graph.NeedsGrad(x)) Graph.Record(result, "GatherBackward0", [x], u => [ScatterAdd(u, indices, shape)], saved: []);
        return result;
    }

    /// <summary>F.avg_pool2d with count_include_pad: each window's sum over the kernel's area.</summary>
    public static Tensor AvgPool(Tensor input, int kernelSize, int? stride, int padding) =>
        Average(input, Windows(input, kernelSize, stride ?? kernelSize, padding), "AvgPool2DBackward0", "AvgPool2DBackwardBackward0");

    /// <summary>F.adaptive_avg_pool2d: averages over windows that tile the plane into outputH x outputW.</summary>
    public static Tensor AdaptiveAvgPool(Tensor input, int outputH, int outputW)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (3 or 4))
            throw new ArgumentException($"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {Shapes.Format(input.Dims)}");
        for (int i = 1; i < input.Rank; i++)
        {
            if (input.Dims[i] == 0)
                throw new ArgumentException($"adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes {Shapes.Format(input.Dims)} with dimension {i} being empty");
        }
        if (outputH < 0 || outputW < 0) throw new ArgumentException($"Trying to create tensor with negative dimension {Math.Min(outputH, outputW)}: [{outputH}, {outputW}]");
        // As PyTorch: a 1 x 1 output is the mean over the last two dims (MeanBackward1).
        if (outputH == 1 && outputW == 1) return Average(input, PoolWindows.Whole(input.Dims[^2], input.Dims[^1]), "MeanBackward1", "DivBackward0");
        var p = PoolWindows.Adaptive(input.Dims[^2], input.Dims[^1], outputH, outputW);
        return Average(input, p, "AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool2DBackwardBackward0");
    }

    private static Tensor Average(Tensor x, PoolWindows p, string name, string adjointName)
    {
        var result = PoolKernels.Average(x, p);
        int[] shape = x.Dims;
        if (Graph.NeedsGrad(x)) Graph.Record(result, name, [x], g => [AverageAdjoint(g, p, shape, name, adjointName)], saved: []);
        return result;
    }

    private static Tensor AverageAdjoint(Tensor g, PoolWindows p, int[] shape, string name, string adjointName)
    {
        var result = PoolKernels.AverageAdjoint(g, p, shape);
        if (Graph.NeedsGrad(g)) Graph.Record(result, adjointName, [g], u => [Average(u, p, name, adjointName)], saved: []);
        return result;
    }

    /// <summary>PyTorch's checks of a 2-d pooling (pool2d_shape_check) and its sliding windows.</summary>
    private static PoolWindows Windows(Tensor input, int kernelSize, int stride, int padding)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (3 or 4) || input.Dims.Skip(1).Any(size => size == 0))
            throw new ArgumentException("non-empty 3D or 4D (batch mode) tensor expected for input");
        if (stride == 0) throw new ArgumentException("stride should not be zero");
        if (kernelSize <= 0) throw new ArgumentException($"kernel size should be greater than zero, but got kH: {kernelSize} kW: {kernelSize}");
        if (stride < 0) throw new ArgumentException($"stride should be greater than zero, but got dH: {stride} dW: {stride}");
        if (padding < 0 || kernelSize / 2 < padding)
            throw new ArgumentException($"pad should be at most half of kernel size, but got pad={padding} and kernel_size={kernelSize}");
        int h = input.Dims[^2], w = input.Dims[^1], planes = input.Dims[^3];
        // The output sizes as PyTorch computes them (floor division), checked before any window is laid out.
        int oh = (int)Math.Floor((h + 2.0 * padding - kernelSize) / stride) + 1, ow = (int)Math.Floor((w + 2.0 * padding - kernelSize) / stride) + 1;
        if (oh < 1 || ow < 1)
            throw new ArgumentException($"Given input size: ({planes}x{h}x{w}). Calculated output size: ({planes}x{oh}x{ow}). Output size is too small");
        return PoolWindows.Sliding(h, w, kernelSize, kernelSize, stride, stride, padding, padding);
    }
}

/// <summary>torch.nn.MaxPool2d: the maximum of each kernelSize x kernelSize window (stride defaults to kernelSize).</summary>
public sealed class MaxPool2d(int kernelSize, int? stride = null, int padding = 0) : Module
{
    /// <summary>PyTorch's <c>kernel_size</c>: the side of the square window.</summary>
    public int KernelSize { get; } = kernelSize;
    /// <summary>PyTorch's <c>stride</c>: the step between windows (the kernel size unless given).</summary>
    public int Stride { get; } = stride ?? kernelSize;
    /// <summary>PyTorch's <c>padding</c>: implicit -inf added on both sides of each spatial dim.</summary>
    public int Padding { get; } = padding;

    /// <summary><c>MaxPool2d.forward</c>: <c>F.max_pool2d(input, kernel_size, stride, padding)</c> of an (N, C, H, W) or (C, H, W) input.</summary>
    /// <exception cref="ArgumentException">The input is not a non-empty 3-D or 4-D tensor, the kernel size is not positive, the stride is not positive, the padding is negative or over half the kernel, the output would be empty, or the dtype is not floating point.</exception>
    public override Tensor Forward(Tensor input) => Functional.MaxPool2d(Argument.NotNull(input), KernelSize, Stride, Padding);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False</c>.</summary>
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation=1, ceil_mode=False";
}

/// <summary>torch.nn.AvgPool2d: the mean of each kernelSize x kernelSize window, padding counted as zeros (count_include_pad).</summary>
public sealed class AvgPool2d(int kernelSize, int? stride = null, int padding = 0) : Module
{
    /// <summary>PyTorch's <c>kernel_size</c>: the side of the square window.</summary>
    public int KernelSize { get; } = kernelSize;
    /// <summary>PyTorch's <c>stride</c>: the step between windows (the kernel size unless given).</summary>
    public int Stride { get; } = stride ?? kernelSize;
    /// <summary>PyTorch's <c>padding</c>: zeros added on both sides of each spatial dim, counted in the mean.</summary>
    public int Padding { get; } = padding;

    /// <summary><c>AvgPool2d.forward</c>: <c>F.avg_pool2d(input, kernel_size, stride, padding)</c> of an (N, C, H, W) or (C, H, W) input.</summary>
    /// <exception cref="ArgumentException">The input is not a non-empty 3-D or 4-D tensor, the kernel size is not positive, the stride is not positive, the padding is negative or over half the kernel, the output would be empty, or the dtype is not floating point.</exception>
    public override Tensor Forward(Tensor input) => Functional.AvgPool2d(Argument.NotNull(input), KernelSize, Stride, Padding);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>kernel_size=2, stride=2, padding=0</c>.</summary>
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}";
}

/// <summary>torch.nn.AdaptiveAvgPool2d: averages that pool any H x W to the given output size.</summary>
public sealed class AdaptiveAvgPool2d : Module
{
    private readonly bool square;

    /// <summary>A square output, outputSize x outputSize.</summary>
    public AdaptiveAvgPool2d(int outputSize)
    {
        OutputSize = (outputSize, outputSize);
        square = true;
    }

    /// <summary>An (height, width) output.</summary>
    public AdaptiveAvgPool2d((int, int) outputSize) => OutputSize = outputSize;

    /// <summary>PyTorch's <c>output_size</c>: the (height, width) of the output.</summary>
    public (int Height, int Width) OutputSize { get; }

    /// <summary><c>AdaptiveAvgPool2d.forward</c>: <c>F.adaptive_avg_pool2d(input, output_size)</c> of an (N, C, H, W) or (C, H, W) input.</summary>
    /// <exception cref="ArgumentException">The input is not 3-D or 4-D, a non-batch dim is empty, an output size is negative, or the dtype is not floating point.</exception>
    public override Tensor Forward(Tensor input) => Functional.AdaptiveAvgPool2d(Argument.NotNull(input), OutputSize);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>output_size=2</c>, or <c>output_size=(2, 3)</c> for a pair.</summary>
    protected override string ExtraRepr() => square ? $"output_size={OutputSize.Height}" : $"output_size=({OutputSize.Height}, {OutputSize.Width})";
}
