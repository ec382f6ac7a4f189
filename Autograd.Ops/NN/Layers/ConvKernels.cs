using System.Buffers;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// The sizes of one convolution, with 1-d convolutions as 2-d ones of height 1: input (N, C, H, W), weight
/// (O, C / Groups, KH, KW), output (N, O, OH, OW).
/// </summary>
internal sealed record ConvGeometry(int SpatialRank, int N, int C, int H, int W, int O, int Groups,
    int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW)
{
    // Computed once: the unrolling loops read these per output line.
    public int OH { get; } = (H + 2 * PH - DH * (KH - 1) - 1) / SH + 1;
    public int OW { get; } = (W + 2 * PW - DW * (KW - 1) - 1) / SW + 1;
    /// <summary>Output positions per image and channel.</summary>
    public int L => OH * OW;
    /// <summary>Input channels per group.</summary>
    public int Cg => C / Groups;
    /// <summary>Output channels per group.</summary>
    public int Og => O / Groups;
    /// <summary>Rows of a group's column matrix: the weights of one output channel.</summary>
    public int K => Cg * KH * KW;

    public int[] InputShape => SpatialRank == 1 ? [N, C, W] : [N, C, H, W];
    public int[] WeightShape => SpatialRank == 1 ? [O, Cg, KW] : [O, Cg, KH, KW];
    public int[] OutputShape => SpatialRank == 1 ? [N, O, OW] : [N, O, OH, OW];
    /// <summary>A per-channel vector's shape broadcasting against the output.</summary>
    public int[] ChannelShape => SpatialRank == 1 ? [1, O, 1] : [1, O, 1, 1];
}

/// <summary>
/// Convolution as matrix products (im2col): the input unrolled into a column matrix (C·KH·KW) x (N·OH·OW), whose
/// product with the weight matrix of each group is the output in channel-major order (O, N·OH·OW). Every output
/// element is one multiply-add chain of the packed GEMM, so the bits do not depend on the thread count.
/// </summary>
internal static class ConvKernels
{
    /// <summary>The convolution of x with w, plus the bias when given: (N, O, OH·OW) row-major.</summary>
    public static Tensor Forward(Tensor x, Tensor w, Tensor? bias, ConvGeometry g) =>
        DTypes.DispatchFloating<Convolution, Tensor>(x.DType, new Convolution(x, w, bias, g), "slow_conv2d_cpu");

    private readonly struct Convolution(Tensor x, Tensor w, Tensor? bias, ConvGeometry g) : IFloatingFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => Forward<T>(x, w, bias, g);
    }

    /// <summary>The gradient of the input for output gradient dy: the transposed convolution of dy with w.</summary>
    public static Tensor InputGrad(Tensor dy, Tensor w, ConvGeometry g) =>
        DTypes.DispatchFloating<InputGradient, Tensor>(dy.DType, new InputGradient(dy, w, g), "slow_conv2d_cpu");

    private readonly struct InputGradient(Tensor dy, Tensor w, ConvGeometry g) : IFloatingFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => InputGrad<T>(dy, w, g);
    }

    /// <summary>The gradient of the weight for input x and output gradient dy.</summary>
    public static Tensor WeightGrad(Tensor x, Tensor dy, ConvGeometry g) =>
        DTypes.DispatchFloating<WeightGradient, Tensor>(x.DType, new WeightGradient(x, dy, g), "slow_conv2d_cpu");

    private readonly struct WeightGradient(Tensor x, Tensor dy, ConvGeometry g) : IFloatingFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => WeightGrad<T>(x, dy, g);
    }

    /// <summary>Sums (N, O, L) over N and L: the bias gradient.</summary>
    public static Tensor ChannelSum(Tensor dy, int n, int channels, int l) =>
        DTypes.DispatchFloating<ChannelSums, Tensor>(dy.DType, new ChannelSums(dy, n, channels, l), "sum_cpu");

    private readonly struct ChannelSums(Tensor dy, int n, int channels, int l) : IFloatingFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => ChannelSum<T>(dy, n, channels, l);
    }

    private static Tensor Forward<T>(Tensor x, Tensor w, Tensor? bias, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        int nl = g.N * g.L;
        var cols = ArrayPool<T>.Shared.Rent(g.C * g.KH * g.KW * nl);
        var product = ArrayPool<T>.Shared.Rent(g.O * nl);
        Im2Col(x.Data<T>(), cols, g);
        var weight = w.Data<T>();
        for (int group = 0; group < g.Groups; group++)
        {
            Gemm.Multiply(Matrix<T>.RowMajor(weight, g.Og, g.K, group * g.Og * g.K), Matrix<T>.RowMajor(cols, g.K, nl, group * g.K * nl),
                product, group * g.Og * nl);
        }
        var result = Tensor.Uninitialized(x.DType, g.OutputShape);
        Parallelism.ForRanges(g.N * g.O, g.L, new ToBatchMajor<T>(product, result.Data<T>(), bias?.Data<T>(), g.N, g.O, g.L));
        ArrayPool<T>.Shared.Return(cols);
        ArrayPool<T>.Shared.Return(product);
        return result;
    }

    private static Tensor InputGrad<T>(Tensor dy, Tensor w, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        int nl = g.N * g.L;
        var channelMajor = ChannelMajor<T>(dy, g.N, g.O, g.L);
        var cols = ArrayPool<T>.Shared.Rent(g.C * g.KH * g.KW * nl);
        var weight = w.Data<T>();
        for (int group = 0; group < g.Groups; group++)
        {
            Gemm.Multiply(Matrix<T>.RowMajor(weight, g.Og, g.K, group * g.Og * g.K).Transposed, Matrix<T>.RowMajor(channelMajor, g.Og, nl, group * g.Og * nl),
                cols, group * g.K * nl);
        }
        var result = Tensor.Uninitialized(dy.DType, g.InputShape);
        Parallelism.ForRanges(g.N * g.C, (long)g.KH * g.KW * g.L, new Col2Im<T>(cols, result.Data<T>(), g));
        ArrayPool<T>.Shared.Return(channelMajor);
        ArrayPool<T>.Shared.Return(cols);
        return result;
    }

    private static Tensor WeightGrad<T>(Tensor x, Tensor dy, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        int nl = g.N * g.L;
        var channelMajor = ChannelMajor<T>(dy, g.N, g.O, g.L);
        var cols = ArrayPool<T>.Shared.Rent(g.C * g.KH * g.KW * nl);
        Im2Col(x.Data<T>(), cols, g);
        var result = Tensor.Uninitialized(x.DType, g.WeightShape);
        var dw = result.Data<T>();
        for (int group = 0; group < g.Groups; group++)
        {
            Gemm.Multiply(Matrix<T>.RowMajor(channelMajor, g.Og, nl, group * g.Og * nl), Matrix<T>.RowMajor(cols, g.K, nl, group * g.K * nl).Transposed,
                dw, group * g.Og * g.K);
        }
        ArrayPool<T>.Shared.Return(channelMajor);
        ArrayPool<T>.Shared.Return(cols);
        return result;
    }

    private static Tensor ChannelSum<T>(Tensor dy, int n, int channels, int l) where T : unmanaged, INumber<T>
    {
        var result = Tensor.Uninitialized(dy.DType, [channels]);
        var sums = result.Data<T>();
        var data = dy.Data<T>();
        for (int c = 0; c < channels; c++)
        {
            T sum = T.Zero;
            for (int b = 0; b < n; b++) sum += System.Numerics.Tensors.TensorPrimitives.Sum<T>(data.AsSpan((b * channels + c) * l, l));
            sums[c] = sum;
        }
        return result;
    }

    /// <summary>(N, O, L) rearranged as (O, N·L) in a pooled buffer, which the caller returns.</summary>
    private static T[] ChannelMajor<T>(Tensor dy, int n, int channels, int l) where T : unmanaged
    {
        var result = ArrayPool<T>.Shared.Rent(n * channels * l);
        Parallelism.ForRanges(n * channels, l, new ToChannelMajor<T>(dy.Data<T>(), result, n, channels, l));
        return result;
    }

    /// <summary>Unrolls x (N, C, H, W) into cols: row (c, ki, kj), column (n, oh, ow), zero where the window is in the padding.</summary>
    private static void Im2Col<T>(T[] x, T[] cols, ConvGeometry g) where T : unmanaged, INumber<T> =>
        Parallelism.ForRanges(g.C * g.KH * g.KW, (long)g.N * g.L, new Im2ColRows<T>(x, cols, g));

    private readonly struct Im2ColRows<T>(T[] x, T[] cols, ConvGeometry g) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            int nl = g.N * g.L, oh = g.OH, ow = g.OW;
            for (int row = start; row < end; row++)
            {
                int kj = row % g.KW, ki = row / g.KW % g.KH, c = row / (g.KW * g.KH);
                var to = cols.AsSpan(row * nl, nl);
                // The output columns whose input column lies inside the image: ow in [first, last).
                int offsetW = kj * g.DW - g.PW;
                int first = Math.Clamp(CeilDiv(-offsetW, g.SW), 0, ow), last = Math.Clamp(CeilDiv(g.W - offsetW, g.SW), first, ow);
                for (int b = 0; b < g.N; b++)
                {
                    int plane = (b * g.C + c) * g.H * g.W;
                    for (int i = 0; i < oh; i++)
                    {
                        var line = to.Slice(b * g.L + i * ow, ow);
                        int ih = i * g.SH - g.PH + ki * g.DH;
                        if (ih < 0 || ih >= g.H) { line.Clear(); continue; }
                        line[..first].Clear();
                        line[last..].Clear();
                        int from = plane + ih * g.W + offsetW;
                        if (g.SW == 1) x.AsSpan(from + first, last - first).CopyTo(line[first..last]);
                        else for (int j = first; j < last; j++) line[j] = x[from + j * g.SW];
                    }
                }
            }
        }
    }

    /// <summary>Adds cols back into the image planes [start, end) of (N·C): the adjoint of Im2Col, in a fixed order per plane.</summary>
    private readonly struct Col2Im<T>(T[] cols, T[] x, ConvGeometry g) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            int nl = g.N * g.L, oh = g.OH, ow = g.OW;
            for (int planeIndex = start; planeIndex < end; planeIndex++)
            {
                int b = planeIndex / g.C, c = planeIndex % g.C;
                var plane = x.AsSpan(planeIndex * g.H * g.W, g.H * g.W);
                plane.Clear();
                for (int ki = 0; ki < g.KH; ki++)
                {
                    for (int kj = 0; kj < g.KW; kj++)
                    {
                        var from = cols.AsSpan(((c * g.KH + ki) * g.KW + kj) * nl + b * g.L, g.L);
                        int offsetW = kj * g.DW - g.PW;
                        int first = Math.Clamp(CeilDiv(-offsetW, g.SW), 0, ow), last = Math.Clamp(CeilDiv(g.W - offsetW, g.SW), first, ow);
                        for (int i = 0; i < oh; i++)
                        {
                            int ih = i * g.SH - g.PH + ki * g.DH;
                            if (ih < 0 || ih >= g.H) continue;
                            var line = from.Slice(i * ow, ow);
                            int rowStart = ih * g.W + offsetW;
                            if (g.SW == 1)
                            {
                                var target = plane.Slice(rowStart + first, last - first);
                                System.Numerics.Tensors.TensorPrimitives.Add(target, line[first..last], target);
                            }
                            else for (int j = first; j < last; j++) plane[rowStart + j * g.SW] += line[j];
                        }
                    }
                }
            }
        }
    }

    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    /// <summary>(O, N·L) blocks [start, end) of (N·O) copied to (N, O, L), adding the channel's bias.</summary>
    private readonly struct ToBatchMajor<T>(T[] product, T[] y, T[]? bias, int n, int channels, int l) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            for (int block = start; block < end; block++)
            {
                int b = block / channels, c = block % channels;
                var from = product.AsSpan((c * n + b) * l, l);
                var to = y.AsSpan(block * l, l);
                if (bias is null) from.CopyTo(to);
                else System.Numerics.Tensors.TensorPrimitives.Add(from, bias[c], to);
            }
        }
    }

    /// <summary>(N, O, L) blocks [start, end) of (N·O) copied to (O, N·L).</summary>
    private readonly struct ToChannelMajor<T>(T[] y, T[] result, int n, int channels, int l) : IRangeBody where T : unmanaged
    {
        public void Run(int start, int end)
        {
            for (int block = start; block < end; block++)
            {
                int b = block / channels, c = block % channels;
                y.AsSpan(block * l, l).CopyTo(result.AsSpan((c * n + b) * l, l));
            }
        }
    }
}
