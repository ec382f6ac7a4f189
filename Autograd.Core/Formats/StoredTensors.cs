namespace Autograd.Formats;

/// <summary>How the readers turn a file's storage into tensors, and the writers a tensor into a storage.</summary>
internal static class StoredTensors
{
    /// <summary>
    /// The tensor of <paramref name="size"/> whose element [i0, i1, ...] is storage[offset + Σ ik·stride[k]], sharing
    /// <paramref name="storage"/> (and its version counter) with every other tensor loaded from the same storage, as
    /// torch.load gives views of one storage. Called after <see cref="CheckExtent"/>.
    /// </summary>
    public static Tensor FromStorage(Array storage, int[] size, long[] stride, long offset)
    {
        var shared = Storages.GetValue(storage, data => new Storage(data));
        // A dim of size 0 or 1 never steps, so its stride only has to fit.
        var strides = stride.Select((s, d) => size[d] <= 1 ? (int)Math.Min(s, int.MaxValue) : checked((int)s)).ToArray();
        return new Tensor(shared, size, strides, checked((int)offset));
    }

    /// <summary>One storage object per loaded array, so tensors over one file storage share it.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Array, Storage> Storages = [];

    /// <summary>
    /// Checks that a view of <paramref name="size"/>, <paramref name="stride"/> and <paramref name="offset"/> stays
    /// inside a storage of <paramref name="storageLength"/> elements, in checked 64-bit arithmetic.
    /// </summary>
    public static void CheckExtent(int[] size, long[] stride, long offset, long storageLength, string source)
    {
        if (stride.Length != size.Length) throw FileIO.Invalid(source, $"a tensor of {size.Length} dims has {stride.Length} strides");
        if (offset < 0) throw FileIO.Invalid(source, $"negative storage offset {offset}");
        long last = offset;
        bool empty = false;
        for (int d = 0; d < size.Length; d++)
        {
            if (stride[d] < 0) throw FileIO.Invalid(source, $"negative stride {stride[d]}");
            if (size[d] == 0) empty = true;
            else if (stride[d] > 0 && size[d] - 1 > (long.MaxValue - last) / stride[d])
                throw FileIO.Invalid(source, $"the view's extent overflows (size {size[d]}, stride {stride[d]})");
            else last += (size[d] - 1) * stride[d];
        }
        if (!empty && last >= storageLength)
            throw FileIO.Invalid(source, $"a view reaches element {last} of a storage of {storageLength} elements");
        if (empty && offset > storageLength)
            throw FileIO.Invalid(source, $"storage offset {offset} is past the end of a storage of {storageLength} elements");
    }

    /// <summary>Row-major strides as PyTorch gives a contiguous tensor (a dim of size 0 counts as 1).</summary>
    public static long[] ContiguousStrides(int[] size)
    {
        var strides = new long[size.Length];
        long stride = 1;
        for (int d = size.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride = checked(stride * Math.Max(size[d], 1));
        }
        return strides;
    }

    /// <summary>The row-major elements of <paramref name="tensor"/>, as a writer stores them.</summary>
    public static Array Elements(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.Values;
    }
}
