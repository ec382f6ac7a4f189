using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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
    /// <summary>
    /// Writes A · B (a.Rows x b.Columns) row-major into <paramref name="c"/> at <paramref name="cOffset"/>, plus
    /// <paramref name="rowBias"/> (b.Columns elements from <paramref name="rowBiasOffset"/>) added to every row after
    /// its product is complete: each element is the product rounded, then the sum rounded, as a separate addition gives.
    /// </summary>
    public static void Multiply<T>(Matrix<T> a, Matrix<T> b, T[] c, int cOffset = 0, T[]? rowBias = null, int rowBiasOffset = 0) where T : unmanaged
    {
        if (a.Columns != b.Rows) throw new ArgumentException("inner dimensions differ");
        // The micro-kernel loads and stores through unchecked references: every extent it touches must be inside its array.
        Debug.Assert(a.InBounds, $"Gemm: A ({a.Rows} x {a.Columns}, strides {a.RowStride}, {a.ColumnStride}, offset {a.Offset}) reaches outside its {a.Data.Length} elements");
        Debug.Assert(b.InBounds, $"Gemm: B ({b.Rows} x {b.Columns}, strides {b.RowStride}, {b.ColumnStride}, offset {b.Offset}) reaches outside its {b.Data.Length} elements");
        Debug.Assert(cOffset >= 0 && cOffset + (long)a.Rows * b.Columns <= c.Length, $"Gemm: C ({a.Rows} x {b.Columns} at {cOffset}) reaches outside its {c.Length} elements");
        Debug.Assert(rowBias is null || rowBiasOffset >= 0 && rowBiasOffset + (long)b.Columns <= rowBias.Length, "Gemm: the row bias reaches outside its array");
        if (Vector512.IsHardwareAccelerated) Blocked<T, Vector512<T>, Lanes512<T>>.Multiply(a, b, c, cOffset, rowBias, rowBiasOffset);
        else if (Vector256.IsHardwareAccelerated) Blocked<T, Vector256<T>, Lanes256<T>>.Multiply(a, b, c, cOffset, rowBias, rowBiasOffset);
        else Blocked<T, Vector128<T>, Lanes128<T>>.Multiply(a, b, c, cOffset, rowBias, rowBiasOffset);
    }
}

/// <summary>
/// The blocked product for one element type and vector width. B is packed once into Nr-column panels, then row
/// blocks of A are packed and multiplied in parallel; small operands are read in place instead, where packing would
/// cost more than the product. Every element of C is one FMA chain over k = 0 .. K-1 in order, so its bits depend
/// neither on the blocking, nor on packing, nor on which thread computed it.
/// </summary>
internal static class Blocked<T, TVector, TLanes>
    where T : unmanaged
    where TVector : struct
    where TLanes : struct, IVectorLanes<TVector, T>
{
    // A micro-tile is Mr rows by two vectors: 16 accumulators where the instruction set has 32 vector registers
    // (AVX-512 at any width, Arm's Advanced SIMD; 8 rows divide the usual power-of-two row counts, 12 measured no
    // faster), or 12 of AVX2's and SSE's 16.
    private static int Mr
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Avx512F.VL.IsSupported || AdvSimd.IsSupported ? 8 : 6;
    }
    // An Nr-wide panel of B (Kc x Nr) stays in the 48 KiB L1 while a micro-kernel sweeps the rows of a block.
    private const int PanelBytes = 40 << 10;
    // A packed block of A (Mc x Kc) stays in the 1 MiB L2 while the panels of B stream past it.
    private const int BlockBytes = 384 << 10;
    // An operand of at most this many bytes and one depth block is read in place: it stays in L1 without packing,
    // and packing it would cost as much as the product (the attention's 64 x 32 heads). B also needs unit column
    // stride and whole panels, since the kernel loads its rows as vectors.
    private const int InPlaceBytes = 32 << 10;
    // The kernel does about this many multiply-adds in the time of one cheap element operation (Parallelism.MinWork's unit).
    private const int MultiplyAddsPerElement = 4;

    /// <summary>
    /// Whether B is small and its elements close together: the whole extent it spans (not only its elements) fits in
    /// <see cref="InPlaceBytes"/>. Each tile reads every row of a panel of B; the rows of a head of a (L, N·heads, d)
    /// attention view are 8 KiB apart and all fall in the same L1 set, so read in place they evicted each other on every
    /// tile. A's tiles read only their own six rows at a time, which that set holds.
    /// </summary>
    private static bool Compact(Matrix<T> matrix)
    {
        long span = (long)(matrix.Rows - 1) * Math.Abs(matrix.RowStride) + (long)(matrix.Columns - 1) * Math.Abs(matrix.ColumnStride) + 1;
        return span * Unsafe.SizeOf<T>() <= InPlaceBytes;
    }

    private static int Nr => 2 * TLanes.Count;
    private static int Kc => PanelBytes / (Nr * Unsafe.SizeOf<T>());
    private static int Mc => BlockBytes / (Kc * Unsafe.SizeOf<T>()) / Mr * Mr;

    public static void Multiply(Matrix<T> a, Matrix<T> b, T[] c, int cOffset, T[]? rowBias, int rowBiasOffset)
    {
        int m = a.Rows, k = a.Columns, n = b.Columns;
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            // An empty product is zero; with a bias, every row is the bias (0 + bias, which turns -0 into 0).
            c.AsSpan(cOffset, m * n).Clear();
            if (rowBias is not null) AddBias(ref c[cOffset], n, m, n, ref rowBias[rowBiasOffset]);
            return;
        }
        int panels = (n + Nr - 1) / Nr;
        bool aInPlace = k <= Kc && (long)m * k * Unsafe.SizeOf<T>() <= InPlaceBytes;
        bool bInPlace = k <= Kc && Compact(b) && b.ColumnStride == 1 && n % Nr == 0;
        T[]? packedB = null;
        if (!bInPlace)
        {
            packedB = ArrayPool<T>.Shared.Rent(k * panels * Nr);
            // Packing a transposed operand's panel (a block transpose) costs about three cheap element operations per element.
            Parallelism.ForRanges(panels, (long)k * Nr * (b.RowStride == 1 ? 3 : 1), new PackPanels(b, packedB));
        }
        int rowTiles = (m + Mr - 1) / Mr;
        int parts = Parallelism.Parts(rowTiles, (long)Mr * n * k / MultiplyAddsPerElement, partsPerThread: 1);
        Parallelism.For(parts, new RowBlocks(a, aInPlace, b, packedB, c, cOffset, rowBias, rowBiasOffset, rowTiles, parts));
        if (packedB is not null) ArrayPool<T>.Shared.Return(packedB);
    }

    /// <summary>Where a tile of A starts relative to the block (Tile, per Mr rows), and its row and depth strides.</summary>
    private readonly record struct TileLayout(nint Tile, nint Row, nint Depth);

    /// <summary>
    /// Packs a block of A (<paramref name="rows"/> rows from <paramref name="row"/>, depth columns from
    /// <paramref name="column"/>) as Mr-row tiles with contiguous reads whichever way A is laid out; returns their layout.
    /// </summary>
    private static TileLayout PackBlock(Matrix<T> a, int row, int column, int rows, int depth, Span<T> packed)
    {
        int offset = a.Offset + row * a.RowStride + column * a.ColumnStride;
        if (a.ColumnStride == 1)
        {
            // Row-major tiles: each row's depth run is one copy.
            for (int r = 0; r < rows; r++) a.Data.AsSpan(offset + r * a.RowStride, depth).CopyTo(packed.Slice(r * depth));
            return new(Mr * depth, depth, 1);
        }
        // Depth-major tiles, each filled one depth step at a time: a transposed A is then read along its storage rows
        // (a tile's rows are adjacent there, one block copy per step) instead of jumping a row per element.
        for (int tile = 0; tile * Mr < rows; tile++)
        {
            int tileRows = Math.Min(Mr, rows - tile * Mr);
            ref T from = ref a.Data[offset + tile * Mr * a.RowStride];
            ref T to = ref packed[tile * Mr * depth];
            for (int p = 0; p < depth; p++)
            {
                ref T source = ref Unsafe.Add(ref from, p * a.ColumnStride);
                ref T destination = ref Unsafe.Add(ref to, p * Mr);
                if (a.RowStride == 1 && tileRows == Mr)
                    Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref destination), ref Unsafe.As<T, byte>(ref source), (uint)(Mr * Unsafe.SizeOf<T>()));
                else
                    for (int r = 0; r < tileRows; r++) Unsafe.Add(ref destination, r) = Unsafe.Add(ref source, r * a.RowStride);
            }
        }
        return new(Mr * depth, 1, Mr);
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

    /// <summary>One part's rows of C: its row blocks of A (packed, or in place) multiplied by every panel of B (packed, or in place).</summary>
    private readonly struct RowBlocks(Matrix<T> a, bool aInPlace, Matrix<T> b, T[]? packedB, T[] c, int cOffset, T[]? rowBias, int rowBiasOffset, int rowTiles, int parts) : IPartBody
    {
        public void Run(int part)
        {
            int m = a.Rows, k = a.Columns, n = b.Columns, paddedColumns = (n + Nr - 1) / Nr * Nr;
            int firstRow = Parallelism.RangeStart(rowTiles, parts, part) * Mr;
            int endRow = Math.Min(m, Parallelism.RangeStart(rowTiles, parts, part + 1) * Mr);
            var packedA = aInPlace ? null : ArrayPool<T>.Shared.Rent(Mc * Kc);
            Span<T> edgeTile = stackalloc T[Mr * Nr];
            for (int blockRow = firstRow; blockRow < endRow; blockRow += Mc)
            {
                int rows = Math.Min(Mc, endRow - blockRow);
                for (int block = 0; block < k; block += Kc)
                {
                    int depth = Math.Min(Kc, k - block);
                    var layout = packedA is null ? new TileLayout(Mr * a.RowStride, a.RowStride, a.ColumnStride) : PackBlock(a, blockRow, block, rows, depth, packedA);
                    ref T aBlock = ref packedA is null ? ref a.Data[a.Offset + blockRow * a.RowStride + block * a.ColumnStride] : ref packedA[0];
                    for (int column = 0; column < n; column += Nr)
                    {
                        ref T panel = ref packedB is null ? ref b.Data[b.Offset + block * b.RowStride + column] : ref packedB[block * paddedColumns + column * depth];
                        nint panelStride = packedB is null ? b.RowStride : Nr;
                        // The panel's whole tiles in one call, the kernel inlined in its loop; a short last tile, or a
                        // panel cut by the matrix's right edge, tile by tile.
                        int wholeTiles = Math.Min(Nr, n - column) == Nr ? rows / Mr : 0;
                        if (wholeTiles > 0)
                        {
                            FullHeight(ref aBlock, layout, wholeTiles, ref panel, panelStride, depth, ref c[cOffset + blockRow * n + column], n, accumulate: block > 0);
                        }
                        for (int tile = wholeTiles; tile * Mr < rows; tile++)
                        {
                            int row = blockRow + tile * Mr;
                            MultiplyTile(ref Unsafe.Add(ref aBlock, tile * layout.Tile), layout, ref panel, panelStride, depth, Math.Min(Mr, m - row), Math.Min(Nr, n - column),
                                c.AsSpan(cOffset + row * n + column), n, accumulate: block > 0, edgeTile);
                        }
                        // The bias once the panel's products are complete, while its rows are still in L1.
                        if (rowBias is not null && block + depth == k)
                            AddBias(ref c[cOffset + blockRow * n + column], n, rows, Math.Min(Nr, n - column), ref rowBias[rowBiasOffset + column]);
                    }
                }
            }
            if (packedA is not null) ArrayPool<T>.Shared.Return(packedA);
        }
    }

    /// <summary>Adds <paramref name="columns"/> bias elements to each of <paramref name="rows"/> rows of C, <paramref name="ldc"/> apart.</summary>
    private static void AddBias(ref T c, nint ldc, int rows, int columns, ref T bias)
    {
        nint w = TLanes.Count;
        if (columns == Nr)
        {
            TVector low = TLanes.Load(ref bias), high = TLanes.Load(ref Unsafe.Add(ref bias, w));
            for (int r = 0; r < rows; r++)
            {
                ref T row = ref Unsafe.Add(ref c, r * ldc);
                TLanes.Store(TLanes.Add(TLanes.Load(ref row), low), ref row);
                TLanes.Store(TLanes.Add(TLanes.Load(ref Unsafe.Add(ref row, w)), high), ref Unsafe.Add(ref row, w));
            }
            return;
        }
        // A panel cut by the right edge (or a row narrower than a panel): through a vector-wide scratch row, so that
        // no load or store passes the row's end.
        Span<T> values = stackalloc T[(int)w];
        Span<T> addend = stackalloc T[(int)w];
        for (int start = 0; start < columns; start += (int)w)
        {
            int count = Math.Min((int)w, columns - start);
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref bias, start), count).CopyTo(addend);
            for (int r = 0; r < rows; r++)
            {
                var row = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref c, r * ldc + start), count);
                row.CopyTo(values);
                TLanes.Store(TLanes.Add(TLanes.Load(ref values[0]), TLanes.Load(ref addend[0])), ref values[0]);
                values[..count].CopyTo(row);
            }
        }
    }

    /// <summary>
    /// A tile of C, run by the kernel of its exact height (so the kernel reads no row of A past the tile); one cut
    /// short by the matrix's right edge goes through <paramref name="edgeTile"/> so the kernel's stores stay inside C.
    /// </summary>
    private static void MultiplyTile(ref T a, TileLayout aLayout, ref T b, nint bStride, int depth, int rows, int columns, Span<T> c, int ldc, bool accumulate, Span<T> edgeTile)
    {
        bool direct = columns == Nr;
        for (int r = 0; !direct && accumulate && r < rows; r++) c.Slice(r * ldc, columns).CopyTo(edgeTile.Slice(r * Nr));
        ref T target = ref MemoryMarshal.GetReference(direct ? c : edgeTile);
        nint targetStride = direct ? ldc : Nr;
        switch (rows)
        {
            case 1: Tiles<OneRow>(ref a, aLayout, 1, ref b, bStride, depth, ref target, targetStride, accumulate); break;
            case 2: Tiles<TwoRows>(ref a, aLayout, 1, ref b, bStride, depth, ref target, targetStride, accumulate); break;
            case 3: Tiles<ThreeRows>(ref a, aLayout, 1, ref b, bStride, depth, ref target, targetStride, accumulate); break;
            case 4: Tiles<FourRows>(ref a, aLayout, 1, ref b, bStride, depth, ref target, targetStride, accumulate); break;
            case 5: Tiles<FiveRows>(ref a, aLayout, 1, ref b, bStride, depth, ref target, targetStride, accumulate); break;
            case 6: Tiles<SixRows>(ref a, aLayout, 1, ref b, bStride, depth, ref target, targetStride, accumulate); break;
            case 7: Tiles<SevenRows>(ref a, aLayout, 1, ref b, bStride, depth, ref target, targetStride, accumulate); break;
            default: Tiles<EightRows>(ref a, aLayout, 1, ref b, bStride, depth, ref target, targetStride, accumulate); break;
        }
        for (int r = 0; !direct && r < rows; r++) edgeTile.Slice(r * Nr, columns).CopyTo(c.Slice(r * ldc));
    }

    /// <summary>Whole Mr-row tiles [0, tiles) of a block times one panel, into C rows Mr apart.</summary>
    private static void FullHeight(ref T a, TileLayout aLayout, int tiles, ref T b, nint bStride, int depth, ref T c, nint ldc, bool accumulate)
    {
        if (Mr == 8) Tiles<EightRows>(ref a, aLayout, tiles, ref b, bStride, depth, ref c, ldc, accumulate);
        else Tiles<SixRows>(ref a, aLayout, tiles, ref b, bStride, depth, ref c, ldc, accumulate);
    }

    /// <summary>THeight-row tiles [0, tiles) of a block times one panel: the kernel inlined in a loop, so a tile costs no call.</summary>
    private static void Tiles<THeight>(ref T a, TileLayout aLayout, int tiles, ref T b, nint bStride, int depth, ref T c, nint ldc, bool accumulate)
        where THeight : ITileHeight
    {
        for (int tile = 0; tile < tiles; tile++)
        {
            Kernel<THeight>(ref Unsafe.Add(ref a, tile * aLayout.Tile), aLayout.Row, aLayout.Depth, ref b, bStride,
                ref Unsafe.Add(ref c, tile * THeight.Rows * ldc), ldc, depth, accumulate);
        }
    }

    /// <summary>
    /// The micro-kernel: a THeight x Nr tile of C (row stride <paramref name="ldc"/>) gets (accumulate ? C : 0) plus
    /// the product of a tile of A (THeight x depth, laid out by the given strides) and a panel of B (depth x Nr, rows
    /// <paramref name="bStride"/> apart), held in registers throughout. Each row exists only up to the height, so every
    /// height compiles to straight-line code with no branch inside the depth loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel<THeight>(ref T a, nint aRowStride, nint aDepthStride, ref T b, nint bStride, ref T c, nint ldc, int depth, bool accumulate)
        where THeight : ITileHeight
    {
        nint w = TLanes.Count;
        // Rows past the tile's height point at row 0: a reference past the end of C's array is one the GC cannot track.
        ref T cRow1 = ref THeight.Rows > 1 ? ref Unsafe.Add(ref c, ldc) : ref c;
        ref T cRow2 = ref THeight.Rows > 2 ? ref Unsafe.Add(ref c, 2 * ldc) : ref c;
        ref T cRow3 = ref THeight.Rows > 3 ? ref Unsafe.Add(ref c, 3 * ldc) : ref c;
        ref T cRow4 = ref THeight.Rows > 4 ? ref Unsafe.Add(ref c, 4 * ldc) : ref c;
        ref T cRow5 = ref THeight.Rows > 5 ? ref Unsafe.Add(ref c, 5 * ldc) : ref c;
        ref T cRow6 = ref THeight.Rows > 6 ? ref Unsafe.Add(ref c, 6 * ldc) : ref c;
        ref T cRow7 = ref THeight.Rows > 7 ? ref Unsafe.Add(ref c, 7 * ldc) : ref c;
        TVector zero = default;
        TVector c0Lo = zero, c0Hi = zero, c1Lo = zero, c1Hi = zero, c2Lo = zero, c2Hi = zero, c3Lo = zero, c3Hi = zero;
        TVector c4Lo = zero, c4Hi = zero, c5Lo = zero, c5Hi = zero, c6Lo = zero, c6Hi = zero, c7Lo = zero, c7Hi = zero;
        if (accumulate)
        {
            c0Lo = TLanes.Load(ref c); c0Hi = TLanes.Load(ref Unsafe.Add(ref c, w));
            if (THeight.Rows > 1) { c1Lo = TLanes.Load(ref cRow1); c1Hi = TLanes.Load(ref Unsafe.Add(ref cRow1, w)); }
            if (THeight.Rows > 2) { c2Lo = TLanes.Load(ref cRow2); c2Hi = TLanes.Load(ref Unsafe.Add(ref cRow2, w)); }
            if (THeight.Rows > 3) { c3Lo = TLanes.Load(ref cRow3); c3Hi = TLanes.Load(ref Unsafe.Add(ref cRow3, w)); }
            if (THeight.Rows > 4) { c4Lo = TLanes.Load(ref cRow4); c4Hi = TLanes.Load(ref Unsafe.Add(ref cRow4, w)); }
            if (THeight.Rows > 5) { c5Lo = TLanes.Load(ref cRow5); c5Hi = TLanes.Load(ref Unsafe.Add(ref cRow5, w)); }
            if (THeight.Rows > 6) { c6Lo = TLanes.Load(ref cRow6); c6Hi = TLanes.Load(ref Unsafe.Add(ref cRow6, w)); }
            if (THeight.Rows > 7) { c7Lo = TLanes.Load(ref cRow7); c7Hi = TLanes.Load(ref Unsafe.Add(ref cRow7, w)); }
        }
        for (int p = 0; p < depth; p++)
        {
            TVector b0 = TLanes.Load(ref b), b1 = TLanes.Load(ref Unsafe.Add(ref b, w));
            TVector ai = TLanes.Broadcast(a);
            c0Lo = TLanes.MultiplyAdd(ai, b0, c0Lo); c0Hi = TLanes.MultiplyAdd(ai, b1, c0Hi);
            if (THeight.Rows > 1) { ai = TLanes.Broadcast(Unsafe.Add(ref a, aRowStride)); c1Lo = TLanes.MultiplyAdd(ai, b0, c1Lo); c1Hi = TLanes.MultiplyAdd(ai, b1, c1Hi); }
            if (THeight.Rows > 2) { ai = TLanes.Broadcast(Unsafe.Add(ref a, 2 * aRowStride)); c2Lo = TLanes.MultiplyAdd(ai, b0, c2Lo); c2Hi = TLanes.MultiplyAdd(ai, b1, c2Hi); }
            if (THeight.Rows > 3) { ai = TLanes.Broadcast(Unsafe.Add(ref a, 3 * aRowStride)); c3Lo = TLanes.MultiplyAdd(ai, b0, c3Lo); c3Hi = TLanes.MultiplyAdd(ai, b1, c3Hi); }
            if (THeight.Rows > 4) { ai = TLanes.Broadcast(Unsafe.Add(ref a, 4 * aRowStride)); c4Lo = TLanes.MultiplyAdd(ai, b0, c4Lo); c4Hi = TLanes.MultiplyAdd(ai, b1, c4Hi); }
            if (THeight.Rows > 5) { ai = TLanes.Broadcast(Unsafe.Add(ref a, 5 * aRowStride)); c5Lo = TLanes.MultiplyAdd(ai, b0, c5Lo); c5Hi = TLanes.MultiplyAdd(ai, b1, c5Hi); }
            if (THeight.Rows > 6) { ai = TLanes.Broadcast(Unsafe.Add(ref a, 6 * aRowStride)); c6Lo = TLanes.MultiplyAdd(ai, b0, c6Lo); c6Hi = TLanes.MultiplyAdd(ai, b1, c6Hi); }
            if (THeight.Rows > 7) { ai = TLanes.Broadcast(Unsafe.Add(ref a, 7 * aRowStride)); c7Lo = TLanes.MultiplyAdd(ai, b0, c7Lo); c7Hi = TLanes.MultiplyAdd(ai, b1, c7Hi); }
            a = ref Unsafe.Add(ref a, aDepthStride);
            b = ref Unsafe.Add(ref b, bStride);
        }
        TLanes.Store(c0Lo, ref c); TLanes.Store(c0Hi, ref Unsafe.Add(ref c, w));
        if (THeight.Rows > 1) { TLanes.Store(c1Lo, ref cRow1); TLanes.Store(c1Hi, ref Unsafe.Add(ref cRow1, w)); }
        if (THeight.Rows > 2) { TLanes.Store(c2Lo, ref cRow2); TLanes.Store(c2Hi, ref Unsafe.Add(ref cRow2, w)); }
        if (THeight.Rows > 3) { TLanes.Store(c3Lo, ref cRow3); TLanes.Store(c3Hi, ref Unsafe.Add(ref cRow3, w)); }
        if (THeight.Rows > 4) { TLanes.Store(c4Lo, ref cRow4); TLanes.Store(c4Hi, ref Unsafe.Add(ref cRow4, w)); }
        if (THeight.Rows > 5) { TLanes.Store(c5Lo, ref cRow5); TLanes.Store(c5Hi, ref Unsafe.Add(ref cRow5, w)); }
        if (THeight.Rows > 6) { TLanes.Store(c6Lo, ref cRow6); TLanes.Store(c6Hi, ref Unsafe.Add(ref cRow6, w)); }
        if (THeight.Rows > 7) { TLanes.Store(c7Lo, ref cRow7); TLanes.Store(c7Hi, ref Unsafe.Add(ref cRow7, w)); }
    }
}

/// <summary>A micro-tile's height as a type, so the kernel compiles once per height with every row in registers.</summary>
internal interface ITileHeight
{
    static abstract int Rows { get; }
}

internal readonly struct OneRow : ITileHeight { public static int Rows => 1; }
internal readonly struct TwoRows : ITileHeight { public static int Rows => 2; }
internal readonly struct ThreeRows : ITileHeight { public static int Rows => 3; }
internal readonly struct FourRows : ITileHeight { public static int Rows => 4; }
internal readonly struct FiveRows : ITileHeight { public static int Rows => 5; }
internal readonly struct SixRows : ITileHeight { public static int Rows => 6; }
internal readonly struct SevenRows : ITileHeight { public static int Rows => 7; }
internal readonly struct EightRows : ITileHeight { public static int Rows => 8; }
