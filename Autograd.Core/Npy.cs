using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Autograd;

/// <summary>
/// NumPy's .npy format for float32, float64 and int64 arrays. Writes version 1.0 exactly as np.save does (header
/// padded to 64 bytes, little-endian, C order); reads versions 1.0 to 3.0, either byte order and Fortran order.
/// </summary>
internal static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Alignment = 64;

    public static void Write(Tensor tensor, Stream stream)
    {
        string dict = $"{{'descr': '{Descr(tensor.DType)}', 'fortran_order': False, 'shape': {ShapeText(tensor.Dims)}, }}";
        // Magic, version and the 2-byte length come before the header, which ends in a newline; spaces pad it to the alignment.
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        string header = dict + new string(' ', Alignment - unpadded % Alignment) + "\n";
        var preamble = new byte[Magic.Length + 4];
        Magic.CopyTo(preamble, 0);
        preamble[Magic.Length] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(preamble.AsSpan(Magic.Length + 2), checked((ushort)header.Length));
        stream.Write(preamble);
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(ElementBytes(tensor.Values));
    }

    public static Tensor Read(Stream stream)
    {
        var magic = new byte[Magic.Length + 2];
        stream.ReadExactly(magic);
        if (!magic.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new ArgumentException("the magic string is not correct; expected b'\\x93NUMPY': not a .npy file");
        int major = magic[Magic.Length];
        if (major is < 1 or > 3) throw new ArgumentException($"we only support format version (1,0), (2,0), and (3,0), not ({major}, {magic[^1]})");
        var length = new byte[major == 1 ? 2 : 4];
        stream.ReadExactly(length);
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(length) : checked((int)BinaryPrimitives.ReadUInt32LittleEndian(length));
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        var (dtype, bigEndian) = ParseDescr(Field(DescrField(), header, "descr"));
        bool fortranOrder = Field(FortranField(), header, "fortran_order") == "True";
        int[] shape = [.. Field(ShapeField(), header, "shape").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];

        var tensor = Tensor.Empty(dtype, shape);
        var bytes = ElementBytes(tensor.Values);
        stream.ReadExactly(bytes);
        int size = Size(dtype);
        if (bigEndian)
        {
            for (int i = 0; i < bytes.Length; i += size) bytes.Slice(i, size).Reverse();
        }
        if (fortranOrder && shape.Length > 1) ToRowMajor(bytes, shape, size);
        return tensor;
    }

    /// <summary>NumPy's type string, little-endian: '&lt;f4', '&lt;f8' or '&lt;i8'.</summary>
    private static string Descr(DType dtype) => $"<{(dtype == DType.Int64 ? 'i' : 'f')}{Size(dtype)}";

    private static int Size(DType dtype) => dtype == DType.Float32 ? 4 : 8;

    private static string ShapeText(int[] shape) => shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";

    private static (DType, bool BigEndian) ParseDescr(string descr)
    {
        DType? dtype = descr.Length == 3 ? descr[1..] switch { "f4" => DType.Float32, "f8" => DType.Float64, "i8" => DType.Int64, _ => null } : null;
        if (dtype is null || descr[0] is not ('<' or '>' or '='))
            throw new ArgumentException($"unsupported .npy dtype '{descr}': float32 ('<f4'), float64 ('<f8') and int64 ('<i8') are supported");
        return (dtype.Value, descr[0] == '>');
    }

    private static string Field(Regex pattern, string header, string key)
    {
        var match = pattern.Match(header);
        if (!match.Success) throw new ArgumentException($"the .npy header has no valid '{key}' entry: {header.Trim()}");
        return match.Groups[1].Value;
    }

    private static Span<byte> ElementBytes(Array data) => data switch
    {
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
        long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Reorders elements stored column-major (first index fastest) into row-major order.</summary>
    private static void ToRowMajor(Span<byte> bytes, int[] shape, int size)
    {
        var source = bytes.ToArray();
        var columnStrides = new int[shape.Length];
        for (int d = 0, stride = 1; d < shape.Length; stride *= shape[d], d++) columnStrides[d] = stride;
        var index = new int[shape.Length];
        int offset = 0;
        for (int i = 0; i < bytes.Length / size; i++)
        {
            source.AsSpan(offset * size, size).CopyTo(bytes.Slice(i * size, size));
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                offset += columnStrides[d];
                if (++index[d] < shape[d]) break;
                offset -= columnStrides[d] * shape[d];
                index[d] = 0;
            }
        }
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrField();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranField();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeField();
}
