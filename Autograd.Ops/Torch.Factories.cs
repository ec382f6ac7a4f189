namespace Autograd;

public static partial class Torch
{
    /// <summary><c>torch.tensor</c> of a matrix: a float32 tensor holding a copy of <paramref name="data"/>, row-major.</summary>
    public static Tensor Tensor(float[,] data, bool requiresGrad = false) => Tensor((Array)Argument.NotNull(data), requiresGrad);

    /// <summary><c>torch.tensor</c> of a matrix of doubles: a float64 tensor.</summary>
    public static Tensor Tensor(double[,] data, bool requiresGrad = false) => Tensor((Array)Argument.NotNull(data), requiresGrad);

    /// <summary><c>torch.tensor</c> of a 3-D array: a float32 tensor.</summary>
    public static Tensor Tensor(float[,,] data, bool requiresGrad = false) => Tensor((Array)Argument.NotNull(data), requiresGrad);

    /// <summary><c>torch.tensor</c> of a 3-D array of doubles: a float64 tensor.</summary>
    public static Tensor Tensor(double[,,] data, bool requiresGrad = false) => Tensor((Array)Argument.NotNull(data), requiresGrad);

    /// <summary><c>torch.tensor</c> of a matrix of integers: an int64 tensor.</summary>
    public static Tensor Tensor(long[,] data) => Tensor((Array)Argument.NotNull(data));

    /// <summary><c>torch.tensor([[True, False], ...])</c>: a 2-D Bool tensor.</summary>
    public static Tensor Tensor(bool[,] data) => Tensor((Array)data);

    /// <summary>
    /// <c>torch.tensor</c> of a rectangular array of any rank (<c>float[,,,]</c>, <c>double[]</c>, ...): float gives
    /// float32, double float64, long int64, bool Bool; the tensor has the array's dimensions and a row-major copy of its elements.
    /// </summary>
    public static Tensor Tensor(Array data, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        var element = data.GetType().GetElementType();
        var dtype = element == typeof(float) ? DType.Float32
            : element == typeof(double) ? DType.Float64
            : element == typeof(long) ? DType.Int64
            : element == typeof(bool) ? DType.Bool
            : throw new ArgumentException($"Could not infer dtype of {element?.Name}: Torch.Tensor takes arrays of float, double, long or bool.");
        var shape = new int[data.Rank];
        for (int d = 0; d < shape.Length; d++) shape[d] = data.GetLength(d);
        var t = Autograd.Tensor.Uninitialized(dtype, shape);
        Buffer.BlockCopy(data, 0, t.Storage.Data, 0, Buffer.ByteLength(data));
        return WithRequiresGrad(t, requiresGrad);
    }

    /// <summary><c>torch.arange(end)</c>: int64 0, 1, ..., end - 1.</summary>
    public static Tensor Arange(long end) => Arange(0, end);

    /// <summary><c>torch.arange(start, end, step)</c> of integers: int64 start, start + step, ... before end.</summary>
    public static Tensor Arange(long start, long end, long step = 1) =>
        RangeFactories.Arange(start, step, RangeFactories.ArangeCount(start, end, step));

    /// <summary>
    /// <c>torch.arange(start, end, step, dtype=...)</c> of floats: ceil((end - start) / step) elements computed as
    /// PyTorch's CPU kernel does (float32 by default, as PyTorch's default dtype). With <see cref="DType.Int64"/> the
    /// arguments are truncated to integers first, as in PyTorch.
    /// </summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32) => dtype switch
    {
        DType.Float32 => RangeFactories.ArangeSingle(start, step, RangeFactories.ArangeCount(start, end, step)),
        DType.Float64 => RangeFactories.ArangeDouble(start, step, RangeFactories.ArangeCount(start, end, step)),
        DType.Int64 when double.IsFinite(start) && double.IsFinite(end) => Arange((long)start, (long)end, (long)step),
        DType.Int64 => throw new ArgumentException($"unsupported range: {RandomSampling.CppNumber(start)} -> {RandomSampling.CppNumber(end)}"),
        _ => throw new NotSupportedException($"arange of {dtype}"),
    };

    /// <summary>
    /// <c>torch.linspace(start, end, steps, dtype=...)</c>: <paramref name="steps"/> evenly spaced values from start to end,
    /// bit-identical to PyTorch's CPU kernel (the first half counted from start, the second from end).
    /// </summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32)
    {
        if (steps < 0) throw new ArgumentException("number of steps must be non-negative");
        if (steps <= 1) return Full([steps], start, dtype);
        return dtype switch
        {
            DType.Float32 => RangeFactories.LinspaceSingle((float)start, (float)end, steps),
            DType.Float64 => RangeFactories.LinspaceDouble(start, end, steps),
            DType.Int64 => RangeFactories.LinspaceLong((long)start, (long)end, steps),
            _ => throw new NotSupportedException($"linspace of {dtype}"),
        };
    }

    /// <summary><c>torch.eye(n, m)</c>: an n x m (n x n when m is null) matrix with ones on the diagonal.</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        if (n < 0) throw new ArgumentException($"n must be greater or equal to 0, got {n}");
        int columns = m ?? n;
        if (columns < 0) throw new ArgumentException($"m must be greater or equal to 0, got {columns}");
        return MatrixOps.Selection(dtype, n, columns, 0);
    }

    /// <summary><c>torch.full(size, value, dtype=...)</c>: every element <paramref name="value"/> (truncated for int64).</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, bool requiresGrad = false) =>
        Filled(shape, dtype, requiresGrad, value);

    /// <summary><c>torch.empty(size)</c>: a float32 tensor; its elements are zeros here (PyTorch leaves them unset).</summary>
    public static Tensor Empty(params int[] shape) => Zeros(shape);

    /// <summary><c>torch.zeros_like(t)</c>: zeros of t's shape and dtype, not requiring grad.</summary>
    public static Tensor ZerosLike(Tensor t) => FullLike(t, 0);

    /// <summary><c>torch.ones_like(t)</c>: ones of t's shape and dtype, not requiring grad.</summary>
    public static Tensor OnesLike(Tensor t) => FullLike(t, 1);

    /// <summary><c>torch.full_like(t, value)</c>: <paramref name="value"/> in t's shape and dtype, not requiring grad.</summary>
    public static Tensor FullLike(Tensor t, double value)
    {
        ArgumentNullException.ThrowIfNull(t);
        Kernels.CheckScalar(t.DType, value);
        return Kernels.Full(t.DType, [.. t.Dims], value);
    }

    /// <summary>
    /// <c>torch.meshgrid(x, y, indexing=...)</c> of two 0-d or 1-d tensors: with "ij" both outputs are (len(x), len(y)),
    /// x varying along dim 0; with "xy" (NumPy's) they are (len(y), len(x)), x varying along dim 1. The outputs are
    /// copies here (PyTorch's are expanded views); gradients flow back as through PyTorch's ExpandBackward0.
    /// </summary>
    public static (Tensor, Tensor) Meshgrid(Tensor x, Tensor y, string indexing = "ij")
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(indexing);
        if (x.DType != y.DType) throw new ArgumentException("meshgrid expects all tensors to have the same dtype");
        foreach (var t in new[] { x, y })
        {
            if (t.Rank > 1)
                throw new ArgumentException($"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}");
        }
        if (indexing is not ("ij" or "xy"))
            throw new ArgumentException($"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}");
        int nx = x.Count, ny = y.Count;
        return indexing == "ij"
            ? (Spread(x, [nx, ny], 0), Spread(y, [nx, ny], 1))
            : (Spread(x, [ny, nx], 1), Spread(y, [ny, nx], 0));
    }

    /// <summary>The elements of the 0-d or 1-d <paramref name="t"/> laid along <paramref name="dim"/> of a 2-d <paramref name="shape"/>, repeated along the other dim.</summary>
    private static Tensor Spread(Tensor t, int[] shape, int dim)
    {
        var result = Kernels.Expand(new Tensor((Array)t.Values.Clone(), dim == 0 ? [t.Count, 1] : [1, t.Count]), shape);
        if (Graph.NeedsGrad(t))
        {
            int[] inputShape = t.Dims;
            Graph.Record(result, "ExpandBackward0", [t], g => [g.Sum(1 - dim).Reshape(inputShape)], saved: []);
        }
        return result;
    }
}
