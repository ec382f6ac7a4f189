using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd;

internal enum BinaryOp { Add, Subtract, Multiply, Divide }

/// <summary>Non-differentiable building blocks over contiguous buffers; the ops add the graph around them.</summary>
internal static class Kernels
{
    /// <summary>A copy converted to <paramref name="dtype"/>, or the tensor itself when it already has it.</summary>
    public static Tensor Cast(Tensor t, DType dtype)
    {
        if (t.DType == dtype) return t;
        var result = Tensor.Uninitialized(dtype, t.Dims);
        var source = t.Values;
        // Bool is no number: to bool tests for nonzero, from bool writes 0 and 1.
        if (dtype == DType.Bool) DTypes.DispatchNumeric(t.DType, new ToBool(source, (bool[])result.Storage.Data), "cast");
        else if (t.DType == DType.Bool) DTypes.Dispatch(dtype, new FromBool((bool[])source, result.Storage.Data));
        else DTypes.DispatchNumeric(t.DType, new NumericCast(source, result), "cast");
        return result;
    }

    /// <summary>
    /// <paramref name="values"/> as a tensor of numeric <paramref name="dtype"/>, converted as a cast from double: the
    /// array itself for float64, else one converted copy (no intermediate float64 tensor).
    /// </summary>
    public static Tensor FromDoubles(double[] values, int[] shape, DType dtype)
    {
        if (dtype == DType.Float64) return new Tensor(values, shape);
        var result = Tensor.Uninitialized(dtype, shape);
        DTypes.DispatchNumeric(dtype, new NumericCastFrom<double>(values, result.Storage.Data), "cast");
        return result;
    }

    /// <summary>Converts between float, double and long as C++ casts do, through a second dispatch on the destination's dtype.</summary>
    private readonly struct NumericCast(Array source, Tensor result) : INumericAction
    {
        public void Invoke<TFrom>() where TFrom : unmanaged, INumber<TFrom> =>
            DTypes.DispatchNumeric(result.DType, new NumericCastFrom<TFrom>((TFrom[])source, result.Storage.Data), "cast");
    }

    private readonly struct NumericCastFrom<TFrom>(TFrom[] source, Array destination) : INumericAction where TFrom : unmanaged, INumber<TFrom>
    {
        public void Invoke<TTo>() where TTo : unmanaged, INumber<TTo> => TensorPrimitives.ConvertTruncating<TFrom, TTo>(source, (TTo[])destination);
    }

    private readonly struct ToBool(Array source, bool[] destination) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            var s = (T[])source;
            for (int i = 0; i < destination.Length; i++) destination[i] = s[i] != T.Zero;
        }
    }

    private readonly struct FromBool(bool[] source, Array destination) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            var d = (T[])destination;
            T one = Number<T>(1), zero = Number<T>(0);
            for (int i = 0; i < d.Length; i++) d[i] = source[i] ? one : zero;
        }
    }

    /// <summary>A number as element type <typeparamref name="T"/>, converted as PyTorch converts a Python scalar.</summary>
    public static T Number<T>(double value) where T : unmanaged =>
        typeof(T) == typeof(float) ? (T)(object)(float)value
        : typeof(T) == typeof(double) ? (T)(object)value
        : typeof(T) == typeof(long) ? (T)(object)(value == Int64Limit ? long.MinValue : (long)value)
        : (T)(object)(value != 0);

    /// <summary>
    /// PyTorch's check when a Python number becomes an element (fill_, full): NaN, infinities and values beyond the range
    /// of int64, or finite values beyond float32's, cannot be converted.
    /// </summary>
    public static void CheckScalar(DType dtype, double value)
    {
        bool overflows = dtype switch
        {
            DType.Int64 => !(value >= -Int64Limit && value <= Int64Limit),
            DType.Float32 => double.IsFinite(value) && Math.Abs(value) > float.MaxValue,
            DType.Float64 or DType.Bool => false,
            _ => throw new ArgumentException($"{(int)dtype} is not a valid DType", nameof(dtype)),
        };
        if (overflows)
            throw new ArgumentException($"value cannot be converted to type {(dtype == DType.Int64 ? "int64_t" : "float")} without overflow");
    }

    /// <summary>2^63, the bound of int64 as a double (PyTorch's check accepts it, and its conversion wraps it to long.MinValue).</summary>
    private const double Int64Limit = 9223372036854775808.0;

    public static Tensor Full(DType dtype, int[] shape, double value)
    {
        var t = Tensor.Uninitialized(dtype, shape);
        DTypes.Dispatch(dtype, new Fill(t.Storage.Data, value));
        return t;
    }

    private readonly struct Fill(Array data, double value) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged => ((T[])data).AsSpan().Fill(Number<T>(value));
    }

    /// <summary>PyTorch's refusal to subtract with one bool tensor operand.</summary>
    public const string BoolSubtraction =
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.";

    /// <summary>PyTorch's refusal to subtract two bool tensors.</summary>
    public const string BoolsSubtraction =
        "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.";

    /// <summary>Elementwise <paramref name="op"/> with PyTorch's broadcasting and type promotion.</summary>
    public static Tensor Binary(Tensor a, Tensor b, BinaryOp op)
    {
        var shape = Shapes.Broadcast(a.Dims, b.Dims);
        var dtype = DTypes.Promote(a, b);
        if (op == BinaryOp.Subtract && dtype != DType.Bool && (a.DType == DType.Bool || b.DType == DType.Bool))
            throw new ArgumentException(BoolSubtraction);
        if (dtype == DType.Bool && op != BinaryOp.Divide)
        {
            // Bool + Bool is logical or and Bool * Bool logical and, as in PyTorch: computed in integers, then cast back.
            if (op == BinaryOp.Subtract)
                throw new ArgumentException(BoolsSubtraction);
            return Cast(Binary(Cast(a, DType.Int64), Cast(b, DType.Int64), op), DType.Bool);
        }
        if (op == BinaryOp.Divide && !dtype.IsFloating()) dtype = DType.Float32; // true division
        a = Cast(a, dtype);
        b = Cast(b, dtype);
        var result = Tensor.Uninitialized(dtype, shape);
        DTypes.DispatchNumeric(dtype, new BroadcastBinary(a, b, result, op), "binary_op");
        return result;
    }

    private readonly struct BroadcastBinary(Tensor a, Tensor b, Tensor result, BinaryOp op) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => Broadcast<T>(a, b, result, op);
    }

    /// <summary>Tensor-with-scalar op; an integer tensor with a floating scalar gives float32, as in PyTorch.</summary>
    public static Tensor Binary(Tensor a, double scalar, BinaryOp op, bool scalarFirst)
    {
        var dtype = a.DType.IsFloating() ? a.DType : DType.Float32;
        a = Cast(a, dtype);
        var result = Tensor.Uninitialized(dtype, a.Dims);
        DTypes.DispatchFloating(dtype, new WithScalarOperand(a, scalar, result, op, scalarFirst), "binary_op");
        return result;
    }

    private readonly struct WithScalarOperand(Tensor a, double scalar, Tensor result, BinaryOp op, bool scalarFirst) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Parallelism.ForRanges(result.Count, 1, new ScalarChunks<T>(a.Data<T>(), T.CreateTruncating(scalar), result.Data<T>(), op, scalarFirst));
    }

    private readonly struct ScalarChunks<T>(T[] x, T s, T[] d, BinaryOp op, bool scalarFirst) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end) => WithScalar(x.AsSpan(start..end), s, d.AsSpan(start..end), op, scalarFirst);
    }

    private static void WithScalar<T>(ReadOnlySpan<T> x, T s, Span<T> d, BinaryOp op, bool scalarFirst) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, s, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(x, s, d); break;
            case BinaryOp.Subtract when scalarFirst: TensorPrimitives.Subtract(s, x, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, s, d); break;
            case BinaryOp.Divide when scalarFirst: TensorPrimitives.Divide(s, x, d); break;
            case BinaryOp.Divide: TensorPrimitives.Divide(x, s, d); break;
        }
    }

    private static void Rows<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d, BinaryOp op) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(x, y, d); break;
            case BinaryOp.Divide: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    /// <summary>Elementwise over the output, in contiguous chunks when the operands are the same shape or one is a single element.</summary>
    private static void Broadcast<T>(Tensor a, Tensor b, Tensor result, BinaryOp op) where T : unmanaged, INumber<T>
    {
        T[] x = a.Data<T>(), y = b.Data<T>(), d = result.Data<T>();
        if (d.Length == 0) return;
        if (x.Length == d.Length && y.Length == d.Length || x.Length == 1 || y.Length == 1)
        {
            Parallelism.ForRanges(d.Length, 1, new FlatChunks<T>(x, y, d, op));
            return;
        }
        var (shape, xs, ys) = Merged(result.Dims, Shapes.BroadcastStrides(a.Dims, result.Dims), Shapes.BroadcastStrides(b.Dims, result.Dims));
        int row = shape[^1];
        Parallelism.ForRanges(d.Length / row, row, new BroadcastRows<T>(x, xs, y, ys, d, shape, op));
    }

    /// <summary>
    /// The output's dims with each dim merged into the next where both operands step through the pair as one dim, so
    /// rows are as long as the layouts allow (a (L, L) mask added to (B, L, L) scores: B rows of L·L, not B·L rows of L).
    /// </summary>
    private static (int[] Shape, int[] X, int[] Y) Merged(int[] shape, int[] xs, int[] ys)
    {
        var sizes = new List<int>(shape.Length) { shape[^1] };
        var x = new List<int>(shape.Length) { xs[^1] };
        var y = new List<int>(shape.Length) { ys[^1] };
        for (int d = shape.Length - 2; d >= 0; d--)
        {
            if ((long)xs[d] == (long)x[0] * sizes[0] && (long)ys[d] == (long)y[0] * sizes[0]) sizes[0] *= shape[d];
            else
            {
                sizes.Insert(0, shape[d]);
                x.Insert(0, xs[d]);
                y.Insert(0, ys[d]);
            }
        }
        return ([.. sizes], [.. x], [.. y]);
    }

    private readonly struct FlatChunks<T>(T[] x, T[] y, T[] d, BinaryOp op) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            var dest = d.AsSpan(start..end);
            if (x.Length == 1 && y.Length != 1) WithScalar(y.AsSpan(start..end), x[0], dest, op, scalarFirst: true);
            else if (y.Length == 1) WithScalar(x.Length == 1 ? x : x.AsSpan(start..end), y[0], dest, op, scalarFirst: false);
            else Rows(x.AsSpan(start..end), y.AsSpan(start..end), dest, op);
        }
    }

    /// <summary>Output rows [start, end); each operand's row is either contiguous or one broadcast element.</summary>
    private readonly struct BroadcastRows<T>(T[] x, int[] xs, T[] y, int[] ys, T[] d, int[] shape, BinaryOp op) : IRangeBody
        where T : unmanaged, INumber<T>
    {
        public void Run(int start, int end)
        {
            int rank = shape.Length, row = shape[rank - 1];
            Span<int> index = stackalloc int[rank];
            int xo = 0, yo = 0;
            // The multi-index of the first row, and where it starts in each operand.
            for (int dim = rank - 2, rest = start; dim >= 0; dim--)
            {
                index[dim] = rest % shape[dim];
                rest /= shape[dim];
                xo += index[dim] * xs[dim];
                yo += index[dim] * ys[dim];
            }
            bool xRow = xs[rank - 1] != 0, yRow = ys[rank - 1] != 0;
            for (int r = start; r < end; r++)
            {
                var dest = d.AsSpan(r * row, row);
                if (xRow && yRow) Rows(x.AsSpan(xo, row), y.AsSpan(yo, row), dest, op);
                else if (xRow) WithScalar(x.AsSpan(xo, row), y[yo], dest, op, scalarFirst: false);
                else if (yRow) WithScalar(y.AsSpan(yo, row), x[xo], dest, op, scalarFirst: true);
                else { dest.Fill(x[xo]); WithScalar(dest, y[yo], dest, op, scalarFirst: false); }
                // Odometer over all dims but the last.
                for (int dim = rank - 2; dim >= 0; dim--)
                {
                    xo += xs[dim]; yo += ys[dim];
                    if (++index[dim] < shape[dim]) break;
                    xo -= xs[dim] * shape[dim]; yo -= ys[dim] * shape[dim];
                    index[dim] = 0;
                }
            }
        }
    }

    /// <summary>
    /// Sums <paramref name="t"/> down to <paramref name="shape"/>, which broadcasts to t's shape, as PyTorch's sum_to:
    /// one sum over the leading dims and the dims where shape has 1, in PyTorch's summation order.
    /// </summary>
    public static Tensor SumTo(Tensor t, int[] shape)
    {
        int leading = t.Rank - shape.Length;
        var reduce = new bool[t.Rank];
        for (int i = 0; i < t.Rank; i++) reduce[i] = i < leading || shape[i - leading] == 1 && t.Dims[i] != 1;
        return CascadeSum.Sum(t, reduce, shape);
    }

    /// <summary>Copies <paramref name="t"/> broadcast to <paramref name="shape"/>.</summary>
    public static Tensor Expand(Tensor t, int[] shape)
    {
        var strides = new int[shape.Length];
        for (int i = shape.Length - 1, d = t.Rank - 1; d >= 0; i--, d--) strides[i] = t.Dims[d] == shape[i] ? t.StrideArray[d] : 0;
        var result = Tensor.Uninitialized(t.DType, shape);
        Strided.Copy(t.Storage.Data, t.Offset, strides, result.Storage.Data, 0, Strided.ContiguousStrides(shape), shape);
        return result;
    }

    /// <summary>-1, 0 or 1 per element (0 for NaN) in the tensor's dtype: a constant, as sign has no gradient.</summary>
    public static Tensor SignOf(Tensor t) => Binary(Cast(Comparisons.Greater(t, 0), t.DType), Cast(Comparisons.Less(t, 0), t.DType), BinaryOp.Subtract);
}
