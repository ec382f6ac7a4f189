using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Autograd.Formats;

/// <summary>
/// Writes a zip archive of stored (uncompressed) records, as PyTorch's writer does: each record's data can start at a
/// multiple of <c>alignment</c> bytes, padded by an extra field 'FB' of 'Z's in its local header. Archives over 4 GiB
/// (which need Zip64) are refused.
/// </summary>
internal sealed class ZipWriter(Stream stream, int alignment)
{
    private readonly List<(byte[] Name, uint Crc, uint Size, uint Offset)> records = [];
    private long position;

    public void Add(string name, byte[] data) => Add(name, (uint)data.Length, Crc32.Compute(data), s => s.Write(data));

    /// <summary>A record of <paramref name="prefix"/> followed by the element bytes of <paramref name="elements"/>.</summary>
    public void Add(string name, byte[] prefix, Array elements, ElementType type)
    {
        long size = prefix.Length + (long)elements.Length * type.Size;
        uint crc = Crc32.Compute(prefix);
        FileIO.ForEachChunk(elements, type, chunk => crc = Crc32.Append(crc, chunk));
        Add(name, Fits(size), crc, s =>
        {
            s.Write(prefix);
            FileIO.WriteElements(s, elements, type);
        });
    }

    private delegate void Writer(Stream stream);

    private void Add(string name, uint size, uint crc, Writer write)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        long dataStart = position + 30 + nameBytes.Length + (alignment > 1 ? 4 : 0);
        int padding = alignment > 1 ? (int)((alignment - dataStart % alignment) % alignment) : 0;
        int extra = alignment > 1 ? 4 + padding : 0;
        var header = new byte[30 + nameBytes.Length + extra];
        var span = header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], 20);       // version needed to extract: 2.0
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], 0x0800);   // names are UTF-8
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], 0);        // stored
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], 0);       // time 00:00:00
        BinaryPrimitives.WriteUInt16LittleEndian(span[12..], DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[18..], size);
        BinaryPrimitives.WriteUInt32LittleEndian(span[22..], size);
        BinaryPrimitives.WriteUInt16LittleEndian(span[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[28..], (ushort)extra);
        nameBytes.CopyTo(span[30..]);
        if (alignment > 1)
        {
            var field = span[(30 + nameBytes.Length)..];
            field[0] = (byte)'F';
            field[1] = (byte)'B';
            BinaryPrimitives.WriteUInt16LittleEndian(field[2..], (ushort)padding);
            field[4..].Fill((byte)'Z');
        }
        records.Add((nameBytes, crc, size, Fits(position)));
        stream.Write(header);
        write(stream);
        position = checked(position + header.Length + size);
    }

    /// <summary>Writes the central directory; the archive is complete after this.</summary>
    public void Finish()
    {
        long directoryStart = position;
        foreach (var (name, crc, size, offset) in records)
        {
            var entry = new byte[46 + name.Length];
            var span = entry.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(span[4..], 20);   // made by: 2.0, MS-DOS attributes
            BinaryPrimitives.WriteUInt16LittleEndian(span[6..], 20);
            BinaryPrimitives.WriteUInt16LittleEndian(span[8..], 0x0800);
            BinaryPrimitives.WriteUInt16LittleEndian(span[10..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(span[12..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(span[14..], DosDate);
            BinaryPrimitives.WriteUInt32LittleEndian(span[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(span[20..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(span[24..], size);
            BinaryPrimitives.WriteUInt16LittleEndian(span[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(span[42..], offset);
            name.CopyTo(span[46..]);
            stream.Write(entry);
            position += entry.Length;
        }
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), checked((ushort)records.Count));
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), checked((ushort)records.Count));
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), Fits(position - directoryStart));
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), Fits(directoryStart));
        stream.Write(end);
    }

    /// <summary>1980-01-01, the earliest date a zip can hold: archives do not depend on when they were written.</summary>
    private const ushort DosDate = (0 << 9) | (1 << 5) | 1;

    private static uint Fits(long value) => value < uint.MaxValue
        ? (uint)value
        : throw new NotSupportedException("archives larger than 4 GiB (Zip64) are not supported");
}

/// <summary>The zip checksum (CRC-32, polynomial 0xEDB88320).</summary>
internal static class Crc32
{
    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        crc = ~crc;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }
}

/// <summary>
/// Reads a zip archive (System.IO.Compression) as untrusted input: a record's claimed size is checked against what
/// the file can hold before it is read, and every failure of the archive is an <see cref="InvalidDataException"/>
/// naming the file.
/// </summary>
internal sealed class ZipReader : IDisposable
{
    private readonly ZipArchive archive;
    private readonly long fileLength;
    private readonly string source;

    /// <summary>Deflate cannot expand data by more than this factor (RFC 1951 blocks of repeated bytes).</summary>
    private const long MaxDeflateRatio = 1032;

    public ZipReader(Stream stream, string source)
    {
        this.source = source;
        fileLength = stream.Length;
        archive = Guard(() => new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true), "the zip directory");
        Entries = Guard(() => archive.Entries.ToList(), "the zip directory");
    }

    public IReadOnlyList<ZipArchiveEntry> Entries { get; }

    /// <summary>The record's size once decompressed, checked against what the file can hold.</summary>
    public long Length(ZipArchiveEntry entry)
    {
        long length = Guard(() => entry.Length, entry.FullName), compressed = Guard(() => entry.CompressedLength, entry.FullName);
        if (length < 0 || compressed < 0 || compressed > fileLength)
            throw FileIO.Invalid(source, $"zip record '{entry.FullName}' claims {compressed} bytes in a file of {fileLength}");
        if (length > Math.Max(compressed, 1) * MaxDeflateRatio)
            throw FileIO.Invalid(source, $"zip record '{entry.FullName}' claims {length} bytes from {compressed} compressed bytes");
        return length;
    }

    /// <summary>Runs <paramref name="read"/> on the record's decompressed stream, which holds <see cref="Length"/> bytes.</summary>
    public T Read<T>(ZipArchiveEntry entry, Func<Stream, long, T> read)
    {
        long length = Length(entry);
        return Guard(() =>
        {
            using var stream = entry.Open();
            return read(stream, length);
        }, $"zip record '{entry.FullName}'");
    }

    /// <summary>All bytes of a record, after checking its size.</summary>
    public byte[] ReadAll(ZipArchiveEntry entry, long limit)
    {
        long length = Length(entry);
        if (length > limit) throw FileIO.Invalid(source, $"zip record '{entry.FullName}' holds {length} bytes; at most {limit} are expected");
        return Read(entry, (stream, _) =>
        {
            var bytes = new byte[length];
            FileIO.ReadExactly(stream, bytes, source, $"zip record '{entry.FullName}'");
            return bytes;
        });
    }

    /// <summary>The archive's own failures (corrupt headers, unsupported methods, bad checksums) as invalid data.</summary>
    private T Guard<T>(Func<T> action, string what)
    {
        try { return action(); }
        catch (InvalidDataException e) when (!e.Message.StartsWith(source + ": ", StringComparison.Ordinal))
        {
            throw FileIO.Invalid(source, $"{what}: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ArgumentException or InvalidOperationException or OverflowException)
        {
            throw FileIO.Invalid(source, $"{what}: {e.Message}", e);
        }
    }

    public void Dispose() => archive.Dispose();
}
