using System.Globalization;

namespace Autograd;

/// <summary>Formatting and reading out elements: Python's <c>format(tensor, spec)</c> and <c>tensor.tolist()</c>'s nesting.</summary>
public sealed partial class Tensor : IFormattable
{
    /// <summary>
    /// Invariant numbers with Python's spellings of NaN and infinities (<c>format(float("nan"), ".4f")</c> is "nan"),
    /// used when no format provider is given.
    /// </summary>
    private static readonly NumberFormatInfo PythonNumbers = new()
    {
        NaNSymbol = "nan",
        PositiveInfinitySymbol = "inf",
        NegativeInfinitySymbol = "-inf",
    };

    /// <summary>
    /// Python's <c>format(tensor, spec)</c>, so interpolated strings work as f-strings. A null or empty
    /// <paramref name="format"/> gives <c>str(tensor)</c> (<c>$"{loss}"</c> is <c>tensor(1.8978, grad_fn=&lt;NllLossBackward0&gt;)</c>,
    /// as <see cref="ToString()"/>). Any other format applies to a 0-d tensor's number, as PyTorch formats
    /// <c>tensor.item()</c>: a .NET numeric format string (<c>$"{loss:F4}"</c> is Python's <c>f"{loss:.4f}"</c>) applied to
    /// the element as a double (float32 widened exactly, as Python's float), to an Int64 element as a long, and to a
    /// Bool element as 1 or 0 (Python formats <c>True</c> with a numeric spec as 1). Without a provider the invariant
    /// culture is used, with NaN and infinities spelled as Python spells them ("nan", "inf", "-inf").
    /// </summary>
    /// <exception cref="FormatException">A non-empty format on a tensor with dims (PyTorch's TypeError), or a format
    /// string .NET does not accept for the element's type.</exception>
    public string ToString(string? format, IFormatProvider? formatProvider)
    {
        if (string.IsNullOrEmpty(format)) return ToString();
        if (Rank != 0) throw new FormatException("unsupported format string passed to Tensor.__format__");
        var provider = formatProvider ?? PythonNumbers;
        return DType switch
        {
            DType.Float32 or DType.Float64 => Item<double>().ToString(format, provider),
            DType.Int64 => Item<long>().ToString(format, provider),
            DType.Bool => (Item<bool>() ? 1L : 0L).ToString(format, provider),
            _ => throw new NotSupportedException($"formatting a {DType.TorchName()} tensor"),
        };
    }

    /// <summary>
    /// A copy of the elements in an array of the tensor's rank (<c>T[,]</c> for a matrix, <c>T[,,]</c> for three dims,
    /// ...), converted to <typeparamref name="T"/> as <see cref="ToArray{T}"/> converts: the nesting of
    /// <c>tensor.tolist()</c> or <c>tensor.numpy()</c>. A 1-d tensor gives <c>T[]</c>; cast the result to the array type.
    /// </summary>
    /// <exception cref="InvalidOperationException">For a 0-d tensor, which no .NET array shape holds: read it with <see cref="Item{T}"/>.</exception>
    public Array ToMultiArray<T>() where T : unmanaged
    {
        if (Rank == 0) throw new InvalidOperationException("a 0-d tensor has no array form: read its value with Item<T>()");
        var flat = ToArray<T>();
        if (Rank == 1) return flat;
        var result = Array.CreateInstance(typeof(T), Dims);
        // A multi-dimensional .NET array is row-major, so the flat elements fill it in order.
        Buffer.BlockCopy(flat, 0, result, 0, Buffer.ByteLength(flat));
        return result;
    }
}
