using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.NN;

/// <summary>
/// What cross-entropy and NLL share in every form. The input is viewed as (N, C, inner): (C) is (1, C, 1), (N, C) is
/// (N, C, 1) and (N, C, d1..dk) has inner = d1 x .. x dk; each (n, j) is one position with C class scores.
/// Every form's loss at a position is sum_c a[c] x (-log p[c]), with a[c] the weight the form puts on class c (the class
/// weight at the target, spread by label smoothing, or the probability target times the class weight). So its gradient
/// is one closed form, written directly: scale x (softmax x sum(a) - a), or scale x -a for NLL, whose input is log p.
/// </summary>
internal abstract class SoftmaxLoss
{
    protected readonly Tensor Input;
    protected readonly Reduction Reduction;
    protected readonly bool FromLogits;
    protected readonly int Samples, Classes, Inner;
    /// <summary>What Mean divides the summed loss by: <see cref="MeanDivisor"/>, set before the forward runs.</summary>
    protected double Divisor;
    private readonly double[] logSumExp;
    /// <summary>The input's gradient for an upstream gradient of 1, written in the forward pass; handed to the first Backward.</summary>
    private Tensor? unitGradient;

    protected SoftmaxLoss(Tensor input, Reduction reduction, bool fromLogits)
    {
        Input = input;
        Reduction = reduction;
        FromLogits = fromLogits;
        bool batched = input.Rank >= 2;
        Samples = batched ? input.Dims[0] : 1;
        Classes = input.Dims[batched ? 1 : 0];
        Inner = batched ? Shapes.NumElements(input.Dims.AsSpan(2)) : 1;
        logSumExp = new double[fromLogits ? Positions : 0];
    }

    protected int Positions => Samples * Inner;

    /// <summary>The loss's shape under Reduction.None: the input's without the class dim.</summary>
    private int[] PerPositionShape => Input.Rank == 1 ? [] : [Input.Dims[0], .. Input.Dims[2..]];

    /// <summary>What Mean divides the summed loss by.</summary>
    protected abstract double MeanDivisor();

    /// <summary>The loss of every position, reduced (Divisor set first) and returned as the result tensor.</summary>
    protected abstract Tensor Forward<T>() where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Writes a[c], the weight this position puts on -log p[c], into every element of <paramref name="row"/>.</summary>
    protected abstract void TargetWeights<T>(int position, Span<T> row) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The one class and its weight when a position's a[c] is zero elsewhere (a class target without smoothing), else null.</summary>
    protected virtual (int Class, double Weight)? SingleTarget(int position) => null;

    /// <summary>Ignored positions contribute no loss and a gradient of 0 x softmax (nan where the softmax is nan, as in PyTorch).</summary>
    protected virtual bool Ignored(int position) => false;

    /// <summary>
    /// The class targets and the ignored index when every position's a is one class at weight 1 (no class weights, no
    /// smoothing), else null: then <see cref="SingleTarget"/> and <see cref="Scale"/> need no call per row.
    /// </summary>
    protected virtual long[]? UnweightedTargets(out long ignoreIndex)
    {
        ignoreIndex = 0;
        return null;
    }

    /// <summary>
    /// Runs the forward and registers the one closure that computes the input's gradient. It saves the input, which
    /// its backward reads (PyTorch saves the log-softmax instead), and the target and weight, as PyTorch does.
    /// </summary>
    protected Tensor Run(string gradFnName, Tensor target, Tensor? weight)
    {
        Divisor = MeanDivisor();
        bool needsGrad = Graph.NeedsGrad(Input);
        // Mean and Sum need nothing from upstream but a scalar, so the gradient for 1 is written in the same pass.
        var result = DTypes.DispatchFloating<ForwardOf, Tensor>(Input.DType, new ForwardOf(this, needsGrad && Reduction != Reduction.None), "nll_loss_forward");
        if (needsGrad) Graph.Record(result, gradFnName, [Input], g => [Backward(g)], saved: [Input, target, weight]);
        return result;
    }

    protected double LogProbability<T>(ReadOnlySpan<T> x, int position, int c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double value = double.CreateTruncating(x[Offset(position, c)]);
        return FromLogits ? value - logSumExp[position] : value;
    }

    protected int Offset(int position, int c) => Inner == 1 ? position * Classes + c : ((position / Inner) * Classes + c) * Inner + position % Inner;

    /// <summary>None keeps the per-position values; Sum adds them; Mean divides their sum by <see cref="Divisor"/>.</summary>
    protected double[] Reduce(double[] perPosition) => Reduction switch
    {
        Reduction.None => perPosition,
        Reduction.Sum => [TensorPrimitives.Sum<double>(perPosition)],
        _ => [TensorPrimitives.Sum<double>(perPosition) / Divisor],
    };

    protected Tensor Result(double[] reduced, DType dtype) =>
        Kernels.FromDoubles(reduced, Reduction == Reduction.None ? PerPositionShape : [], dtype);

    /// <summary>
    /// log-sum-exp of every position, ignored or not: PyTorch's log_softmax covers them all. Contiguous rows are done in
    /// one parallel pass that, when asked, also writes <see cref="unitGradient"/>.
    /// </summary>
    private void LogSumExp<T>(bool withGradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Inner == 1)
        {
            var gradient = withGradient ? (T[])DTypes.AllocateUninitialized(Input.DType, Input.Count) : null;
            if (Classes > 0 && Positions > 0)
            {
                int chunkRows = Math.Max(1, Rows<T>.ChunkElements / Classes), chunks = (Positions + chunkRows - 1) / chunkRows;
                Parallelism.ForRanges(chunks, (long)FastExp.RowElementCost * chunkRows * Classes, new Rows<T>(this, Input.Data<T>(), gradient, chunkRows));
            }
            if (gradient is not null) unitGradient = new Tensor(gradient, Input.Dims) { Exclusive = true };
            return;
        }
        if (Classes == 0) return;
        ReadOnlySpan<T> x = Input.Span<T>();
        var rented = ArrayPool<T>.Shared.Rent(2 * Classes);
        Span<T> buffer = rented.AsSpan(0, Classes), scratch = rented.AsSpan(Classes, Classes);
        for (int p = 0; p < Positions; p++) logSumExp[p] = RowLogSumExp<T>(Row(x, p, buffer), scratch);
        ArrayPool<T>.Shared.Return(rented);
    }

    /// <summary>log sum exp(values), leaving exp(values - max) in <paramref name="exps"/>.</summary>
    private static double RowLogSumExp<T>(ReadOnlySpan<T> values, Span<T> exps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A nan, or an infinite max, gives nan below, as PyTorch's log_softmax does (see FastExp.Max).
        T max = FastExp.Max(values);
        return double.CreateTruncating(max) + Math.Log(double.CreateTruncating(FastExp.ExpSum(values, max, exps)));
    }

    /// <summary>
    /// Chunks [start, end) of <paramref name="chunkRows"/> contiguous rows each: the log-sum-exp and, if
    /// <paramref name="gradient"/> is given, scale x (softmax x sum(a) - a) for an upstream gradient of 1, from the exps
    /// while they are still in L1. Each row's exps and their sum come from one pass; short rows share one Log call per
    /// chunk. Chunks are fixed by row index, so every row is computed the same way however the chunks are split across threads.
    /// </summary>
    private readonly struct Rows<T>(SoftmaxLoss loss, T[] x, T[]? gradient, int chunkRows) : IRangeBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public const int ChunkElements = 2048;

        public void Run(int start, int end)
        {
            int classes = loss.Classes;
            var rented = ArrayPool<T>.Shared.Rent(classes + 2 * chunkRows + (gradient is null ? chunkRows * classes : 0));
            var scratch = rented.AsSpan();
            Span<T> weights = scratch[..classes], maxima = scratch.Slice(classes, chunkRows), sums = scratch.Slice(classes + chunkRows, chunkRows);
            var rentedLogs = ArrayPool<double>.Shared.Rent(chunkRows);
            long ignoreIndex = 0;
            var unweighted = gradient is null ? null : loss.UnweightedTargets(out ignoreIndex);
            // A kept position's scale for an upstream gradient of 1 (see Scale), times its weight, 1.
            T unitScale = T.CreateTruncating(loss.KeptScale(1));
            for (int chunk = start; chunk < end; chunk++)
            {
                int first = chunk * chunkRows, rows = Math.Min(chunkRows, loss.Positions - first);
                var exps = gradient is null ? scratch.Slice(classes + 2 * chunkRows, rows * classes) : gradient.AsSpan(first * classes, rows * classes);
                var logs = rentedLogs.AsSpan(0, rows);
                // A nan, or an infinite max, gives nan below, as PyTorch's log_softmax does (see FastExp.Max).
                for (int r = 0; r < rows; r++)
                {
                    // The row and the rest of the chunk's rows, which are computed after it (see ExpSumOfRow).
                    var rest = x.AsSpan((first + r) * classes, (rows - r) * classes);
                    maxima[r] = FastExp.Max<T>(rest[..classes]);
                    sums[r] = FastExp.ExpSumOfRow<T>(rest, maxima[r], exps[(r * classes)..], classes);
                    logs[r] = double.CreateTruncating(sums[r]);
                }
                TensorPrimitives.Log<double>(logs, logs);
                for (int r = 0; r < rows; r++) loss.logSumExp[first + r] = double.CreateTruncating(maxima[r]) + logs[r];
                if (gradient is null) continue;
                for (int r = 0; r < rows; r++)
                {
                    if (unweighted is null) WriteGradient(first + r, exps.Slice(r * classes, classes), sums[r], weights);
                    else WriteOneClassGradient(unweighted[first + r] == ignoreIndex ? -1 : (int)unweighted[first + r], unitScale,
                        exps.Slice(r * classes, classes), sums[r]);
                }
            }
            ArrayPool<T>.Shared.Return(rented);
            ArrayPool<double>.Shared.Return(rentedLogs);
        }

        /// <summary>
        /// <see cref="WriteGradient"/> for a row whose target is one class at weight 1, or none (-1: ignored, weight and
        /// scale 0, class 0), with the same operations: scale x weight, divided by the sum, times each exp; the target's less it.
        /// </summary>
        private static void WriteOneClassGradient(int target, T unitScale, Span<T> exps, T sum)
        {
            T scaledWeight = target < 0 ? T.Zero : unitScale;
            TensorPrimitives.Multiply(exps, scaledWeight / sum, exps);
            exps[Math.Max(target, 0)] -= scaledWeight;
        }

        /// <summary>Turns a row's exps (summing to <paramref name="sum"/>) into its gradient; <paramref name="weights"/> is scratch.</summary>
        private void WriteGradient(int position, Span<T> exps, T sum, Span<T> weights)
        {
            T scale = T.CreateTruncating(loss.Scale(position, 1));
            // softmax = exps / sum; a one-class target touches one element of a.
            if (loss.SingleTarget(position) is var (target, weight))
            {
                T scaledWeight = scale * T.CreateTruncating(weight);
                TensorPrimitives.Multiply(exps, scaledWeight / sum, exps);
                exps[target] -= scaledWeight;
                return;
            }
            loss.TargetWeights(position, weights);
            TensorPrimitives.Multiply(exps, scale * TensorPrimitives.Sum<T>(weights) / sum, exps);
            TensorPrimitives.MultiplyAdd(weights, -scale, exps, exps);
        }
    }

    /// <summary>The C scores of one position: the row itself when contiguous, else gathered into <paramref name="buffer"/>.</summary>
    private ReadOnlySpan<T> Row<T>(ReadOnlySpan<T> x, int position, Span<T> buffer) where T : unmanaged
    {
        if (Inner == 1) return x.Slice(position * Classes, Classes);
        for (int c = 0; c < Classes; c++) buffer[c] = x[Offset(position, c)];
        return buffer;
    }

    private void Store<T>(ReadOnlySpan<T> row, int position, Span<T> destination) where T : unmanaged
    {
        if (Inner == 1) row.CopyTo(destination.Slice(position * Classes, Classes));
        else for (int c = 0; c < Classes; c++) destination[Offset(position, c)] = row[c];
    }

    /// <summary>A position's scale from its upstream gradient g: 0 if ignored, g / Divisor under Mean, else g.</summary>
    private double Scale(int position, double g) => Ignored(position) ? 0 : KeptScale(g);

    /// <summary>The scale of a position that is not ignored: g / Divisor under Mean, else g.</summary>
    private double KeptScale(double g) => Reduction == Reduction.Mean ? g / Divisor : g;

    private double[] Scales(double[] upstream)
    {
        var scales = new double[Positions];
        for (int p = 0; p < scales.Length; p++) scales[p] = Scale(p, upstream[Reduction == Reduction.None ? p : 0]);
        return scales;
    }

    private Tensor Backward(Tensor g)
    {
        var ready = unitGradient;
        unitGradient = null;
        // The forward's gradient serves the first Backward from the loss itself; a retained graph's next one recomputes.
        if (ready is not null && !GradMode.IsEnabled && g.Count == 1 && g.Item<double>() == 1) return ready;
        return DTypes.DispatchFloating<BackwardOf, Tensor>(Input.DType, new BackwardOf(this, g, GradMode.IsEnabled), "nll_loss_backward");
    }

    /// <summary>The forward at the input's element type: the rows' log-sum-exp first when the input is logits.</summary>
    private readonly struct ForwardOf(SoftmaxLoss loss, bool withGradient) : IFloatingFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (loss.FromLogits) loss.LogSumExp<T>(withGradient);
            return loss.Forward<T>();
        }
    }

    private readonly struct BackwardOf(SoftmaxLoss loss, Tensor g, bool differentiable) : IFloatingFunc<Tensor>
    {
        public Tensor Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => differentiable ? loss.DifferentiableBackward<T>(g) : loss.Gradient<T>(g);
    }

    /// <summary>scale x (softmax x sum(a) - a) for logits, scale x -a for log-probabilities, row by row.</summary>
    private Tensor Gradient<T>(Tensor g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scales = Scales(g.ToArray<double>());
        var grad = Tensor.Empty(Input.DType, Input.Dims);
        ReadOnlySpan<T> x = Input.Span<T>();
        var d = grad.Span<T>();
        var rented = ArrayPool<T>.Shared.Rent(3 * Classes);
        Span<T> logits = rented.AsSpan(0, Classes), weights = rented.AsSpan(Classes, Classes), row = rented.AsSpan(2 * Classes, Classes);
        for (int p = 0; p < Positions; p++)
        {
            TargetWeights(p, weights);
            T scale = T.CreateTruncating(scales[p]);
            if (FromLogits)
            {
                TensorPrimitives.Subtract(Row(x, p, logits), T.CreateTruncating(logSumExp[p]), row);
                FastExp.Exp<T>(row, row);
                TensorPrimitives.Multiply(row, scale * TensorPrimitives.Sum<T>(weights), row);
                TensorPrimitives.MultiplyAdd(weights, -scale, row, row);
            }
            else TensorPrimitives.Multiply(weights, -scale, row);
            Store<T>(row, p, d);
        }
        ArrayPool<T>.Shared.Return(rented);
        return grad;
    }

    /// <summary>The same closed form built from ops, so the gradient can itself be differentiated (createGraph).</summary>
    private Tensor DifferentiableBackward<T>(Tensor g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] blocked = [Samples, Classes, Inner], perPosition = [Samples, 1, Inner];
        var weights = Tensor.Empty(Input.DType, blocked);
        var mass = new double[Positions];
        var row = new T[Classes];
        for (int p = 0; p < Positions; p++)
        {
            TargetWeights<T>(p, row);
            mass[p] = double.CreateTruncating(TensorPrimitives.Sum<T>(row));
            Store<T>(row, p, weights.Span<T>());
        }
        // The scales of a unit upstream gradient, times g as a tensor so that g stays differentiable too.
        var factors = Scales([.. Enumerable.Repeat(1.0, Positions)]);
        var scale = new Tensor(factors, perPosition).To(Input.DType) * (Reduction == Reduction.None ? g.Reshape(perPosition) : g);
        var grad = FromLogits
            ? Input.Reshape(blocked).Softmax(1) * new Tensor(mass, perPosition).To(Input.DType) - weights
            : -weights;
        return (grad * scale).Reshape(Input.Dims).To(Input.DType);
    }

    // Validation shared by the forms, with PyTorch's messages.

    /// <summary>What log_softmax over the class dim rejects.</summary>
    protected static void CheckLogSoftmaxInput(Tensor input)
    {
        if (input.Rank == 0)
            throw new ArgumentOutOfRangeException(null, "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
        // PyTorch names the kernel that would run: the last-dim one for (C) and (N, C), the strided one otherwise.
        if (!input.DType.IsFloating())
            throw new ArgumentException($"\"{(input.Rank <= 2 ? "log_softmax_lastdim_kernel_impl" : "softmax_kernel_impl")}\" not implemented for 'Long'");
    }

    /// <summary>Smoothing above 1 is rejected; at or below 0 (or nan) PyTorch quietly takes the unsmoothed path.</summary>
    protected static void CheckLabelSmoothing(double labelSmoothing)
    {
        if (labelSmoothing > 1.0)
            throw new ArgumentException($"label_smoothing must be between 0.0 and 1.0. Got: {FormatLikeCpp(labelSmoothing)}");
    }

    /// <summary>A double as C++'s default ostream prints it (6 significant digits, %g style).</summary>
    private static string FormatLikeCpp(double value) =>
        double.IsInfinity(value) ? (value > 0 ? "inf" : "-inf")
        : value.ToString("G6", CultureInfo.InvariantCulture).Replace('E', 'e');
}
