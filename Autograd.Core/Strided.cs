using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd;

/// <summary>
/// The strided layout: contiguity, bounds, and the one strided copy that every kernel's strided path goes through
/// (a non-dense input is gathered into row-major order at kernel entry; an in-place write scatters back through the strides).
/// </summary>
internal static class Strided
{
    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        long stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = (int)Math.Min(stride, int.MaxValue);
            stride *= Math.Max(shape[d], 1);
        }
        return strides;
    }

    /// <summary>PyTorch's is_contiguous: row-major strides for every dim of size above 1.</summary>
    public static bool IsContiguous(int[] shape, int[] strides)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 0) return true;
            if (shape[d] == 1) continue;
            if (strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    /// <summary>Whether every element of the geometry lies inside a storage of <paramref name="length"/> elements (for kernels' debug assertions).</summary>
    public static bool InBounds(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, long offset, long length)
    {
        long low = offset, high = offset;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] <= 0) return shape[d] == 0;
            long reach = (long)(shape[d] - 1) * strides[d];
            if (reach < 0) low += reach;
            else high += reach;
        }
        return low >= 0 && high < length;
    }

    /// <summary>Throws unless every element of the geometry lies inside a storage of <paramref name="length"/> elements.</summary>
    public static void CheckInBounds(int[] shape, int[] strides, long offset, int length)
    {
        if (offset < 0) throw new ArgumentException($"Tensor: invalid storage offset {offset}");
        long low = offset, high = offset;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] < 0) throw new ArgumentException($"Trying to create tensor with negative dimension {shape[d]}: {Shapes.Format(shape)}");
            if (shape[d] == 0) return;
            long reach = (long)(shape[d] - 1) * strides[d];
            if (reach < 0) low += reach;
            else high += reach;
        }
        if (low < 0 || high >= length)
            throw new ArgumentException(
                $"setStorage: sizes {Shapes.Format(shape)}, strides {Shapes.Format(strides)}, storage offset {offset}, and itemsize requiring a storage size of {high + 1} are out of bounds for storage of size {length}");
    }

    /// <summary>The elements of <paramref name="t"/> in row-major order, as a new array.</summary>
    public static Array Gather(Tensor t)
    {
        var result = DTypes.AllocateUninitialized(t.DType, t.Count);
        Copy(t.Storage.Data, t.Offset, t.StrideArray, result, 0, ContiguousStrides(t.Dims), t.Dims);
        return result;
    }

    /// <summary>Writes row-major <paramref name="values"/> through <paramref name="t"/>'s strides into its storage.</summary>
    public static void Scatter(Array values, Tensor t) =>
        Copy(values, 0, ContiguousStrides(t.Dims), t.Storage.Data, t.Offset, t.StrideArray, t.Dims);

    /// <summary>Copies every element of <paramref name="shape"/> from one strided layout to another (both arrays of one element type).</summary>
    public static void Copy(Array source, int sourceOffset, int[] sourceStrides, Array destination, int destinationOffset, int[] destinationStrides, int[] shape)
    {
        if (Shapes.NumElements(shape) == 0) return;
        // The copy loops index without checking the geometry: both extents must lie inside their arrays.
        Debug.Assert(InBounds(shape, sourceStrides, sourceOffset, source.Length), $"Strided.Copy: source {Shapes.Format(shape)} strides {Shapes.Format(sourceStrides)} at {sourceOffset} reaches outside its {source.Length} elements");
        Debug.Assert(InBounds(shape, destinationStrides, destinationOffset, destination.Length), $"Strided.Copy: destination {Shapes.Format(shape)} strides {Shapes.Format(destinationStrides)} at {destinationOffset} reaches outside its {destination.Length} elements");
        var layout = Coalesce(shape, sourceStrides, destinationStrides);
        DTypes.Dispatch(DTypes.OfStorage(source), new CopyAction(source, sourceOffset, destination, destinationOffset, layout));
    }

    /// <summary>Dims of size 1 dropped and neighbours merged where both layouts step through them as one dim.</summary>
    private static (int[] Shape, int[] Source, int[] Destination) Coalesce(int[] shape, int[] source, int[] destination)
    {
        var sizes = new List<int>(shape.Length);
        var a = new List<int>(shape.Length);
        var b = new List<int>(shape.Length);
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            int last = sizes.Count - 1;
            if (last >= 0 && a[last] == (long)source[d] * shape[d] && b[last] == (long)destination[d] * shape[d])
            {
                sizes[last] *= shape[d];
                a[last] = source[d];
                b[last] = destination[d];
            }
            else
            {
                sizes.Add(shape[d]);
                a.Add(source[d]);
                b.Add(destination[d]);
            }
        }
        return ([.. sizes], [.. a], [.. b]);
    }

    private readonly struct CopyAction(Array source, int sourceOffset, Array destination, int destinationOffset, (int[] Shape, int[] Source, int[] Destination) layout) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged => Copy((T[])source, sourceOffset, (T[])destination, destinationOffset, layout.Shape, layout.Source, layout.Destination);
    }

    private static void Copy<T>(T[] source, int sourceOffset, T[] destination, int destinationOffset, int[] shape, int[] a, int[] b) where T : unmanaged
    {
        int rank = shape.Length;
        if (rank == 0)
        {
            destination[destinationOffset] = source[sourceOffset];
            return;
        }
        int inner = shape[rank - 1], innerA = a[rank - 1], innerB = b[rank - 1];
        // A matrix stored transposed into row-major order: the register-blocked transpose (T() of a weight, say).
        if (rank == 2 && innerB == 1 && a[0] == 1 && innerA > 0)
        {
            TransposeBlock.Run(ref source[sourceOffset], innerA, ref destination[destinationOffset], b[0], inner, shape[0]);
            return;
        }
        int outer = Shapes.NumElements(shape.AsSpan(0, rank - 1));
        var rows = new Rows<T>(source, sourceOffset, destination, destinationOffset, shape, a, b);
        // Within one array the rows go in order, one thread, as they always have.
        if (ReferenceEquals(source, destination)) rows.Run(0, outer);
        else Parallelism.ForRanges(outer, inner, rows);
    }

    /// <summary>Rows [start, end) of the outer dims, each a run along the last dim.</summary>
    private readonly struct Rows<T>(T[] source, int sourceOffset, T[] destination, int destinationOffset, int[] shape, int[] a, int[] b) : IRangeBody
        where T : unmanaged
    {
        public void Run(int start, int end)
        {
            int rank = shape.Length, inner = shape[rank - 1], innerA = a[rank - 1], innerB = b[rank - 1];
            Span<int> index = stackalloc int[rank - 1];
            int from = sourceOffset, to = destinationOffset;
            // The multi-index of the first row, and where it starts in each layout.
            for (int d = rank - 2, rest = start; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
                from += index[d] * a[d];
                to += index[d] * b[d];
            }
            ref T s = ref MemoryMarshal.GetArrayDataReference(source);
            ref T t = ref MemoryMarshal.GetArrayDataReference(destination);
            for (int row = start; row < end; row++)
            {
                CopyRow(ref Unsafe.Add(ref s, from), innerA, ref Unsafe.Add(ref t, to), innerB, inner);
                // Odometer over the outer dims.
                for (int d = rank - 2; d >= 0; d--)
                {
                    from += a[d];
                    to += b[d];
                    if (++index[d] < shape[d]) break;
                    from -= a[d] * shape[d];
                    to -= b[d] * shape[d];
                    index[d] = 0;
                }
            }
        }
    }

    /// <summary>
    /// One row of <paramref name="count"/> elements: a contiguous run as a block copy (short ones in 32-byte vectors,
    /// where a call to memmove costs more than the copy: the 32-float rows of an attention head), a broadcast element
    /// (expand's stride 0) as a fill, anything else element by element.
    /// </summary>
    private static void CopyRow<T>(ref T source, int sourceStride, ref T destination, int destinationStride, int count) where T : unmanaged
    {
        if (sourceStride == 1 && destinationStride == 1)
        {
            nuint bytes = (nuint)count * (nuint)Unsafe.SizeOf<T>();
            ref byte from = ref Unsafe.As<T, byte>(ref source), to = ref Unsafe.As<T, byte>(ref destination);
            if (bytes < (nuint)Vector256<byte>.Count || bytes > 512 || !Vector256.IsHardwareAccelerated)
            {
                Unsafe.CopyBlockUnaligned(ref to, ref from, (uint)bytes);
                return;
            }
            // Whole vectors, then one more ending at the row's end (it may overlap the last: the same bytes again).
            nuint last = bytes - (nuint)Vector256<byte>.Count;
            for (nuint i = 0; i < last; i += (nuint)Vector256<byte>.Count) Vector256.LoadUnsafe(ref from, i).StoreUnsafe(ref to, i);
            Vector256.LoadUnsafe(ref from, last).StoreUnsafe(ref to, last);
            return;
        }
        if (sourceStride == 0 && destinationStride == 1)
        {
            MemoryMarshal.CreateSpan(ref destination, count).Fill(source);
            return;
        }
        for (int i = 0, p = 0, q = 0; i < count; i++, p += sourceStride, q += destinationStride) Unsafe.Add(ref destination, q) = Unsafe.Add(ref source, p);
    }
}
