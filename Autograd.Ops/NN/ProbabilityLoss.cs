using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Cross-entropy against class probabilities (a floating target shaped like the input): loss = -sum_c w[c] y[c] log p[c],
/// with smoothing ε making y into y (1 - ε) + ε / C. Mean divides by the number of positions, not by the weights.
/// The loss takes the widest dtype of input, target and weight, as PyTorch's elementwise products do.
/// </summary>
internal sealed class ProbabilityLoss : SoftmaxLoss
{
    /// <summary>w[c] x smoothed y, laid out like the input: the a[c] of every position.</summary>
    private readonly double[] weightedTargets;
    private readonly DType resultType;

    private ProbabilityLoss(Tensor input, Tensor target, Tensor? weight, Reduction reduction, double smoothing)
        : base(input, reduction, fromLogits: true)
    {
        resultType = DTypes.Promote(DTypes.Promote(input.DType, target.DType), weight?.DType ?? input.DType);
        var classWeights = weight?.ToArray<double>();
        weightedTargets = target.ToArray<double>();
        for (int i = 0; i < weightedTargets.Length; i++)
        {
            if (smoothing > 0) weightedTargets[i] = weightedTargets[i] * (1 - smoothing) + smoothing / Classes;
            if (classWeights is not null) weightedTargets[i] *= classWeights[i / Inner % Classes];
        }
    }

    protected override double MeanDivisor() => Positions;

    public static Tensor Compute(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction,
        double labelSmoothing)
    {
        Validate(input, target, weight, ignoreIndex, labelSmoothing);
        var loss = new ProbabilityLoss(input, target, weight, reduction, labelSmoothing);
        // PyTorch builds this loss from ops: Mean ends in a division by the count, the others (and an empty Mean,
        // which PyTorch fills with nan instead) in a negation.
        return loss.Run(reduction == Reduction.Mean && input.Count > 0 ? "DivBackward1" : "NegBackward0", target, weight);
    }

    /// <summary>PyTorch's checks in PyTorch's order.</summary>
    private static void Validate(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, double labelSmoothing)
    {
        if (!target.DType.IsFloating())
            throw new ArgumentException($"Expected floating point type for target with class probabilities, got {target.DType.ScalarName()}");
        if (ignoreIndex >= 0) throw new ArgumentException("ignore_index is not supported for floating point target");
        if (input.Rank == 0) throw new ArgumentOutOfRangeException(null, "Dimension specified as 1 but tensor has no dimensions");
        int classes = input.Dims[input.Rank == 1 ? 0 : 1];
        if (weight is not null && (weight.Rank != 1 || weight.Count != classes))
            throw new ArgumentException(
                $"cross_entropy: weight tensor should be defined either for all {classes} classes or no classes but got weight tensor of shape: {Shapes.Format(weight.Dims)}");
        CheckLogSoftmaxInput(input);
        CheckLabelSmoothing(labelSmoothing);
    }

    protected override Tensor Forward<T>()
    {
        ReadOnlySpan<T> x = Input.Span<T>();
        var losses = new double[Positions];
        for (int p = 0; p < Positions; p++)
        {
            // Every class counts, so a zero probability at a -inf logit gives nan, as PyTorch's 0 x -inf does.
            for (int c = 0; c < Classes; c++) losses[p] -= LogProbability(x, p, c) * weightedTargets[Offset(p, c)];
        }
        return Result(Reduce(losses), resultType);
    }

    protected override void TargetWeights<T>(int position, Span<T> row)
    {
        for (int c = 0; c < Classes; c++) row[c] = T.CreateTruncating(weightedTargets[Offset(position, c)]);
    }
}
