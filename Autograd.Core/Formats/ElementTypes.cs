namespace Autograd.Formats;

/// <summary>
/// One tensor element type as every file format names it. This table is the only place that maps a <see cref="DType"/>
/// to PyTorch's storage class, safetensors' dtype string and NumPy's type code: a new dtype is one more entry here.
/// </summary>
/// <param name="DType">The library's dtype.</param>
/// <param name="ClrType">The element type of the arrays holding it.</param>
/// <param name="Size">Bytes per element.</param>
/// <param name="TorchStorage">PyTorch's legacy typed storage class in module <c>torch</c>, as torch.save pickles it.</param>
/// <param name="SafeTensorsName">The safetensors header's dtype string.</param>
/// <param name="SafeTensorsRank">The dtype's position relative to the others in safetensors' Dtype enum, whose order
/// (by increasing alignment) its writer sorts by: BOOL before F32 before F64 before I64.</param>
/// <param name="NumpyKind">NumPy's kind character: 'f' floating, 'i' signed integer, 'b' boolean.</param>
internal sealed record ElementType(DType DType, Type ClrType, int Size, string TorchStorage, string SafeTensorsName, int SafeTensorsRank, char NumpyKind)
{
    /// <summary>NumPy's type string in little-endian order ('&lt;f4'), or with '|' for one-byte types as NumPy writes them.</summary>
    public string NumpyDescr => $"{(Size == 1 ? '|' : '<')}{NumpyKind}{Size}";
}

internal static class ElementTypes
{
    public static readonly ElementType[] All =
    [
        new(DType.Float32, typeof(float), 4, "FloatStorage", "F32", 1, 'f'),
        new(DType.Float64, typeof(double), 8, "DoubleStorage", "F64", 2, 'f'),
        new(DType.Int64, typeof(long), 8, "LongStorage", "I64", 3, 'i'),
    ];

    public static ElementType Of(DType dtype) =>
        Array.Find(All, t => t.DType == dtype) ?? throw new NotSupportedException($"dtype {dtype} has no file format mapping");

    /// <summary>The element type of an array that holds tensor elements.</summary>
    public static ElementType OfArray(Array data) =>
        Array.Find(All, t => t.ClrType == data.GetType().GetElementType()) ?? throw new NotSupportedException($"{data.GetType().Name} does not hold tensor elements");

    public static ElementType? ByTorchStorage(string name) => Array.Find(All, t => t.TorchStorage == name);

    public static ElementType? BySafeTensorsName(string name) => Array.Find(All, t => t.SafeTensorsName == name);

    public static ElementType? ByNumpy(char kind, int size) => Array.Find(All, t => t.NumpyKind == kind && t.Size == size);

    /// <summary>A zeroed array of <paramref name="length"/> elements of <paramref name="type"/>.</summary>
    public static Array Allocate(ElementType type, int length) => Array.CreateInstance(type.ClrType, length);
}
