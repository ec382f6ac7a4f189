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
/// Convolution as matrix products (im2col), image by image as PyTorch's slow_conv2d: each image unrolled into a column
/// matrix (C·KH·KW) x (OH·OW), whose product with the weight matrix of each group is that image's output (O, OH·OW) in
/// place. The forward can keep all images' columns, side by side as (C·KH·KW) x (N·OH·OW), for the weight gradient, a
/// single product over the batch. Every output element is one multiply-add chain of the packed GEMM, so the bits do
/// not depend on the thread count.
/// </summary>
internal static class ConvKernels
{
    /// <summary>
    /// The convolution of x with w, plus the bias when given: (N, O, OH·OW) row-major; with
    /// <paramref name="keepColumns"/>, also the unrolled input (C·KH·KW, N·OH·OW) for <see cref="WeightGrad"/>.
    /// </summary>
    public static (Tensor Output, Tensor? Columns) Forward(Tensor x, Tensor w, Tensor? bias, ConvGeometry g, bool keepColumns) =>
        DTypes.DispatchFloating<Convolution, (Tensor, Tensor?)>(x.DType, new Convolution(x, w, bias, g, keepColumns), "slow_conv2d_cpu");

    private readonly struct Convolution(Tensor x, Tensor w, Tensor? bias, ConvGeometry g, bool keepColumns) : IFloatingFunc<(Tensor, Tensor?)>
    {
        public (Tensor, Tensor?) Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => Forward<T>(x, w, bias, g, keepColumns);
    }

    /// <summary>The gradient of the input for output gradient dy: the transposed convolution of dy with w.</summary>
    public static Tensor InputGrad(Tensor dy, Tensor w, ConvGeometry g) =>
        DTypes.DispatchFloating<InputGradient, Tensor>(dy.DType, new InputGradient(dy, w, g), "slow_conv2d_cpu");

    private readonly struct InputGradient(Tensor dy, Tensor w, ConvGeometry g) : IFloatingFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => InputGrad<T>(dy, w, g);
    }

    /// <summary>
    /// The gradient of the weight for input x and output gradient dy; <paramref name="columns"/>, when given, is x
    /// unrolled by <see cref="Forward"/>, which saves unrolling it again.
    /// </summary>
    public static Tensor WeightGrad(Tensor x, Tensor dy, ConvGeometry g, Tensor? columns = null) =>
        DTypes.DispatchFloating<WeightGradient, Tensor>(x.DType, new WeightGradient(x, dy, g, columns), "slow_conv2d_cpu");

    private readonly struct WeightGradient(Tensor x, Tensor dy, ConvGeometry g, Tensor? columns) : IFloatingFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => WeightGrad<T>(x, dy, g, columns);
    }

    /// <summary>Sums (N, O, L) over N and L: the bias gradient.</summary>
    public static Tensor ChannelSum(Tensor dy, int n, int channels, int l) =>
        DTypes.DispatchFloating<ChannelSums, Tensor>(dy.DType, new ChannelSums(dy, n, channels, l), "sum_cpu");

    private readonly struct ChannelSums(Tensor dy, int n, int channels, int l) : IFloatingFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var result = Tensor.Uninitialized(dy.DType, [channels]);
            Parallelism.ForRanges(channels, (long)n * l, new ChannelSumRange<T>(dy.Data<T>(), result.Data<T>(), n, channels, l));
            return result;
        }
    }

    private readonly struct ChannelSumRange<T>(T[] dy, T[] sums, int n, int channels, int l) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            for (int c = start; c < end; c++)
            {
                T sum = T.Zero;
                for (int b = 0; b < n; b++) sum += System.Numerics.Tensors.TensorPrimitives.Sum<T>(dy.AsSpan((b * channels + c) * l, l));
                sums[c] = sum;
            }
        }
    }

    /// <summary>The rows of all groups' column matrices: C·KH·KW.</summary>
    private static int ColumnRows(ConvGeometry g) => g.C * g.KH * g.KW;

    /// <summary>One image's work in Parallelism's cheap element operations: its products (four multiply-adds to one, as the GEMM counts them) and its unrolling.</summary>
    private static long ImageWork(ConvGeometry g) => (long)g.O * g.K * g.L / 4 + (long)ColumnRows(g) * g.L;

    private static (Tensor, Tensor?) Forward<T>(Tensor x, Tensor w, Tensor? bias, ConvGeometry g, bool keepColumns) where T : unmanaged, INumber<T>
    {
        var result = Tensor.Uninitialized(x.DType, g.OutputShape);
        Tensor? columns = null;
        if (keepColumns)
        {
            // Unrolled row by row across the batch: each row of the kept matrix is written as one run (image by image,
            // its rows would be short runs far apart).
            columns = Tensor.Uninitialized(x.DType, [ColumnRows(g), g.N * g.L]);
            Parallelism.ForRanges(ColumnRows(g), (long)g.N * g.L, new Im2ColRows<T>(x.Data<T>(), columns.Data<T>(), g));
        }
        Parallelism.ForRanges(g.N, ImageWork(g), new ForwardImages<T>(x.Data<T>(), w.Data<T>(), bias?.Data<T>(), result.Data<T>(), columns?.Data<T>(), g));
        return (result, columns);
    }

    /// <summary>
    /// Images [start, end): each one unrolled into a scratch matrix of its own unless the kept matrix holds its columns,
    /// multiplied by each group's weights straight into its output, then the bias added while the output is in cache.
    /// </summary>
    private readonly struct ForwardImages<T>(T[] x, T[] w, T[]? bias, T[] y, T[]? kept, ConvGeometry g) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            int rows = ColumnRows(g), l = g.L, stride = kept is null ? l : g.N * l;
            var cols = kept ?? ArrayPool<T>.Shared.Rent(rows * l);
            for (int b = start; b < end; b++)
            {
                int first = kept is null ? 0 : b * l;
                if (kept is null) Im2Col(x, b, cols, g);
                for (int group = 0; group < g.Groups; group++)
                {
                    Gemm.Multiply(Matrix<T>.RowMajor(w, g.Og, g.K, group * g.Og * g.K), new Matrix<T>(cols, group * g.K * stride + first, g.K, l, stride, 1),
                        y, (b * g.O + group * g.Og) * l);
                }
                if (bias is null) continue;
                for (int c = 0; c < g.O; c++)
                {
                    var line = y.AsSpan((b * g.O + c) * l, l);
                    System.Numerics.Tensors.TensorPrimitives.Add(line, bias[c], line);
                }
            }
            if (kept is null) ArrayPool<T>.Shared.Return(cols);
        }
    }

    private static Tensor InputGrad<T>(Tensor dy, Tensor w, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        var result = Tensor.Uninitialized(dy.DType, g.InputShape);
        // Each group's weights transposed once, (K, Og) row-major, so no image's product has to pack them transposed.
        var weight = w.Data<T>();
        var transposed = ArrayPool<T>.Shared.Rent(g.O * g.K);
        for (int group = 0; group < g.Groups; group++)
        {
            for (int o = 0; o < g.Og; o++)
            {
                for (int k = 0; k < g.K; k++) transposed[(group * g.K + k) * g.Og + o] = weight[(group * g.Og + o) * g.K + k];
            }
        }
        Parallelism.ForRanges(g.N, ImageWork(g), new InputGradImages<T>(dy.Data<T>(), transposed, result.Data<T>(), g));
        ArrayPool<T>.Shared.Return(transposed);
        return result;
    }

    /// <summary>Images [start, end): each group's transposed weights (wT) times the image's dy, folded back into the image while in cache.</summary>
    private readonly struct InputGradImages<T>(T[] dy, T[] wT, T[] dx, ConvGeometry g) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            int l = g.L;
            var cols = ArrayPool<T>.Shared.Rent(ColumnRows(g) * l);
            for (int b = start; b < end; b++)
            {
                for (int group = 0; group < g.Groups; group++)
                {
                    Gemm.Multiply(Matrix<T>.RowMajor(wT, g.K, g.Og, group * g.K * g.Og), Matrix<T>.RowMajor(dy, g.Og, l, (b * g.O + group * g.Og) * l),
                        cols, group * g.K * l);
                }
                Col2Im(cols, dx, b, g);
            }
            ArrayPool<T>.Shared.Return(cols);
        }
    }

    private static Tensor WeightGrad<T>(Tensor x, Tensor dy, ConvGeometry g, Tensor? columns) where T : unmanaged, INumber<T>
    {
        int nl = g.N * g.L;
        var channelMajor = ArrayPool<T>.Shared.Rent(g.O * nl);
        Parallelism.ForRanges(g.N * g.O, g.L, new ToChannelMajor<T>(dy.Data<T>(), channelMajor, g.N, g.O, g.L));
        T[] cols;
        if (columns is null)
        {
            cols = ArrayPool<T>.Shared.Rent(ColumnRows(g) * nl);
            Parallelism.ForRanges(ColumnRows(g), (long)g.N * g.L, new Im2ColRows<T>(x.Data<T>(), cols, g));
        }
        else cols = columns.Data<T>();
        var result = Tensor.Uninitialized(x.DType, g.WeightShape);
        var dw = result.Data<T>();
        // Computed transposed, cols · dyᵀ (K x Og), then transposed into place: the GEMM packs its second operand
        // transposed, and dyᵀ has Og columns against the K = C·KH·KW of colsᵀ (64 against 288 in a second layer of
        // 32 x 3 x 3), while a first layer's few weights per filter (K = 9) would fill only part of the GEMM's panels.
        var product = ArrayPool<T>.Shared.Rent(g.K * g.Og);
        for (int group = 0; group < g.Groups; group++)
        {
            var dyRows = Matrix<T>.RowMajor(channelMajor, g.Og, nl, group * g.Og * nl);
            var colRows = Matrix<T>.RowMajor(cols, g.K, nl, group * g.K * nl);
            Gemm.Multiply(colRows, dyRows.Transposed, product);
            for (int o = 0; o < g.Og; o++)
            {
                for (int k = 0; k < g.K; k++) dw[(group * g.Og + o) * g.K + k] = product[k * g.Og + o];
            }
        }
        ArrayPool<T>.Shared.Return(product);
        if (columns is null) ArrayPool<T>.Shared.Return(cols);
        ArrayPool<T>.Shared.Return(channelMajor);
        return result;
    }

    /// <summary>Rows [start, end) of the (C·KH·KW) x (N·L) column matrix, each across the whole batch.</summary>
    private readonly struct Im2ColRows<T>(T[] x, T[] cols, ConvGeometry g) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            for (int row = start; row < end; row++)
            {
                for (int b = 0; b < g.N; b++) UnrollRow(x, b, row, cols.AsSpan((row * g.N + b) * g.L, g.L), g);
            }
        }
    }

    /// <summary>Unrolls image b of x into its own (C·KH·KW) x L column matrix.</summary>
    private static void Im2Col<T>(T[] x, int b, T[] cols, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        for (int row = 0; row < ColumnRows(g); row++) UnrollRow(x, b, row, cols.AsSpan(row * g.L, g.L), g);
    }

    /// <summary>
    /// Row (c, ki, kj) of image b's columns: the input element each output position (oh, ow) multiplies by weight
    /// (c, ki, kj), zero where the window is in the padding.
    /// </summary>
    private static void UnrollRow<T>(T[] x, int b, int row, Span<T> to, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        int oh = g.OH, ow = g.OW;
        int kj = row % g.KW, ki = row / g.KW % g.KH, c = row / (g.KW * g.KH);
        // The output columns whose input column lies inside the image: ow in [inside, outside).
        int offsetW = kj * g.DW - g.PW;
        int inside = Math.Clamp(CeilDiv(-offsetW, g.SW), 0, ow), outside = Math.Clamp(CeilDiv(g.W - offsetW, g.SW), inside, ow);
        int plane = (b * g.C + c) * g.H * g.W;
        for (int i = 0; i < oh; i++)
        {
            var line = to.Slice(i * ow, ow);
            int ih = i * g.SH - g.PH + ki * g.DH;
            if (ih < 0 || ih >= g.H) { line.Clear(); continue; }
            if (inside > 0) line[..inside].Clear();
            if (outside < ow) line[outside..].Clear();
            int from = plane + ih * g.W + offsetW;
            if (g.SW == 1) x.AsSpan(from + inside, outside - inside).CopyTo(line[inside..outside]);
            else for (int j = inside; j < outside; j++) line[j] = x[from + j * g.SW];
        }
    }

    /// <summary>
    /// Adds image b's columns (row (c, ki, kj) of L values, contiguous) back into its planes of x: the adjoint of
    /// Im2Col, each plane zeroed and then added into in the fixed order (ki, kj, oh).
    /// </summary>
    private static void Col2Im<T>(T[] cols, T[] x, int b, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        int l = g.L, oh = g.OH, ow = g.OW;
        for (int c = 0; c < g.C; c++)
        {
            var plane = x.AsSpan((b * g.C + c) * g.H * g.W, g.H * g.W);
            plane.Clear();
            for (int ki = 0; ki < g.KH; ki++)
            {
                for (int kj = 0; kj < g.KW; kj++)
                {
                    var from = cols.AsSpan(((c * g.KH + ki) * g.KW + kj) * l, l);
                    int offsetW = kj * g.DW - g.PW;
                    int inside = Math.Clamp(CeilDiv(-offsetW, g.SW), 0, ow), outside = Math.Clamp(CeilDiv(g.W - offsetW, g.SW), inside, ow);
                    for (int i = 0; i < oh; i++)
                    {
                        int ih = i * g.SH - g.PH + ki * g.DH;
                        if (ih < 0 || ih >= g.H) continue;
                        var line = from.Slice(i * ow, ow);
                        int rowStart = ih * g.W + offsetW;
                        if (g.SW == 1)
                        {
                            var target = plane.Slice(rowStart + inside, outside - inside);
                            System.Numerics.Tensors.TensorPrimitives.Add(target, line[inside..outside], target);
                        }
                        else for (int j = inside; j < outside; j++) plane[rowStart + j * g.SW] += line[j];
                    }
                }
            }
        }
    }

    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

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
