using System.Numerics;

namespace Autograd;

/// <summary>Element types, as <c>torch.dtype</c>. <see cref="Float32"/> is the default, as in PyTorch.</summary>
public enum DType
{
    /// <summary><c>torch.float32</c>, stored as float.</summary>
    Float32,
    /// <summary><c>torch.float64</c>, stored as double.</summary>
    Float64,
    /// <summary><c>torch.int64</c>, stored as long.</summary>
    Int64,
    /// <summary><c>torch.bool</c>, stored as bool: comparisons, masks, Any and All.</summary>
    Bool,
}

/// <summary>
/// The one table of dtypes: names, storage types, categories and PyTorch's promotion. A dtype is added here (and in
/// the switches of <see cref="Dispatch{TAction, TResult}"/>, <see cref="DispatchNumeric{TAction, TResult}"/> and
/// <see cref="DispatchFloating{TAction, TResult}"/>, the only switches from dtype to storage type).
/// </summary>
internal static class DTypes
{
    private readonly record struct Info(string TorchName, string ScalarName, string LegacyTypeName, Type Element, int ElementSize, int Category);

    // Category: 0 bool, 1 integer, 2 floating; promotion between tensors of dims picks the higher category, then the wider type.
    private static readonly Info[] Table =
    [
        new("torch.float32", "Float", "torch.FloatTensor", typeof(float), 4, 2),
        new("torch.float64", "Double", "torch.DoubleTensor", typeof(double), 8, 2),
        new("torch.int64", "Long", "torch.LongTensor", typeof(long), 8, 1),
        new("torch.bool", "Bool", "torch.BoolTensor", typeof(bool), 1, 0),
    ];

    private static Info Of(DType dtype) => (uint)dtype < (uint)Table.Length ? Table[(int)dtype]
        : throw new ArgumentException($"{(int)dtype} is not a valid DType", nameof(dtype));

    /// <summary>Throws for a value outside the enum, so no caller treats it as some other dtype.</summary>
    public static DType Validate(this DType dtype)
    {
        _ = Of(dtype);
        return dtype;
    }

    public static bool IsFloating(this DType dtype) => Of(dtype).Category == 2;

    public static string TorchName(this DType dtype) => Of(dtype).TorchName;

    /// <summary>The scalar type name PyTorch's messages use: "Float", "Long", "Bool".</summary>
    public static string ScalarName(this DType dtype) => Of(dtype).ScalarName;

    /// <summary>The legacy tensor type name of PyTorch's messages: "torch.FloatTensor".</summary>
    public static string LegacyTypeName(this DType dtype) => Of(dtype).LegacyTypeName;

    public static int ElementSize(this DType dtype) => Of(dtype).ElementSize;

    /// <summary>Runs <paramref name="action"/> with the element type of <paramref name="dtype"/>: the one switch from dtype to type.</summary>
    public static TResult Dispatch<TAction, TResult>(DType dtype, TAction action) where TAction : IElementFunc<TResult> => dtype switch
    {
        DType.Float32 => action.Invoke<float>(),
        DType.Float64 => action.Invoke<double>(),
        DType.Int64 => action.Invoke<long>(),
        DType.Bool => action.Invoke<bool>(),
        _ => throw new ArgumentException($"{(int)dtype} is not a valid DType", nameof(dtype)),
    };

    /// <summary>Runs <paramref name="action"/> with the element type of <paramref name="dtype"/>, for actions without a result.</summary>
    public static void Dispatch<TAction>(DType dtype, TAction action) where TAction : IElementAction =>
        Dispatch<ActionAdapter<TAction>, bool>(dtype, new ActionAdapter<TAction>(action));

    private readonly struct ActionAdapter<TAction>(TAction action) : IElementFunc<bool> where TAction : IElementAction
    {
        public bool Invoke<T>() where T : unmanaged
        {
            action.Invoke<T>();
            return true;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the element type of a float, double or long <paramref name="dtype"/>; any
    /// other throws PyTorch's <c>"op" not implemented for 'Bool'</c> naming <paramref name="opName"/>.
    /// </summary>
    public static TResult DispatchNumeric<TAction, TResult>(DType dtype, TAction action, string opName) where TAction : INumericFunc<TResult> => dtype switch
    {
        DType.Float32 => action.Invoke<float>(),
        DType.Float64 => action.Invoke<double>(),
        DType.Int64 => action.Invoke<long>(),
        _ => throw NotImplemented(opName, dtype),
    };

    /// <summary>Runs <paramref name="action"/> with the element type of a float, double or long <paramref name="dtype"/>, for actions without a result.</summary>
    public static void DispatchNumeric<TAction>(DType dtype, TAction action, string opName) where TAction : INumericAction =>
        DispatchNumeric<NumericAdapter<TAction>, bool>(dtype, new NumericAdapter<TAction>(action), opName);

    private readonly struct NumericAdapter<TAction>(TAction action) : INumericFunc<bool> where TAction : INumericAction
    {
        public bool Invoke<T>() where T : unmanaged, INumber<T>
        {
            action.Invoke<T>();
            return true;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the element type of a floating <paramref name="dtype"/>; any other throws
    /// PyTorch's <c>"op" not implemented for 'Long'</c> naming <paramref name="opName"/>.
    /// </summary>
    public static TResult DispatchFloating<TAction, TResult>(DType dtype, TAction action, string opName) where TAction : IFloatingFunc<TResult> => dtype switch
    {
        DType.Float32 => action.Invoke<float>(),
        DType.Float64 => action.Invoke<double>(),
        _ => throw NotImplemented(opName, dtype),
    };

    /// <summary>Runs <paramref name="action"/> with the element type of a floating <paramref name="dtype"/>, for actions without a result.</summary>
    public static void DispatchFloating<TAction>(DType dtype, TAction action, string opName) where TAction : IFloatingAction =>
        DispatchFloating<FloatingAdapter<TAction>, bool>(dtype, new FloatingAdapter<TAction>(action), opName);

    private readonly struct FloatingAdapter<TAction>(TAction action) : IFloatingFunc<bool> where TAction : IFloatingAction
    {
        public bool Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            action.Invoke<T>();
            return true;
        }
    }

    /// <summary>PyTorch's refusal of a dtype an op has no kernel for.</summary>
    public static ArgumentException NotImplemented(string opName, DType dtype) =>
        new($"\"{opName}\" not implemented for '{dtype.ScalarName()}'");

    public static Array Allocate(DType dtype, int length) => Dispatch<Allocation, Array>(dtype, new Allocation(length, false));

    public static Array AllocateUninitialized(DType dtype, int length) => Dispatch<Allocation, Array>(dtype, new Allocation(length, true));

    private readonly struct Allocation(int length, bool uninitialized) : IElementFunc<Array>
    {
        public Array Invoke<T>() where T : unmanaged
        {
            if (BufferPool.Take<T>(length) is { } reused)
            {
                if (!uninitialized) Array.Clear(reused);
                return reused;
            }
            return uninitialized ? GC.AllocateUninitializedArray<T>(length) : new T[length];
        }
    }

    public static DType Of<T>() where T : unmanaged => OfElement(typeof(T));

    /// <summary>The dtype of a storage array.</summary>
    public static DType OfStorage(Array data) => OfElement(data.GetType().GetElementType()!);

    private static DType OfElement(Type element)
    {
        for (int i = 0; i < Table.Length; i++)
        {
            if (Table[i].Element == element) return (DType)i;
        }
        throw new NotSupportedException($"Element type {element.Name} is not a tensor element type; use float, double, long or bool.");
    }

    /// <summary>
    /// PyTorch's result type for two tensor operands: a 0-d tensor takes part only when it is of a higher category
    /// (floating over integer over bool) than the tensors with dims, so float32[4] + float64 0-d stays float32.
    /// </summary>
    public static DType Promote(Tensor a, Tensor b)
    {
        if ((a.Rank > 0) == (b.Rank > 0)) return Promote(a.DType, b.DType);
        var (dimensioned, zeroDim) = a.Rank > 0 ? (a, b) : (b, a);
        return Of(zeroDim.DType).Category > Of(dimensioned.DType).Category ? zeroDim.DType : dimensioned.DType;
    }

    public static DType Promote(DType a, DType b) =>
        a == DType.Float64 || b == DType.Float64 ? DType.Float64
        : a == DType.Float32 || b == DType.Float32 ? DType.Float32
        : a == DType.Int64 || b == DType.Int64 ? DType.Int64
        : DType.Bool;
}

/// <summary>A generic computation over one element type, run through <see cref="DTypes.Dispatch{TAction, TResult}"/>.</summary>
internal interface IElementFunc<out TResult>
{
    TResult Invoke<T>() where T : unmanaged;
}

/// <summary>A generic action over one element type, run through <see cref="DTypes.Dispatch{TAction}"/>.</summary>
internal interface IElementAction
{
    void Invoke<T>() where T : unmanaged;
}

/// <summary>A generic computation over float, double or long, run through <see cref="DTypes.DispatchNumeric{TAction, TResult}"/>.</summary>
internal interface INumericFunc<out TResult>
{
    TResult Invoke<T>() where T : unmanaged, INumber<T>;
}

/// <summary>A generic action over float, double or long, run through <see cref="DTypes.DispatchNumeric{TAction}"/>.</summary>
internal interface INumericAction
{
    void Invoke<T>() where T : unmanaged, INumber<T>;
}

/// <summary>A generic computation over float or double, run through <see cref="DTypes.DispatchFloating{TAction, TResult}"/>.</summary>
internal interface IFloatingFunc<out TResult>
{
    TResult Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A generic action over float or double, run through <see cref="DTypes.DispatchFloating{TAction}"/>.</summary>
internal interface IFloatingAction
{
    void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>;
}
