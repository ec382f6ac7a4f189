using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Autograd.Formats;

/// <summary>
/// NumPy's .npy format. Writes version 1.0 exactly as np.save does (header padded to 64 bytes, little-endian, C order);
/// reads versions 1.0 to 3.0, either byte order and Fortran order, as untrusted input: the header within NumPy's limits,
/// the data known to be in the file before anything is allocated, every problem an <see cref="InvalidDataException"/>.
/// </summary>
internal static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Alignment = 64;

    /// <summary>np.load's max_header_size: longer headers are refused unless a version 2.0/3.0 file really holds them.</summary>
    public const int MaxHeaderSize = 10_000;

    public static void Write(Tensor tensor, Stream stream)
    {
        stream.Write(Header(tensor));
        FileIO.WriteElements(stream, StoredTensors.Elements(tensor), ElementTypes.Of(tensor.DType));
    }

    /// <summary>Magic, version 1.0, header length and the header dict, as np.save writes them before the data.</summary>
    public static byte[] Header(Tensor tensor)
    {
        var type = ElementTypes.Of(tensor.DType);
        string dict = $"{{'descr': '{type.NumpyDescr}', 'fortran_order': False, 'shape': {ShapeText(tensor.Dims)}, }}";
        // Magic, version and the 2-byte length come before the header, which ends in a newline; spaces pad it to the alignment.
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        string header = dict + new string(' ', Alignment - unpadded % Alignment) + "\n";
        var bytes = new byte[Magic.Length + 4 + header.Length];
        Magic.CopyTo(bytes, 0);
        bytes[Magic.Length] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(Magic.Length + 2), checked((ushort)header.Length));
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(Magic.Length + 4));
        return bytes;
    }

    /// <summary>Reads one array from <paramref name="stream"/>, which holds <paramref name="length"/> more bytes; errors name <paramref name="source"/>.</summary>
    public static Tensor Read(Stream stream, long length, string source)
    {
        var start = new byte[Magic.Length + 2];
        if (length < start.Length) throw FileIO.Invalid(source, $"{length} bytes are too few for a .npy file");
        FileIO.ReadExactly(stream, start, source, "the magic string");
        if (!start.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw FileIO.Invalid(source, "the magic string is not correct; expected b'\\x93NUMPY': not a .npy file");
        int major = start[Magic.Length], minor = start[^1];
        if (major is < 1 or > 3 || minor != 0)
            throw FileIO.Invalid(source, $"we only support format version (1,0), (2,0), and (3,0), not ({major}, {minor})");
        var lengthBytes = new byte[major == 1 ? 2 : 4];
        FileIO.ReadExactly(stream, lengthBytes, source, "the header length");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        long remaining = length - start.Length - lengthBytes.Length;
        if (headerLength > remaining)
            throw FileIO.Invalid(source, $"the header claims {headerLength} bytes but only {remaining} follow");
        if (major == 1 && headerLength > MaxHeaderSize)
            throw FileIO.Invalid(source, $"header length {headerLength} exceeds the limit of {MaxHeaderSize} bytes for a version 1.0 file");
        var headerBytes = new byte[headerLength];
        FileIO.ReadExactly(stream, headerBytes, source, "the header");
        remaining -= headerLength;
        string header;
        try { header = (major == 3 ? new UTF8Encoding(false, throwOnInvalidBytes: true) : Encoding.Latin1).GetString(headerBytes); }
        catch (DecoderFallbackException e) { throw FileIO.Invalid(source, "the header is not valid UTF-8", e); }

        string trimmed = header.Trim();
        if (!trimmed.StartsWith('{') || !trimmed.EndsWith('}'))
            throw FileIO.Invalid(source, $"the header is not a Python dict literal: {Shorten(trimmed)}");
        var (type, bigEndian) = ParseDescr(Field(DescrField(), header, "descr", source), source);
        bool fortranOrder = Field(FortranField(), header, "fortran_order", source) == "True";
        int[] shape = ParseShape(Field(ShapeField(), header, "shape", source), source);

        long count = FileIO.ElementCount(shape.Select(d => (long)d).ToArray(), source);
        long bytes = count * type.Size;
        if (bytes > remaining)
            throw FileIO.Invalid(source, $"the header's shape {ShapeText(shape)} needs {bytes} bytes of data but only {remaining} follow");
        var data = ElementTypes.Allocate(type, (int)count);
        FileIO.ReadElements(stream, data, type, source, "the array data");
        if (bigEndian) FileIO.SwapBytes(data, type);
        if (!fortranOrder || shape.Length < 2) return new Tensor(data, shape);
        // Column-major: the first index is the fastest, so read it back as a view with reversed strides.
        var strides = new long[shape.Length];
        for (long d = 0, stride = 1; d < shape.Length; stride *= shape[d], d++) strides[d] = stride;
        return StoredTensors.FromStorage(data, shape, strides, 0);
    }

    private static string ShapeText(int[] shape) => shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";

    private static (ElementType, bool BigEndian) ParseDescr(string descr, string source)
    {
        ElementType? type = null;
        if (descr.Length >= 3 && descr[0] is '<' or '>' or '=' or '|' && int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
            type = ElementTypes.ByNumpy(descr[1], size);
        if (type is null || (descr[0] == '|' && type.Size != 1))
            throw FileIO.Invalid(source, $"unsupported .npy dtype '{descr}': supported are {string.Join(", ", ElementTypes.All.Select(t => $"'{t.NumpyDescr}'"))}");
        return (type, descr[0] == '>' || (descr[0] == '=' && !BitConverter.IsLittleEndian));
    }

    private static int[] ParseShape(string text, string source)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        // "(3,)" splits into "3" and a trailing empty part; "()" into one empty part.
        int count = parts.Length > 0 && parts[^1].Length == 0 ? parts.Length - 1 : parts.Length;
        if (count > FileIO.MaxDims) throw FileIO.Invalid(source, $"the shape has {count} dims; the limit is {FileIO.MaxDims}");
        var shape = new int[count];
        for (int i = 0; i < count; i++)
        {
            string part = parts[i].TrimEnd('L');
            if (part.StartsWith('-') && long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long negative))
                throw FileIO.Invalid(source, $"negative dimension {negative} in shape ({text})");
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                throw FileIO.Invalid(source, $"the shape ({text}) is not a tuple of dimensions of at most {int.MaxValue}");
        }
        return shape;
    }

    private static string Field(Regex pattern, string header, string key, string source)
    {
        var matches = pattern.Matches(header);
        if (matches.Count != 1) throw FileIO.Invalid(source, $"the .npy header has no single valid '{key}' entry: {Shorten(header.Trim())}");
        return matches[0].Groups[1].Value;
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrField();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranField();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeField();
}
