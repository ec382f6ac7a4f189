namespace Autograd.NN;

/// <summary>
/// PyTorch's _Loss: a module called with an input and a target. Its one-argument <see cref="Module.Forward(Tensor)"/>
/// fails as PyTorch's call without a target does.
/// </summary>
public abstract class Loss : Module
{
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
    public override Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(Argument.NotNull(input), Argument.NotNull(target), Reduction);
}

/// <summary>torch.nn.L1Loss: the mean (or sum, or each) of the absolute differences.</summary>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => Functional.L1Loss(Argument.NotNull(input), Argument.NotNull(target), Reduction);
}

/// <summary>torch.nn.SmoothL1Loss: quadratic below <see cref="Beta"/>, linear above.</summary>
public sealed class SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : Loss(reduction)
{
    public double Beta { get; } = beta;

    public override Tensor Forward(Tensor input, Tensor target) => Functional.SmoothL1Loss(Argument.NotNull(input), Argument.NotNull(target), Reduction, Beta);
}

/// <summary>torch.nn.HuberLoss: quadratic below <see cref="Delta"/>, delta-scaled linear above.</summary>
public sealed class HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0) : Loss(reduction)
{
    public double Delta { get; } = delta;

    public override Tensor Forward(Tensor input, Tensor target) => Functional.HuberLoss(Argument.NotNull(input), Argument.NotNull(target), Reduction, Delta);
}

/// <summary>torch.nn.BCELoss: binary cross-entropy of probabilities, with an optional weight per element.</summary>
public sealed class BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public Tensor? Weight { get; } = weight;

    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropy(Argument.NotNull(input), Argument.NotNull(target), Weight, Reduction);
}

/// <summary>torch.nn.BCEWithLogitsLoss: sigmoid and binary cross-entropy in one stable form, with optional weights.</summary>
public sealed class BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : Loss(reduction)
{
    public Tensor? Weight { get; } = weight;

    public Tensor? PosWeight { get; } = posWeight;

    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.BinaryCrossEntropyWithLogits(Argument.NotNull(input), Argument.NotNull(target), Weight, Reduction, PosWeight);
}

/// <summary>torch.nn.KLDivLoss: KL divergence of log-probabilities from a (log-)probability target; BatchMean is the true KL per sample.</summary>
public sealed class KLDivLoss(Reduction reduction = Reduction.Mean, bool logTarget = false) : Loss(reduction)
{
    public bool LogTarget { get; } = logTarget;

    public override Tensor Forward(Tensor input, Tensor target) => Functional.KlDiv(Argument.NotNull(input), Argument.NotNull(target), Reduction, LogTarget);
}

/// <summary>torch.nn.NLLLoss: negative log-likelihood of log-probabilities against class indices.</summary>
public sealed class NLLLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public Tensor? Weight { get; } = weight;

    public long IgnoreIndex { get; } = ignoreIndex;

    public override Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(Argument.NotNull(input), Argument.NotNull(target), Weight, IgnoreIndex, Reduction);
}

/// <summary>torch.nn.CrossEntropyLoss: log-softmax and NLL in one, against class indices or class probabilities.</summary>
public sealed class CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100,
    Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0) : Loss(reduction)
{
    public Tensor? Weight { get; } = weight;

    public long IgnoreIndex { get; } = ignoreIndex;

    public double LabelSmoothing { get; } = labelSmoothing;

    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.CrossEntropy(Argument.NotNull(input), Argument.NotNull(target), Weight, IgnoreIndex, Reduction, LabelSmoothing);
}
