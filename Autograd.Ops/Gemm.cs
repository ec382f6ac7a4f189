using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd;

/// <summary>
/// A matrix read in place from a row-major buffer: element (i, j) is at Offset + i * RowStride + j * ColumnStride,
/// so a transpose is the same buffer with the strides swapped and is never copied.
/// </summary>
internal readonly record struct Matrix<T>(T[] Data, int Offset, int Rows, int Columns, int RowStride, int ColumnStride)
{
    public static Matrix<T> RowMajor(T[] data, int rows, int columns, int offset = 0) => new(data, offset, rows, columns, columns, 1);

    public Matrix<T> Transposed => new(Data, Offset, Columns, Rows, ColumnStride, RowStride);

    /// <summary>Whether every element lies inside <see cref="Data"/> (the kernel reads them without bounds checks).</summary>
    public bool InBounds => Strided.InBounds([Rows, Columns], [RowStride, ColumnStride], Offset, Data.Length);
}

/// <summary>General matrix product C = A · B on packed, cache-blocked panels with a SIMD FMA micro-kernel.</summary>
internal static class Gemm
{
    /// <summary>Writes A · B (a.Rows x b.Columns) row-major into <paramref name="c"/> at <paramref name="cOffset"/>.</summary>
    public static void Multiply<T>(Matrix<T> a, Matrix<T> b, T[] c, int cOffset = 0) where T : unmanaged
    {
        if (a.Columns != b.Rows) throw new ArgumentException("inner dimensions differ");
        // The micro-kernel loads and stores through unchecked references: every extent it touches must be inside its array.
        Debug.Assert(a.InBounds, $"Gemm: A ({a.Rows} x {a.Columns}, strides {a.RowStride}, {a.ColumnStride}, offset {a.Offset}) reaches outside its {a.Data.Length} elements");
        Debug.Assert(b.InBounds, $"Gemm: B ({b.Rows} x {b.Columns}, strides {b.RowStride}, {b.ColumnStride}, offset {b.Offset}) reaches outside its {b.Data.Length} elements");
        Debug.Assert(cOffset >= 0 && cOffset + (long)a.Rows * b.Columns <= c.Length, $"Gemm: C ({a.Rows} x {b.Columns} at {cOffset}) reaches outside its {c.Length} elements");
        if (Vector512.IsHardwareAccelerated) Blocked<T, Vector512<T>, Lanes512<T>>.Multiply(a, b, c, cOffset);
        else if (Vector256.IsHardwareAccelerated) Blocked<T, Vector256<T>, Lanes256<T>>.Multiply(a, b, c, cOffset);
        else Blocked<T, Vector128<T>, Lanes128<T>>.Multiply(a, b, c, cOffset);
    }
}

/// <summary>
/// The blocked product for one element type and vector width. B is packed once into Nr-column panels, then row
/// blocks of A are packed and multiplied in parallel. Every element of C is one FMA chain over k = 0 .. K-1 in
/// order, so its bits depend neither on the blocking nor on which thread computed it.
/// </summary>
internal static class Blocked<T, TVector, TLanes>
    where T : unmanaged
    where TVector : struct
    where TLanes : struct, IVectorLanes<TVector, T>
{
    // A micro-tile is Mr rows by two vectors: 12 accumulators, which fit AVX2's 16 registers and leave AVX-512 room.
    private const int Mr = 6;
    // An Nr-wide panel of B (Kc x Nr) stays in the 48 KiB L1 while a micro-kernel sweeps the rows of a block.
    private const int PanelBytes = 40 << 10;
    // A packed block of A (Mc x Kc) stays in the 1 MiB L2 while the panels of B stream past it.
    private const int BlockBytes = 384 << 10;
    // The kernel does about this many multiply-adds in the time of one cheap element operation (Parallelism.MinWork's unit).
    private const int MultiplyAddsPerElement = 4;

    private static int Nr => 2 * TLanes.Count;
    private static int Kc => PanelBytes / (Nr * Unsafe.SizeOf<T>());
    private static int Mc => BlockBytes / (Kc * Unsafe.SizeOf<T>()) / Mr * Mr;

    public static void Multiply(Matrix<T> a, Matrix<T> b, T[] c, int cOffset)
    {
        int m = a.Rows, k = a.Columns, n = b.Columns;
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            c.AsSpan(cOffset, m * n).Clear();
            return;
        }
        int panels = (n + Nr - 1) / Nr;
        var packedB = ArrayPool<T>.Shared.Rent(k * panels * Nr);
        // Packing a transposed operand's panel (a block transpose) costs about three cheap element operations per element.
        Parallelism.ForRanges(panels, (long)k * Nr * (b.RowStride == 1 ? 3 : 1), new PackPanels(b, packedB));
        int rowTiles = (m + Mr - 1) / Mr;
        int parts = Parallelism.Parts(rowTiles, (long)Mr * n * k / MultiplyAddsPerElement, partsPerThread: 1);
        Parallelism.For(parts, new RowBlocks(a, packedB, n, c, cOffset, rowTiles, parts));
        ArrayPool<T>.Shared.Return(packedB);
    }

    /// <summary>
    /// Packs a block of A (<paramref name="rows"/> rows from <paramref name="row"/>, depth columns from
    /// <paramref name="column"/>) as Mr-row tiles, zero past the last row, with contiguous reads whichever way A is laid
    /// out; returns the packed tiles' strides.
    /// </summary>
    private static (nint RowStride, nint DepthStride) PackBlock(Matrix<T> a, int row, int column, int rows, int depth, Span<T> packed)
    {
        int tiles = (rows + Mr - 1) / Mr;
        if (rows < tiles * Mr) packed.Slice((tiles - 1) * Mr * depth, Mr * depth).Clear();
        int offset = a.Offset + row * a.RowStride + column * a.ColumnStride;
        if (a.ColumnStride == 1)
        {
            // Row-major tiles: each row's depth run is one copy.
            for (int r = 0; r < rows; r++) a.Data.AsSpan(offset + r * a.RowStride, depth).CopyTo(packed.Slice(r * depth));
            return (depth, 1);
        }
        // Depth-major tiles, filled one depth step at a time across the whole block: a transposed A is then read along
        // its storage rows instead of jumping a row per element.
        ref T from = ref a.Data[offset];
        ref T to = ref MemoryMarshal.GetReference(packed);
        for (int p = 0; p < depth; p++)
        {
            ref T source = ref Unsafe.Add(ref from, p * a.ColumnStride);
            for (int r = 0; r < rows; r++) Unsafe.Add(ref to, r / Mr * Mr * depth + p * Mr + r % Mr) = Unsafe.Add(ref source, r * a.RowStride);
        }
        return (1, Mr);
    }

    /// <summary>Packs an Nr-column panel of B (depth rows from <paramref name="row"/>) as depth-major runs of Nr, zero past <paramref name="columns"/>.</summary>
    private static void PackPanel(Matrix<T> b, int row, int column, int columns, int depth, Span<T> packed)
    {
        int offset = b.Offset + row * b.RowStride + column * b.ColumnStride;
        ref T to = ref MemoryMarshal.GetReference(packed);
        if (b.ColumnStride == 1 && columns == Nr)
        {
            ref T from = ref b.Data[offset];
            for (int p = 0; p < depth; p++)
            {
                ref T source = ref Unsafe.Add(ref from, p * b.RowStride);
                ref T destination = ref Unsafe.Add(ref to, p * Nr);
                TLanes.Store(TLanes.Load(ref source), ref destination);
                TLanes.Store(TLanes.Load(ref Unsafe.Add(ref source, TLanes.Count)), ref Unsafe.Add(ref destination, TLanes.Count));
            }
            return;
        }
        if (columns < Nr) packed.Clear();
        ref T start = ref b.Data[offset];
        // A transposed operand: the panel is a columns x depth block of its storage, transposed.
        if (b.RowStride == 1)
        {
            TransposeBlock.Run(ref start, b.ColumnStride, ref to, Nr, columns, depth);
            return;
        }
        for (int j = 0; j < columns; j++)
        {
            for (int p = 0; p < depth; p++) Unsafe.Add(ref to, p * Nr + j) = Unsafe.Add(ref start, p * b.RowStride + j * b.ColumnStride);
        }
    }

    /// <summary>Packs panels [start, end) of B: for each depth block, Kc x Nr values at block * paddedColumns + panel * depth * Nr.</summary>
    private readonly struct PackPanels(Matrix<T> b, T[] packed) : IRangeBody
    {
        public void Run(int start, int end)
        {
            int k = b.Rows, n = b.Columns, paddedColumns = (n + Nr - 1) / Nr * Nr;
            for (int panel = start; panel < end; panel++)
            {
                for (int block = 0; block < k; block += Kc)
                {
                    int depth = Math.Min(Kc, k - block);
                    PackPanel(b, block, panel * Nr, Math.Min(Nr, n - panel * Nr), depth, packed.AsSpan(block * paddedColumns + panel * depth * Nr, depth * Nr));
                }
            }
        }
    }

    /// <summary>One part's rows of C: its row blocks of A packed and multiplied by every panel of B.</summary>
    private readonly struct RowBlocks(Matrix<T> a, T[] packedB, int n, T[] c, int cOffset, int rowTiles, int parts) : IPartBody
    {
        public void Run(int part)
        {
            int m = a.Rows, k = a.Columns, paddedColumns = (n + Nr - 1) / Nr * Nr;
            int firstRow = Parallelism.RangeStart(rowTiles, parts, part) * Mr;
            int endRow = Math.Min(m, Parallelism.RangeStart(rowTiles, parts, part + 1) * Mr);
            var packedA = ArrayPool<T>.Shared.Rent(Mc * Kc);
            Span<T> edgeTile = stackalloc T[Mr * Nr];
            for (int blockRow = firstRow; blockRow < endRow; blockRow += Mc)
            {
                int rows = Math.Min(Mc, endRow - blockRow);
                for (int block = 0; block < k; block += Kc)
                {
                    int depth = Math.Min(Kc, k - block);
                    var layout = PackBlock(a, blockRow, block, rows, depth, packedA);
                    for (int column = 0; column < n; column += Nr)
                    {
                        ref T panel = ref packedB[block * paddedColumns + column * depth];
                        for (int tile = 0; tile * Mr < rows; tile++)
                        {
                            int row = blockRow + tile * Mr;
                            MultiplyTile(ref packedA[tile * Mr * depth], layout, ref panel, depth, Math.Min(Mr, m - row), Math.Min(Nr, n - column),
                                c.AsSpan(cOffset + row * n + column), n, accumulate: block > 0, edgeTile);
                        }
                    }
                }
            }
            ArrayPool<T>.Shared.Return(packedA);
        }
    }

    /// <summary>A tile of C; one cut short by the matrix edge goes through <paramref name="edgeTile"/> so the kernel stays full-size.</summary>
    private static void MultiplyTile(ref T a, (nint RowStride, nint DepthStride) aLayout, ref T b, int depth, int rows, int columns, Span<T> c, int ldc, bool accumulate, Span<T> edgeTile)
    {
        if (rows == Mr && columns == Nr)
        {
            Kernel(ref a, aLayout.RowStride, aLayout.DepthStride, ref b, ref MemoryMarshal.GetReference(c), ldc, depth, accumulate);
            return;
        }
        for (int r = 0; accumulate && r < rows; r++) c.Slice(r * ldc, columns).CopyTo(edgeTile.Slice(r * Nr));
        Kernel(ref a, aLayout.RowStride, aLayout.DepthStride, ref b, ref MemoryMarshal.GetReference(edgeTile), Nr, depth, accumulate);
        for (int r = 0; r < rows; r++) edgeTile.Slice(r * Nr, columns).CopyTo(c.Slice(r * ldc));
    }

    /// <summary>
    /// The micro-kernel: an Mr x Nr tile of C (row stride <paramref name="ldc"/>) gets (accumulate ? C : 0) plus the
    /// product of a packed A tile (Mr x depth, laid out by the given strides) and a packed B panel (depth x Nr),
    /// held in registers throughout.
    /// </summary>
    private static void Kernel(ref T a, nint aRowStride, nint aDepthStride, ref T b, ref T c, nint ldc, int depth, bool accumulate)
    {
        nint w = TLanes.Count;
        nint a2 = 2 * aRowStride, a3 = 3 * aRowStride, a4 = 4 * aRowStride, a5 = 5 * aRowStride;
        ref T c1 = ref Unsafe.Add(ref c, ldc);
        ref T c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref T c3 = ref Unsafe.Add(ref c, 3 * ldc);
        ref T c4 = ref Unsafe.Add(ref c, 4 * ldc);
        ref T c5 = ref Unsafe.Add(ref c, 5 * ldc);
        TVector zero = default;
        TVector c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero;
        TVector c30 = zero, c31 = zero, c40 = zero, c41 = zero, c50 = zero, c51 = zero;
        if (accumulate)
        {
            c00 = TLanes.Load(ref c); c01 = TLanes.Load(ref Unsafe.Add(ref c, w));
            c10 = TLanes.Load(ref c1); c11 = TLanes.Load(ref Unsafe.Add(ref c1, w));
            c20 = TLanes.Load(ref c2); c21 = TLanes.Load(ref Unsafe.Add(ref c2, w));
            c30 = TLanes.Load(ref c3); c31 = TLanes.Load(ref Unsafe.Add(ref c3, w));
            c40 = TLanes.Load(ref c4); c41 = TLanes.Load(ref Unsafe.Add(ref c4, w));
            c50 = TLanes.Load(ref c5); c51 = TLanes.Load(ref Unsafe.Add(ref c5, w));
        }
        for (int p = 0; p < depth; p++)
        {
            TVector b0 = TLanes.Load(ref b), b1 = TLanes.Load(ref Unsafe.Add(ref b, w));
            TVector ai = TLanes.Broadcast(a);
            c00 = TLanes.MultiplyAdd(ai, b0, c00); c01 = TLanes.MultiplyAdd(ai, b1, c01);
            ai = TLanes.Broadcast(Unsafe.Add(ref a, aRowStride));
            c10 = TLanes.MultiplyAdd(ai, b0, c10); c11 = TLanes.MultiplyAdd(ai, b1, c11);
            ai = TLanes.Broadcast(Unsafe.Add(ref a, a2));
            c20 = TLanes.MultiplyAdd(ai, b0, c20); c21 = TLanes.MultiplyAdd(ai, b1, c21);
            ai = TLanes.Broadcast(Unsafe.Add(ref a, a3));
            c30 = TLanes.MultiplyAdd(ai, b0, c30); c31 = TLanes.MultiplyAdd(ai, b1, c31);
            ai = TLanes.Broadcast(Unsafe.Add(ref a, a4));
            c40 = TLanes.MultiplyAdd(ai, b0, c40); c41 = TLanes.MultiplyAdd(ai, b1, c41);
            ai = TLanes.Broadcast(Unsafe.Add(ref a, a5));
            c50 = TLanes.MultiplyAdd(ai, b0, c50); c51 = TLanes.MultiplyAdd(ai, b1, c51);
            a = ref Unsafe.Add(ref a, aDepthStride);
            b = ref Unsafe.Add(ref b, 2 * w);
        }
        TLanes.Store(c00, ref c); TLanes.Store(c01, ref Unsafe.Add(ref c, w));
        TLanes.Store(c10, ref c1); TLanes.Store(c11, ref Unsafe.Add(ref c1, w));
        TLanes.Store(c20, ref c2); TLanes.Store(c21, ref Unsafe.Add(ref c2, w));
        TLanes.Store(c30, ref c3); TLanes.Store(c31, ref Unsafe.Add(ref c3, w));
        TLanes.Store(c40, ref c4); TLanes.Store(c41, ref Unsafe.Add(ref c4, w));
        TLanes.Store(c50, ref c5); TLanes.Store(c51, ref Unsafe.Add(ref c5, w));
    }
}
