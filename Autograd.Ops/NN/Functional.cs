using System.Numerics.Tensors;

namespace Autograd.NN;

/// <summary>How a loss combines its per-element values; <see cref="BatchMean"/> (the sum divided by the batch size) is KL divergence's only.</summary>
public enum Reduction
{
    /// <summary>PyTorch's <c>reduction='none'</c>: the per-element losses, unreduced.</summary>
    None,

    /// <summary>PyTorch's <c>reduction='mean'</c> (the default): their mean; a weighted mean for losses with class weights.</summary>
    Mean,

    /// <summary>PyTorch's <c>reduction='sum'</c>: their sum.</summary>
    Sum,

    /// <summary>PyTorch's <c>reduction='batchmean'</c>: their sum divided by the batch size (KL divergence only).</summary>
    BatchMean,
}

/// <summary>torch.nn.functional.</summary>
public static partial class Functional
{
    /// <summary>
    /// Cross-entropy of logits against class indices (Int64, the input's shape without the class dim) or against class
    /// probabilities (floating, the input's shape): nll_loss(log_softmax(input)) computed in one pass with log-sum-exp,
    /// and a backward that writes the closed form (softmax - target) x weights x scale directly.
    /// </summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null,
        long ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        LossReduction.RequireStandard(reduction);
        // PyTorch reads a target shaped like the input as probabilities, whatever its dtype.
        return input.Dims.AsSpan().SequenceEqual(target.Dims)
            ? ProbabilityLoss.Compute(input, target, weight, ignoreIndex, reduction, labelSmoothing)
            : ClassLoss.Compute(input, target, weight, ignoreIndex, reduction, labelSmoothing, fromLogits: true);
    }

    /// <summary>Negative log-likelihood of log-probabilities against class indices.</summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null,
        long ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        LossReduction.RequireStandard(reduction);
        return ClassLoss.Compute(input, target, weight, ignoreIndex, reduction, 0.0, fromLogits: false);
    }

    /// <summary>One-hot encoding: an Int64 tensor of shape index.Shape + [numClasses]; -1 infers max + 1.</summary>
    public static Tensor OneHot(Tensor index, int numClasses = -1)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.DType != DType.Int64) throw new ArgumentException("one_hot is only applicable to index tensor.");
        var classes = index.Span<long>();
        if (classes.IsEmpty)
        {
            if (numClasses <= 0) throw new ArgumentException("Can not infer total number of classes from empty tensor.");
            return Tensor.Empty(DType.Int64, [.. index.Dims, numClasses]);
        }
        if (TensorPrimitives.Min<long>(classes) < 0) throw new ArgumentException("Class values must be non-negative.");
        long max = TensorPrimitives.Max<long>(classes);
        if (numClasses == -1) numClasses = checked((int)max + 1);
        else if (max >= numClasses) throw new ArgumentException("Class values must be smaller than num_classes.");
        var result = Tensor.Empty(DType.Int64, [.. index.Dims, numClasses]);
        var data = result.Span<long>();
        for (int i = 0; i < classes.Length; i++) data[i * numClasses + (int)classes[i]] = 1;
        return result;
    }
}
