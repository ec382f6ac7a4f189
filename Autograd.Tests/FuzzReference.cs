using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// The reference's storage, shared by a tensor and its views: in-place writes go through it, so every alias sees
/// them. It carries what PyTorch keeps per tensor and its views alike: the version counter, whether the tensor requires
/// grad (an in-place write of a value that requires grad spreads it to every alias), and whether it is a leaf that
/// requires grad (which PyTorch never lets be written in place).
/// </summary>
internal sealed class RefStorage(double[] data)
{
    public double[] Data { get; } = data;
    public int Version { get; private set; }
    public bool RequiresGrad { get; set; }
    public bool GradLeaf { get; init; }

    public void BumpVersion() => Version++;
}

/// <summary>
/// The fuzz test's oracle: a float64 tensor with PyTorch 1.13's shape rules and values written as plain loops,
/// independent of the engine's kernels. As in PyTorch, it is a storage seen through sizes, strides and an offset: view
/// ops share the storage (so in-place writes show through every alias) and Reshape is a view exactly where PyTorch's
/// rule allows one. Every op returns null where PyTorch raises an error.
/// </summary>
internal sealed class RefTensor
{
    /// <summary>A new row-major tensor that owns <paramref name="values"/>.</summary>
    public RefTensor(double[] values, int[] shape) : this(new RefStorage(values), shape, RowMajor(shape), 0) { }

    private RefTensor(RefStorage storage, int[] shape, int[] strides, int at)
    {
        Storage = storage;
        Shape = shape;
        strideArray = strides;
        offset = at;
    }

    /// <summary>A program input: a leaf, which requires grad or not.</summary>
    public static RefTensor Leaf(double[] values, int[] shape, bool requiresGrad) =>
        new(new RefStorage((double[])values.Clone()) { RequiresGrad = requiresGrad, GradLeaf = requiresGrad }, shape, RowMajor(shape), 0);

    public RefStorage Storage { get; }
    public int[] Shape { get; }
    private readonly int[] strideArray;
    private readonly int offset;

    /// <summary>The elements in row-major order, gathered through the strides (again after each write to the storage).</summary>
    public double[] Values
    {
        get
        {
            if (values is null || valuesVersion != Storage.Version)
            {
                values = [.. StoragePositions().Select(p => Storage.Data[p])];
                valuesVersion = Storage.Version;
            }
            return values;
        }
    }

    private double[]? values;
    private int valuesVersion;

    public bool RequiresGrad => Storage.RequiresGrad;

    public bool SharesStorage(RefTensor other) => ReferenceEquals(Storage, other.Storage);

    /// <summary>Set where a gradient is not defined by central differences (near-tied maxima, scatter collisions, writes to shared memory).</summary>
    public bool Kinked { get; init; }

    /// <summary>Set near a jump (where's condition near 0), where float32 rounding may take the other branch.</summary>
    public bool NearJump { get; init; }

    /// <summary>
    /// Set on a scatter whose index has another shape than src: PyTorch 1.13's backward then computes a src gradient
    /// of the index's shape and rejects it.
    /// </summary>
    public bool SrcGradientMisshapen { get; init; }

    private static int[] RowMajor(int[] shape)
    {
        var strides = new int[shape.Length];
        for (int d = shape.Length - 1, stride = 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }
        return strides;
    }

    /// <summary>The storage positions of the elements in row-major order.</summary>
    private int[] StoragePositions() => [.. Positions(Shape).Select(p => offset + p.Select((i, d) => i * strideArray[d]).Sum())];

    /// <summary>Strides that show the same storage positions under <paramref name="shape"/>, found by brute force; null if none do.</summary>
    private int[]? ViewLayout(int[] shape)
    {
        var positions = StoragePositions();
        if (positions.Length == 0) return RowMajor(shape);
        var candidate = new int[shape.Length];
        var unit = RowMajor(shape);
        for (int d = 0; d < shape.Length; d++) candidate[d] = shape[d] > 1 ? positions[unit[d]] - positions[0] : 0;
        var index = Positions(shape).ToArray();
        for (int i = 0; i < index.Length; i++)
        {
            if (positions[0] + index[i].Select((k, d) => k * candidate[d]).Sum() != positions[i]) return null;
        }
        return candidate;
    }

    private RefTensor ViewOf(int[] shape, int[] strides, int at) => new(Storage, shape, strides, at);

    public int Rank => Shape.Length;
    public int Count => Values.Length;

    /// <summary>The same elements under <paramref name="shape"/>: a view where the strides allow one, else a row-major copy (PyTorch's reshape).</summary>
    private RefTensor WithShape(int[] shape) => ViewLayout(shape) is { } strides ? ViewOf(shape, strides, offset) : new((double[])Values.Clone(), shape);

    /// <summary>Differences below this count as ties for Max: a central difference would cross them.</summary>
    private const double TieWidth = 1e-4;

    public static int CountOf(int[] shape) => shape.Aggregate(1, (n, size) => n * size);

    /// <summary>A possibly negative dim wrapped into [0, rank) (a 0-d tensor takes dims as if it had one), or null if out of range.</summary>
    public static int? Wrap(int dim, int rank)
    {
        int effective = Math.Max(rank, 1);
        return dim < -effective || dim >= effective ? null : dim < 0 ? dim + effective : dim;
    }

    /// <summary>Every multi-index of <paramref name="shape"/> in row-major order.</summary>
    public static IEnumerable<int[]> Positions(int[] shape)
    {
        if (CountOf(shape) == 0) yield break;
        var index = new int[shape.Length];
        while (true)
        {
            yield return (int[])index.Clone();
            int d = shape.Length - 1;
            while (d >= 0 && ++index[d] == shape[d]) index[d--] = 0;
            if (d < 0) yield break;
        }
    }

    public static int Offset(int[] index, int[] shape)
    {
        int offset = 0;
        for (int d = 0; d < shape.Length; d++) offset = offset * shape[d] + index[d];
        return offset;
    }

    /// <summary>The element a broadcast position (aligned at the right, size-1 dims stretched) reads.</summary>
    private double AtBroadcast(int[] position)
    {
        var own = new int[Rank];
        for (int d = 0; d < Rank; d++) own[d] = Shape[d] == 1 ? 0 : position[position.Length - Rank + d];
        return Values[Offset(own, Shape)];
    }

    /// <summary>A copy in a storage of its own (clone), without this result's flags.</summary>
    public RefTensor Copy() => new(new RefStorage((double[])Values.Clone()) { RequiresGrad = RequiresGrad }, Shape, RowMajor(Shape), 0);

    /// <summary>An elementwise function; <paramref name="kinkAtZero"/> marks one not differentiable at 0 (relu, abs).</summary>
    public RefTensor Map(Func<double, double> f, bool kinkAtZero = false) =>
        new(Array.ConvertAll(Values, v => f(v)), Shape) { Kinked = kinkAtZero && Values.Any(v => Math.Abs(v) < TieWidth) };

    /// <summary>torch.where(a > 0, a, b).</summary>
    public static RefTensor? WherePositive(RefTensor a, RefTensor b) =>
        Broadcast(a, b, (x, y) => x > 0 ? x : y) is { } result
            ? new(result.Values, result.Shape) { Kinked = a.Values.Any(v => Math.Abs(v) < TieWidth), NearJump = a.Values.Any(v => Math.Abs(v) < TieWidth) }
            : null;

    public static RefTensor? Broadcast(RefTensor a, RefTensor b, Func<double, double, double> f) =>
        BroadcastShape(a.Shape, b.Shape) is { } shape ? new([.. Positions(shape).Select(p => f(a.AtBroadcast(p), b.AtBroadcast(p)))], shape) : null;

    /// <summary>PyTorch's broadcast of two shapes, aligned at the right; null if a pair of sizes differs and neither is 1.</summary>
    private static int[]? BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int sa = d - (rank - a.Length) >= 0 ? a[d - (rank - a.Length)] : 1;
            int sb = d - (rank - b.Length) >= 0 ? b[d - (rank - b.Length)] : 1;
            if (sa != sb && sa != 1 && sb != 1) return null;
            shape[d] = sa == 1 ? sb : sa;
        }
        return shape;
    }

    /// <summary>
    /// Applies <paramref name="slice"/> to every 1-D slice along <paramref name="dim"/> (already wrapped); it returns
    /// the values the slice becomes: one when <paramref name="reduces"/>, else as many as it had.
    /// </summary>
    private double[] AlongDim(int dim, bool reduces, Func<double[], double[]> slice)
    {
        int[] shape = Rank == 0 ? [1] : Shape;
        int outer = CountOf(shape[..dim]), size = shape[dim], inner = CountOf(shape[(dim + 1)..]);
        int resultSize = reduces ? 1 : size;
        var result = new double[outer * resultSize * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                var values = new double[size];
                for (int s = 0; s < size; s++) values[s] = Values[(o * size + s) * inner + i];
                var mapped = slice(values);
                for (int s = 0; s < resultSize; s++) result[(o * resultSize + s) * inner + i] = mapped[s];
            }
        }
        return result;
    }

    private int[] ReducedShape(int dim, bool keepDim) =>
        Rank == 0 ? [] : keepDim ? [.. Shape[..dim], 1, .. Shape[(dim + 1)..]] : [.. Shape[..dim], .. Shape[(dim + 1)..]];

    public RefTensor Sum() => new([Values.Sum()], []);

    public RefTensor Mean() => new([Values.Sum() / Count], []);

    public RefTensor? Sum(int dim, bool keepDim) => Reduce(dim, keepDim, v => v.Sum());

    public RefTensor? Mean(int dim, bool keepDim) => Reduce(dim, keepDim, v => v.Sum() / v.Length);

    private RefTensor? Reduce(int dim, bool keepDim, Func<double[], double> reduce)
    {
        if (Wrap(dim, Rank) is not { } d) return null;
        return new(AlongDim(d, reduces: true, v => [reduce(v)]), ReducedShape(d, keepDim));
    }

    public RefTensor? Max() => Count == 0 ? null : new([Values.Max()], []) { Kinked = HasTie(Values) };

    /// <summary>Values and first indices of the maxima along a dim.</summary>
    public (RefTensor Values, long[] Indices)? Max(int dim, bool keepDim)
    {
        if (Wrap(dim, Rank) is not { } d || (Rank > 0 && Shape[d] == 0)) return null;
        bool kinked = false;
        var values = AlongDim(d, reduces: true, v =>
        {
            kinked |= HasTie(v);
            return [v.Max()];
        });
        var indices = AlongDim(d, reduces: true, v => [Array.IndexOf(v, v.Max())]);
        return (new RefTensor(values, ReducedShape(d, keepDim)) { Kinked = kinked }, Array.ConvertAll(indices, i => (long)i));
    }

    private static bool HasTie(double[] values)
    {
        if (values.Length < 2) return false;
        var sorted = values.OrderDescending().ToArray();
        return sorted[0] - sorted[1] < TieWidth;
    }

    public RefTensor? Softmax(int dim, bool log)
    {
        if (Wrap(dim, Rank) is not { } d) return null;
        return new(AlongDim(d, reduces: false, v =>
        {
            if (v.Length == 0) return v;
            double max = v.Max(), logSum = max + Math.Log(v.Sum(x => Math.Exp(x - max)));
            return Array.ConvertAll(v, x => log ? x - logSum : Math.Exp(x - logSum));
        }), Shape);
    }

    public RefTensor Squeeze() => WithShape([.. Shape.Where(size => size != 1)]);

    public RefTensor? Squeeze(int dim)
    {
        if (Wrap(dim, Rank) is not { } d) return null;
        return Rank > 0 && Shape[d] == 1 ? WithShape([.. Shape[..d], .. Shape[(d + 1)..]]) : WithShape(Shape);
    }

    public RefTensor? Flatten(int startDim, int endDim)
    {
        if (Wrap(startDim, Rank) is not { } start || Wrap(endDim, Rank) is not { } end || start > end) return null;
        return Rank == 0 ? WithShape([1]) : WithShape([.. Shape[..start], CountOf(Shape[start..(end + 1)]), .. Shape[(end + 1)..]]);
    }

    public RefTensor? Unsqueeze(int dim) =>
        Wrap(dim, Rank + 1) is { } d ? WithShape([.. Shape[..d], 1, .. Shape[d..]]) : null;

    /// <summary>Reshape: one -1 may be inferred; the sizes must account for every element.</summary>
    public RefTensor? Reshape(int[] shape)
    {
        if (shape.Count(s => s == -1) > 1 || shape.Any(s => s < -1)) return null;
        int known = CountOf([.. shape.Where(s => s != -1)]);
        if (!shape.Contains(-1)) return known == Count ? WithShape(shape) : null;
        if (known == 0 || Count % known != 0) return null;
        return WithShape(Array.ConvertAll(shape, s => s == -1 ? Count / known : s));
    }

    /// <summary>View: Reshape's rules, and only where the layout allows a view.</summary>
    public RefTensor? View(int[] shape) => Reshape(shape) is { } result && result.SharesStorage(this) ? result : null;

    public RefTensor? Transpose(int dim0, int dim1)
    {
        if (Wrap(dim0, Rank) is not { } a || Wrap(dim1, Rank) is not { } b) return null;
        if (Rank == 0) return ViewOf(Shape, strideArray, offset);
        return ViewOf(Swapped(Shape, a, b), Swapped(strideArray, a, b), offset);
    }

    private static int[] Swapped(int[] sizes, int a, int b)
    {
        var result = (int[])sizes.Clone();
        (result[a], result[b]) = (result[b], result[a]);
        return result;
    }

    public RefTensor? T() => Rank > 2 ? null : Rank < 2 ? ViewOf(Shape, strideArray, offset) : Transpose(0, 1);

    public RefTensor? Select(int dim, int index)
    {
        if (Rank == 0 || Wrap(dim, Rank) is not { } d || index < -Shape[d] || index >= Shape[d]) return null;
        return ViewOf(Without(Shape, d), Without(strideArray, d), offset + (index < 0 ? index + Shape[d] : index) * strideArray[d]);
    }

    private static int[] Without(int[] sizes, int d) => [.. sizes[..d], .. sizes[(d + 1)..]];

    /// <summary>torch.narrow: a start equal to the size is kept (for an empty slice), others wrap as dims do.</summary>
    public RefTensor? Narrow(int dim, int start, int length)
    {
        if (Rank == 0 || Wrap(dim, Rank) is not { } d) return null;
        int size = Shape[d];
        int? from = start == size ? start : Wrap(start, size);
        return from is not { } first || length < 0 || first > size - length ? null : Sliced(d, first, first + length, 1);
    }

    /// <summary>Python's <c>x[:, ..., start:stop:step]</c> on dim <paramref name="dim"/> (not wrapped): bounds count from the end when negative and clamp.</summary>
    public RefTensor? Slice(int dim, int start, int stop, int step)
    {
        if (dim >= Rank) return null;
        int size = Shape[dim];
        int Resolve(int bound) => bound < 0 ? Math.Max(size + bound, 0) : Math.Min(bound, size);
        int from = Resolve(start);
        return Sliced(dim, from, Math.Max(Resolve(stop), from), step);
    }

    private RefTensor Sliced(int d, int from, int to, int step)
    {
        var shape = (int[])Shape.Clone();
        var strides = (int[])strideArray.Clone();
        shape[d] = to <= from ? 0 : (to - from + step - 1) / step;
        strides[d] *= step;
        return ViewOf(shape, strides, offset + from * strideArray[d]);
    }

    /// <summary>tensor.expand: new leading dims (not -1) and dims of size 1 repeat with stride 0; -1 keeps a size.</summary>
    public RefTensor? Expand(int[] sizes)
    {
        if (sizes.Length < Rank) return null;
        int lead = sizes.Length - Rank;
        var shape = new int[sizes.Length];
        var strides = new int[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            int d = i - lead;
            int size = d >= 0 && sizes[i] == -1 ? Shape[d] : sizes[i];
            if (size < 0 || d >= 0 && Shape[d] != size && Shape[d] != 1) return null;
            (shape[i], strides[i]) = (size, d >= 0 && Shape[d] == size ? strideArray[d] : 0);
        }
        return ViewOf(shape, strides, offset);
    }

    /// <summary>torch.diagonal: the (dim1, dim2) diagonal at <paramref name="diagonalOffset"/> as the last dim.</summary>
    public RefTensor? Diagonal(int diagonalOffset, int dim1, int dim2)
    {
        if (Rank == 0 || Wrap(dim1, Rank) is not { } a || Wrap(dim2, Rank) is not { } b || a == b) return null;
        int length = Math.Max(0, diagonalOffset >= 0 ? Math.Min(Shape[a], Shape[b] - diagonalOffset) : Math.Min(Shape[a] + diagonalOffset, Shape[b]));
        int start = length == 0 ? offset : offset + (diagonalOffset >= 0 ? diagonalOffset * strideArray[b] : -diagonalOffset * strideArray[a]);
        var keep = Enumerable.Range(0, Rank).Where(d => d != a && d != b).ToArray();
        return ViewOf([.. keep.Select(d => Shape[d]), length], [.. keep.Select(d => strideArray[d]), strideArray[a] + strideArray[b]], start);
    }

    /// <summary>
    /// Rows (dim 0) picked by an Int64 index, as <c>x[index]</c>: a copy of shape [index..., rest]; indices may count
    /// from the end. Null if self is 0-d or an index is out of range.
    /// </summary>
    public RefTensor? Rows(RefIndex index)
    {
        if (RowsOf(index) is not { } rows) return null;
        int[] rest = Shape[1..];
        return new([.. rows.SelectMany(r => Positions(rest).Select(p => Values[Offset([r, .. p], Shape)]))], [.. index.Shape, .. rest]);
    }

    private int[]? RowsOf(RefIndex index) =>
        Rank == 0 || index.Values.Any(i => i < -Shape[0] || i >= Shape[0]) ? null : [.. index.Values.Select(i => (int)(i < 0 ? i + Shape[0] : i))];

    /// <summary>x[mask] for a Bool mask of x's shape (a nonzero value is true): the picked elements, in order, as a copy.</summary>
    public RefTensor? Masked(RefIndex mask)
    {
        if (!mask.Shape.SequenceEqual(Shape)) return null;
        double[] picked = [.. Values.Where((_, i) => mask.Values[i] != 0)];
        return new(picked, [picked.Length]);
    }

    /// <summary>Whether some elements share a memory location: a dim of more than one element with stride 0 (expanded).</summary>
    private bool HasInternalOverlap => Count > 0 && Shape.Where((size, d) => size > 1 && strideArray[d] == 0).Any();

    /// <summary>
    /// The in-place write every op below ends with, after PyTorch's checks: none on a leaf that requires grad or a view
    /// of one, none to elements that share memory unless <paramref name="overlapAllowed"/> (the fills), and none where
    /// the new values do not fit (null). It writes (row-major element, value) pairs in their order, the last one
    /// winning where elements share memory, bumps the version, and passes on whether the source requires grad. The
    /// result is this tensor (kinked where memory is shared: PyTorch's gradient then counts every alias); null if refused.
    /// </summary>
    private RefTensor? Written(IEnumerable<(int Element, double Value)>? writes, bool overlapAllowed, bool sourceRequiresGrad)
    {
        if (Storage.GradLeaf || writes is null || !overlapAllowed && HasInternalOverlap) return null;
        var positions = StoragePositions();
        foreach (var (element, value) in writes) Storage.Data[positions[element]] = value;
        Storage.BumpVersion();
        Storage.RequiresGrad |= sourceRequiresGrad;
        return new(Storage, Shape, strideArray, offset) { Kinked = HasInternalOverlap };
    }

    /// <summary>self = f(self, source) elementwise, source broadcast to this shape (mul_, add_, copy_).</summary>
    public RefTensor? Update(RefTensor source, Func<double, double, double> f) =>
        Written(source.SpreadTo(Shape) is { } spread ? [.. Values.Select((v, i) => (i, f(v, spread.Values[i])))] : null,
            overlapAllowed: false, source.RequiresGrad);

    public RefTensor? Fill(double value) => Written(Filled(value), overlapAllowed: true, sourceRequiresGrad: false);

    private IEnumerable<(int, double)> Filled(double value) => Enumerable.Range(0, Count).Select(i => (i, value));

    /// <summary>
    /// x[index] = value for an integer index, as PyTorch's copy_to: a 0-d value fills row <paramref name="index"/>,
    /// any other is copied into it (copy_), broadcast once its leading 1s are dropped. The result is x.
    /// </summary>
    public RefTensor? SetRow(int index, RefTensor value)
    {
        if (Select(0, index) is not { } row) return null;
        var written = value.Rank == 0
            ? row.Written(row.Filled(value.Values[0]), overlapAllowed: true, value.RequiresGrad)
            : row.Update(value.WithoutLeadingOnes(), (_, v) => v);
        return written is null ? null : new(Storage, Shape, strideArray, offset) { Kinked = written.Kinked };
    }

    private RefTensor WithoutLeadingOnes() => WithShape([.. Shape.SkipWhile(size => size == 1)]);

    /// <summary>
    /// x[index] = value for an Int64 index of distinct rows (index_put_): value, its leading 1s dropped, broadcast to
    /// [index..., rest], written in the index's order (which matters where the rows share memory).
    /// </summary>
    public RefTensor? PutRows(RefIndex index, RefTensor value)
    {
        if (RowsOf(index) is not { } rows) return null;
        int[] rest = Shape[1..];
        if (value.WithoutLeadingOnes().SpreadTo([.. index.Shape, .. rest]) is not { } spread) return null;
        int inner = CountOf(rest);
        var writes = rows.SelectMany((row, r) => Enumerable.Range(0, inner).Select(i => (row * inner + i, spread.Values[r * inner + i])));
        return Written(writes, overlapAllowed: true, value.RequiresGrad);
    }

    /// <summary>This tensor broadcast to <paramref name="shape"/>, or null if it does not broadcast to exactly that shape.</summary>
    private RefTensor? SpreadTo(int[] shape) =>
        Broadcast(new RefTensor(new double[CountOf(shape)], shape), this, (_, v) => v) is { } result && result.Shape.SequenceEqual(shape) ? result : null;

    /// <summary>x[mask] = value for a Bool mask of x's shape and a Python number (masked_fill_).</summary>
    public RefTensor? FillMasked(RefIndex mask, double value) =>
        mask.Shape.SequenceEqual(Shape) ? Written(Filled(value).Where(w => mask.Values[w.Item1] != 0), overlapAllowed: true, sourceRequiresGrad: false) : null;

    /// <summary>
    /// torch.matmul: a 1-D left operand is a row and a 1-D right one a column, each dropped from the result; dims
    /// before the last two are batch dims and broadcast.
    /// </summary>
    public static RefTensor? MatMul(RefTensor a, RefTensor b)
    {
        if (a.Rank == 0 || b.Rank == 0) return null;
        var left = new RefTensor(a.Values, a.Rank == 1 ? [1, a.Shape[0]] : a.Shape);
        var right = new RefTensor(b.Values, b.Rank == 1 ? [b.Shape[0], 1] : b.Shape);
        int n = left.Shape[^2], m = left.Shape[^1], p = right.Shape[^1];
        if (right.Shape[^2] != m || BroadcastShape(left.Shape[..^2], right.Shape[..^2]) is not { } batch) return null;
        var values = Positions([.. batch, n, p]).Select(position =>
        {
            double sum = 0;
            for (int k = 0; k < m; k++)
            {
                int[] row = [.. position[..^2], position[^2], k], column = [.. position[..^2], k, position[^1]];
                sum += left.AtBroadcast(row) * right.AtBroadcast(column);
            }
            return sum;
        });
        int[] shape = [.. batch, .. a.Rank == 1 ? Array.Empty<int>() : [n], .. b.Rank == 1 ? Array.Empty<int>() : [p]];
        return new([.. values], shape);
    }

    /// <summary>
    /// PyTorch's checks shared by gather and scatter: index has self's number of dims, and src's, is no larger than
    /// self apart from <paramref name="dim"/> (and no larger than src), and its values are in range; a 0-d tensor
    /// counts as 1-d of one element. An empty index passes, as in PyTorch.
    /// </summary>
    private bool AcceptsIndex(int dim, RefIndex index, RefTensor? src)
    {
        if (index.Values.Length == 0) return true;
        int[] indexSizes = AtLeastOneDim(index.Shape), selfSizes = AtLeastOneDim(Shape);
        int[]? srcSizes = src is null ? null : AtLeastOneDim(src.Shape);
        if (indexSizes.Length != selfSizes.Length || (srcSizes is not null && srcSizes.Length != indexSizes.Length)) return false;
        for (int d = 0; d < indexSizes.Length; d++)
        {
            if (d != dim && indexSizes[d] > selfSizes[d]) return false;
            if (srcSizes is not null && indexSizes[d] > srcSizes[d]) return false;
        }
        return index.Values.All(i => i >= 0 && i < selfSizes[dim]);
    }

    private static int[] AtLeastOneDim(int[] shape) => shape.Length == 0 ? [1] : shape;

    /// <summary>The flat offset in self that position <paramref name="p"/> of index points at.</summary>
    private int Target(int dim, RefIndex index, int[] p)
    {
        if (Rank == 0) return 0;
        var at = index.Shape.Length == 0 ? new int[Rank] : (int[])p.Clone(); // a 0-d index addresses a 1-d self
        at[dim] = (int)index.Values[Offset(p, index.Shape)];
        return Offset(at, Shape);
    }

    public RefTensor? Gather(int dim, RefIndex index)
    {
        if (Wrap(dim, Rank) is not { } d || !AcceptsIndex(d, index, null)) return null;
        return new([.. Positions(index.Shape).Select(p => Values[Target(d, index, p)])], index.Shape);
    }

    /// <summary>A copy with <paramref name="value"/>, or src's elements, written where index points; the last write wins.</summary>
    public RefTensor? Scatter(int dim, RefIndex index, double value, RefTensor? src)
    {
        if (Wrap(dim, Rank) is not { } d || !AcceptsIndex(d, index, src)) return null;
        var result = (double[])Values.Clone();
        var written = new HashSet<int>();
        bool collided = false;
        foreach (var p in Positions(index.Shape))
        {
            int target = Target(d, index, p);
            collided |= !written.Add(target);
            result[target] = src is null ? value : src.Values[p.Length == 0 || src.Rank == 0 ? 0 : Offset(p, src.Shape)];
        }
        // Which of several writes to one place wins is not differentiable by central differences.
        return new(result, Shape) { Kinked = src is not null && collided, SrcGradientMisshapen = src is not null && !index.Shape.SequenceEqual(src.Shape) };
    }

    /// <summary>Cross-entropy of logits against class indices, with optional class weights.</summary>
    public RefTensor? CrossEntropy(RefIndex target, double[]? weight, long ignoreIndex, Reduction reduction)
    {
        if (Rank == 0) return null;
        int classes = Shape[Rank >= 2 ? 1 : 0];
        int[] expectedTarget = Rank == 1 ? [] : [Shape[0], .. Shape[2..]];
        if (!target.Shape.SequenceEqual(expectedTarget)) return null;
        if (weight is not null && weight.Length != classes) return null;
        if (target.Values.Any(t => t != ignoreIndex && (t < 0 || t >= classes))) return null;

        int samples = Rank >= 2 ? Shape[0] : 1, inner = Rank >= 2 ? CountOf(Shape[2..]) : 1;
        var losses = new double[samples * inner];
        double totalWeight = 0;
        for (int n = 0; n < samples; n++)
        {
            for (int i = 0; i < inner; i++)
            {
                long t = target.Values[n * inner + i];
                if (t == ignoreIndex) continue;
                var logits = Enumerable.Range(0, classes).Select(c => Values[(n * classes + c) * inner + i]).ToArray();
                double max = logits.Max(), logSum = max + Math.Log(logits.Sum(x => Math.Exp(x - max)));
                double w = weight?[t] ?? 1.0;
                losses[n * inner + i] = -w * (logits[t] - logSum);
                totalWeight += w;
            }
        }
        return reduction switch
        {
            Reduction.None => new(losses, target.Shape),
            Reduction.Sum => new([losses.Sum()], []),
            _ => new([losses.Sum() / totalWeight], []),
        };
    }
}

/// <summary>An Int64 argument of an op (gather/scatter index, cross-entropy target).</summary>
internal sealed record RefIndex(long[] Values, int[] Shape)
{
    public Tensor ToTensor() => Torch.Tensor(Values).Reshape(Shape);
}
