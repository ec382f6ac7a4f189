namespace Autograd;

/// <summary>Element types. <see cref="Float32"/> is the default, as in PyTorch.</summary>
public enum DType { Float32, Float64, Int64 }

internal static class DTypes
{
    public static bool IsFloating(this DType dtype) => dtype != DType.Int64;

    public static string TorchName(this DType dtype) => dtype switch
    {
        DType.Float32 => "torch.float32",
        DType.Float64 => "torch.float64",
        _ => "torch.int64",
    };

    public static Array Allocate(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new float[length],
        DType.Float64 => new double[length],
        _ => new long[length],
    };

    public static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(long) ? DType.Int64
        : throw new NotSupportedException($"Element type {typeof(T).Name} is not a tensor element type; use float, double or long.");

    /// <summary>
    /// PyTorch's result type for two tensor operands: a 0-d tensor takes part only when it is of a higher category
    /// (floating over integer) than the tensors with dims, so float32[4] + float64 0-d stays float32.
    /// </summary>
    public static DType Promote(Tensor a, Tensor b)
    {
        if ((a.Rank > 0) == (b.Rank > 0)) return Promote(a.DType, b.DType);
        var (dimensioned, zeroDim) = a.Rank > 0 ? (a, b) : (b, a);
        return zeroDim.DType.IsFloating() && !dimensioned.DType.IsFloating() ? zeroDim.DType : dimensioned.DType;
    }

    public static DType Promote(DType a, DType b) =>
        a == DType.Float64 || b == DType.Float64 ? DType.Float64
        : a == DType.Float32 || b == DType.Float32 ? DType.Float32
        : DType.Int64;
}
