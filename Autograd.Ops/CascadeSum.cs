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
        // Row-major strides of the input and of the keep-dim output (0 for reduced dims).
        var dims = new List<Dim>();
        int inStride = 1, outStride = 1;
        var reduced = new List<Dim>();
        var kept = new List<Dim>();
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1) (reduce[d] ? reduced : kept).Add(new Dim(shape[d], inStride, reduce[d] ? 0 : outStride, reduce[d]));
            inStride *= shape[d];
            if (!reduce[d]) outStride *= shape[d];
        }
        foreach (var d in reduced.Concat(kept))
        {
            if (dims.Count > 0 && dims[^1] is var last && last.Reduced == d.Reduced
                && d.InStride == last.InStride * last.Size && d.OutStride == last.OutStride * last.Size)
                dims[^1] = last with { Size = last.Size * d.Size };
            else dims.Add(d);
        }
        if (dims.Count == 0 || !dims[0].Reduced)
        {
            // Not a reduction (only size-1 dims reduced): PyTorch adds each element to a zero.
            for (int i = 0; i < x.Length; i++) output[i] = T.Zero + x[i];
            return;
        }
        var d0 = dims[0];
        var d1 = dims.Count > 1 ? dims[1] : new Dim(1, 0, 0, true);
        var outer = dims.Skip(2).ToArray();
        var index = new int[outer.Length];
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
            new OuterColumns<T>(x, inBase, in0, output, outBase, outStride, size0).Run(0, blocked, size1 - blocked);
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
    /// vectorized_outer_sum over the columns of one 2-D slice, streamed: every column gets the cascade PyTorch runs down
    /// it (the same additions in the same order, so the same bits), but the rows are read in memory order, a strip of
    /// columns at a time with its levels in a small buffer. Walking down all rows a few columns at a time, as PyTorch
    /// does, misses the cache at every row once rows are long.
    /// </summary>
    private readonly ref struct OuterColumns<T>(T[] x, int inBase, int in0, T[] output, int outBase, int outStride, int size0) where T : unmanaged, INumber<T>
    {
        private const int StripBytes = 4096;

        /// <summary>
        /// Block columns [<paramref name="first"/>, <paramref name="end"/>), each one cascade over all rows; and the
        /// <paramref name="tail"/> columns after <paramref name="end"/>, each PyTorch's row_sum: its rows as groups of
        /// four, a cascade per position in the group, the rows past the last whole group added to the first.
        /// </summary>
        public void Run(int first, int end, int tail)
        {
            int strip = StripBytes / Unsafe.SizeOf<T>();
            // Levels one cache line more than 4 KiB apart: at exactly 4 KiB, moving a level into the next reads and
            // writes addresses the CPU takes for the same (4K aliasing), and the flushes stalled the whole sum.
            int stride = strip + 64 / Unsafe.SizeOf<T>();
            Span<T> levels = stackalloc T[Levels * stride];
            Span<T> tailLevels = stackalloc T[4 * Levels * tail];
            int groups = size0 / 4;
            var (power, tailPower) = (LevelPower(size0), LevelPower(groups));
            int column = first;
            do
            {
                int width = Math.Min(strip, end - column);
                bool withTail = column + width == end && tail > 0;
                levels.Clear();
                tailLevels.Clear();
                for (int i = 0; i < size0; i++)
                {
                    int row = inBase + i * in0;
                    if (width > 0)
                    {
                        AddInto(levels[..width], x.AsSpan(row + column, width));
                        if (((i + 1) & ((1 << power) - 1)) == 0) Flush(levels, stride, width, i + 1, power);
                    }
                    if (!withTail || i >= 4 * groups) continue;
                    AddShort(tailLevels.Slice((i & 3) * Levels * tail, tail), x.AsSpan(row + end, tail));
                    if ((i & 3) != 3 || (((i >> 2) + 1) & ((1 << tailPower) - 1)) != 0) continue;
                    for (int residue = 0; residue < 4; residue++) Flush(tailLevels.Slice(residue * Levels * tail), tail, tail, (i >> 2) + 1, tailPower);
                }
                for (int level = 1; level < Levels; level++) AddInto(levels[..width], levels.Slice(level * stride, width));
                for (int k = 0; k < width; k++) output[outBase + (column + k) * outStride] += levels[k];
                if (withTail) FinishTail(tailLevels, tail, 4 * groups, end);
                column += width;
            }
            while (column < end);
        }

        /// <summary>After <paramref name="count"/> rows: level 0 into level 1, and each full level into the next, as the cascade's counters say.</summary>
        private static void Flush(Span<T> levels, int stride, int width, int count, int power)
        {
            int mask = (1 << power) - 1;
            for (int level = 1; level < Levels; level++)
            {
                Span<T> lower = levels.Slice((level - 1) * stride, width);
                AddInto(levels.Slice(level * stride, width), lower);
                lower.Clear();
                if ((count & (mask << (level * power))) != 0) break;
            }
        }

        /// <summary>Each position's cascade totalled; the first takes the rows past the last group, then the other three in order.</summary>
        private void FinishTail(Span<T> tailLevels, int tail, int grouped, int end)
        {
            for (int residue = 0; residue < 4; residue++)
            {
                var own = tailLevels.Slice(residue * Levels * tail, Levels * tail);
                for (int level = 1; level < Levels; level++) AddInto(own[..tail], own.Slice(level * tail, tail));
            }
            var sum = tailLevels[..tail];
            for (int i = grouped; i < size0; i++) AddInto(sum, x.AsSpan(inBase + i * in0 + end, tail));
            for (int residue = 1; residue < 4; residue++) AddInto(sum, tailLevels.Slice(residue * Levels * tail, tail));
            for (int k = 0; k < tail; k++) output[outBase + (end + k) * outStride] += sum[k];
        }
    }

    /// <summary>
    /// sum[k] += add[k] for the few leftover columns (under 4 vectors), in 8-float vectors and then one by one: the
    /// same additions as <see cref="AddInto"/> without its call overhead, paid on every row.
    /// </summary>
    private static void AddShort<T>(Span<T> sum, ReadOnlySpan<T> add) where T : unmanaged, INumber<T>
    {
        ref T s = ref MemoryMarshal.GetReference(sum);
        ref T a = ref MemoryMarshal.GetReference(add);
        int v = Vector256<T>.Count, k = 0;
        for (; k + v <= sum.Length; k += v)
            (Vector256.LoadUnsafe(ref s, (nuint)k) + Vector256.LoadUnsafe(ref a, (nuint)k)).StoreUnsafe(ref s, (nuint)k);
        for (; k < sum.Length; k++) Unsafe.Add(ref s, k) += Unsafe.Add(ref a, k);
    }

    /// <summary>sum[k] += add[k]: elementwise IEEE additions, in the widest vectors the machine has.</summary>
    private static void AddInto<T>(Span<T> sum, ReadOnlySpan<T> add) where T : unmanaged, INumber<T> => TensorPrimitives.Add(sum, add, sum);

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
        var s = Cascade4Vectors(x, start, 4 * v, v, vectors / 4, parallel);
        var acc = s.A;
        for (int i = vectors / 4 * 4; i < vectors; i++) acc += Load(x, start + i * v);
        acc = acc + s.B + s.C + s.D;
        T total = T.Zero;
        for (int k = vectors * v; k < n; k++) total += x[start + k];
        for (int k = 0; k < v; k++) total += acc[k];
        return total;
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
