namespace Autograd.NN;

/// <summary>
/// PyTorch's _Loss: a module called with an input and a target. Its one-argument <see cref="Module.Forward(Tensor)"/>
/// fails as PyTorch's call without a target does.
/// </summary>
public abstract class Loss : Module
{
    /// <summary>PyTorch's <c>_Loss(reduction=...)</c>.</summary>
    /// <param name="reduction">How the per-element losses are combined.</param>
    protected Loss(Reduction reduction) => Reduction = reduction;

    /// <summary>How the per-element losses are combined: Mean (the default), Sum or None.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <summary>A loss needs a target: PyTorch's TypeError for a call without one.</summary>
    public sealed override Tensor Forward(Tensor input) =>
        throw new ArgumentException($"{GetType().Name}.forward() missing 1 required positional argument: 'target'");
}

/// <summary>torch.nn.MSELoss: the mean (or sum, or each) of the squared differences.</summary>
public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary><c>MSELoss.forward(input, target)</c>: <c>F.mse_loss</c> with this module's settings.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, the promoted dtype is not floating point, or <see cref="Loss.Reduction"/> is <see cref="Reduction.BatchMean"/>.</exception>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(Argument.NotNull(input), Argument.NotNull(target), Reduction);
}

/// <summary>torch.nn.L1Loss: the mean (or sum, or each) of the absolute differences.</summary>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary><c>L1Loss.forward(input, target)</c>: <c>F.l1_loss</c> with this module's settings.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, the promoted dtype is not floating point, or <see cref="Loss.Reduction"/> is <see cref="Reduction.BatchMean"/>.</exception>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.L1Loss(Argument.NotNull(input), Argument.NotNull(target), Reduction);
}

/// <summary>torch.nn.SmoothL1Loss: quadratic below <see cref="Beta"/>, linear above.</summary>
public sealed class SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : Loss(reduction)
{
    /// <summary>PyTorch's <c>beta</c>: where the loss turns from quadratic to linear (default 1.0; 0 gives the L1 loss).</summary>
    public double Beta { get; } = beta;

    /// <summary><c>SmoothL1Loss.forward(input, target)</c>: <c>F.smooth_l1_loss</c> with this module's settings.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, the promoted dtype is not floating point, or <see cref="Loss.Reduction"/> is <see cref="Reduction.BatchMean"/>, or <see cref="Beta"/> is negative.</exception>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.SmoothL1Loss(Argument.NotNull(input), Argument.NotNull(target), Reduction, Beta);
}

/// <summary>torch.nn.HuberLoss: quadratic below <see cref="Delta"/>, delta-scaled linear above.</summary>
public sealed class HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0) : Loss(reduction)
{
    /// <summary>PyTorch's <c>delta</c>: where the loss turns from quadratic to linear (default 1.0).</summary>
    public double Delta { get; } = delta;

    /// <summary><c>HuberLoss.forward(input, target)</c>: <c>F.huber_loss</c> with this module's settings.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, the promoted dtype is not floating point, or <see cref="Loss.Reduction"/> is <see cref="Reduction.BatchMean"/>, or <see cref="Delta"/> is not positive.</exception>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.HuberLoss(Argument.NotNull(input), Argument.NotNull(target), Reduction, Delta);
}

/// <summary>torch.nn.BCELoss: binary cross-entropy of probabilities, with an optional weight per element.</summary>
public sealed class BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>PyTorch's <c>weight</c>: a rescaling weight broadcast to each element, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary><c>BCELoss.forward(input, target)</c>: <c>F.binary_cross_entropy</c> with this module's settings.</summary>
    /// <exception cref="ArgumentException">The reduction is <see cref="Reduction.BatchMean"/>, the target's size or dtype differs from the input's, the weight does not broadcast to it, the input is not floating point, or an input element is outside [0, 1].</exception>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropy(Argument.NotNull(input), Argument.NotNull(target), Weight, Reduction);
}

/// <summary>torch.nn.BCEWithLogitsLoss: sigmoid and binary cross-entropy in one stable form, with optional weights.</summary>
public sealed class BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : Loss(reduction)
{
    /// <summary>PyTorch's <c>weight</c>: a rescaling weight broadcast to each element, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>PyTorch's <c>pos_weight</c>: the weight of the positive term, broadcast against the input (one per class along the last dim), or null.</summary>
    public Tensor? PosWeight { get; } = posWeight;

    /// <summary><c>BCEWithLogitsLoss.forward(input, target)</c>: <c>F.binary_cross_entropy_with_logits</c> with this module's settings.</summary>
    /// <exception cref="ArgumentException">The reduction is <see cref="Reduction.BatchMean"/>, the target's size differs from the input's, a weight does not broadcast to it, or an operand is not floating point.</exception>
    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.BinaryCrossEntropyWithLogits(Argument.NotNull(input), Argument.NotNull(target), Weight, Reduction, PosWeight);
}

/// <summary>torch.nn.KLDivLoss: KL divergence of log-probabilities from a (log-)probability target; BatchMean is the true KL per sample.</summary>
public sealed class KLDivLoss(Reduction reduction = Reduction.Mean, bool logTarget = false) : Loss(reduction)
{
    /// <summary>PyTorch's <c>log_target</c>: whether the target holds log-probabilities (default false).</summary>
    public bool LogTarget { get; } = logTarget;

    /// <summary><c>KLDivLoss.forward(input, target)</c>: <c>F.kl_div</c> with this module's settings.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast or the operands are not floating point.</exception>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.KlDiv(Argument.NotNull(input), Argument.NotNull(target), Reduction, LogTarget);
}

/// <summary>torch.nn.NLLLoss: negative log-likelihood of log-probabilities against class indices.</summary>
public sealed class NLLLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>PyTorch's <c>weight</c>: one weight per class, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>PyTorch's <c>ignore_index</c>: targets equal to it add nothing to the loss or the mean's denominator (default -100).</summary>
    public long IgnoreIndex { get; } = ignoreIndex;

    /// <summary><c>NLLLoss.forward(input, target)</c>: <c>F.nll_loss</c> with this module's settings.</summary>
    /// <exception cref="ArgumentException">The reduction is <see cref="Reduction.BatchMean"/>, the input is 0-d or not floating point, the target is not int64 or its shape does not match the input's, or the weight is not one per class (a target out of range is an <see cref="ArgumentOutOfRangeException"/>).</exception>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(Argument.NotNull(input), Argument.NotNull(target), Weight, IgnoreIndex, Reduction);
}

/// <summary>torch.nn.CrossEntropyLoss: log-softmax and NLL in one, against class indices or class probabilities.</summary>
public sealed class CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100,
    Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0) : Loss(reduction)
{
    /// <summary>PyTorch's <c>weight</c>: one weight per class, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>PyTorch's <c>ignore_index</c>: class-index targets equal to it add nothing (default -100).</summary>
    public long IgnoreIndex { get; } = ignoreIndex;

    /// <summary>PyTorch's <c>label_smoothing</c> in [0, 1]: the share of the target spread evenly over the classes (default 0).</summary>
    public double LabelSmoothing { get; } = labelSmoothing;

    /// <summary><c>CrossEntropyLoss.forward(input, target)</c>: <c>F.cross_entropy</c> with this module's settings.</summary>
    /// <exception cref="ArgumentException">The reduction is <see cref="Reduction.BatchMean"/>, the input is not floating point, the target is neither int64 class indices of the input's shape without the class dim nor floating probabilities of the input's shape, the weight is not one per class, or <see cref="LabelSmoothing"/> is outside [0, 1] (a class index out of range is an <see cref="ArgumentOutOfRangeException"/>).</exception>
    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.CrossEntropy(Argument.NotNull(input), Argument.NotNull(target), Weight, IgnoreIndex, Reduction, LabelSmoothing);
}
