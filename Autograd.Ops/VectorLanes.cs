using System.Numerics;
using System.Runtime.Intrinsics;

namespace Autograd;

/// <summary>
/// Loads, stores and adds of one vector width (or of single elements), so a kernel written once over
/// <typeparamref name="TVector"/> serves every width the machine has. Elementwise additions give the same bits at
/// every width, which lets exact-order kernels (the cascade sum) use the widest.
/// </summary>
internal interface ILanes<TVector, T> where TVector : struct
{
    static abstract int Count { get; }
    static abstract TVector Load(ref T source);
    static abstract void Store(TVector value, ref T destination);
    static abstract TVector Add(TVector left, TVector right);
}

/// <summary>The lanes the GEMM micro-kernel needs besides loads and stores.</summary>
internal interface IVectorLanes<TVector, T> : ILanes<TVector, T> where TVector : struct
{
    static abstract TVector Broadcast(T value);
    /// <summary>left * right + addend, fused (one rounding) for floating types.</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);
}

internal readonly struct Lanes512<T> : IVectorLanes<Vector512<T>, T> where T : unmanaged
{
    public static int Count => Vector512<T>.Count;
    public static Vector512<T> Load(ref T source) => Vector512.LoadUnsafe(ref source);
    public static void Store(Vector512<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    public static Vector512<T> Add(Vector512<T> left, Vector512<T> right) => left + right;
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);
    public static Vector512<T> MultiplyAdd(Vector512<T> left, Vector512<T> right, Vector512<T> addend) =>
        typeof(T) == typeof(float) ? Vector512.FusedMultiplyAdd(left.AsSingle(), right.AsSingle(), addend.AsSingle()).As<float, T>()
        : typeof(T) == typeof(double) ? Vector512.FusedMultiplyAdd(left.AsDouble(), right.AsDouble(), addend.AsDouble()).As<double, T>()
        : left * right + addend;
}

internal readonly struct Lanes256<T> : IVectorLanes<Vector256<T>, T> where T : unmanaged
{
    public static int Count => Vector256<T>.Count;
    public static Vector256<T> Load(ref T source) => Vector256.LoadUnsafe(ref source);
    public static void Store(Vector256<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    public static Vector256<T> Add(Vector256<T> left, Vector256<T> right) => left + right;
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);
    public static Vector256<T> MultiplyAdd(Vector256<T> left, Vector256<T> right, Vector256<T> addend) =>
        typeof(T) == typeof(float) ? Vector256.FusedMultiplyAdd(left.AsSingle(), right.AsSingle(), addend.AsSingle()).As<float, T>()
        : typeof(T) == typeof(double) ? Vector256.FusedMultiplyAdd(left.AsDouble(), right.AsDouble(), addend.AsDouble()).As<double, T>()
        : left * right + addend;
}

internal readonly struct Lanes128<T> : IVectorLanes<Vector128<T>, T> where T : unmanaged
{
    public static int Count => Vector128<T>.Count;
    public static Vector128<T> Load(ref T source) => Vector128.LoadUnsafe(ref source);
    public static void Store(Vector128<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    public static Vector128<T> Add(Vector128<T> left, Vector128<T> right) => left + right;
    public static Vector128<T> Broadcast(T value) => Vector128.Create(value);
    public static Vector128<T> MultiplyAdd(Vector128<T> left, Vector128<T> right, Vector128<T> addend) =>
        typeof(T) == typeof(float) ? Vector128.FusedMultiplyAdd(left.AsSingle(), right.AsSingle(), addend.AsSingle()).As<float, T>()
        : typeof(T) == typeof(double) ? Vector128.FusedMultiplyAdd(left.AsDouble(), right.AsDouble(), addend.AsDouble()).As<double, T>()
        : left * right + addend;
}

/// <summary>One element at a time: the columns a kernel has left after its last whole vector.</summary>
internal readonly struct ScalarLanes<T> : ILanes<T, T> where T : unmanaged, INumber<T>
{
    public static int Count => 1;
    public static T Load(ref T source) => source;
    public static void Store(T value, ref T destination) => destination = value;
    public static T Add(T left, T right) => left + right;
}
