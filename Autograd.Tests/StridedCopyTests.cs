namespace Autograd.Tests;

/// <summary>
/// The strided copy that gathers every non-dense input (rows copied as blocks, in vectors, filled when broadcast, split
/// across threads when large) and the broadcast binary op (dims merged where both operands allow): random views
/// against the element each index names in the storage, computed here from the sizes and strides.
/// </summary>
public class StridedCopyTests
{
    /// <summary>Element i of the row-major order, read through the view's sizes, strides and offset.</summary>
    private static float[] ThroughStrides(Tensor view)
    {
        var storage = (float[])view.Storage.Data;
        var result = new float[view.Count];
        for (int i = 0; i < result.Length; i++)
        {
            long position = view.Offset;
            for (int d = view.Rank - 1, rest = i; d >= 0; d--)
            {
                position += (long)(rest % view.Shape[d]) * view.Strides[d];
                rest /= view.Shape[d];
            }
            result[i] = storage[position];
        }
        return result;
    }

    /// <summary>A random view of a fresh tensor: permuted, narrowed, stepped or expanded, with rows of 1 to 200 elements.</summary>
    private static Tensor RandomView(Random random, bool large)
    {
        int rank = random.Next(1, 5);
        int[] shape = [.. Enumerable.Range(0, rank).Select(_ => random.Next(1, large ? 48 : 12))];
        shape[^1] = random.Next(1, 200);
        var t = Torch.Randn(shape);
        int[] order = [.. Enumerable.Range(0, rank).OrderBy(_ => random.Next())];
        var view = random.Next(2) == 0 ? t.Permute(order) : t;
        int dim = random.Next(rank);
        if (view.Shape[dim] > 2 && random.Next(2) == 0) view = view.Narrow(dim, 1, view.Shape[dim] - 2);
        if (random.Next(3) == 0)
        {
            var stepped = view.Shape.ToArray();
            var strides = view.Strides.ToArray();
            stepped[dim] = (stepped[dim] + 1) / 2;
            strides[dim] *= 2;
            view = view.AsStrided(stepped, strides, view.Offset);
        }
        if (random.Next(3) == 0)
        {
            // A new dim of 1, and every dim of 1, broadcast to 5 (stride 0).
            view = view.Unsqueeze(random.Next(view.Rank + 1));
            view = view.Expand([.. view.Shape.Select(size => size == 1 ? 5 : size)]);
        }
        return view;
    }

    [Test]
    public void Contiguous_OfRandomViews_ReadsEachElementThroughTheStrides([Values(false, true)] bool large)
    {
        var random = new Random(large ? 11 : 10);
        Torch.ManualSeed(4);
        for (int trial = 0; trial < (large ? 30 : 200); trial++)
        {
            var view = RandomView(random, large);
            view.Contiguous().ToArray<float>().ShouldBe(ThroughStrides(view), $"trial {trial}: {string.Join("x", view.Shape)} strides {string.Join(",", view.Strides)}");
        }
    }

    [Test]
    public void BroadcastAdd_OfRandomShapes_IsEachPairsSum()
    {
        var random = new Random(12);
        Torch.ManualSeed(5);
        for (int trial = 0; trial < 200; trial++)
        {
            int rank = random.Next(1, 5);
            int[] shape = [.. Enumerable.Range(0, rank).Select(_ => random.Next(1, 9))];
            shape[^1] = random.Next(1, 70);
            // Each operand keeps or broadcasts each dim, and may drop leading dims.
            int[] Operand() => [.. shape.Skip(random.Next(rank)).Select(size => random.Next(3) == 0 ? 1 : size)];
            var a = Torch.Randn(Operand());
            var b = Torch.Randn(Operand());
            var sum = a + b;
            var expandedA = ThroughStrides(a.Expand(sum.Shape.ToArray()));
            var expandedB = ThroughStrides(b.Expand(sum.Shape.ToArray()));
            sum.ToArray<float>().ShouldBe([.. expandedA.Zip(expandedB, (x, y) => x + y)], $"trial {trial}: {string.Join("x", a.Shape)} + {string.Join("x", b.Shape)}");
        }
    }
}
