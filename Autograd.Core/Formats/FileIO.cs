using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Autograd.Formats;

/// <summary>
/// What every reader and writer of a tensor file shares: errors that name the file, reads that never allocate more
/// than the input holds, element bytes of any tensor array, and saves that replace the target only once complete.
/// </summary>
internal static class FileIO
{
    /// <summary>The most elements a tensor of this library holds (its storage is one .NET array).</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>The most dims a file may give a tensor: NumPy 2's limit (PyTorch allows 64 as well).</summary>
    public const int MaxDims = 64;

    /// <summary>An <see cref="InvalidDataException"/> naming the file and the problem.</summary>
    public static InvalidDataException Invalid(string source, string problem, Exception? inner = null) =>
        new($"{source}: {problem}", inner);

    /// <summary>
    /// Fills <paramref name="buffer"/> from <paramref name="stream"/>; a stream that ends first is an
    /// <see cref="InvalidDataException"/> saying what was being read.
    /// </summary>
    public static void ReadExactly(Stream stream, Span<byte> buffer, string source, string what)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer[total..]);
            if (read == 0) throw Invalid(source, $"the file ends inside {what} ({total} of {buffer.Length} bytes present)");
            total += read;
        }
    }

    /// <summary>Product of <paramref name="shape"/> in checked 64-bit arithmetic; beyond <see cref="MaxElements"/> is invalid data.</summary>
    public static long ElementCount(ReadOnlySpan<long> shape, string source)
    {
        long count = 1;
        foreach (long size in shape)
        {
            if (size < 0) throw Invalid(source, $"negative dimension {size} in shape ({string.Join(", ", shape.ToArray())})");
            // Past the limit the product stays past it (or becomes 0), so stop before it can overflow.
            if (size != 0 && count > MaxElements / size && count != 0)
                throw Invalid(source, $"shape ({string.Join(", ", shape.ToArray())}) has more elements than the {MaxElements} a tensor can hold");
            count *= size;
        }
        return count;
    }

    /// <summary>The shape as ints, after <see cref="ElementCount"/> has bounded it.</summary>
    public static int[] ToDims(ReadOnlySpan<long> shape, string source)
    {
        if (shape.Length > MaxDims) throw Invalid(source, $"{shape.Length} dims exceed the limit of {MaxDims}");
        ElementCount(shape, source);
        var dims = new int[shape.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (shape[i] > int.MaxValue) throw Invalid(source, $"dimension {shape[i]} is larger than {int.MaxValue}");
            dims[i] = (int)shape[i];
        }
        return dims;
    }

    /// <summary>Reads <paramref name="data"/>.Length elements of little-endian bytes into the array (in chunks, so any size works).</summary>
    public static void ReadElements(Stream stream, Array data, ElementType type, string source, string what)
    {
        long bytes = (long)data.Length * type.Size;
        for (long offset = 0; offset < bytes; offset += Chunk)
            ReadExactly(stream, ByteSpan(data, offset, (int)Math.Min(Chunk, bytes - offset)), source, what);
    }

    /// <summary>Writes the elements of <paramref name="data"/> as little-endian bytes.</summary>
    public static void WriteElements(Stream stream, Array data, ElementType type)
    {
        long bytes = (long)data.Length * type.Size;
        for (long offset = 0; offset < bytes; offset += Chunk)
            stream.Write(ByteSpan(data, offset, (int)Math.Min(Chunk, bytes - offset)));
    }

    /// <summary>Visits the element bytes of <paramref name="data"/> in chunks (for checksums).</summary>
    public static void ForEachChunk(Array data, ElementType type, SpanAction visit)
    {
        long bytes = (long)data.Length * type.Size;
        for (long offset = 0; offset < bytes; offset += Chunk) visit(ByteSpan(data, offset, (int)Math.Min(Chunk, bytes - offset)));
    }

    public delegate void SpanAction(ReadOnlySpan<byte> chunk);

    /// <summary>Reverses the byte order of every element (big-endian data).</summary>
    public static void SwapBytes(Array data, ElementType type)
    {
        long bytes = (long)data.Length * type.Size;
        for (long offset = 0; offset < bytes; offset += Chunk)
        {
            var span = ByteSpan(data, offset, (int)Math.Min(Chunk, bytes - offset));
            switch (type.Size)
            {
                case 1: break;
                case 2: var shorts = MemoryMarshal.Cast<byte, ushort>(span); BinaryPrimitives.ReverseEndianness(shorts, shorts); break;
                case 4: var ints = MemoryMarshal.Cast<byte, uint>(span); BinaryPrimitives.ReverseEndianness(ints, ints); break;
                case 8: var longs = MemoryMarshal.Cast<byte, ulong>(span); BinaryPrimitives.ReverseEndianness(longs, longs); break;
                default: throw new NotSupportedException($"{type.Size}-byte elements");
            }
        }
    }

    /// <summary>
    /// Writes a file through <paramref name="write"/> into a temporary file in the same folder, then renames it over
    /// <paramref name="path"/>: a save that fails leaves the previous file as it was.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Opens a file to read; the caller's parse errors name it by <paramref name="path"/>.</summary>
    public static FileStream OpenRead(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private const int Chunk = 1 << 30;

    private static Span<byte> ByteSpan(Array data, long offset, int length) =>
        MemoryMarshal.CreateSpan(ref Unsafe.AddByteOffset(ref MemoryMarshal.GetArrayDataReference(data), (nint)offset), length);
}
