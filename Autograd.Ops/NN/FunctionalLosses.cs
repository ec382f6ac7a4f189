namespace Autograd.NN;

/// <summary>The elementwise losses of torch.nn.functional.</summary>
public static partial class Functional
{
    /// <summary>
    /// F.mse_loss: (input - target)^2, reduced. The two broadcast together, as PyTorch's (which also warns when their
    /// sizes differ).
    /// </summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        var (shape, dtype) = Regression(input, target, reduction, "mse_cpu");
        return PointwiseLoss.Run(new MseKernel(), "MseLossBackward0", input, target, null, null, reduction, dtype, shape);
    }

    /// <summary>F.l1_loss: |input - target|, reduced; PyTorch 1.13 composes it from abs, mean and sum, whose nodes it ends in.</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        var (shape, dtype) = Regression(input, target, reduction, "abs_cpu");
        string gradFn = reduction switch { Reduction.None => "AbsBackward0", Reduction.Mean => "MeanBackward0", _ => "SumBackward0" };
        return PointwiseLoss.Run(new L1Kernel(), gradFn, input, target, null, null, reduction, dtype, shape);
    }

    /// <summary>F.smooth_l1_loss: 0.5 z^2 / beta where z = |input - target| &lt; beta, else z - 0.5 beta; beta 0 is the L1 loss.</summary>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        var shape = Broadcast(input, target, reduction);
        if (beta < 0) throw new ArgumentException("smooth_l1_loss does not support negative values for beta.");
        var dtype = FloatingType(input, target, "smooth_l1_cpu");
        return PointwiseLoss.Run(new SmoothL1Kernel(beta), "SmoothL1LossBackward0", input, target, null, null, reduction, dtype, shape);
    }

    /// <summary>F.huber_loss: 0.5 z^2 where z = |input - target| &lt; delta, else delta (z - 0.5 delta).</summary>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        var shape = Broadcast(input, target, reduction);
        if (!(delta > 0)) throw new ArgumentException("huber_loss does not support non-positive values for delta.");
        var dtype = FloatingType(input, target, "huber_cpu");
        return PointwiseLoss.Run(new HuberKernel(delta), "HuberLossBackward0", input, target, null, null, reduction, dtype, shape);
    }

    /// <summary>
    /// F.binary_cross_entropy of probabilities in [0, 1]: -w (y log x + (1 - y) log(1 - x)), each log clamped at -100 as
    /// PyTorch does. The target must have the input's size and dtype; the weight broadcasts to it.
    /// </summary>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        LossReduction.RequireStandard(reduction);
        if (!input.Dims.AsSpan().SequenceEqual(target.Dims))
            throw new ArgumentException(
                $"Using a target size ({TorchSize(target)}) that is different to the input size ({TorchSize(input)}) is deprecated. Please ensure they have the same size.");
        if (weight is not null && !Shapes.Broadcast(target.Dims, weight.Dims).AsSpan().SequenceEqual(input.Dims))
            throw new ArgumentException($"output with shape {Shapes.Format(input.Dims)} doesn't match the broadcast shape {Shapes.Format(Shapes.Broadcast(target.Dims, weight.Dims))}");
        if (target.DType != input.DType)
            throw new ArgumentException($"Found dtype {Comparisons.ScalarName(target.DType)} but expected {Comparisons.ScalarName(input.DType)}");
        if (input.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"\"binary_cross_entropy\" not implemented for '{Comparisons.ScalarName(input.DType)}'");
        foreach (double x in input.ToArray<double>())
        {
            if (!(x >= 0 && x <= 1)) throw new ArgumentException("all elements of input should be between 0 and 1");
        }
        return PointwiseLoss.Run(new BinaryCrossEntropyKernel(), "BinaryCrossEntropyBackward0", input, target, weight, null, reduction,
            input.DType, input.Dims);
    }

    /// <summary>
    /// F.binary_cross_entropy_with_logits: the sigmoid and binary cross-entropy in one, in PyTorch's numerically stable
    /// form. <paramref name="posWeight"/> weighs the positive term (broadcast along the last dims, one per class);
    /// <paramref name="weight"/> weighs every element.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
        Tensor? posWeight = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        LossReduction.RequireStandard(reduction);
        if (!input.Dims.AsSpan().SequenceEqual(target.Dims))
            throw new ArgumentException($"Target size ({TorchSize(target)}) must be the same as input size ({TorchSize(input)})");
        var shape = posWeight is null ? input.Dims : Shapes.Broadcast(Shapes.Broadcast(posWeight.Dims, target.Dims), input.Dims);
        if (weight is not null)
        {
            var weighted = Shapes.Broadcast(shape, weight.Dims);
            if (!weighted.AsSpan().SequenceEqual(shape))
                throw new ArgumentException($"output with shape {Shapes.Format(shape)} doesn't match the broadcast shape {Shapes.Format(weighted)}");
        }
        if (target.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"result type Float can't be cast to the desired output type {Comparisons.ScalarName(target.DType)}");
        if (input.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"result type Float can't be cast to the desired output type {Comparisons.ScalarName(input.DType)}");
        var dtype = DTypes.Promote(input, target);
        return PointwiseLoss.Run(new BinaryCrossEntropyWithLogitsKernel(posWeight is not null), "BinaryCrossEntropyWithLogitsBackward0",
            input, target, weight, posWeight, reduction, dtype, shape);
    }

    /// <summary>
    /// F.kl_div of log-probabilities <paramref name="input"/> from <paramref name="target"/> (probabilities, or
    /// log-probabilities with <paramref name="logTarget"/>): target (log target - input), reduced. BatchMean divides the
    /// sum by the batch size (the first dim), which is the true KL divergence per sample; Mean divides by the element count.
    /// </summary>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum or Reduction.BatchMean)) throw LossReduction.Invalid(reduction);
        // PyTorch 1.13 composes it from target * input (or target - input), whose broadcast fails first.
        var shape = Shapes.Broadcast(target.Dims, input.Dims);
        var dtype = FloatingType(input, target, logTarget ? "exp_vml_cpu" : "xlogy_cpu");
        string gradFn = reduction switch
        {
            Reduction.None => logTarget ? "MulBackward0" : "SubBackward0",
            Reduction.Mean => "MeanBackward0",
            Reduction.Sum => "SumBackward0",
            _ => input.Rank == 0 ? "SumBackward0" : "DivBackward0",
        };
        return PointwiseLoss.Run(new KlDivKernel(logTarget), gradFn, input, target, null, null, reduction, dtype, shape);
    }

    /// <summary>The checks of the regression losses in PyTorch's order: reduction, broadcast, then the kernel's dtype.</summary>
    private static (int[] Shape, DType DType) Regression(Tensor input, Tensor target, Reduction reduction, string kernel)
    {
        var shape = Broadcast(input, target, reduction);
        return (shape, FloatingType(input, target, kernel));
    }

    private static int[] Broadcast(Tensor input, Tensor target, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        LossReduction.RequireStandard(reduction);
        return Shapes.Broadcast(input.Dims, target.Dims);
    }

    /// <summary>The promoted dtype of the two operands, which must be floating: PyTorch has no integer kernel for these losses.</summary>
    private static DType FloatingType(Tensor input, Tensor target, string kernel)
    {
        var dtype = DTypes.Promote(input, target);
        if (dtype is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"\"{kernel}\" not implemented for '{Comparisons.ScalarName(dtype)}'");
        return dtype;
    }

    /// <summary>A shape as Python prints a torch.Size: torch.Size([3, 1]).</summary>
    private static string TorchSize(Tensor t) => $"torch.Size({Shapes.Format(t.Dims)})";
}
