namespace Autograd;

/// <summary>Shape arithmetic: element counts, dim wrapping and PyTorch's broadcasting rules.</summary>
internal static class Shapes
{
    /// <summary>
    /// The element count of a shape: the one place sizes are multiplied, in 64-bit arithmetic that cannot wrap. A
    /// negative size fails with PyTorch's message, a count above int.MaxValue (this library's limit on the elements of
    /// one tensor) with one naming the shape and its count.
    /// </summary>
    public static int NumElements(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int size in shape)
        {
            if (size < 0)
                throw new ArgumentException($"Trying to create tensor with negative dimension {size}: {Format(shape.ToArray())}");
            // Both factors are at most int.MaxValue, so the product fits; past int.MaxValue only a later 0 changes the outcome.
            n = n <= int.MaxValue ? n * size : size == 0 ? 0 : n;
        }
        if (n > int.MaxValue)
        {
            var exact = System.Numerics.BigInteger.One;
            foreach (int size in shape) exact *= size;
            throw new ArgumentException(
                $"a tensor of shape {Format(shape.ToArray())} has {exact} elements, more than the {int.MaxValue} this library supports in one tensor");
        }
        return (int)n;
    }

    /// <summary>Wraps a possibly negative dim; a 0-d tensor accepts dims as if it had one.</summary>
    public static int WrapDim(int dim, int rank)
    {
        int effective = Math.Max(rank, 1);
        if (dim < -effective || dim >= effective)
            throw new ArgumentOutOfRangeException(null,
                $"Dimension out of range (expected to be in range of [{-effective}, {effective - 1}], but got {dim})");
        return dim < 0 ? dim + effective : dim;
    }

    public static int[] Broadcast(int[] a, int[] b)
    {
        if (a.AsSpan().SequenceEqual(b)) return a;
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        // From the right, as PyTorch checks, so the error names the same dimension.
        for (int i = rank - 1; i >= 0; i--)
        {
            int ai = i - (rank - a.Length), bi = i - (rank - b.Length);
            int sa = ai >= 0 ? a[ai] : 1, sb = bi >= 0 ? b[bi] : 1;
            if (sa != sb && sa != 1 && sb != 1)
                throw new ArgumentException(
                    $"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at non-singleton dimension {i}");
            result[i] = sa == 1 ? sb : sa;
        }
        return result;
    }

    /// <summary>Row-major strides of a shape, with 0 for broadcast (size-1 or missing) dims of <paramref name="target"/>.</summary>
    public static int[] BroadcastStrides(int[] shape, int[] target)
    {
        var strides = new int[target.Length];
        int stride = 1;
        for (int i = shape.Length - 1, t = target.Length - 1; i >= 0; i--, t--)
        {
            strides[t] = shape[i] == 1 && target[t] != 1 ? 0 : stride;
            stride *= shape[i];
        }
        return strides;
    }

    public static string Format(IReadOnlyList<int> shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>Splits a shape at <paramref name="dim"/> into (outer, size, inner) for row-major loops.</summary>
    public static (int Outer, int Size, int Inner) SplitAt(int[] shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape.Length == 0 ? 1 : shape[dim], inner);
    }
}
