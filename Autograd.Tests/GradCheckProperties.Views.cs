using CsCheck;

namespace Autograd.Tests;

/// <summary>GradCheck/GradGradCheck properties of the view ops, and of in-place writes through views (PyTorch's CopySlices).</summary>
public partial class GradCheckPropertyTests
{
    private static Gen<int[]> NonEmptyShape => Gen.Int[1, 3].SelectMany(rank => Gen.Int[1, 4].Array[rank]);

    // Properties, not fields: static fields of partial class files initialize in no defined order.
    private static Dictionary<string, Gen<Case>> ViewOps => new()
    {
        ["Permute"] =
            from shape in Shape
            from x in Values(shape, Any)
            from keys in Gen.Double.Unit.Array[shape.Length]
            let order = Order(keys)
            select new Case($"Permute({string.Join(", ", order)})", a => a[0].Permute(order), [x]),
        ["Movedim"] =
            from shape in NonEmptyShape
            from x in Values(shape, Any)
            from source in Dim(shape.Length)
            from destination in Dim(shape.Length)
            select new Case($"Movedim({source}, {destination})", a => a[0].Movedim(source, destination), [x]),
        ["Expand"] =
            from shape in Shape
            from x in Values(shape.Select(s => s == 2 ? 1 : s).ToArray(), Any)
            from lead in Gen.Int[0, 2]
            let target = Enumerable.Repeat(2, lead).Concat(shape).ToArray()
            select new Case($"Expand({Shapes.Format(target)})", a => a[0].Expand(target), [x]),
        ["ExpandAs"] =
            from shape in NonEmptyShape
            from x in Values([1, .. shape[1..]], Any)
            select new Case($"ExpandAs({Shapes.Format(shape)})", a => a[0].ExpandAs(Torch.Zeros(shape)), [x]),
        ["Narrow"] =
            from shape in NonEmptyShape
            from x in Values(shape, Any)
            from dim in Dim(shape.Length)
            from start in Gen.Int[0, shape[(dim + shape.Length) % shape.Length] - 1]
            from length in Gen.Int[0, shape[(dim + shape.Length) % shape.Length] - start]
            select new Case($"Narrow({dim}, {start}, {length})", a => a[0].Narrow(dim, start, length), [x]),
        ["Select"] =
            from shape in NonEmptyShape
            from x in Values(shape, Any)
            from dim in Dim(shape.Length)
            from index in Gen.Int[0, shape[(dim + shape.Length) % shape.Length] - 1]
            select new Case($"Select({dim}, {index})", a => a[0].Select(dim, index), [x]),
        ["Diagonal"] =
            from shape in Gen.Int[2, 3].SelectMany(rank => Gen.Int[1, 4].Array[rank])
            from x in Values(shape, Any)
            from offset in Gen.Int[-2, 2]
            from dims in Gen.Int[0, shape.Length - 1].Array[2].Where(d => d[0] != d[1])
            select new Case($"Diagonal({offset}, {dims[0]}, {dims[1]})", a => a[0].Diagonal(offset, dims[0], dims[1]), [x]),
        ["Unflatten"] =
            from shape in NonEmptyShape
            from x in Values(shape, Any)
            from dim in Dim(shape.Length)
            let size = shape[(dim + shape.Length) % shape.Length]
            select new Case($"Unflatten({dim}, [{size}, 1])", a => a[0].Unflatten(dim, size, 1), [x]),
        ["Unfold"] =
            from shape in NonEmptyShape
            from x in Values(shape, Any)
            from dim in Dim(shape.Length)
            let length = shape[(dim + shape.Length) % shape.Length]
            from size in Gen.Int[1, length]
            from step in Gen.Int[1, 3]
            select new Case($"Unfold({dim}, {size}, {step})", a => a[0].Unfold(dim, size, step), [x]),
        ["AsStrided"] =
            from n in Gen.Int[2, 8]
            from x in Values([n], Any)
            from rows in Gen.Int[1, 3]
            from columns in Gen.Int[1, 3]
            from rowStride in Gen.Int[0, 2]
            from offset in Gen.Int[0, 1]
            where offset + (rows - 1) * rowStride + columns - 1 < n
            select new Case($"AsStrided([{rows}, {columns}], [{rowStride}, 1], {offset})", a => a[0].AsStrided([rows, columns], [rowStride, 1], offset), [x]),
        ["ViewAs"] =
            from shape in Shape
            from x in Values(shape, Any)
            select new Case("ViewAs", a => a[0].ViewAs(Torch.Zeros([Count(shape)])), [x]),
        ["Ravel"] = Unary("Ravel", Gen.Int[0, 2].SelectMany(rank => Gen.Int[1, 4].Array[rank]), Any, x => x.T().Ravel()),
        ["Contiguous"] = Unary("Contiguous", Gen.Int[0, 2].SelectMany(rank => Gen.Int[1, 4].Array[rank]), Any, x => x.T().Contiguous()),
        ["Split/Chunk/Unbind"] =
            from shape in NonEmptyShape
            from x in Values(shape, Any)
            from dim in Dim(shape.Length)
            from size in Gen.Int[1, 3]
            select new Case($"Split({size}, {dim}) / Chunk / Unbind",
                a => Torch.Stack([.. a[0].Split(size, dim).Select(p => p.Sum()), .. a[0].Chunk(size, dim).Select(p => p.Exp().Sum()), .. a[0].Unbind(dim).Select(p => (p * p).Sum())]), [x]),
        ["Tril"] =
            from shape in Gen.Int[2, 3].SelectMany(rank => Gen.Int[1, 4].Array[rank])
            from x in Values(shape, Any)
            from diagonal in Gen.Int[-2, 2]
            select new Case($"Tril({diagonal})", a => a[0].Tril(diagonal), [x]),
        ["Triu"] =
            from shape in Gen.Int[2, 3].SelectMany(rank => Gen.Int[1, 4].Array[rank])
            from x in Values(shape, Any)
            from diagonal in Gen.Int[-2, 2]
            select new Case($"Triu({diagonal})", a => a[0].Triu(diagonal), [x]),
        ["Cat/Stack"] =
            from shape in NonEmptyShape
            from x in Values(shape, Any)
            from y in Values(shape, Any)
            from dim in Dim(shape.Length)
            select new Case($"Cat/Stack({dim})", a => Torch.Cat([a[0], a[1] * a[0]], dim).Sum(dim) + Torch.Stack([a[0], a[1]], dim).Exp().Sum(dim).Sum(dim), [x, y]),
        ["In-place through a view (CopySlices)"] =
            from shape in NonEmptyShape
            from x in Values(shape, Any)
            from w in Values([shape[^1]], Any)
            from dim in Dim(shape.Length)
            from index in Gen.Int[0, shape[(dim + shape.Length) % shape.Length] - 1]
            select new Case($"y = x * 1; y.Select({dim}, {index}).Mul_(w row); y * y",
                a =>
                {
                    var y = a[0] * 1.0;
                    var view = y.Select(dim, index);
                    view.Mul_(a[1].Sum()).Add_(a[1].Sum() * a[1].Sum());
                    return y * y;
                }, [x, w]),
    };
}
