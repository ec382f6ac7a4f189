using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd;

/// <summary>
/// Sums in PyTorch 1.13's CPU order (aten/src/ATen/native/cpu/SumKernel.cpp, AVX2 build, one intra-op thread), so
/// float sums are bit-identical to PyTorch's on the same contiguous input.
/// <para>
/// PyTorch's TensorIterator puts the reduced dims first (innermost first), then the kept dims, drops size-1 dims and
/// merges dims that are contiguous with each other. The first two dims form a 2-D loop that is run once per index of
/// the others (added into the output in that order). A reduced dim of stride 1 is summed per row in 8-float
/// (4-double) vectors, four vectors per step; a kept dim of stride 1 is summed across the output elements, a column
/// block of 4 vectors at a time; everything else by scalars. Every such sum is a cascade: rows are added into a
/// level-0 accumulator, which after every L = 2^max(4, ceil(log2 n) / 4) rows is added into level 1, level 1 into
/// level 2 after L^2 rows, level 2 into level 3 after L^3 rows; at the end level 0 + 1 + 2 + 3. A "row sum" with no
/// column blocks (the ILP form) views its n items as rows of 4 and cascades over n / 4 of them.
/// </para>
/// The sums of whole L^3-row blocks are independent of each other, so large cascades run them in parallel and fold them
/// in order, which gives the serial bits whatever the thread count.
/// </summary>
internal static class CascadeSum
{
    private const int Levels = 4;

    /// <summary>Sums contiguous <paramref name="t"/> over the dims flagged in <paramref name="reduce"/>, into the keep-dim shape's elements.</summary>
    public static Tensor Sum(Tensor t, bool[] reduce, int[] resultShape)
    {
        var result = Tensor.Empty(t.DType, resultShape);
        DTypes.DispatchNumeric(t.DType, new Summation(t, reduce, result), "sum_cpu");
        return result;
    }

    private readonly struct Summation(Tensor t, bool[] reduce, Tensor result) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => Run(t.Data<T>(), t.Dims, reduce, result.Data<T>());
    }

    private readonly record struct Dim(int Size, int InStride, int OutStride, bool Reduced);

    private static void Run<T>(T[] x, int[] shape, bool[] reduce, T[] output) where T : unmanaged, INumber<T>
    {
        if (x.Length == 0) return;
        // The reduced dims (innermost first), then the kept ones; size-1 dims dropped, neighbours of the same kind that
        // are contiguous with each other merged. Strides are the input's and the keep-dim output's (0 for reduced dims).
        Span<Dim> dims = stackalloc Dim[shape.Length];
        int count = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            bool reducedPass = pass == 0;
            int inStride = 1, outStride = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (shape[d] != 1 && reduce[d] == reducedPass)
                {
                    var dim = new Dim(shape[d], inStride, reducedPass ? 0 : outStride, reducedPass);
                    if (count > 0 && dims[count - 1] is var last && last.Reduced == reducedPass
                        && dim.InStride == last.InStride * last.Size && dim.OutStride == last.OutStride * last.Size)
                        dims[count - 1] = last with { Size = last.Size * dim.Size };
                    else dims[count++] = dim;
                }
                inStride *= shape[d];
                if (!reduce[d]) outStride *= shape[d];
            }
        }
        if (count == 0 || !dims[0].Reduced)
        {
            // Not a reduction (only size-1 dims reduced): PyTorch adds each element to a zero.
            for (int i = 0; i < x.Length; i++) output[i] = T.Zero + x[i];
            return;
        }
        var d0 = dims[0];
        var d1 = count > 1 ? dims[1] : new Dim(1, 0, 0, true);
        var outer = dims[Math.Min(2, count)..count];
        Span<int> index = stackalloc int[outer.Length];
        int inBase = 0, outBase = 0, iterations = 1;
        foreach (var d in outer) iterations *= d.Size;
        bool parallel = iterations == 1;
        for (int it = 0; it < iterations; it++)
        {
            Loop2d(x, inBase, output, outBase, d0, d1, parallel);
            for (int k = 0; k < outer.Length; k++)
            {
                inBase += outer[k].InStride; outBase += outer[k].OutStride;
                if (++index[k] < outer[k].Size) break;
                inBase -= outer[k].InStride * outer[k].Size; outBase -= outer[k].OutStride * outer[k].Size;
                index[k] = 0;
            }
        }
    }

    /// <summary>PyTorch's cascade_sum loop over one 2-D slice: dim 0 reduced, dim 1 reduced (or absent) or kept.</summary>
    private static void Loop2d<T>(T[] x, int inBase, T[] output, int outBase, Dim d0, Dim d1, bool parallel) where T : unmanaged, INumber<T>
    {
        int v = Vector256<T>.Count;
        int size0 = d0.Size, size1 = d1.Size, in0 = d0.InStride, in1 = d1.InStride, outStride = d1.OutStride;
        if (in0 == 1 && size0 >= v)
        {
            // Contiguous inner reduction: each row summed in vectors.
            if (parallel && outStride != 0 && size1 > 1)
                Parallelism.ForRanges(size1, size0, new InnerRows<T>(x, inBase, in1, output, outBase, outStride, size0));
            else
                for (int j = 0; j < size1; j++) output[outBase + j * outStride] += VectorizedRow(x, inBase + j * in1, size0, parallel && size1 == 1);
        }
        else if (in1 == 1 && size1 >= v && outStride != 0)
        {
            // Contiguous outer reduction: vectors across the output elements, blocks of 4 vectors first, then the
            // columns left over (vectors, then scalars) each summed as rows of four; all streamed row by row.
            // One thread: split by columns, each would read its rows in pieces too short to stream (measured slower).
            int blocked = size1 / (4 * v) * 4 * v;
            new OuterColumns<T>(x, inBase, in0, output, outBase, outStride, size0).Run(blocked, size1 - blocked);
        }
        else if (in0 < in1 || outStride == 0)
        {
            for (int j = 0; j < size1; j++) output[outBase + j * outStride] += ScalarRow(x, inBase + j * in1, in0, size0);
        }
        else
        {
            // Scalar outer reduction: 4 columns cascaded together, then the rest one by one.
            int j = 0;
            for (; j + 3 < size1; j += 4)
            {
                var (a, b, c, d) = Cascade4Scalars(x, inBase + j * in1, in0, in1, size0);
                output[outBase + j * outStride] += a;
                output[outBase + (j + 1) * outStride] += b;
                output[outBase + (j + 2) * outStride] += c;
                output[outBase + (j + 3) * outStride] += d;
            }
            for (; j < size1; j++) output[outBase + j * outStride] += ScalarRow(x, inBase + j * in1, in0, size0);
        }
    }

    private readonly struct InnerRows<T>(T[] x, int inBase, int in1, T[] output, int outBase, int outStride, int size0) : IRangeBody
        where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            for (int j = start; j < end; j++) output[outBase + j * outStride] += VectorizedRow(x, inBase + j * in1, size0, false);
        }
    }

    /// <summary>
    /// vectorized_outer_sum over the columns of one 2-D slice. Every column gets the cascade PyTorch runs down it (the
    /// same additions in the same order, so the same bits; less its additions of zero, see Block.SettleStrip), but the
    /// rows are read in memory order, one row of a strip of columns at a time: each row is added into the strip's level
    /// 0, and a block's last row goes on into level 1, full levels carrying up as the cascade's counters say. The leftover columns' rows-of-four cascades run a block of
    /// groups at a time beside them. Walking down all rows a few columns at a time, as PyTorch does, misses the cache
    /// at every row once rows are long; reading several rows at once (level 0 in registers) made rows a power of two
    /// apart evict each other.
    /// </summary>
    [SkipLocalsInit]
    private readonly ref struct OuterColumns<T>(T[] x, int inBase, int in0, T[] output, int outBase, int outStride, int size0) where T : unmanaged, INumber<T>
    {
        // A strip's level 0 stays in L1 and its four levels in L2.
        private const int StripBytes = 32768;
        // From this strip width on, TensorPrimitives' add (destination aligned, eight vectors a step) measured faster
        // than the inline loop below; under it, its per-call cost lost (bench/RESULTS.md, column sums).
        private const int WideRowBytes = 8192;

        /// <summary>
        /// Columns [0, <paramref name="blocked"/>), each one cascade over all rows; and the <paramref name="tail"/>
        /// columns after them, each PyTorch's row_sum: its rows as groups of four, a cascade per position in the group,
        /// the rows past the last whole group added to the first position.
        /// </summary>
        public void Run(int blocked, int tail)
        {
            if (Vector512.IsHardwareAccelerated) Run<Vector512<T>, Lanes512<T>>(blocked, tail);
            else if (Vector256.IsHardwareAccelerated) Run<Vector256<T>, Lanes256<T>>(blocked, tail);
            else Run<Vector128<T>, Lanes128<T>>(blocked, tail);
        }

        private void Run<TV, TL>(int blocked, int tail) where TV : struct where TL : struct, ILanes<TV, T>
        {
            int strip = Math.Min(StripBytes / Unsafe.SizeOf<T>(), blocked);
            // Levels one cache line more than a strip apart: at exactly 4 KiB, carrying a level into the next reads and
            // writes addresses the CPU takes for the same (4K aliasing).
            int stride = strip + 64 / Unsafe.SizeOf<T>();
            // Level 0 is stored on every row: its vectors start on cache lines (a split store costs two), so the
            // levels start at the pinned buffer's first 64-byte boundary.
            int lineElements = 64 / Unsafe.SizeOf<T>();
            var buffer = LevelBuffer.For(Levels * stride + lineElements);
            int misalignment;
            unsafe { misalignment = (int)((nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer)) & 63) / Unsafe.SizeOf<T>(); }
            Span<T> levels = buffer.AsSpan(misalignment == 0 ? 0 : lineElements - misalignment, Levels * stride);
            Span<T> tailLevels = stackalloc T[4 * Levels * tail];
            int power = LevelPower(size0), step = 1 << power, groups = size0 / 4, tailPower = LevelPower(groups);
            int column = 0;
            do
            {
                int width = Math.Min(strip, blocked - column);
                bool withTail = column + width == blocked && tail > 0;
                for (int row = 0; row < size0; row += step)
                {
                    int end = Math.Min(row + step, size0);
                    if (width > 0) BlockRows<TV, TL>(row, end, column, ref levels[0], stride, width, new Block(end, power, end - row == step, end == size0));
                    if (withTail) TailGroups<TV, TL>(tailLevels, tail, blocked, row / 4, end / 4, tailPower);
                }
                if (withTail) FinishTail(tailLevels, tail, blocked, groups, tailPower);
                var totals = levels.Slice(stride, width);
                if (outStride == 1) TensorPrimitives.Add(output.AsSpan(outBase + column, width), totals, output.AsSpan(outBase + column, width));
                else for (int k = 0; k < width; k++) output[outBase + (column + k) * outStride] += totals[k];
                column += width;
            }
            while (column < blocked);
        }

        /// <summary>
        /// Each thread's buffer for a strip's levels, pinned so its cache-line alignment holds, and kept between calls
        /// (renting and pinning one per call showed in small sums' profiles); at most four strips and a line.
        /// </summary>
        private static class LevelBuffer
        {
            [ThreadStatic] private static T[]? buffer;

            public static T[] For(int length)
            {
                if (buffer is null || buffer.Length < length) buffer = GC.AllocateArray<T>(length, pinned: true);
                return buffer;
            }
        }

        private ref T Element(int row, int column) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), inBase + row * in0 + column);

        /// <summary>
        /// One block of rows [<paramref name="row"/>, <paramref name="end"/>) down <paramref name="width"/> columns
        /// from <paramref name="column"/>: level 0 starts at zero, and the last row settles it as <paramref name="block"/> says.
        /// </summary>
        private void BlockRows<TV, TL>(int row, int end, int column, ref T level0, int stride, int width, Block block)
            where TV : struct where TL : struct, ILanes<TV, T>
        {
            if (width <= 4 * TL.Count && width % TL.Count == 0)
            {
                NarrowBlock<TV, TL>(row, end, column, ref level0, stride, width / TL.Count, block);
                return;
            }
            // Level 0 starts as the block's first row, or the sum of its first two: PyTorch's zero + row only turns a
            // -0 into +0, which the output's own zero + total does at the end (see SettleStrip).
            int r = row;
            if (end - row == 1)
                MemoryMarshal.CreateReadOnlySpan(ref Element(r++, column), width).CopyTo(MemoryMarshal.CreateSpan(ref level0, width));
            else
            {
                AddRows<TV, TL>(ref Element(r, column), ref Element(r + 1, column), ref level0, width);
                r += 2;
            }
            // The common block ends take the last row straight into level 1; the others settle level 0 afterwards.
            bool direct = block.Plain || block.Opens1;
            for (int last = direct ? end - 1 : end; r < last; r++) AddRows<TV, TL>(ref level0, ref Element(r, column), ref level0, width);
            if (block.Plain) PlainEnd<TV, TL>(ref Element(r, column), ref level0, stride, width);
            else if (block.Opens1) AddRows<TV, TL>(ref level0, ref Element(r, column), ref Unsafe.Add(ref level0, stride), width);
            else block.SettleStrip(ref level0, stride, width);
        }

        /// <summary>
        /// <see cref="BlockRows"/> for a strip of one to four vectors (a narrow matrix's block columns): level 0 stays in
        /// registers through the block's rows instead of being stored and reloaded on every row (each row is too short
        /// for that to hide); the same additions in the same order, so the same bits.
        /// </summary>
        private void NarrowBlock<TV, TL>(int row, int end, int column, ref T level0, int stride, int vectors, Block block)
            where TV : struct where TL : struct, ILanes<TV, T>
        {
            nint n = TL.Count;
            TV s0 = default, s1 = default, s2 = default, s3 = default;
            for (int r = row; r < end; r++)
            {
                ref T p = ref Element(r, column);
                s0 = TL.Add(s0, TL.Load(ref p));
                if (vectors > 1) s1 = TL.Add(s1, TL.Load(ref Unsafe.Add(ref p, n)));
                if (vectors > 2) s2 = TL.Add(s2, TL.Load(ref Unsafe.Add(ref p, 2 * n)));
                if (vectors > 3) s3 = TL.Add(s3, TL.Load(ref Unsafe.Add(ref p, 3 * n)));
            }
            // Every block is full or the last, so its level 0 always settles (level 1 is a stride past level 0).
            ref T level1 = ref Unsafe.Add(ref level0, stride);
            block.Settle<TV, TL>(s0, ref level1, stride);
            if (vectors > 1) block.Settle<TV, TL>(s1, ref Unsafe.Add(ref level1, n), stride);
            if (vectors > 2) block.Settle<TV, TL>(s2, ref Unsafe.Add(ref level1, 2 * n), stride);
            if (vectors > 3) block.Settle<TV, TL>(s3, ref Unsafe.Add(ref level1, 3 * n), stride);
        }

        /// <summary>
        /// The last row of a block whose level 0 goes into level 1 with nothing to carry further (most block ends):
        /// level 1 += level 0 + row. A full block has at least 16 rows, so level 0 holds the rows before it.
        /// </summary>
        private static void PlainEnd<TV, TL>(ref T row, ref T level0, int stride, int width) where TV : struct where TL : struct, ILanes<TV, T>
        {
            nint n = TL.Count;
            for (nint c = 0; c < width; c += 4 * n)
            {
                ref T l = ref Unsafe.Add(ref level0, c);
                ref T p = ref Unsafe.Add(ref row, c);
                ref T l1 = ref Unsafe.Add(ref l, stride);
                for (nint k = 0; k < 4 * n; k += n)
                {
                    TV sum = TL.Add(TL.Load(ref Unsafe.Add(ref l, k)), TL.Load(ref Unsafe.Add(ref p, k)));
                    TL.Store(TL.Add(TL.Load(ref Unsafe.Add(ref l1, k)), sum), ref Unsafe.Add(ref l1, k));
                }
            }
        }

        /// <summary>
        /// <paramref name="sum"/> = <paramref name="a"/> + <paramref name="b"/> over <paramref name="width"/> columns, a
        /// multiple of four vectors: level 0 += a row, or a block's first two rows into level 0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddRows<TV, TL>(ref T a, ref T b, ref T sum, int width) where TV : struct where TL : struct, ILanes<TV, T>
        {
            if (width * Unsafe.SizeOf<T>() >= WideRowBytes)
            {
                TensorPrimitives.Add(MemoryMarshal.CreateReadOnlySpan(ref a, width), MemoryMarshal.CreateReadOnlySpan(ref b, width),
                    MemoryMarshal.CreateSpan(ref sum, width));
                return;
            }
            nint n = TL.Count;
            for (nint c = 0; c < width; c += 4 * n)
            {
                ref T x = ref Unsafe.Add(ref a, c);
                ref T y = ref Unsafe.Add(ref b, c);
                ref T s = ref Unsafe.Add(ref sum, c);
                TV s0 = TL.Add(TL.Load(ref x), TL.Load(ref y));
                TV s1 = TL.Add(TL.Load(ref Unsafe.Add(ref x, n)), TL.Load(ref Unsafe.Add(ref y, n)));
                TV s2 = TL.Add(TL.Load(ref Unsafe.Add(ref x, 2 * n)), TL.Load(ref Unsafe.Add(ref y, 2 * n)));
                TV s3 = TL.Add(TL.Load(ref Unsafe.Add(ref x, 3 * n)), TL.Load(ref Unsafe.Add(ref y, 3 * n)));
                TL.Store(s0, ref s);
                TL.Store(s1, ref Unsafe.Add(ref s, n));
                TL.Store(s2, ref Unsafe.Add(ref s, 2 * n));
                TL.Store(s3, ref Unsafe.Add(ref s, 3 * n));
            }
        }

        /// <summary>
        /// Groups of four rows [<paramref name="group"/>, <paramref name="end"/>) down the tail columns (whole vectors of
        /// each width, then single columns): row k of a group goes to position k's cascade, whose levels start at
        /// k * 4 * <paramref name="tail"/>.
        /// </summary>
        private void TailGroups<TV, TL>(Span<T> tailLevels, int tail, int column, int group, int end, int tailPower)
            where TV : struct where TL : struct, ILanes<TV, T>
        {
            int c = TailRun<TV, TL>(tailLevels, tail, column, group, end, tailPower, 0);
            if (Vector256.IsHardwareAccelerated) c = TailRun<Vector256<T>, Lanes256<T>>(tailLevels, tail, column, group, end, tailPower, c);
            if (Vector128.IsHardwareAccelerated) c = TailRun<Vector128<T>, Lanes128<T>>(tailLevels, tail, column, group, end, tailPower, c);
            TailRun<T, ScalarLanes<T>>(tailLevels, tail, column, group, end, tailPower, c);
        }

        /// <summary>The tail columns from <paramref name="c"/> in whole vectors of <typeparamref name="TV"/>; returns the first column left.</summary>
        private int TailRun<TV, TL>(Span<T> tailLevels, int tail, int column, int group, int end, int tailPower, int c)
            where TV : struct where TL : struct, ILanes<TV, T>
        {
            int width = (tail - c) / TL.Count * TL.Count, mask = (1 << tailPower) - 1;
            nint position = Levels * tail;
            for (int k = c; k < c + width; k += TL.Count)
            {
                // The four positions' level 0 stay in registers through the groups; stored for the next block of rows.
                ref T level0 = ref tailLevels[k];
                ref T level0At1 = ref Unsafe.Add(ref level0, position);
                ref T level0At2 = ref Unsafe.Add(ref level0, 2 * position);
                ref T level0At3 = ref Unsafe.Add(ref level0, 3 * position);
                TV s0 = default, s1 = default, s2 = default, s3 = default;
                if ((group & mask) != 0)
                    (s0, s1, s2, s3) = (TL.Load(ref level0), TL.Load(ref level0At1), TL.Load(ref level0At2), TL.Load(ref level0At3));
                for (int g = group; g < end; g++)
                {
                    ref T first = ref Element(4 * g, column + k);
                    s0 = TL.Add(s0, TL.Load(ref first));
                    s1 = TL.Add(s1, TL.Load(ref Unsafe.Add(ref first, (nint)in0)));
                    s2 = TL.Add(s2, TL.Load(ref Unsafe.Add(ref first, 2 * (nint)in0)));
                    s3 = TL.Add(s3, TL.Load(ref Unsafe.Add(ref first, 3 * (nint)in0)));
                    if (((g + 1) & mask) != 0) continue;
                    var block = new Block(g + 1, tailPower, true, false);
                    block.Settle<TV, TL>(s0, ref Unsafe.Add(ref level0, tail), tail);
                    block.Settle<TV, TL>(s1, ref Unsafe.Add(ref level0At1, tail), tail);
                    block.Settle<TV, TL>(s2, ref Unsafe.Add(ref level0At2, tail), tail);
                    block.Settle<TV, TL>(s3, ref Unsafe.Add(ref level0At3, tail), tail);
                    (s0, s1, s2, s3) = (default, default, default, default);
                }
                TL.Store(s0, ref level0);
                TL.Store(s1, ref level0At1);
                TL.Store(s2, ref level0At2);
                TL.Store(s3, ref level0At3);
            }
            return c + width;
        }

        /// <summary>
        /// Each tail column: its four cascades totalled (level 0 holds a partial block unless the groups filled their
        /// last block), then position 0's total, the rows past the last group, positions 1–3, added into the output.
        /// </summary>
        private void FinishTail(Span<T> tailLevels, int tail, int end, int groups, int tailPower)
        {
            int position = Levels * tail;
            bool partial = (groups & ((1 << tailPower) - 1)) != 0;
            var last = new Block(groups, tailPower, false, true);
            for (int k = 0; k < tail; k++)
            {
                for (int p = 0; p < 4; p++)
                    last.Settle<T, ScalarLanes<T>>(partial ? tailLevels[p * position + k] : T.Zero, ref tailLevels[p * position + tail + k], tail);
                T sum = tailLevels[tail + k];
                for (int i = 4 * groups; i < size0; i++) sum += Element(i, end + k);
                for (int p = 1; p < 4; p++) sum += tailLevels[p * position + tail + k];
                output[outBase + (end + k) * outStride] += sum;
            }
        }

        /// <summary>
        /// Where a block of rows ends in a cascade, after <c>count</c> rows (or groups): full when it had L of them,
        /// last when no rows follow; and, from the count, which levels the cascade's counters carry into and which
        /// already hold sums (level k is first written after L^k rows; until then the buffer's contents count as zero).
        /// </summary>
        private readonly struct Block
        {
            public readonly bool Full, Last;
            /// <summary>Full, not last, level 1 already holding a sum, nothing to carry: most block ends.</summary>
            public readonly bool Plain;
            /// <summary>The first full block's end, not the last: level 1 = level 0 (PyTorch's zero + level 0).</summary>
            public readonly bool Opens1;
            private readonly bool holds1, holds2, holds3, carry2, carry3, totals1, totals2, totals3;

            public Block(int count, int power, bool full, bool last)
            {
                long l1 = 1L << power, l2 = 1L << (2 * power), l3 = 1L << (3 * power);
                (Full, Last) = (full, last);
                (holds1, holds2, holds3) = (count > l1, count > l2, count > l3);
                carry2 = full && (count & (l2 - 1)) == 0;
                carry3 = carry2 && (count & (l3 - 1)) == 0;
                (totals1, totals2, totals3) = (count >= l1, count >= l2, count >= l3);
                Plain = full && !last && holds1 && !carry2;
                Opens1 = full && !last && !holds1;
            }

            /// <summary>
            /// <see cref="Settle"/> for a strip of <paramref name="width"/> columns whose level 0 is at
            /// <paramref name="level0"/>, one level at a time, each a loop with nothing to decide per vector. The
            /// additions of an empty level's zero are left out: adding zero only turns a -0 into +0, and that cannot
            /// change any later sum but a zero one, whose sign the output's own zero + total settles (to +0) at the end.
            /// </summary>
            public void SettleStrip(ref T level0, nint stride, int width)
            {
                var l0 = MemoryMarshal.CreateSpan(ref level0, width);
                var l1 = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref level0, stride), width);
                var l2 = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref level0, 2 * stride), width);
                var l3 = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref level0, 3 * stride), width);
                if (Full)
                {
                    AddInto(l1, holds1, l0);
                    if (carry2) { AddInto(l2, holds2, l1); l1.Clear(); }
                    if (carry3) { AddInto(l3, holds3, l2); l2.Clear(); }
                }
                if (Last)
                {
                    // Total = level 0 (zero after a full block) + level 1 + level 2 + level 3, into level 1.
                    if (!Full && totals1) TensorPrimitives.Add(l0, l1, l1);
                    else if (!Full) l0.CopyTo(l1);
                    else if (!totals1) l1.Clear();
                    if (totals2) TensorPrimitives.Add(l1, l2, l1);
                    if (totals3) TensorPrimitives.Add(l1, l3, l1);
                }
            }

            /// <summary>level += x where the level holds a sum, else level = x.</summary>
            private static void AddInto(Span<T> level, bool holds, Span<T> x)
            {
                if (holds) TensorPrimitives.Add(level, x, level);
                else x.CopyTo(level);
            }

            /// <summary>
            /// Takes the block's level 0 (<paramref name="level0"/>, one vector of columns) into the levels at
            /// <paramref name="level1"/> (the next levels <paramref name="stride"/> apart): after a full block it goes into
            /// level 1 and full levels carry up; after the last block level 1 is replaced by the columns' totals, level
            /// 0 + 1 + 2 + 3.
            /// </summary>
            // Inlined: it runs once per vector in the kernels' loops, where its flags are the same for every vector.
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Settle<TV, TL>(TV level0, ref T level1, nint stride) where TV : struct where TL : struct, ILanes<TV, T>
            {
                ref T level2 = ref Unsafe.Add(ref level1, stride);
                ref T level3 = ref Unsafe.Add(ref level1, 2 * stride);
                if (Full)
                {
                    TL.Store(TL.Add(holds1 ? TL.Load(ref level1) : default, level0), ref level1);
                    level0 = default;
                    if (carry2)
                    {
                        TL.Store(TL.Add(holds2 ? TL.Load(ref level2) : default, TL.Load(ref level1)), ref level2);
                        TL.Store(default, ref level1);
                    }
                    if (carry3)
                    {
                        TL.Store(TL.Add(holds3 ? TL.Load(ref level3) : default, TL.Load(ref level2)), ref level3);
                        TL.Store(default, ref level2);
                    }
                }
                if (Last)
                {
                    TV total = TL.Add(level0, totals1 ? TL.Load(ref level1) : default);
                    total = TL.Add(total, totals2 ? TL.Load(ref level2) : default);
                    TL.Store(TL.Add(total, totals3 ? TL.Load(ref level3) : default), ref level1);
                }
            }
        }
    }

    /// <summary>
    /// The sum of x[start .. start + n), as <see cref="Sum"/> over the last dim of a contiguous tensor gives each row
    /// (its output element starts at zero), for kernels that sum a row they have just computed.
    /// </summary>
    public static T ContiguousRow<T>(T[] x, int start, int n) where T : unmanaged, INumber<T> =>
        T.Zero + (n >= Vector256<T>.Count ? VectorizedRow(x, start, n, false) : ScalarRow(x, start, 1, n));

    /// <summary>vectorized_inner_sum of one contiguous row of <paramref name="n"/> ≥ one vector of elements.</summary>
    private static T VectorizedRow<T>(T[] x, int start, int n, bool parallel) where T : unmanaged, INumber<T>
    {
        int v = Vector256<T>.Count, vectors = n / v;
        // Under 16 groups of four vectors the cascade never leaves level 0, whose groups are added in order from zero;
        // its empty upper levels then add zeros, which change nothing (a sum from zero is never -0). Summed here
        // directly, without the cascade's calls and struct copies, which cost short rows more than the additions.
        var s = vectors / 4 < 16 ? FirstLevel(x, start, vectors / 4) : Cascade4Vectors(x, start, 4 * v, v, vectors / 4, parallel);
        var acc = s.A;
        for (int i = vectors / 4 * 4; i < vectors; i++) acc += Load(x, start + i * v);
        acc = acc + s.B + s.C + s.D;
        T total = T.Zero;
        for (int k = vectors * v; k < n; k++) total += x[start + k];
        for (int k = 0; k < v; k++) total += acc[k];
        return total;
    }

    /// <summary>The cascade's level 0 over <paramref name="groups"/> consecutive groups of four vectors, from zero.</summary>
    private static Four<T> FirstLevel<T>(T[] x, int start, int groups) where T : unmanaged, INumber<T>
    {
        int v = Vector256<T>.Count;
        Vector256<T> a = default, b = default, c = default, d = default;
        for (int g = 0, offset = start; g < groups; g++, offset += 4 * v)
        {
            a += Load(x, offset);
            b += Load(x, offset + v);
            c += Load(x, offset + 2 * v);
            d += Load(x, offset + 3 * v);
        }
        return new Four<T>(a, b, c, d);
    }

    /// <summary>row_sum over scalars: <paramref name="n"/> items at <paramref name="stride"/>, as rows of 4.</summary>
    private static T ScalarRow<T>(T[] x, int start, int stride, int n) where T : unmanaged, INumber<T>
    {
        var (a, b, c, d) = Cascade4Scalars(x, start, 4 * stride, stride, n / 4);
        for (int i = n / 4 * 4; i < n; i++) a += x[start + i * stride];
        return a + b + c + d;
    }

    private static int LevelPower(int rows) => Math.Max(4, (rows <= 2 ? 1 : BitOperations.Log2((uint)(rows - 1)) + 1) / Levels);

    private static Vector256<T> Load<T>(T[] x, int offset) where T : unmanaged =>
        Vector256.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), offset));

    internal readonly record struct Four<T>(Vector256<T> A, Vector256<T> B, Vector256<T> C, Vector256<T> D) where T : unmanaged
    {
        public static Four<T> operator +(Four<T> l, Four<T> r) =>
            new(Vector256.Add(l.A, r.A), Vector256.Add(l.B, r.B), Vector256.Add(l.C, r.C), Vector256.Add(l.D, r.D));
    }

    /// <summary>
    /// multi_row_sum of 4 vectors per row: row r's vector k is at start + r * rowStride + k * colStride. Whole L^3-row
    /// blocks are summed in parallel when <paramref name="parallel"/> and there are many; then folded in order.
    /// </summary>
    private static Four<T> Cascade4Vectors<T>(T[] x, int start, int rowStride, int colStride, int rows, bool parallel)
        where T : unmanaged, INumber<T>
    {
        int power = LevelPower(rows);
        long top = 1L << (3 * power);
        long blocks = rows / top;
        var level3 = default(Four<T>);
        if (parallel && blocks > 1 && blocks * top * 4 * Vector256<T>.Count >= Parallelism.MinWork)
        {
            var sums = new Four<T>[blocks];
            Parallelism.ForRanges((int)blocks, top * 4 * Vector256<T>.Count, new TopBlocks<T>(x, start, rowStride, colStride, (int)top, power, sums));
            foreach (var s in sums) level3 += s;
        }
        else
        {
            blocks = 0;
        }
        int done = (int)(blocks * top);
        return CascadeRange(x, start + done * rowStride, rowStride, colStride, rows - done, power, level3);
    }

    private readonly struct TopBlocks<T>(T[] x, int start, int rowStride, int colStride, int top, int power, Four<T>[] sums) : IRangeBody
        where T : unmanaged, INumber<T>
    {
        public void Run(int first, int end)
        {
            for (int b = first; b < end; b++) sums[b] = CascadeRange(x, start + b * top * rowStride, rowStride, colStride, top, power, default);
        }
    }

    /// <summary>The cascade over <paramref name="rows"/> rows starting at a multiple of L^3, with level 3 holding <paramref name="level3"/>.</summary>
    private static Four<T> CascadeRange<T>(T[] x, int start, int rowStride, int colStride, int rows, int power, Four<T> level3)
        where T : unmanaged, INumber<T>
    {
        int step = 1 << power, mask = step - 1;
        Four<T> level1 = default, level2 = default;
        ref T origin = ref MemoryMarshal.GetArrayDataReference(x);
        int i = 0;
        nint offset = start;
        for (; i + step <= rows;)
        {
            Vector256<T> a = default, b = default, c = default, d = default;
            for (int j = 0; j < step; j++, i++, offset += rowStride)
            {
                ref T row = ref Unsafe.Add(ref origin, offset);
                a += Vector256.LoadUnsafe(ref row);
                b += Vector256.LoadUnsafe(ref row, (nuint)colStride);
                c += Vector256.LoadUnsafe(ref row, (nuint)(2 * colStride));
                d += Vector256.LoadUnsafe(ref row, (nuint)(3 * colStride));
            }
            level1 += new Four<T>(a, b, c, d);
            if ((i & (mask << power)) != 0) continue;
            level2 += level1;
            level1 = default;
            if ((i & (mask << (2 * power))) != 0) continue;
            level3 += level2;
            level2 = default;
        }
        Four<T> level0 = default;
        for (; i < rows; i++, offset += rowStride)
        {
            ref T row = ref Unsafe.Add(ref origin, offset);
            level0 += new Four<T>(Vector256.LoadUnsafe(ref row), Vector256.LoadUnsafe(ref row, (nuint)colStride),
                Vector256.LoadUnsafe(ref row, (nuint)(2 * colStride)), Vector256.LoadUnsafe(ref row, (nuint)(3 * colStride)));
        }
        return level0 + level1 + level2 + level3;
    }

    /// <summary>multi_row_sum of 4 scalars per row: row r's item k at start + r * rowStride + k * colStride.</summary>
    private static (T, T, T, T) Cascade4Scalars<T>(T[] x, int start, int rowStride, int colStride, int rows) where T : unmanaged, INumber<T>
    {
        int power = LevelPower(rows), step = 1 << power, mask = step - 1;
        Span<T> acc = stackalloc T[Levels * 4];
        acc.Clear();
        int i = 0, offset = start;
        for (; i + step <= rows;)
        {
            for (int j = 0; j < step; j++, i++, offset += rowStride)
            {
                for (int k = 0; k < 4; k++) acc[k] += x[offset + k * colStride];
            }
            for (int level = 1; level < Levels; level++)
            {
                for (int k = 0; k < 4; k++)
                {
                    acc[level * 4 + k] += acc[(level - 1) * 4 + k];
                    acc[(level - 1) * 4 + k] = T.Zero;
                }
                if ((i & (mask << (level * power))) != 0) break;
            }
        }
        for (; i < rows; i++, offset += rowStride)
        {
            for (int k = 0; k < 4; k++) acc[k] += x[offset + k * colStride];
        }
        for (int level = 1; level < Levels; level++)
        {
            for (int k = 0; k < 4; k++) acc[k] += acc[level * 4 + k];
        }
        return (acc[0], acc[1], acc[2], acc[3]);
    }
}
