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
        var result = Tensor.Empty(dtype, t.Dims);
        switch (t.Storage.Data, result.Storage.Data)
        {
            case (float[] s, double[] d): TensorPrimitives.ConvertTruncating<float, double>(s, d); break;
            case (float[] s, long[] d): TensorPrimitives.ConvertTruncating<float, long>(s, d); break;
            case (double[] s, float[] d): TensorPrimitives.ConvertTruncating<double, float>(s, d); break;
            case (double[] s, long[] d): TensorPrimitives.ConvertTruncating<double, long>(s, d); break;
            case (long[] s, float[] d): TensorPrimitives.ConvertTruncating<long, float>(s, d); break;
            case (long[] s, double[] d): TensorPrimitives.ConvertTruncating<long, double>(s, d); break;
        }
        return result;
    }

    public static Tensor Full(DType dtype, int[] shape, double value)
    {
        var t = Tensor.Empty(dtype, shape);
        switch (t.Storage.Data)
        {
            case float[] f: f.AsSpan().Fill((float)value); break;
            case double[] d: d.AsSpan().Fill(value); break;
            case long[] l: l.AsSpan().Fill((long)value); break;
        }
        return t;
    }

    /// <summary>Elementwise <paramref name="op"/> with PyTorch's broadcasting and type promotion.</summary>
    public static Tensor Binary(Tensor a, Tensor b, BinaryOp op)
    {
        var shape = Shapes.Broadcast(a.Dims, b.Dims);
        var dtype = DTypes.Promote(a, b);
        if (op == BinaryOp.Divide && dtype == DType.Int64) dtype = DType.Float32; // true division
        a = Cast(a, dtype);
        b = Cast(b, dtype);
        var result = Tensor.Empty(dtype, shape);
        switch (dtype)
        {
            case DType.Float32: Broadcast<float>(a, b, result, op); break;
            case DType.Float64: Broadcast<double>(a, b, result, op); break;
            default: Broadcast<long>(a, b, result, op); break;
        }
        return result;
    }

    /// <summary>Tensor-with-scalar op; an integer tensor with a floating scalar gives float32, as in PyTorch.</summary>
    public static Tensor Binary(Tensor a, double scalar, BinaryOp op, bool scalarFirst)
    {
        var dtype = a.DType.IsFloating() ? a.DType : DType.Float32;
        a = Cast(a, dtype);
        var result = Tensor.Empty(dtype, a.Dims);
        switch (dtype)
        {
            case DType.Float32: WithScalar(a.Span<float>(), (float)scalar, result.Span<float>(), op, scalarFirst); break;
            default: WithScalar(a.Span<double>(), scalar, result.Span<double>(), op, scalarFirst); break;
        }
        return result;
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

    /// <summary>Walks the output row by row; each operand's row is either contiguous or one broadcast element.</summary>
    private static void Broadcast<T>(Tensor a, Tensor b, Tensor result, BinaryOp op) where T : unmanaged, INumber<T>
    {
        ReadOnlySpan<T> x = a.Span<T>(), y = b.Span<T>();
        var d = result.Span<T>();
        if (d.IsEmpty) return;
        if (a.Dims.AsSpan().SequenceEqual(b.Dims)) { Rows(x, y, d, op); return; }
        if (y.Length == 1) { WithScalar(x, y[0], d, op, scalarFirst: false); return; }
        if (x.Length == 1) { WithScalar(y, x[0], d, op, scalarFirst: true); return; }

        var shape = result.Dims;
        int rank = shape.Length, row = shape[rank - 1];
        int[] xs = Shapes.BroadcastStrides(a.Dims, shape), ys = Shapes.BroadcastStrides(b.Dims, shape);
        var index = new int[rank];
        int xo = 0, yo = 0;
        for (int start = 0; start < d.Length; start += row)
        {
            var dest = d.Slice(start, row);
            bool xRow = xs[rank - 1] != 0, yRow = ys[rank - 1] != 0;
            if (xRow && yRow) Rows(x.Slice(xo, row), y.Slice(yo, row), dest, op);
            else if (xRow) WithScalar(x.Slice(xo, row), y[yo], dest, op, scalarFirst: false);
            else if (yRow) WithScalar(y.Slice(yo, row), x[xo], dest, op, scalarFirst: true);
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

    /// <summary>Sums <paramref name="t"/> down to <paramref name="shape"/>, which broadcasts to t's shape.</summary>
    public static Tensor SumTo(Tensor t, int[] shape)
    {
        var result = Tensor.Empty(t.DType, shape);
        switch (t.DType)
        {
            case DType.Float32: AddInto<float>(t, result); break;
            case DType.Float64: AddInto<double>(t, result); break;
            default: AddInto<long>(t, result); break;
        }
        return result;
    }

    /// <summary>Copies <paramref name="t"/> broadcast to <paramref name="shape"/>.</summary>
    public static Tensor Expand(Tensor t, int[] shape)
    {
        var zeros = Full(t.DType, shape, 0);
        return Binary(zeros, t, BinaryOp.Add);
    }

    private static void AddInto<T>(Tensor source, Tensor target) where T : unmanaged, INumber<T>
    {
        ReadOnlySpan<T> s = source.Span<T>();
        var d = target.Span<T>();
        if (d.Length == s.Length) { s.CopyTo(d); return; }
        if (s.IsEmpty) return;
        if (d.Length == 1) { d[0] = TensorPrimitives.Sum(s); return; }
        var shape = source.Dims;
        int rank = shape.Length, row = shape[rank - 1];
        var ts = Shapes.BroadcastStrides(target.Dims, shape);
        var index = new int[rank];
        int to = 0;
        for (int start = 0; start < s.Length; start += row)
        {
            var src = s.Slice(start, row);
            if (ts[rank - 1] == 0) d[to] += TensorPrimitives.Sum(src);
            else TensorPrimitives.Add(d.Slice(to, row), src, d.Slice(to, row));
            for (int dim = rank - 2; dim >= 0; dim--)
            {
                to += ts[dim];
                if (++index[dim] < shape[dim]) break;
                to -= ts[dim] * shape[dim];
                index[dim] = 0;
            }
        }
    }

    /// <summary>A contiguous copy with dims <paramref name="a"/> and <paramref name="b"/> swapped.</summary>
    public static Tensor Transpose(Tensor t, int a, int b)
    {
        int[] shape = (int[])t.Dims.Clone();
        (shape[a], shape[b]) = (shape[b], shape[a]);
        var result = Tensor.Empty(t.DType, shape);
        if (a == b) { Array.Copy(t.Storage.Data, result.Storage.Data, t.Count); return result; }
        // Source strides permuted into the result's dim order.
        var strides = Shapes.BroadcastStrides(t.Dims, t.Dims);
        (strides[a], strides[b]) = (strides[b], strides[a]);
        var index = new int[shape.Length];
        Array source = t.Storage.Data, destination = result.Storage.Data;
        for (int i = 0, offset = 0; i < result.Count; i++)
        {
            Array.Copy(source, offset, destination, i, 1);
            for (int dim = shape.Length - 1; dim >= 0; dim--)
            {
                offset += strides[dim];
                if (++index[dim] < shape[dim]) break;
                offset -= strides[dim] * shape[dim];
                index[dim] = 0;
            }
        }
        return result;
    }
}
