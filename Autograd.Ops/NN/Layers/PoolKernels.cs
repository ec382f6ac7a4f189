using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd.NN;

/// <summary>
/// The windows of a 2-d pooling over planes of H x W: output row i reads input rows [RowStart[i], RowEnd[i]) and
/// column j columns [ColumnStart[j], ColumnEnd[j]), already clipped to the image. An average divides the window's sum
/// by RowDivisor[i] x ColumnDivisor[j] (avg_pool2d: one division by that product) or by each in turn (adaptive_avg_pool2d).
/// </summary>
internal sealed record PoolWindows(int H, int W, int[] RowStart, int[] RowEnd, int[] ColumnStart, int[] ColumnEnd,
    int[] RowDivisor, int[] ColumnDivisor, bool DividesInTurn)
{
    public int OH => RowStart.Length;
    public int OW => ColumnStart.Length;

    /// <summary>avg_pool2d's and max_pool2d's windows: stride s, padding p, kernel k; the divisor counts the padding (count_include_pad).</summary>
    public static PoolWindows Sliding(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        int oh = FloorDiv(h + 2 * ph - kh, sh) + 1, ow = FloorDiv(w + 2 * pw - kw, sw) + 1;
        var (rowStart, rowEnd, rowDivisor) = Slide(h, kh, sh, ph, oh);
        var (columnStart, columnEnd, columnDivisor) = Slide(w, kw, sw, pw, ow);
        return new(h, w, rowStart, rowEnd, columnStart, columnEnd, rowDivisor, columnDivisor, DividesInTurn: false);
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>One window over the whole plane, divided once by its size: a mean over the last two dims.</summary>
    public static PoolWindows Whole(int h, int w) => new(h, w, [0], [h], [0], [w], [h], [w], DividesInTurn: false);

    private static (int[] Start, int[] End, int[] Divisor) Slide(int size, int k, int s, int p, int outputs)
    {
        int[] start = new int[outputs], end = new int[outputs], divisor = new int[outputs];
        for (int i = 0; i < outputs; i++)
        {
            int from = i * s - p, to = Math.Min(from + k, size + p);
            divisor[i] = to - from;
            start[i] = Math.Max(from, 0);
            end[i] = Math.Min(to, size);
        }
        return (start, end, divisor);
    }

    /// <summary>adaptive_avg_pool2d's windows: output i of n reads [floor(i·size/n), ceil((i+1)·size/n)).</summary>
    public static PoolWindows Adaptive(int h, int w, int oh, int ow)
    {
        var (rowStart, rowEnd) = Adapt(h, oh);
        var (columnStart, columnEnd) = Adapt(w, ow);
        return new(h, w, rowStart, rowEnd, columnStart, columnEnd,
            [.. rowStart.Select((s, i) => rowEnd[i] - s)], [.. columnStart.Select((s, j) => columnEnd[j] - s)], DividesInTurn: true);
    }

    /// <summary>
    /// Whether every window is kh x kw and the windows step evenly, rows by sh and columns by sw, so output (i, j) reads
    /// rows RowStart[0] + i·sh onwards and columns ColumnStart[0] + j·sw onwards (clipped windows qualify when all are clipped alike).
    /// </summary>
    public bool IsUniform(out int kh, out int kw, out int sh, out int sw) =>
        Steps(RowStart, RowEnd, out kh, out sh) & Steps(ColumnStart, ColumnEnd, out kw, out sw);

    private static bool Steps(int[] start, int[] end, out int size, out int step)
    {
        size = end[0] - start[0];
        step = start.Length > 1 ? start[1] - start[0] : 1;
        if (step < 1) return false;
        for (int i = 0; i < start.Length; i++)
        {
            if (start[i] != start[0] + i * step || end[i] - start[i] != size) return false;
        }
        return true;
    }

    private static (int[] Start, int[] End) Adapt(int size, int outputs)
    {
        int[] start = new int[outputs], end = new int[outputs];
        for (int i = 0; i < outputs; i++)
        {
            start[i] = (int)((long)i * size / outputs);
            end[i] = (int)(((long)(i + 1) * size + outputs - 1) / outputs);
        }
        return (start, end);
    }
}

/// <summary>Pooling over the last two dims of a contiguous tensor, plane by plane (in parallel over planes).</summary>
internal static class PoolKernels
{
    /// <summary>Window maxima and their flat indices (row x W + column) in the plane; NaN wins, ties keep the first.</summary>
    public static (Tensor Values, Tensor Indices) Max(Tensor x, PoolWindows p)
    {
        int[] shape = [.. x.Dims[..^2], p.OH, p.OW];
        var values = Tensor.Uninitialized(x.DType, shape);
        var indices = Tensor.Uninitialized(DType.Int64, shape);
        int planes = x.Count / (p.H * p.W);
        DTypes.DispatchFloating(x.DType, new MaxPooling(x, values, indices, p, planes), "max_pool2d");
        return (values, indices);
    }

    private readonly struct MaxPooling(Tensor x, Tensor values, Tensor indices, PoolWindows p, int planes) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            bool uniform = p.IsUniform(out int kh, out int kw, out int sh, out int sw);
            if (uniform && kh == 2 && kw == 2 && sh == 2 && sw == 2 && typeof(T) == typeof(float) && Avx2.IsSupported)
                Parallelism.ForRanges(planes, (long)p.H * p.W, new MaxPairsPlanes(x.Data<float>(), values.Data<float>(), indices.Data<long>(), p));
            else if (uniform)
                Parallelism.ForRanges(planes, (long)p.H * p.W, new MaxUniformPlanes<T>(x.Data<T>(), values.Data<T>(), indices.Data<long>(), p, kh, kw, sh, sw));
            else
                Parallelism.ForRanges(planes, (long)p.H * p.W, new MaxPlanes<T>(x.Data<T>(), values.Data<T>(), indices.Data<long>(), p));
        }
    }

    /// <summary>Adds each element of g (pooled shape) into position indices of its plane of a zero tensor of <paramref name="shape"/>.</summary>
    public static Tensor ScatterAdd(Tensor g, Tensor indices, int[] shape)
    {
        int planeSize = shape[^1] * shape[^2], pooled = g.Dims[^1] * g.Dims[^2], planes = g.Count / Math.Max(pooled, 1);
        // Each plane is zeroed just before its scatter, while it is in cache; with nothing pooled no plane is visited.
        var result = pooled == 0 ? Tensor.Empty(g.DType, shape) : Tensor.Uninitialized(g.DType, shape);
        DTypes.DispatchFloating(g.DType, new Scattering(g, indices, result, planes, pooled, planeSize), "max_pool2d_backward");
        return result;
    }

    private readonly struct Scattering(Tensor g, Tensor indices, Tensor result, int planes, int pooled, int planeSize) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Parallelism.ForRanges(planes, pooled + planeSize, new ScatterPlanes<T>(g.Data<T>(), indices.Data<long>(), result.Data<T>(), pooled, planeSize));
    }

    /// <summary>The adjoint of <see cref="ScatterAdd"/>: element indices[k] of each plane of x, in the pooled shape.</summary>
    public static Tensor Gather(Tensor x, Tensor indices)
    {
        var result = Tensor.Uninitialized(x.DType, indices.Dims);
        int planeSize = x.Dims[^1] * x.Dims[^2], pooled = indices.Dims[^1] * indices.Dims[^2];
        DTypes.DispatchFloating(x.DType, new GatherPlanes(x, indices.Data<long>(), result, pooled, planeSize), "gather");
        return result;
    }

    private readonly struct GatherPlanes(Tensor x, long[] idx, Tensor result, int pooled, int planeSize) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] from = x.Data<T>(), y = result.Data<T>();
            for (int k = 0; k < y.Length; k++) y[k] = from[k / pooled * planeSize + (int)idx[k]];
        }
    }

    /// <summary>Window averages of each plane.</summary>
    public static Tensor Average(Tensor x, PoolWindows p)
    {
        var result = Tensor.Uninitialized(x.DType, [.. x.Dims[..^2], p.OH, p.OW]);
        int planes = x.Count / (p.H * p.W);
        DTypes.DispatchFloating(x.DType, new AveragePooling(x, result, p, planes, adjoint: false), "avg_pool2d");
        return result;
    }

    /// <summary>The adjoint of <see cref="Average"/> (its backward): each pooled gradient divided as the average divides, added over its window.</summary>
    public static Tensor AverageAdjoint(Tensor g, PoolWindows p, int[] shape)
    {
        var result = Tensor.Empty(g.DType, shape);
        int planes = result.Count / (p.H * p.W);
        DTypes.DispatchFloating(g.DType, new AveragePooling(g, result, p, planes, adjoint: true), "avg_pool2d_backward");
        return result;
    }

    private readonly struct AveragePooling(Tensor source, Tensor result, PoolWindows p, int planes, bool adjoint) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Parallelism.ForRanges(planes, (long)p.H * p.W, new AveragePlanes<T>(source.Data<T>(), result.Data<T>(), p, adjoint));
    }

    private readonly struct MaxPlanes<T>(T[] x, T[] values, long[] indices, PoolWindows p) : IRangeBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            int width = p.W, planeSize = p.H * width, oh = p.OH, ow = p.OW, pooled = oh * ow;
            int[] rowStart = p.RowStart, rowEnd = p.RowEnd, columnStart = p.ColumnStart, columnEnd = p.ColumnEnd;
            for (int plane = start; plane < end; plane++)
            {
                ReadOnlySpan<T> input = x.AsSpan(plane * planeSize, planeSize);
                Span<T> planeValues = values.AsSpan(plane * pooled, pooled);
                Span<long> planeIndices = indices.AsSpan(plane * pooled, pooled);
                for (int i = 0; i < oh; i++)
                {
                    int top = rowStart[i], bottom = rowEnd[i];
                    for (int j = 0; j < ow; j++)
                    {
                        int left = columnStart[j], right = columnEnd[j];
                        int best = top * width + left;
                        T bestValue = T.NegativeInfinity;
                        for (int r = top; r < bottom; r++)
                        {
                            ReadOnlySpan<T> line = input.Slice(r * width + left, right - left);
                            for (int c = 0; c < line.Length; c++)
                            {
                                T value = line[c];
                                if (value > bestValue || T.IsNaN(value)) { best = r * width + left + c; bestValue = value; }
                            }
                        }
                        planeValues[i * ow + j] = bestValue;
                        planeIndices[i * ow + j] = best;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="MaxPlanes{T}"/> for windows that are all kh x kw and step evenly, an output row at a time and branch-free:
    /// the row's outputs keep running maxima and the window position (r·kw + c) they came from, and each window position in
    /// scan order updates all of them at once, with vectors, by the same rule (greater, or NaN), so values and indices match
    /// the window-by-window scan bit for bit. Each input row is first split by column modulo sw, so the elements that window
    /// column c reads for consecutive outputs lie side by side.
    /// </summary>
    private readonly struct MaxUniformPlanes<T>(T[] x, T[] values, long[] indices, PoolWindows p, int kh, int kw, int sh, int sw) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            int width = p.W, planeSize = p.H * width, oh = p.OH, ow = p.OW, pooled = oh * ow, top = p.RowStart[0], left = p.ColumnStart[0];
            int lanes = Vector<T>.Count, vectors = (ow + lanes - 1) / lanes, padded = vectors * lanes;
            // Phase q holds the row's columns left + m·sw + q; window column c of output j is phase c % sw, entry j + c / sw.
            int phases = Math.Min(sw, kw), phaseLength = padded + (kw - 1) / sw, available = width - left;
            // Padding lanes read these zeros (or stale entries) and are never stored.
            var split = new T[phases * phaseLength];
            T[] best = new T[padded], from = new T[padded];
            int[] offsets = new int[kh * kw];
            for (int position = 0; position < offsets.Length; position++) offsets[position] = position / kw * width + position % kw;
            for (int plane = start; plane < end; plane++)
            {
                ReadOnlySpan<T> input = x.AsSpan(plane * planeSize, planeSize);
                for (int i = 0; i < oh; i++)
                {
                    int firstRow = top + i * sh;
                    best.AsSpan().Fill(T.NegativeInfinity);
                    from.AsSpan().Clear();
                    for (int r = 0; r < kh; r++)
                    {
                        Split(input.Slice((firstRow + r) * width + left, available), split, phases, phaseLength);
                        for (int c = 0; c < kw; c++)
                            Update(ref split[c % sw * phaseLength + c / sw], best, from, vectors, T.CreateTruncating(r * kw + c));
                    }
                    int outputAt = plane * pooled + i * ow, corner = firstRow * width + left;
                    best.AsSpan(0, ow).CopyTo(values.AsSpan(outputAt, ow));
                    Span<long> rowIndices = indices.AsSpan(outputAt, ow);
                    ReadOnlySpan<T> positions = from.AsSpan(0, ow);
                    for (int j = 0; j < rowIndices.Length; j++) rowIndices[j] = corner + j * sw + offsets[int.CreateTruncating(positions[j])];
                }
            }
        }

        /// <summary>Deals the row's columns into phases by column modulo sw, as many as each phase holds.</summary>
        private void Split(ReadOnlySpan<T> line, T[] split, int phases, int phaseLength)
        {
            if (sw == 1)
            {
                line[..Math.Min(line.Length, phaseLength)].CopyTo(split);
                return;
            }
            int done = sw == 2 && phases == 2 ? SplitPairs(line, split.AsSpan(0, phaseLength), split.AsSpan(phaseLength, phaseLength)) : 0;
            for (int q = 0; q < phases; q++)
            {
                Span<T> phase = split.AsSpan(q * phaseLength, phaseLength);
                int count = Math.Min(phaseLength, (line.Length - q + sw - 1) / sw);
                for (int m = done; m < count; m++) phase[m] = line[m * sw + q];
            }
        }

        /// <summary>
        /// Stride 2's split with AVX2: even columns into <paramref name="even"/>, odd into <paramref name="odd"/>, a vector
        /// of each at a time while the line has both; returns how many entries of each it filled.
        /// </summary>
        private static int SplitPairs(ReadOnlySpan<T> line, Span<T> even, Span<T> odd)
        {
            if (!Avx2.IsSupported || (typeof(T) != typeof(float) && typeof(T) != typeof(double))) return 0;
            int lanes = Vector256<T>.Count, m = 0;
            ref T from = ref MemoryMarshal.GetReference(line);
            ref T evenStart = ref MemoryMarshal.GetReference(even), oddStart = ref MemoryMarshal.GetReference(odd);
            for (; 2 * (m + lanes) <= line.Length && m + lanes <= even.Length; m += lanes)
            {
                var (evens, odds) = Deinterleave(Vector256.LoadUnsafe(ref from, (nuint)(2 * m)), Vector256.LoadUnsafe(ref from, (nuint)(2 * m + lanes)));
                evens.StoreUnsafe(ref evenStart, (nuint)m);
                odds.StoreUnsafe(ref oddStart, (nuint)m);
            }
            return m;
        }

        /// <summary>One window position for every output of the row: take the candidate where it is greater or NaN.</summary>
        private static void Update(ref T candidates, T[] best, T[] from, int vectors, T position)
        {
            var positionVector = new Vector<T>(position);
            ref T bestStart = ref best[0], fromStart = ref from[0];
            for (int v = 0; v < vectors; v++)
            {
                nuint at = (nuint)(v * Vector<T>.Count);
                Vector<T> candidate = Vector.LoadUnsafe(ref candidates, at), current = Vector.LoadUnsafe(ref bestStart, at);
                Vector<T> take = Vector.GreaterThan(candidate, current) | ~Vector.Equals(candidate, candidate);
                Vector.ConditionalSelect(take, candidate, current).StoreUnsafe(ref bestStart, at);
                Vector.ConditionalSelect(take, positionVector, Vector.LoadUnsafe(ref fromStart, at)).StoreUnsafe(ref fromStart, at);
            }
        }
    }

    /// <summary>The even and the odd elements of the pair a, b (AVX2, float or double), each in order.</summary>
    private static (Vector256<T> Evens, Vector256<T> Odds) Deinterleave<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            // Within 128-bit halves: [a0 a2 b0 b2 | a4 a6 b4 b6]; the 64-bit reorder 0, 2, 1, 3 puts a's pairs before b's.
            return (Avx2.Permute4x64(Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b10_00_10_00).AsDouble(), 0b11_01_10_00).As<double, T>(),
                Avx2.Permute4x64(Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01).AsDouble(), 0b11_01_10_00).As<double, T>());
        }
        // [a0 b0 | a2 b2] and [a1 b1 | a3 b3], reordered 0, 2, 1, 3.
        return (Avx2.Permute4x64(Avx.UnpackLow(a.AsDouble(), b.AsDouble()), 0b11_01_10_00).As<double, T>(),
            Avx2.Permute4x64(Avx.UnpackHigh(a.AsDouble(), b.AsDouble()), 0b11_01_10_00).As<double, T>());
    }

    /// <summary>
    /// max_pool2d's commonest window, 2 x 2 with stride 2, on float planes with AVX2: eight outputs of a row at a time,
    /// each row pair deinterleaved into its four window positions, taken in scan order by the rule of
    /// <see cref="MaxUniformPlanes{T}"/> (greater, or NaN), so values and indices are the same; a row's last outputs one
    /// by one. The general kernel's per-row setup cost more than the comparisons on the narrow rows of small images.
    /// </summary>
    private readonly struct MaxPairsPlanes(float[] x, float[] values, long[] indices, PoolWindows p) : IRangeBody
    {
        public void Run(int start, int end)
        {
            int width = p.W, planeSize = p.H * width, oh = p.OH, ow = p.OW, pooled = oh * ow, top = p.RowStart[0], left = p.ColumnStart[0];
            var laneColumns = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
            Vector256<int> one = Vector256<int>.One, down = Vector256.Create(width);
            for (int plane = start; plane < end; plane++)
            {
                for (int i = 0; i < oh; i++)
                {
                    int corner = (top + 2 * i) * width + left, upper = plane * planeSize + corner, outputAt = plane * pooled + i * ow;
                    ref float row0 = ref x[upper];
                    ref float row1 = ref x[upper + width];
                    int j = 0;
                    for (; j + 8 <= ow; j += 8)
                    {
                        var (e0, o0) = Deinterleave(Vector256.LoadUnsafe(ref row0, (nuint)(2 * j)), Vector256.LoadUnsafe(ref row0, (nuint)(2 * j + 8)));
                        var (e1, o1) = Deinterleave(Vector256.LoadUnsafe(ref row1, (nuint)(2 * j)), Vector256.LoadUnsafe(ref row1, (nuint)(2 * j + 8)));
                        Vector256<float> best = e0;
                        Vector256<int> column = Vector256<int>.Zero, row = Vector256<int>.Zero;
                        Consider(o0, one, Vector256<int>.Zero, ref best, ref column, ref row);
                        Consider(e1, Vector256<int>.Zero, down, ref best, ref column, ref row);
                        Consider(o1, one, down, ref best, ref column, ref row);
                        best.StoreUnsafe(ref values[outputAt + j]);
                        var index = Vector256.Create(corner + 2 * j) + laneColumns + column + row;
                        Avx2.ConvertToVector256Int64(index.GetLower()).StoreUnsafe(ref indices[outputAt + j]);
                        Avx2.ConvertToVector256Int64(index.GetUpper()).StoreUnsafe(ref indices[outputAt + j + 4]);
                    }
                    for (; j < ow; j++)
                    {
                        int at = 2 * j, best = at;
                        float bestValue = Unsafe.Add(ref row0, at);
                        Consider(Unsafe.Add(ref row0, at + 1), at + 1, ref bestValue, ref best);
                        Consider(Unsafe.Add(ref row1, at), at + width, ref bestValue, ref best);
                        Consider(Unsafe.Add(ref row1, at + 1), at + width + 1, ref bestValue, ref best);
                        values[outputAt + j] = bestValue;
                        indices[outputAt + j] = corner + best;
                    }
                }
            }
        }

        /// <summary>
        /// One window position for eight outputs: where the candidate is greater than the best so far, or NaN, it
        /// becomes the best, at that position's column and row offsets.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Consider(Vector256<float> candidate, Vector256<int> columnOffset, Vector256<int> rowOffset,
            ref Vector256<float> best, ref Vector256<int> column, ref Vector256<int> row)
        {
            var take = Vector256.GreaterThan(candidate, best) | ~Vector256.Equals(candidate, candidate);
            best = Vector256.ConditionalSelect(take, candidate, best);
            column = Vector256.ConditionalSelect(take.AsInt32(), columnOffset, column);
            row = Vector256.ConditionalSelect(take.AsInt32(), rowOffset, row);
        }

        private static void Consider(float value, int offset, ref float bestValue, ref int best)
        {
            if (value > bestValue || float.IsNaN(value)) (bestValue, best) = (value, offset);
        }
    }

    private readonly struct ScatterPlanes<T>(T[] g, long[] indices, T[] result, int pooled, int planeSize) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            for (int plane = start; plane < end; plane++)
            {
                result.AsSpan(plane * planeSize, planeSize).Clear();
                for (int k = plane * pooled; k < (plane + 1) * pooled; k++) result[plane * planeSize + (int)indices[k]] += g[k];
            }
        }
    }

    /// <summary>Averages planes [start, end) of x into y, or (adjoint) spreads y's planes back into x's.</summary>
    private readonly struct AveragePlanes<T>(T[] from, T[] to, PoolWindows p, bool adjoint) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            int planeSize = p.H * p.W, pooled = p.OH * p.OW;
            for (int plane = start; plane < end; plane++)
            {
                for (int i = 0; i < p.OH; i++)
                {
                    for (int j = 0; j < p.OW; j++)
                    {
                        int at = plane * pooled + i * p.OW + j;
                        if (adjoint)
                        {
                            T share = Divide(from[at], i, j);
                            for (int r = p.RowStart[i]; r < p.RowEnd[i]; r++)
                            {
                                for (int c = p.ColumnStart[j]; c < p.ColumnEnd[j]; c++) to[plane * planeSize + r * p.W + c] += share;
                            }
                            continue;
                        }
                        T sum = T.Zero;
                        for (int r = p.RowStart[i]; r < p.RowEnd[i]; r++)
                        {
                            for (int c = p.ColumnStart[j]; c < p.ColumnEnd[j]; c++) sum += from[plane * planeSize + r * p.W + c];
                        }
                        to[at] = Divide(sum, i, j);
                    }
                }
            }
        }

        private T Divide(T value, int i, int j) => p.DividesInTurn
            ? value / T.CreateTruncating(p.RowDivisor[i]) / T.CreateTruncating(p.ColumnDivisor[j])
            : value / T.CreateTruncating(p.RowDivisor[i] * p.ColumnDivisor[j]);
    }
}
