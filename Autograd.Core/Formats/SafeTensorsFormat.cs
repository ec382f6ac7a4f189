using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Autograd.Formats;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header, then the tensors' bytes back to back.
/// Written as the safetensors package writes it: tensors ordered by descending dtype alignment then by name (UTF-8
/// bytes), compact JSON with "__metadata__" first, spaces padding the header to a multiple of 8 bytes. Read as
/// untrusted input with the package's own checks: header at most 100 MB, offsets contiguous from 0, each tensor's
/// bytes exactly its shape's, the last offset the end of the file.
/// </summary>
internal static class SafeTensorsFormat
{
    /// <summary>The safetensors package's MAX_HEADER_SIZE.</summary>
    public const long MaxHeaderSize = 100_000_000;

    private const string MetadataKey = "__metadata__";

    public static void Write(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata, Stream stream)
    {
        var ordered = tensors.Select(pair => (Name: pair.Key, Bytes: Encoding.UTF8.GetBytes(pair.Key), Tensor: pair.Value, Type: ElementTypes.Of(pair.Value.DType)))
            .OrderByDescending(t => t.Type.SafeTensorsRank)
            .ThenBy(t => t.Bytes, Utf8Order.Instance)
            .ToList();
        var json = new StringBuilder("{");
        if (metadata is not null)
        {
            json.Append('"').Append(MetadataKey).Append("\":{");
            bool first = true;
            foreach (var (key, value) in metadata.OrderBy(pair => Encoding.UTF8.GetBytes(pair.Key), Utf8Order.Instance))
            {
                if (!first) json.Append(',');
                first = false;
                AppendString(json, key).Append(':');
                AppendString(json, value ?? throw new ArgumentException($"metadata value of '{key}' is null", nameof(metadata)));
            }
            json.Append('}');
        }
        long offset = 0;
        foreach (var (name, _, tensor, type) in ordered)
        {
            if (name == MetadataKey) throw new ArgumentException($"a tensor cannot be named '{MetadataKey}'", nameof(tensors));
            long end = offset + (long)tensor.Count * type.Size;
            if (json.Length > 1) json.Append(',');
            AppendString(json, name).Append(":{\"dtype\":\"").Append(type.SafeTensorsName).Append("\",\"shape\":[")
                .AppendJoin(',', tensor.Dims).Append("],\"data_offsets\":[")
                .Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',').Append(end.ToString(CultureInfo.InvariantCulture)).Append("]}");
            offset = end;
        }
        json.Append('}');
        var header = Encoding.UTF8.GetBytes(json.ToString());
        int padding = (8 - header.Length % 8) % 8;
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(header.Length + padding));
        stream.Write(prefix);
        stream.Write(header);
        for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
        foreach (var (_, _, tensor, type) in ordered) FileIO.WriteElements(stream, StoredTensors.Elements(tensor), type);
    }

    public static Dictionary<string, Tensor> Read(Stream stream, string source)
    {
        long fileLength = stream.Length;
        if (fileLength < 8) throw FileIO.Invalid(source, $"{fileLength} bytes are too few for a safetensors file (the header length takes 8)");
        var prefix = new byte[8];
        FileIO.ReadExactly(stream, prefix, source, "the header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderSize) throw FileIO.Invalid(source, $"header length {headerLength} exceeds the limit of {MaxHeaderSize} bytes");
        if ((long)headerLength > fileLength - 8) throw FileIO.Invalid(source, $"the header claims {headerLength} bytes but only {fileLength - 8} follow");
        var header = new byte[headerLength];
        FileIO.ReadExactly(stream, header, source, "the header");
        if (header.Length == 0 || header[0] != (byte)'{') throw FileIO.Invalid(source, "the header does not start with '{'");

        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(header); }
        catch (DecoderFallbackException e) { throw FileIO.Invalid(source, "the header is not valid UTF-8", e); }

        var entries = new List<(string Name, ElementType Type, int[] Shape, long Begin, long End)>();
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw FileIO.Invalid(source, "the header is not a JSON object");
            var names = new HashSet<string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name)) throw FileIO.Invalid(source, $"the header names '{property.Name}' twice");
                if (property.Name == MetadataKey) CheckMetadata(property.Value, source);
                else entries.Add(ParseEntry(property, source));
            }
        }
        catch (JsonException e) { throw FileIO.Invalid(source, $"the header is not valid JSON: {e.Message}", e); }

        // The package reads tensors in offset order and requires them to tile the data exactly.
        entries.Sort((a, b) => (a.Begin, a.End).CompareTo((b.Begin, b.End)));
        long dataLength = fileLength - 8 - (long)headerLength, expected = 0;
        foreach (var (name, type, shape, begin, end) in entries)
        {
            if (begin != expected || end < begin) throw FileIO.Invalid(source, $"tensor '{name}' has data_offsets [{begin}, {end}]; the data must continue at {expected}");
            long bytes = FileIO.ElementCount(shape.Select(d => (long)d).ToArray(), source) * type.Size;
            if (end - begin != bytes) throw FileIO.Invalid(source, $"tensor '{name}' of shape ({string.Join(", ", shape)}) needs {bytes} bytes but its offsets give {end - begin}");
            expected = end;
        }
        if (expected != dataLength) throw FileIO.Invalid(source, $"the tensors take {expected} bytes but the file holds {dataLength} after the header");

        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, type, shape, _, _) in entries)
        {
            var tensor = Tensor.Empty(type.DType, shape);
            FileIO.ReadElements(stream, tensor.Storage.Data, type, source, $"the data of tensor '{name}'");
            tensors[name] = tensor;
        }
        return tensors;
    }

    private static (string, ElementType, int[], long, long) ParseEntry(JsonProperty property, string source)
    {
        string name = property.Name;
        var info = property.Value;
        if (info.ValueKind != JsonValueKind.Object) throw FileIO.Invalid(source, $"the entry of tensor '{name}' is not an object");
        string? dtypeName = null;
        long[]? shape = null, offsets = null;
        foreach (var field in info.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtypeName is null && field.Value.ValueKind == JsonValueKind.String: dtypeName = field.Value.GetString()!; break;
                case "shape" when shape is null: shape = Integers(field.Value, name, "shape", source); break;
                case "data_offsets" when offsets is null: offsets = Integers(field.Value, name, "data_offsets", source); break;
                default: throw FileIO.Invalid(source, $"tensor '{name}' has an unexpected or repeated field '{field.Name}'");
            }
        }
        if (dtypeName is null || shape is null || offsets is null) throw FileIO.Invalid(source, $"tensor '{name}' lacks one of dtype, shape and data_offsets");
        var type = ElementTypes.BySafeTensorsName(dtypeName)
            ?? throw FileIO.Invalid(source, $"tensor '{name}' has dtype '{dtypeName}'; supported are {string.Join(", ", ElementTypes.All.Select(t => t.SafeTensorsName))}");
        if (offsets.Length != 2) throw FileIO.Invalid(source, $"tensor '{name}' has {offsets.Length} data_offsets instead of 2");
        return (name, type, FileIO.ToDims(shape, source), offsets[0], offsets[1]);
    }

    private static long[] Integers(JsonElement value, string name, string field, string source)
    {
        if (value.ValueKind != JsonValueKind.Array) throw FileIO.Invalid(source, $"the {field} of tensor '{name}' is not an array");
        if (value.GetArrayLength() > FileIO.MaxDims) throw FileIO.Invalid(source, $"the {field} of tensor '{name}' has {value.GetArrayLength()} entries; the limit is {FileIO.MaxDims}");
        return value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetInt64(out long n) && n >= 0
            ? n
            : throw FileIO.Invalid(source, $"the {field} of tensor '{name}' holds {item.GetRawText()}, not a non-negative integer")).ToArray();
    }

    private static void CheckMetadata(JsonElement metadata, string source)
    {
        if (metadata.ValueKind != JsonValueKind.Object || metadata.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            throw FileIO.Invalid(source, $"{MetadataKey} must map strings to strings");
    }

    /// <summary>A JSON string as serde_json writes it: only '"', '\' and control characters escaped.</summary>
    private static StringBuilder AppendString(StringBuilder json, string text)
    {
        json.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }
        return json.Append('"');
    }

    /// <summary>Byte order of UTF-8 strings, as Rust compares Strings.</summary>
    private sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
