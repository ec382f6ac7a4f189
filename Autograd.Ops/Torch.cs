namespace Autograd;

/// <summary>The <c>torch.</c> module: factories, the global generator, no-grad mode and functional forms of the ops.</summary>
public static partial class Torch
{
    /// <summary>Seeds the default generator: the same streams as torch.manual_seed on the CPU.</summary>
    public static void ManualSeed(long seed) => Generator.Default.ManualSeed(seed);

    /// <summary>Disables graph recording on this thread until disposed: <c>using (Torch.NoGrad()) { ... }</c>.</summary>
    public static IDisposable NoGrad() => GradMode.Disable();

    public static Tensor Rand(params int[] shape) => Rand(shape, DType.Float32);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false, Generator? generator = null) =>
        Random(shape, dtype, requiresGrad, "rand", (generator ?? Generator.Default).FillUniform, (generator ?? Generator.Default).FillUniform);

    public static Tensor Randn(params int[] shape) => Randn(shape, DType.Float32);

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false, Generator? generator = null) =>
        Random(shape, dtype, requiresGrad, "normal", (generator ?? Generator.Default).FillNormal, (generator ?? Generator.Default).FillNormal);

    public static Tensor Zeros(params int[] shape) => Zeros(shape, DType.Float32);

    public static Tensor Zeros(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false) => Filled(shape, dtype, requiresGrad, 0);

    public static Tensor Ones(params int[] shape) => Ones(shape, DType.Float32);

    public static Tensor Ones(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false) => Filled(shape, dtype, requiresGrad, 1);

    /// <summary>A 1-D float32 tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor Tensor(float[] data, bool requiresGrad = false) => Leaf((float[])Argument.NotNull(data).Clone(), [data.Length], requiresGrad);

    /// <summary>A 1-D float64 tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor Tensor(double[] data, bool requiresGrad = false) => Leaf((double[])Argument.NotNull(data).Clone(), [data.Length], requiresGrad);

    /// <summary>A 1-D Bool tensor, as <c>torch.tensor([True, False])</c>.</summary>
    public static Tensor Tensor(bool[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new((bool[])data.Clone(), [data.Length]);
    }

    /// <summary>A 1-D int64 tensor, as torch.LongTensor.</summary>
    public static Tensor Tensor(long[] data) => new((long[])Argument.NotNull(data).Clone(), [data.Length]);

    /// <summary>A 0-d float32 tensor, as torch.tensor(3.5).</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, bool requiresGrad = false) =>
        Filled([], dtype, requiresGrad, value);

    public static Tensor Softmax(Tensor x, int dim) => Argument.NotNull(x).Softmax(dim);
    public static Tensor LogSoftmax(Tensor x, int dim) => Argument.NotNull(x).LogSoftmax(dim);
    public static Tensor Log(Tensor x) => Argument.NotNull(x).Log();
    public static Tensor Exp(Tensor x) => Argument.NotNull(x).Exp();
    public static Tensor Sum(Tensor x) => Argument.NotNull(x).Sum();
    public static Tensor Sum(Tensor x, int dim, bool keepDim = false) => Argument.NotNull(x).Sum(dim, keepDim);
    public static Tensor Mean(Tensor x) => Argument.NotNull(x).Mean();
    public static Tensor Mean(Tensor x, int dim, bool keepDim = false) => Argument.NotNull(x).Mean(dim, keepDim);
    public static Tensor Max(Tensor x) => Argument.NotNull(x).Max();
    public static (Tensor Values, Tensor Indices) Max(Tensor x, int dim, bool keepDim = false) => Argument.NotNull(x).Max(dim, keepDim);
    public static Tensor MatMul(Tensor a, Tensor b) => Argument.NotNull(a).MatMul(Argument.NotNull(b));
    public static Tensor Mm(Tensor a, Tensor b) => Argument.NotNull(a).MatMul(Argument.NotNull(b));
    public static Tensor Scatter(Tensor x, int dim, Tensor index, double value) => Argument.NotNull(x).Scatter(dim, Argument.NotNull(index), value);
    public static Tensor Scatter(Tensor x, int dim, Tensor index, Tensor src) => Argument.NotNull(x).Scatter(dim, Argument.NotNull(index), Argument.NotNull(src));
    public static Tensor Gather(Tensor x, int dim, Tensor index) => Argument.NotNull(x).Gather(dim, Argument.NotNull(index));
    public static Tensor Unsqueeze(Tensor x, int dim) => Argument.NotNull(x).Unsqueeze(dim);
    public static Tensor Reshape(Tensor x, params int[] shape) => Argument.NotNull(x).Reshape(shape);
    public static Tensor Clone(Tensor x) => Argument.NotNull(x).Clone();
    public static Tensor Transpose(Tensor x, int dim0, int dim1) => Argument.NotNull(x).Transpose(dim0, dim1);
    public static Tensor Relu(Tensor x) => Argument.NotNull(x).Relu();
    public static Tensor Tanh(Tensor x) => Argument.NotNull(x).Tanh();
    public static Tensor Sigmoid(Tensor x) => Argument.NotNull(x).Sigmoid();
    public static Tensor Pow(Tensor x, double exponent) => Argument.NotNull(x).Pow(exponent);
    public static Tensor Pow(Tensor x, Tensor exponent) => Argument.NotNull(x).Pow(Argument.NotNull(exponent));
    public static Tensor Sqrt(Tensor x) => Argument.NotNull(x).Sqrt();
    public static Tensor Abs(Tensor x) => Argument.NotNull(x).Abs();
    public static Tensor Add(Tensor x, Tensor other, double alpha = 1) => Argument.NotNull(x).Add(Argument.NotNull(other), alpha);
    public static Tensor Sub(Tensor x, Tensor other, double alpha = 1) => Argument.NotNull(x).Sub(Argument.NotNull(other), alpha);
    public static Tensor Addmm(Tensor input, Tensor mat1, Tensor mat2) => Argument.NotNull(input).Addmm(mat1, mat2);
    public static Tensor Bmm(Tensor input, Tensor mat2) => Argument.NotNull(input).Bmm(Argument.NotNull(mat2));
    public static Tensor Squeeze(Tensor x) => Argument.NotNull(x).Squeeze();
    public static Tensor Squeeze(Tensor x, int dim) => Argument.NotNull(x).Squeeze(dim);
    public static Tensor Flatten(Tensor x, int startDim = 0, int endDim = -1) => Argument.NotNull(x).Flatten(startDim, endDim);
    public static Tensor Argmax(Tensor x) => Argument.NotNull(x).Argmax();
    public static Tensor Argmax(Tensor x, int dim, bool keepDim = false) => Argument.NotNull(x).Argmax(dim, keepDim);
    public static Tensor Eq(Tensor x, Tensor other) => Argument.NotNull(x).Eq(Argument.NotNull(other));
    public static Tensor Ne(Tensor x, Tensor other) => Argument.NotNull(x).Ne(Argument.NotNull(other));
    public static Tensor Lt(Tensor x, Tensor other) => Argument.NotNull(x).Lt(Argument.NotNull(other));
    public static Tensor Le(Tensor x, Tensor other) => Argument.NotNull(x).Le(Argument.NotNull(other));
    public static Tensor Gt(Tensor x, Tensor other) => Argument.NotNull(x).Gt(Argument.NotNull(other));
    public static Tensor Ge(Tensor x, Tensor other) => Argument.NotNull(x).Ge(Argument.NotNull(other));
    public static Tensor Where(Tensor condition, Tensor x, Tensor y) => Comparisons.Where(Argument.NotNull(condition), Argument.NotNull(x), Argument.NotNull(y));

    /// <summary>torch.cat: joins tensors along an existing dim.</summary>
    public static Tensor Cat(Tensor[] tensors, int dim = 0) => Joining.Cat(tensors, dim);

    /// <summary>torch.stack: joins equally shaped tensors along a new dim.</summary>
    public static Tensor Stack(Tensor[] tensors, int dim = 0) => Joining.Stack(tensors, dim);

    /// <summary>Zeroes each element with probability <paramref name="p"/> and scales the rest by 1 / (1 - p) when <paramref name="train"/>.</summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool train = true) => NN.Dropout.Apply(Argument.NotNull(input), p, train);

    private static Tensor Random(int[] shape, DType dtype, bool requiresGrad, string kernel, SpanFill<float> single, SpanFill<double> dbl)
    {
        if (dtype == DType.Int64) throw new ArgumentException($"\"{kernel}_kernel_cpu\" not implemented for 'Long'");
        var t = Autograd.Tensor.Empty(dtype, ValidShape(shape));
        if (dtype == DType.Float32) single(t.Span<float>()); else dbl(t.Span<double>());
        return WithRequiresGrad(t, requiresGrad);
    }

    private delegate void SpanFill<T>(Span<T> destination);

    private static Tensor Filled(int[] shape, DType dtype, bool requiresGrad, double value)
    {
        var validShape = ValidShape(shape);
        Kernels.CheckScalar(dtype, value);
        return WithRequiresGrad(Kernels.Full(dtype, validShape, value), requiresGrad);
    }

    private static Tensor Leaf(Array data, int[] shape, bool requiresGrad) => WithRequiresGrad(new Tensor(data, shape), requiresGrad);

    private static Tensor WithRequiresGrad(Tensor t, bool requiresGrad)
    {
        if (requiresGrad && !t.DType.IsFloating())
            throw new ArgumentException("Only Tensors of floating point and complex dtype can require gradients");
        t.RequiresGrad = requiresGrad;
        return t;
    }

    private static int[] ValidShape(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int size in shape)
        {
            if (size < 0) throw new ArgumentException($"Trying to create tensor with negative dimension {size}: {Shapes.Format(shape)}");
        }
        return (int[])shape.Clone();
    }

    /// <summary>
    /// torch.autograd.detect_anomaly: until disposed, a Backward whose node returns NaN fails naming that node, and
    /// errors show the forward call that recorded the failing node. Slows every op down: for debugging only.
    /// </summary>
    public static IDisposable DetectAnomaly() => AnomalyMode.Enable();
}
