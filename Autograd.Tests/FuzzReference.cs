using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// The fuzz test's oracle: a float64 tensor with PyTorch 1.13's shape rules and values written as plain loops,
/// independent of the engine's kernels. Every op returns null where PyTorch raises an error.
/// </summary>
internal sealed class RefTensor(double[] values, int[] shape)
{
    public double[] Values { get; } = values;
    public int[] Shape { get; } = shape;

    /// <summary>Set where a gradient is not defined by central differences (near-tied maxima, scatter collisions).</summary>
    public bool Kinked { get; init; }

    /// <summary>Set near a jump (where's condition near 0), where float32 rounding may take the other branch.</summary>
    public bool NearJump { get; init; }

    /// <summary>
    /// Set on a scatter whose index has another shape than src: PyTorch 1.13's backward then computes a src gradient
    /// of the index's shape and rejects it.
    /// </summary>
    public bool SrcGradientMisshapen { get; init; }

    /// <summary>
    /// Where each element would sit in PyTorch's storage, per dim (null: row-major). Transposes swap them; a reshape
    /// keeps a layout only where every element's position is still an affine function of its new index (then it is a
    /// view), else the result is a row-major copy. View requires the former.
    /// </summary>
    public int[]? Layout { get; init; }

    private int[] Strides => Layout ?? RowMajor(Shape);

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
    private int[] StoragePositions() => [.. Positions(Shape).Select(p => p.Select((i, d) => i * Strides[d]).Sum())];

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

    public int Rank => Shape.Length;
    public int Count => Values.Length;

    /// <summary>The same values under <paramref name="shape"/>: still a transposed view only if the shape is unchanged.</summary>
    private RefTensor WithShape(int[] shape) => new(Values, shape) { Layout = Layout is null ? null : ViewLayout(shape) };

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

    /// <summary>The same values without this result's flags.</summary>
    public RefTensor Copy() => new(Values, Shape);

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
        return Rank == 0 ? new(Values, [1]) : WithShape([.. Shape[..start], CountOf(Shape[start..(end + 1)]), .. Shape[(end + 1)..]]);
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
    public RefTensor? View(int[] shape) => Reshape(shape) is { } result && (Layout is null || ViewLayout(result.Shape) is not null) ? result : null;

    public RefTensor? Transpose(int dim0, int dim1)
    {
        if (Wrap(dim0, Rank) is not { } a || Wrap(dim1, Rank) is not { } b) return null;
        if (Rank == 0) return Copy();
        var shape = (int[])Shape.Clone();
        (shape[a], shape[b]) = (shape[b], shape[a]);
        return new([.. Positions(shape).Select(p =>
        {
            (p[a], p[b]) = (p[b], p[a]);
            return Values[Offset(p, Shape)];
        })], shape) { Layout = Swapped(Strides, a, b) };
    }

    private static int[] Swapped(int[] strides, int a, int b)
    {
        var result = (int[])strides.Clone();
        (result[a], result[b]) = (result[b], result[a]);
        return result;
    }

    public RefTensor? T() => Rank > 2 ? null : Rank < 2 ? Copy() : Transpose(0, 1);

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
