using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Autograd.Tests;

/// <summary>
/// The tensor encoding of tools/gen_random_frontend_golden.py: {"dtype", "shape", "hex"} with each element's bit
/// pattern in row-major order (8 hex digits per float32, 16 per float64 and int64), or "sha256" of the
/// little-endian bytes for large tensors.
/// </summary>
internal static class GoldenTensors
{
    public static JsonElement Load(string file)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", file);
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.Clone();
    }

    public static DType DTypeOf(JsonElement encoded) => DTypeNamed(encoded.GetProperty("dtype").GetString()!);

    public static DType DTypeNamed(string name) => name switch
    {
        "float32" => DType.Float32,
        "float64" => DType.Float64,
        "int64" => DType.Int64,
        _ => throw new ArgumentException(name),
    };

    public static int[] Shape(JsonElement encoded) => encoded.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();

    /// <summary>The tensor an encoding with "hex" holds.</summary>
    public static Tensor Decode(JsonElement encoded)
    {
        var dtype = DTypeOf(encoded);
        var bytes = LittleEndianBytes(encoded.GetProperty("hex").GetString()!, dtype == DType.Float32 ? 4 : 8);
        Array data = dtype switch
        {
            DType.Float32 => MemoryMarshal.Cast<byte, float>(bytes).ToArray(),
            DType.Float64 => MemoryMarshal.Cast<byte, double>(bytes).ToArray(),
            DType.Int64 => MemoryMarshal.Cast<byte, long>(bytes).ToArray(),
            _ => throw new ArgumentException(dtype.ToString()),
        };
        return Torch.Tensor(data).Reshape(Shape(encoded));
    }

    /// <summary>Empty when <paramref name="actual"/> has PyTorch's dtype, shape and bits; else what differs (at most 5 elements).</summary>
    public static List<string> Mismatches(JsonElement expected, Tensor actual)
    {
        var problems = new List<string>();
        if (actual.DType != DTypeOf(expected)) problems.Add($"dtype {actual.DType}, expected {DTypeOf(expected)}");
        if (!actual.Shape.SequenceEqual(Shape(expected))) problems.Add($"shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", Shape(expected))}]");
        if (problems.Count > 0) return problems;
        byte[] bytes = actual.DType switch
        {
            DType.Float32 => MemoryMarshal.AsBytes(actual.ToArray<float>().AsSpan()).ToArray(),
            DType.Float64 => MemoryMarshal.AsBytes(actual.ToArray<double>().AsSpan()).ToArray(),
            DType.Int64 => MemoryMarshal.AsBytes(actual.ToArray<long>().AsSpan()).ToArray(),
            _ => throw new ArgumentException(actual.DType.ToString()),
        };
        if (expected.TryGetProperty("sha256", out var hash))
        {
            string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (sha != hash.GetString()) problems.Add($"sha256 {sha}, expected {hash.GetString()}");
            return problems;
        }
        int width = actual.DType == DType.Float32 ? 4 : 8;
        var want = LittleEndianBytes(expected.GetProperty("hex").GetString()!, width);
        for (int i = 0; i < bytes.Length / width && problems.Count < 5; i++)
        {
            if (!bytes.AsSpan(i * width, width).SequenceEqual(want.AsSpan(i * width, width)))
                problems.Add($"[{i}]: {Hex(bytes, i, width)}, expected {Hex(want, i, width)}");
        }
        return problems;
    }

    private static string Hex(byte[] bytes, int index, int width) => Convert.ToHexStringLower(bytes.AsSpan(index * width, width).ToArray().Reverse().ToArray());

    /// <summary>Big-endian hex words of <paramref name="width"/> bytes as little-endian bytes.</summary>
    private static byte[] LittleEndianBytes(string hex, int width)
    {
        var bytes = Convert.FromHexString(hex);
        for (int i = 0; i < bytes.Length; i += width) Array.Reverse(bytes, i, width);
        return bytes;
    }
}
