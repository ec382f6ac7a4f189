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
    /// <summary>What Mean divides the summed loss by; each form sets it before its forward reduces.</summary>
    protected double Divisor;
    private readonly double[] logSumExp;

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

    /// <summary>The loss of every position, reduced (Divisor set first) and returned as the result tensor.</summary>
    protected abstract Tensor Forward<T>() where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Writes a[c], the weight this position puts on -log p[c], into every element of <paramref name="row"/>.</summary>
    protected abstract void TargetWeights<T>(int position, Span<T> row) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Ignored positions contribute no loss and a gradient of 0 x softmax (nan where the softmax is nan, as in PyTorch).</summary>
    protected virtual bool Ignored(int position) => false;

    /// <summary>
    /// Runs the forward and registers the one closure that computes the input's gradient. It saves the input, which
    /// its backward reads (PyTorch saves the log-softmax instead), and the target and weight, as PyTorch does.
    /// </summary>
    protected Tensor Run(string gradFnName, Tensor target, Tensor? weight)
    {
        bool single = Input.DType == DType.Float32;
        if (FromLogits)
        {
            if (single) LogSumExp<float>(); else LogSumExp<double>();
        }
        var result = single ? Forward<float>() : Forward<double>();
        if (Graph.NeedsGrad(Input)) Graph.Record(result, gradFnName, [Input], g => [Backward(g)], saved: [Input, target, weight]);
        return result;
    }

    protected double LogProbability<T>(ReadOnlySpan<T> x, int position, int c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double value = double.CreateTruncating(x[Offset(position, c)]);
        return FromLogits ? value - logSumExp[position] : value;
    }

    protected int Offset(int position, int c) => ((position / Inner) * Classes + c) * Inner + position % Inner;

    /// <summary>None keeps the per-position values; Sum adds them; Mean divides their sum by <see cref="Divisor"/>.</summary>
    protected double[] Reduce(double[] perPosition) => Reduction switch
    {
        Reduction.None => perPosition,
        Reduction.Sum => [TensorPrimitives.Sum<double>(perPosition)],
        _ => [TensorPrimitives.Sum<double>(perPosition) / Divisor],
    };

    protected Tensor Result(double[] reduced, DType dtype) =>
        Kernels.Cast(new Tensor(reduced, Reduction == Reduction.None ? PerPositionShape : []), dtype);

    /// <summary>log-sum-exp of every position, ignored or not: PyTorch's log_softmax covers them all.</summary>
    private void LogSumExp<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Classes == 0) return;
        ReadOnlySpan<T> x = Input.Span<T>();
        var rented = ArrayPool<T>.Shared.Rent(2 * Classes);
        Span<T> buffer = rented.AsSpan(0, Classes), scratch = rented.AsSpan(Classes, Classes);
        for (int p = 0; p < Positions; p++)
        {
            var values = Row(x, p, buffer);
            // Max propagates nan, and an infinite max gives nan below, as PyTorch's log_softmax does.
            T max = TensorPrimitives.Max(values);
            TensorPrimitives.Subtract(values, max, scratch);
            TensorPrimitives.Exp(scratch, scratch);
            logSumExp[p] = double.CreateTruncating(max) + Math.Log(double.CreateTruncating(TensorPrimitives.Sum<T>(scratch)));
        }
        ArrayPool<T>.Shared.Return(rented);
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

    /// <summary>Each position's scale from the upstream gradient g: 0 if ignored, g / Divisor under Mean, else its g.</summary>
    private double[] Scales(double[] upstream)
    {
        var scales = new double[Positions];
        for (int p = 0; p < scales.Length; p++)
        {
            double g = upstream[Reduction == Reduction.None ? p : 0];
            scales[p] = Ignored(p) ? 0 : Reduction == Reduction.Mean ? g / Divisor : g;
        }
        return scales;
    }

    private Tensor Backward(Tensor g) => (GradMode.IsEnabled, Input.DType) switch
    {
        (true, DType.Float32) => DifferentiableBackward<float>(g),
        (true, _) => DifferentiableBackward<double>(g),
        (false, DType.Float32) => Gradient<float>(g),
        _ => Gradient<double>(g),
    };

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
                TensorPrimitives.Exp(row, row);
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

    protected static string ScalarTypeName(DType dtype) => dtype switch
    {
        DType.Float32 => "Float",
        DType.Float64 => "Double",
        _ => "Long",
    };

    /// <summary>A double as C++'s default ostream prints it (6 significant digits, %g style).</summary>
    private static string FormatLikeCpp(double value) =>
        double.IsInfinity(value) ? (value > 0 ? "inf" : "-inf")
        : value.ToString("G6", CultureInfo.InvariantCulture).Replace('E', 'e');
}
