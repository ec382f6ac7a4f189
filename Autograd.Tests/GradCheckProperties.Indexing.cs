using CsCheck;

namespace Autograd.Tests;

/// <summary>GradCheck/GradGradCheck properties of the index ops and of the indexer (advanced getters with repeated indices, setters in a graph).</summary>
public partial class GradCheckPropertyTests
{
    /// <summary>An Int64 vector of <paramref name="length"/> positions below <paramref name="size"/>, repeats allowed unless <paramref name="unique"/>.</summary>
    private static Gen<Tensor> Positions(int size, Gen<int> length, bool unique) =>
        unique
            ? Gen.Double.Unit.Array[size].SelectMany(keys => length.Select(n => Torch.Tensor([.. Order(keys).Take(Math.Min(n, size)).Select(i => (long)i)])))
            : length.SelectMany(n => Gen.Int[0, size - 1].Array[n]).Select(p => Torch.Tensor([.. p.Select(i => (long)i)]));

    private static Gen<Tensor> Mask(int[] shape) => Gen.Bool.Array[Count(shape)].Select(m => Torch.Tensor(m).Reshape(shape));

    private static int Wrap(int dim, int rank) => dim < 0 ? dim + Math.Max(rank, 1) : dim;

    private static Dictionary<string, Gen<Case>> IndexingOps => new()
    {
        ["IndexSelect"] =
            from shape in NonEmptyShape
            from x in Values(shape, Any)
            from dim in Dim(shape.Length)
            from index in Positions(shape[Wrap(dim, shape.Length)], Gen.Int[0, 4], unique: false)
            select new Case($"IndexSelect({dim}, {Describe(index)})", a => a[0].IndexSelect(dim, index), [x]),
        ["IndexAdd"] =
            from shape in NonEmptyShape
            from dim in Dim(shape.Length)
            from index in Positions(shape[Wrap(dim, shape.Length)], Gen.Int[1, 4], unique: false)
            let d = Wrap(dim, shape.Length)
            from x in Values(shape, Any)
            from source in Values([.. shape[..d], index.Numel(), .. shape[(d + 1)..]], Any)
            from requiring in Gen.Int[1, 3]
            select new Case($"IndexAdd({dim}, {Describe(index)})", a => a[0].IndexAdd(dim, index, a[1]), RequiringSome(requiring, x, source)),
        ["IndexPut"] = IndexPutCase("IndexPut", (x, indices, values, accumulate) => x.IndexPut(indices, values, accumulate)),
        ["IndexPut_"] = IndexPutCase("IndexPut_", (x, indices, values, accumulate) => (x * 1.0).IndexPut_(indices, values, accumulate)),
        ["MaskedFill"] =
            from shape in Shape
            from x in Values(shape, Any)
            from maskShape in BroadcastingTo(shape)
            from mask in Mask(maskShape)
            from value in Any
            select new Case($"MaskedFill(mask {Shapes.Format(maskShape)}, {value})", a => a[0].MaskedFill(mask, value), [x]),
        ["MaskedFill_"] =
            from shape in Shape
            from x in Values(shape, Any)
            from maskShape in BroadcastingTo(shape)
            from mask in Mask(maskShape)
            from value in Any
            select new Case($"MaskedFill_(mask {Shapes.Format(maskShape)}, {value})", a => (a[0] * 1.0).MaskedFill_(mask, value), [x]),
        ["MaskedSelect"] =
            from shape in Shape
            from x in Values(shape, Any)
            from maskShape in BroadcastingTo(shape)
            from mask in Mask(maskShape)
            select new Case($"MaskedSelect(mask {Shapes.Format(maskShape)})", a => a[0].MaskedSelect(mask), [x]),
        ["x[index, 1.., mask] (getter)"] =
            from rows in Gen.Int[1, 4]
            from columns in Gen.Int[1, 4]
            from depth in Gen.Int[1, 3]
            from x in Values([rows, columns, depth], Any)
            from index in Positions(rows, Gen.Int[0, 5], unique: false)
            from mask in Mask([depth])
            from mask3 in Mask([rows, columns, depth])
            select new Case($"x[{Describe(index)}, 1..], x[..., mask], x[^1, None, ::2], x[mask3]",
                a => Torch.Cat([a[0][index, 1..].Reshape(-1), a[0][TensorIndex.Ellipsis, mask].Reshape(-1),
                    a[0][^1, TensorIndex.None, TensorIndex.Slice(null, null, 2)].Reshape(-1), a[0][mask3]]), [x]),
        ["x[...] = v (setter)"] =
            from rows in Gen.Int[1, 4]
            from columns in Gen.Int[1, 4]
            from x in Values([rows, columns], Any)
            from row in Values([columns], Any)
            from index in Positions(rows, Gen.Int[1, 3], unique: true)
            from values in Values([index.Numel()], Any)
            from mask in Mask([rows, columns])
            select new Case($"h[.., 0] = h[.., ^1] * 2; h[{Describe(index)}, 0] = v; h[0] = row; h[mask] = 0.5",
                a =>
                {
                    var h = a[0] * 1.0;
                    h[.., 0] = h[.., ^1] * 2.0;
                    h[index, 0] = a[2];
                    h[0] = a[1];
                    h[mask] = 0.5;
                    return h * h;
                }, [x, row, values]),
    };

    private static Gen<Case> IndexPutCase(string name, Func<Tensor, Tensor[], Tensor, bool, Tensor> op) =>
        from shape in NonEmptyShape
        from accumulate in Gen.Bool
        from index in Positions(shape[0], Gen.Int[1, 4], unique: !accumulate)
        from x in Values(shape, Any)
        from broadcast in Gen.Bool
        let valueShape = broadcast ? shape[1..] : [index.Numel(), .. shape[1..]]
        from values in Values(valueShape, Any)
        from requiring in Gen.Int[1, 3]
        select new Case($"{name}([{Describe(index)}], values {Shapes.Format(valueShape)}, accumulate: {accumulate})",
            a => op(a[0], [index], a[1], accumulate), RequiringSome(requiring, x, values));
}
