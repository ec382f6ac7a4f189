namespace Autograd;

/// <summary>The <c>torch.</c> module: factories, the global generator, no-grad mode and functional forms of the ops.</summary>
public static partial class Torch
{
    /// <summary>Seeds the default generator: the same streams as torch.manual_seed on the CPU.</summary>
    public static void ManualSeed(long seed) => Generator.Default.ManualSeed(seed);

    /// <summary>Disables graph recording on this thread until disposed: <c>using (Torch.NoGrad()) { ... }</c>.</summary>
    public static IDisposable NoGrad() => GradMode.Disable();

    /// <summary>
    /// Enables graph recording until disposed, as <c>torch.enable_grad()</c>: e.g. inside a custom Function's Backward,
    /// which runs with recording off unless the Backward was called with createGraph.
    /// </summary>
    public static IDisposable EnableGrad() => GradMode.Set(true);

    /// <summary>Whether operations are recorded for autograd here and now, as <c>torch.is_grad_enabled()</c>.</summary>
    public static bool IsGradEnabled() => GradMode.IsEnabled;

    /// <summary>
    /// A float32 tensor of uniform samples in [0, 1) from the default generator, as <c>torch.rand(*shape)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size in <paramref name="shape"/> is negative.</exception>
    public static Tensor Rand(params int[] shape) => Rand(shape, DType.Float32);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false, Generator? generator = null) =>
        Random(shape, dtype, requiresGrad, "rand", (generator ?? Generator.Default).FillUniform, (generator ?? Generator.Default).FillUniform);

    /// <summary>
    /// A float32 tensor of standard normal samples from the default generator, as <c>torch.randn(*shape)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size in <paramref name="shape"/> is negative.</exception>
    public static Tensor Randn(params int[] shape) => Randn(shape, DType.Float32);

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false, Generator? generator = null) =>
        Random(shape, dtype, requiresGrad, "normal", (generator ?? Generator.Default).FillNormal, (generator ?? Generator.Default).FillNormal);

    /// <summary>
    /// A float32 tensor of zeros, as <c>torch.zeros(*shape)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size in <paramref name="shape"/> is negative.</exception>
    public static Tensor Zeros(params int[] shape) => Zeros(shape, DType.Float32);

    /// <summary>
    /// A tensor of zeros, as <c>torch.zeros(shape, dtype=dtype, requires_grad=requires_grad)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size in <paramref name="shape"/> is negative, or <paramref name="requiresGrad"/> is set for a non-floating dtype.</exception>
    public static Tensor Zeros(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false) => Filled(shape, dtype, requiresGrad, 0);

    /// <summary>
    /// A float32 tensor of ones, as <c>torch.ones(*shape)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size in <paramref name="shape"/> is negative.</exception>
    public static Tensor Ones(params int[] shape) => Ones(shape, DType.Float32);

    /// <summary>
    /// A tensor of ones, as <c>torch.ones(shape, dtype=dtype, requires_grad=requires_grad)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size in <paramref name="shape"/> is negative, or <paramref name="requiresGrad"/> is set for a non-floating dtype.</exception>
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

    /// <summary>
    /// <c>torch.softmax(x, dim)</c>, the same as <c>x.Softmax(dim)</c>: exp(x) / sum(exp(x)) along <paramref name="dim"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not floating point.</exception>
    public static Tensor Softmax(Tensor x, int dim) => Argument.NotNull(x).Softmax(dim);
    /// <summary>
    /// <c>torch.log_softmax(x, dim)</c>, the same as <c>x.LogSoftmax(dim)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not floating point.</exception>
    public static Tensor LogSoftmax(Tensor x, int dim) => Argument.NotNull(x).LogSoftmax(dim);
    /// <summary>Elementwise natural logarithm, as <c>torch.log(x)</c> (<c>x.Log()</c>).</summary>
    public static Tensor Log(Tensor x) => Argument.NotNull(x).Log();
    /// <summary>Elementwise e<sup>x</sup>, as <c>torch.exp(x)</c> (<c>x.Exp()</c>).</summary>
    public static Tensor Exp(Tensor x) => Argument.NotNull(x).Exp();
    /// <summary>The sum of all elements as a 0-d tensor, as <c>torch.sum(x)</c> (<c>x.Sum()</c>), in PyTorch's summation order.</summary>
    public static Tensor Sum(Tensor x) => Argument.NotNull(x).Sum();
    /// <summary>
    /// The sums along <paramref name="dim"/>, as <c>torch.sum(x, dim, keepdim)</c> (<c>x.Sum(dim, keepDim)</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    public static Tensor Sum(Tensor x, int dim, bool keepDim = false) => Argument.NotNull(x).Sum(dim, keepDim);
    /// <summary>
    /// The mean of all elements as a 0-d tensor, as <c>torch.mean(x)</c> (<c>x.Mean()</c>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not floating point (PyTorch's "could not infer output dtype").</exception>
    public static Tensor Mean(Tensor x) => Argument.NotNull(x).Mean();
    /// <summary>
    /// The means along <paramref name="dim"/>, as <c>torch.mean(x, dim, keepdim)</c> (<c>x.Mean(dim, keepDim)</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not floating point (PyTorch's "could not infer output dtype").</exception>
    public static Tensor Mean(Tensor x, int dim, bool keepDim = false) => Argument.NotNull(x).Mean(dim, keepDim);
    /// <summary>
    /// The largest element as a 0-d tensor (NaN if any), as <c>torch.max(x)</c> (<c>x.Max()</c>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> has no elements.</exception>
    public static Tensor Max(Tensor x) => Argument.NotNull(x).Max();
    /// <summary>
    /// The maxima along <paramref name="dim"/> and the index of the first of each, as <c>torch.max(x, dim, keepdim)</c> (<c>x.Max(dim, keepDim)</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="dim"/> has size 0.</exception>
    public static (Tensor Values, Tensor Indices) Max(Tensor x, int dim, bool keepDim = false) => Argument.NotNull(x).Max(dim, keepDim);
    /// <summary>
    /// The matrix product, as <c>torch.matmul(a, b)</c> (<c>a.MatMul(b)</c>): dot, matrix-vector, matrix or batched product by the operands' ranks; batch dims broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">An operand is 0-d, the inner sizes differ, the batch dims do not broadcast, or the dtypes differ.</exception>
    public static Tensor MatMul(Tensor a, Tensor b) => Argument.NotNull(a).MatMul(Argument.NotNull(b));
    /// <summary>
    /// The product of two matrices, as <c>torch.mm(a, b)</c>. It is computed by <c>a.MatMul(b)</c>, so unlike <c>torch.mm</c> it also accepts the other ranks <c>torch.matmul</c> takes.
    /// </summary>
    /// <exception cref="ArgumentException">The inner sizes differ or the dtypes differ.</exception>
    public static Tensor Mm(Tensor a, Tensor b) => Argument.NotNull(a).MatMul(Argument.NotNull(b));
    /// <summary>
    /// A copy of <paramref name="x"/> with <paramref name="value"/> written at the places <paramref name="index"/> picks along <paramref name="dim"/>, as <c>torch.scatter(x, dim, index, value)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="index"/> is not int64, its rank differs from that of <paramref name="x"/>, it is larger than <paramref name="x"/> outside <paramref name="dim"/>, or an index is out of bounds.</exception>
    public static Tensor Scatter(Tensor x, int dim, Tensor index, double value) => Argument.NotNull(x).Scatter(dim, Argument.NotNull(index), value);
    /// <summary>
    /// A copy of <paramref name="x"/> with the elements of <paramref name="src"/> written at the places <paramref name="index"/> picks along <paramref name="dim"/>, as <c>torch.scatter(x, dim, index, src)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="index"/> is not int64, <paramref name="src"/> has another dtype than <paramref name="x"/>, the ranks differ, <paramref name="index"/> is larger than <paramref name="x"/> (outside <paramref name="dim"/>) or <paramref name="src"/>, or an index is out of bounds.</exception>
    public static Tensor Scatter(Tensor x, int dim, Tensor index, Tensor src) => Argument.NotNull(x).Scatter(dim, Argument.NotNull(index), Argument.NotNull(src));
    /// <summary>
    /// The elements of <paramref name="x"/> picked along <paramref name="dim"/> by <paramref name="index"/>, in the shape of <paramref name="index"/>, as <c>torch.gather(x, dim, index)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="index"/> is not int64, its rank differs from that of <paramref name="x"/>, it is larger than <paramref name="x"/> outside <paramref name="dim"/>, or an index is out of bounds.</exception>
    public static Tensor Gather(Tensor x, int dim, Tensor index) => Argument.NotNull(x).Gather(dim, Argument.NotNull(index));
    /// <summary>
    /// A view with a dim of size 1 inserted at <paramref name="dim"/>, as <c>torch.unsqueeze(x, dim)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is outside [-rank - 1, rank].</exception>
    public static Tensor Unsqueeze(Tensor x, int dim) => Argument.NotNull(x).Unsqueeze(dim);
    /// <summary>
    /// <paramref name="x"/> in another shape (one size may be -1), as <c>torch.reshape(x, shape)</c>: a view where the strides allow it, else a copy, as in PyTorch.
    /// </summary>
    /// <exception cref="ArgumentException">More than one size is -1, a size is otherwise negative, or the shape does not hold the element count.</exception>
    public static Tensor Reshape(Tensor x, params int[] shape) => Argument.NotNull(x).Reshape(shape);
    /// <summary>A contiguous copy with its own storage, as <c>torch.clone(x)</c> (grad_fn <c>CloneBackward0</c>).</summary>
    public static Tensor Clone(Tensor x) => Argument.NotNull(x).Clone();
    /// <summary>
    /// A view with dims <paramref name="dim0"/> and <paramref name="dim1"/> swapped, as <c>torch.transpose(x, dim0, dim1)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim0"/> or <paramref name="dim1"/> is out of range for the rank of <paramref name="x"/>.</exception>
    public static Tensor Transpose(Tensor x, int dim0, int dim1) => Argument.NotNull(x).Transpose(dim0, dim1);
    /// <summary>max(x, 0) elementwise, as <c>torch.relu(x)</c> (<c>x.Relu()</c>): NaN passes through; integer tensors stay integer.</summary>
    public static Tensor Relu(Tensor x) => Argument.NotNull(x).Relu();
    /// <summary>Elementwise hyperbolic tangent, as <c>torch.tanh(x)</c> (<c>x.Tanh()</c>).</summary>
    public static Tensor Tanh(Tensor x) => Argument.NotNull(x).Tanh();
    /// <summary>Elementwise logistic function, as <c>torch.sigmoid(x)</c> (<c>x.Sigmoid()</c>).</summary>
    public static Tensor Sigmoid(Tensor x) => Argument.NotNull(x).Sigmoid();
    /// <summary>
    /// <paramref name="x"/> to the power <paramref name="exponent"/> elementwise, as <c>torch.pow(x, exponent)</c> (<c>x.Pow(exponent)</c>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is an integer tensor and <paramref name="exponent"/> a negative integer.</exception>
    public static Tensor Pow(Tensor x, double exponent) => Argument.NotNull(x).Pow(exponent);
    /// <summary>
    /// <paramref name="x"/> to the power <paramref name="exponent"/> elementwise, as <c>torch.pow(x, exponent)</c>; the operands broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or an integer base meets a negative integer exponent.</exception>
    public static Tensor Pow(Tensor x, Tensor exponent) => Argument.NotNull(x).Pow(Argument.NotNull(exponent));
    /// <summary>Elementwise square root, as <c>torch.sqrt(x)</c> (<c>x.Sqrt()</c>).</summary>
    public static Tensor Sqrt(Tensor x) => Argument.NotNull(x).Sqrt();
    /// <summary>Elementwise absolute value, as <c>torch.abs(x)</c> (<c>x.Abs()</c>).</summary>
    public static Tensor Abs(Tensor x) => Argument.NotNull(x).Abs();
    /// <summary>
    /// <c>x + alpha * other</c>, as <c>torch.add(x, other, alpha=alpha)</c>; the operands broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or the operands are integer and <paramref name="alpha"/> is fractional.</exception>
    public static Tensor Add(Tensor x, Tensor other, double alpha = 1) => Argument.NotNull(x).Add(Argument.NotNull(other), alpha);
    /// <summary>
    /// <c>x - alpha * other</c>, as <c>torch.sub(x, other, alpha=alpha)</c>; the operands broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or the operands are integer and <paramref name="alpha"/> is fractional.</exception>
    public static Tensor Sub(Tensor x, Tensor other, double alpha = 1) => Argument.NotNull(x).Sub(Argument.NotNull(other), alpha);
    /// <summary>
    /// <c>input + mat1 @ mat2</c>, as <c>torch.addmm(input, mat1, mat2)</c>; <paramref name="input"/> broadcasts to the product's shape.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="mat1"/> or <paramref name="mat2"/> is not a matrix, their inner sizes differ, or <paramref name="input"/> does not broadcast to the product's shape.</exception>
    public static Tensor Addmm(Tensor input, Tensor mat1, Tensor mat2) => Argument.NotNull(input).Addmm(mat1, mat2);
    /// <summary>
    /// The batched matrix product of (b, n, m) and (b, m, p) tensors, as <c>torch.bmm(input, mat2)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An operand is not 3-D, or the batch or inner sizes differ.</exception>
    public static Tensor Bmm(Tensor input, Tensor mat2) => Argument.NotNull(input).Bmm(Argument.NotNull(mat2));
    /// <summary>A view without the dims of size 1, as <c>torch.squeeze(x)</c>.</summary>
    public static Tensor Squeeze(Tensor x) => Argument.NotNull(x).Squeeze();
    /// <summary>
    /// A view without <paramref name="dim"/> if its size is 1 (else the same shape), as <c>torch.squeeze(x, dim)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    public static Tensor Squeeze(Tensor x, int dim) => Argument.NotNull(x).Squeeze(dim);
    /// <summary>
    /// <paramref name="x"/> with dims <paramref name="startDim"/> to <paramref name="endDim"/> merged into one, as <c>torch.flatten(x, start_dim, end_dim)</c>; a 0-d tensor becomes 1-D.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="startDim"/> or <paramref name="endDim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="startDim"/> comes after <paramref name="endDim"/>.</exception>
    public static Tensor Flatten(Tensor x, int startDim = 0, int endDim = -1) => Argument.NotNull(x).Flatten(startDim, endDim);
    /// <summary>
    /// The flat index of the largest element (the first on ties; NaN counts as largest) as a 0-d int64 tensor, as <c>torch.argmax(x)</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> has no elements.</exception>
    public static Tensor Argmax(Tensor x) => Argument.NotNull(x).Argmax();
    /// <summary>
    /// The int64 indices of the maxima along <paramref name="dim"/>, as <c>torch.argmax(x, dim, keepdim)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range for the rank of <paramref name="x"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="dim"/> has size 0.</exception>
    public static Tensor Argmax(Tensor x, int dim, bool keepDim = false) => Argument.NotNull(x).Argmax(dim, keepDim);
    /// <summary>
    /// The Bool mask of <c>x == other</c>, as <c>torch.eq(x, other)</c> (<c>x.Eq(other)</c>); the operands broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor Eq(Tensor x, Tensor other) => Argument.NotNull(x).Eq(Argument.NotNull(other));
    /// <summary>
    /// The Bool mask of <c>x != other</c>, as <c>torch.ne(x, other)</c> (<c>x.Ne(other)</c>); the operands broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor Ne(Tensor x, Tensor other) => Argument.NotNull(x).Ne(Argument.NotNull(other));
    /// <summary>
    /// The Bool mask of <c>x &lt; other</c>, as <c>torch.lt(x, other)</c> (<c>x.Lt(other)</c>); the operands broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor Lt(Tensor x, Tensor other) => Argument.NotNull(x).Lt(Argument.NotNull(other));
    /// <summary>
    /// The Bool mask of <c>x &lt;= other</c>, as <c>torch.le(x, other)</c> (<c>x.Le(other)</c>); the operands broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor Le(Tensor x, Tensor other) => Argument.NotNull(x).Le(Argument.NotNull(other));
    /// <summary>
    /// The Bool mask of <c>x &gt; other</c>, as <c>torch.gt(x, other)</c> (<c>x.Gt(other)</c>); the operands broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor Gt(Tensor x, Tensor other) => Argument.NotNull(x).Gt(Argument.NotNull(other));
    /// <summary>
    /// The Bool mask of <c>x &gt;= other</c>, as <c>torch.ge(x, other)</c> (<c>x.Ge(other)</c>); the operands broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor Ge(Tensor x, Tensor other) => Argument.NotNull(x).Ge(Argument.NotNull(other));
    /// <summary>
    /// Elements of <paramref name="x"/> where <paramref name="condition"/> is true, else of <paramref name="y"/>, as <c>torch.where(condition, x, y)</c>; the three broadcast together.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="condition"/> is not a Bool tensor, or the shapes do not broadcast.</exception>
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
