using static Autograd.Differentiable;

namespace Autograd.NN;

/// <summary>
/// The differentiable convolution and the two products its gradients are made of. The three are linear in each
/// operand and each one's gradients are the other two, so gradients of any order are again convolutions.
/// </summary>
internal static class ConvOps
{
    /// <summary>torch.convolution: input (N, C, [H,] W), weight (O, C / groups, [KH,] KW), optional bias (O).</summary>
    public static Tensor Convolution(Tensor x, Tensor w, Tensor? bias, ConvGeometry g)
    {
        bool biasNeedsGrad = bias is { RequiresGrad: true } && GradMode.IsEnabled;
        bool recorded = Graph.NeedsGrad(x, w) || biasNeedsGrad;
        // As PyTorch's slow_conv2d: the unrolled input is kept for the weight's gradient rather than unrolled again.
        var (result, columns) = ConvKernels.Forward(x, w, bias, g, keepColumns: recorded && w.RequiresGrad);
        if (recorded)
        {
            Tensor? savedX = w.RequiresGrad ? x : null, savedW = x.RequiresGrad ? w : null;
            Graph.Record(result, "ConvolutionBackward0", bias is null ? [x, w] : [x, w, bias], dy =>
            [
                savedW is null ? null : InputGrad(dy, savedW, g),
                savedX is null ? null : WeightGrad(savedX, dy, g, columns),
                .. bias is null ? Array.Empty<Tensor?>() : [bias.RequiresGrad ? BiasGrad(dy, g) : null],
            ], saved: [savedX, savedW], scratch: columns);
        }
        return result;
    }

    /// <summary>dL/dx of a convolution from dL/dy: the transposed convolution of dy with w.</summary>
    private static Tensor InputGrad(Tensor dy, Tensor w, ConvGeometry g)
    {
        var result = ConvKernels.InputGrad(dy, w, g);
        if (Graph.NeedsGrad(dy, w))
        {
            Tensor? savedDy = w.RequiresGrad ? dy : null, savedW = dy.RequiresGrad ? w : null;
            Graph.Record(result, "ConvolutionBackwardBackward0", [dy, w], u =>
                [savedW is null ? null : Convolution(u, savedW, null, g), savedDy is null ? null : WeightGrad(u, savedDy, g, columns: null)], saved: [savedDy, savedW]);
        }
        return result;
    }

    /// <summary>dL/dw of a convolution of x from dL/dy; <paramref name="columns"/>, when given, is x as the forward unrolled it.</summary>
    private static Tensor WeightGrad(Tensor x, Tensor dy, ConvGeometry g, Tensor? columns)
    {
        var result = ConvKernels.WeightGrad(x, dy, g, columns);
        if (Graph.NeedsGrad(x, dy))
        {
            Tensor? savedX = dy.RequiresGrad ? x : null, savedDy = x.RequiresGrad ? dy : null;
            Graph.Record(result, "ConvolutionBackwardBackward0", [x, dy], u =>
                [savedDy is null ? null : InputGrad(savedDy, u, g), savedX is null ? null : Convolution(savedX, u, null, g)], saved: [savedX, savedDy]);
        }
        return result;
    }

    /// <summary>dL/dbias: dy summed over the batch and the positions.</summary>
    private static Tensor BiasGrad(Tensor dy, ConvGeometry g)
    {
        var result = ConvKernels.ChannelSum(dy, g.N, g.O, g.L);
        if (Graph.NeedsGrad(dy)) Graph.Record(result, "ConvolutionBackwardBackward0", [dy], u => [ExpandTo(u.View(g.ChannelShape), g.OutputShape)], saved: []);
        return result;
    }

    /// <summary>
    /// F.conv1d / F.conv2d: validates as PyTorch does, adds the batch dim to an unbatched input (and removes it from the
    /// output, recorded as SqueezeBackward1) and convolves.
    /// </summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, int groups)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        int rank = stride.Length;
        string name = $"conv{rank}d";
        if (input.Rank != rank + 1 && input.Rank != rank + 2)
            throw new ArgumentException($"Expected {rank + 1}D (unbatched) or {rank + 2}D (batched) input to {name}, but got input of size: {Shapes.Format(input.Dims)}");
        bool unbatched = input.Rank == rank + 1;
        var x = unbatched ? input.Unsqueeze(0) : input;
        if (weight.Rank != rank + 2)
            throw new ArgumentException($"Expected {rank + 2}-dimensional input for {rank + 2}-dimensional weight {Shapes.Format(weight.Dims)}, but got {weight.Rank}-dimensional input of size {Shapes.Format(x.Dims)} instead");
        if (stride.Any(s => s <= 0)) throw new ArgumentException("non-positive stride is not supported");
        if (padding.Any(p => p < 0)) throw new ArgumentException("negative padding is not supported");
        if (dilation.Any(d => d <= 0)) throw new ArgumentException("dilation should be greater than zero");
        if (groups <= 0) throw new ArgumentException("non-positive groups is not supported");
        if (weight.Dims[0] % groups != 0)
            throw new ArgumentException($"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of size [{Shapes.Format(weight.Dims)}] instead");
        if (x.Dims[1] != weight.Dims[1] * groups)
            throw new ArgumentException($"Given groups={groups}, weight of size {Shapes.Format(weight.Dims)}, expected input{Shapes.Format(x.Dims)} to have {weight.Dims[1] * groups} channels, but got {x.Dims[1]} channels instead");
        if (bias is not null && (bias.Rank != 1 || bias.Dims[0] != weight.Dims[0]))
            throw new ArgumentException($"Given weight of size {Shapes.Format(weight.Dims)}, expected bias to be 1-dimensional with {weight.Dims[0]} elements, but got bias of size {Shapes.Format(bias.Dims)} instead");
        if (x.DType != weight.DType || bias is not null && bias.DType != weight.DType)
            throw new ArgumentException($"expected scalar type {Comparisons.ScalarName(x.DType)} but found {Comparisons.ScalarName(x.DType == weight.DType ? bias!.DType : weight.DType)}");
        var padded = new int[rank];
        var kernel = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            padded[i] = x.Dims[2 + i] + 2 * padding[i];
            kernel[i] = dilation[i] * (weight.Dims[2 + i] - 1) + 1;
        }
        if (padded.Where((size, i) => size < kernel[i]).Any())
            throw new ArgumentException($"Calculated padded input size per channel: ({string.Join(" x ", padded)}). Kernel size: ({string.Join(" x ", kernel)}). Kernel size can't be greater than actual input size");
        var g = rank == 1
            ? new ConvGeometry(1, x.Dims[0], x.Dims[1], 1, x.Dims[2], weight.Dims[0], groups, 1, weight.Dims[2], 1, stride[0], 0, padding[0], 1, dilation[0])
            : new ConvGeometry(2, x.Dims[0], x.Dims[1], x.Dims[2], x.Dims[3], weight.Dims[0], groups,
                weight.Dims[2], weight.Dims[3], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]);
        var output = Convolution(x, weight, bias, g);
        return unbatched ? output.Squeeze(0) : output;
    }
}

/// <summary>The parts shared by Conv1d and Conv2d: settings, parameters with PyTorch's initialization, and the repr.</summary>
public abstract class ConvNd : Module
{
    private protected ConvNd(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups, bool bias)
    {
        if (groups <= 0) throw new ArgumentException("groups must be a positive integer");
        if (inChannels % groups != 0) throw new ArgumentException("in_channels must be divisible by groups");
        if (outChannels % groups != 0) throw new ArgumentException("out_channels must be divisible by groups");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        RegisterParameter("weight", Torch.Zeros([outChannels, inChannels / groups, .. kernelSize]));
        if (bias) RegisterParameter("bias", Torch.Zeros(outChannels));
        ResetParameters();
    }

    /// <summary>PyTorch's <c>in_channels</c>: the channels the input must have.</summary>
    public int InChannels { get; }
    /// <summary>PyTorch's <c>out_channels</c>: the channels of the output (the number of filters).</summary>
    public int OutChannels { get; }
    /// <summary>PyTorch's <c>kernel_size</c>, one entry per spatial dim.</summary>
    public IReadOnlyList<int> KernelSize { get; }
    /// <summary>PyTorch's <c>stride</c>, one entry per spatial dim.</summary>
    public IReadOnlyList<int> Stride { get; }
    /// <summary>PyTorch's <c>padding</c>: the zeros added on both sides of each spatial dim.</summary>
    public IReadOnlyList<int> Padding { get; }
    /// <summary>PyTorch's <c>dilation</c>: the spacing between kernel elements, one entry per spatial dim.</summary>
    public IReadOnlyList<int> Dilation { get; }
    /// <summary>PyTorch's <c>groups</c>: the input and output channels are split into this many independent groups.</summary>
    public int Groups { get; }
    /// <summary>The weight parameter, shaped (out_channels, in_channels / groups, *kernel_size), as <c>conv.weight</c>.</summary>
    public Tensor Weight => OwnParameter("weight")!;
    /// <summary>The bias parameter (out_channels), or null when built with <c>bias: false</c>, as <c>conv.bias</c>.</summary>
    public Tensor? Bias => OwnParameter("bias");

    /// <summary>
    /// Draws the weight and bias as PyTorch does, from the default generator in the same order: kaiming_uniform_ with
    /// a = sqrt(5), then the bias uniform in ±1/sqrt(fan_in), fan_in = in_channels / groups x the kernel's size.
    /// </summary>
    public void ResetParameters()
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (Bias is null) return;
        int fanIn = Init.FanIn(Weight);
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        Init.Uniform_(Bias, -bound, bound);
    }

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>1, 2, kernel_size=(3,), stride=(1,)</c>, then padding, dilation, groups and bias where not the default.</summary>
    protected override string ExtraRepr()
    {
        var text = $"{InChannels}, {OutChannels}, kernel_size={Repr.Tuple(KernelSize)}, stride={Repr.Tuple(Stride)}";
        if (Padding.Any(p => p != 0)) text += $", padding={Repr.Tuple(Padding)}";
        if (Dilation.Any(d => d != 1)) text += $", dilation={Repr.Tuple(Dilation)}";
        if (Groups != 1) text += $", groups={Groups}";
        if (Bias is null) text += ", bias=False";
        return text;
    }
}

/// <summary>torch.nn.Conv1d: a 1-d convolution over (N, C, L) or unbatched (C, L) inputs.</summary>
public sealed class Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
    : ConvNd(inChannels, outChannels, [kernelSize], [stride], [padding], [dilation], groups, bias)
{
    /// <summary><c>Conv1d.forward</c>: <c>F.conv1d</c> of an (N, C, L) or unbatched (C, L) input with this module's weight and settings.</summary>
    /// <exception cref="ArgumentException">The input is not 2-D or 3-D, its channels are not <see cref="ConvNd.InChannels"/>, its dtype differs from the weight's, or the padded input is smaller than the dilated kernel.</exception>
    public override Tensor Forward(Tensor input) => ConvOps.Apply(Argument.NotNull(input), Weight, Bias, [.. Stride], [.. Padding], [.. Dilation], Groups);
}

/// <summary>torch.nn.Conv2d: a 2-d convolution over (N, C, H, W) or unbatched (C, H, W) inputs.</summary>
public sealed class Conv2d : ConvNd
{
    /// <summary>Square kernel, and the same stride, padding and dilation along both dims.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
        : base(inChannels, outChannels, [kernelSize, kernelSize], [stride, stride], [padding, padding], [dilation, dilation], groups, bias) { }

    /// <summary>(height, width) settings, as PyTorch's tuples; a null one is PyTorch's default (stride and dilation 1, padding 0).</summary>
    public Conv2d(int inChannels, int outChannels, (int, int) kernelSize, (int, int)? stride = null, (int, int)? padding = null,
        (int, int)? dilation = null, int groups = 1, bool bias = true)
        : base(inChannels, outChannels, Repr.Pair(kernelSize), Repr.Pair(stride ?? (1, 1)), Repr.Pair(padding ?? (0, 0)), Repr.Pair(dilation ?? (1, 1)), groups, bias) { }

    /// <summary><c>Conv2d.forward</c>: <c>F.conv2d</c> of an (N, C, H, W) or unbatched (C, H, W) input with this module's weight and settings.</summary>
    /// <exception cref="ArgumentException">The input is not 3-D or 4-D, its channels are not <see cref="ConvNd.InChannels"/>, its dtype differs from the weight's, or the padded input is smaller than the dilated kernel.</exception>
    public override Tensor Forward(Tensor input) => ConvOps.Apply(Argument.NotNull(input), Weight, Bias, [.. Stride], [.. Padding], [.. Dilation], Groups);
}

/// <summary>Python's text for the values modules print.</summary>
internal static class Repr
{
    public static int[] Pair((int, int) pair) => [pair.Item1, pair.Item2];

    /// <summary>A Python tuple: "(3,)" or "(3, 3)".</summary>
    public static string Tuple(IReadOnlyList<int> values) => values.Count == 1 ? $"({values[0]},)" : $"({string.Join(", ", values)})";

    /// <summary>Python's repr of a float: "1e-05", "0.1", "1.0".</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        string text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        int e = text.IndexOf('E');
        if (e < 0) return text.Contains('.') ? text : text + ".0";
        string mantissa = text[..e], exponent = text[(e + 1)..];
        string sign = exponent.StartsWith('-') ? "-" : "+";
        string digits = exponent.TrimStart('+', '-').PadLeft(2, '0');
        return $"{mantissa}e{sign}{digits}";
    }
}
