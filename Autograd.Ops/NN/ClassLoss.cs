using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Cross-entropy and NLL over class-index targets, with class weights, an ignored index and label smoothing.
/// Smoothing ε mixes in a uniform target: loss = (1 - ε) nll + (ε / C) sum_c w[c] (-log p[c]), each part reduced on
/// its own as PyTorch does, so a[t] = (1 - ε) w[t] plus (ε / C) w[c] on every class.
/// </summary>
internal sealed class ClassLoss : SoftmaxLoss
{
    private readonly long[] targets;
    private readonly double[] classWeights;
    private readonly long ignoreIndex;
    private readonly double smoothing;

    private ClassLoss(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction, double smoothing,
        bool fromLogits) : base(input, reduction, fromLogits)
    {
        // A (C) input reads its first target; against an empty one PyTorch finds nothing to count, as if ignored.
        targets = input.Rank == 1 && target.Count == 0 ? [ignoreIndex] : target.Data<long>();
        classWeights = weight is null ? [] : weight.ToArray<double>();
        this.ignoreIndex = ignoreIndex;
        this.smoothing = smoothing;
    }

    public static Tensor Compute(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction,
        double labelSmoothing, bool fromLogits)
    {
        // Smoothing at or below 0 (or nan) is PyTorch's plain path, with its own grad_fn.
        double smoothing = labelSmoothing > 0 ? labelSmoothing : 0;
        Validate(input, target, weight, ignoreIndex, smoothing, fromLogits);
        var loss = new ClassLoss(input, target, weight, ignoreIndex, reduction, smoothing, fromLogits);
        return loss.Run(GradFnName(input.Rank, reduction, smoothing), target, weight);
    }

    /// <summary>PyTorch's node: smoothing adds two losses; 3-d and 5-d+ inputs go through nll_loss2d and, unreduced, a view.</summary>
    private static string GradFnName(int rank, Reduction reduction, double smoothing) =>
        smoothing > 0 ? "AddBackward0"
        : rank <= 2 ? "NllLossBackward0"
        : rank == 4 || reduction != Reduction.None ? "NllLoss2DBackward0"
        : "ViewBackward0";

    /// <summary>PyTorch's checks in PyTorch's order: log_softmax's, nll_loss_nd's, then nll_loss's or nll_loss2d's.</summary>
    private static void Validate(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, double smoothing, bool fromLogits)
    {
        if (fromLogits)
        {
            CheckLabelSmoothing(smoothing);
            CheckLogSoftmaxInput(input);
        }
        else if (input.Rank == 0) throw new ArgumentException("Expected 1 or more dimensions (got 0)");
        // A 0-d target has no batch size; PyTorch reports 0.
        int targetBatch = target.Rank == 0 ? 0 : target.Dims[0];
        if (input.Rank >= 2 && input.Dims[0] != targetBatch)
            throw new ArgumentException($"Expected input batch_size ({input.Dims[0]}) to match target batch_size ({targetBatch}).");
        int classes = input.Dims[input.Rank >= 2 ? 1 : 0];
        string kernel = input.Rank <= 2 ? CheckNllShapes(input, target, weight, classes) : CheckNll2dShapes(input, target, weight, classes);
        if (!input.DType.IsFloating()) throw new ArgumentException($"\"{kernel}\" not implemented for 'Long'");
        if (weight is not null && weight.DType != input.DType)
            throw new ArgumentException($"expected scalar type {input.DType.ScalarName()} but found {weight.DType.ScalarName()}");
        if (target.DType != DType.Int64) throw new ArgumentException($"expected scalar type Long but found {target.DType.ScalarName()}");
        // Only the targets the kernel reads: a (C) input reads one.
        var used = target.Span<long>()[..(input.Rank == 1 ? Math.Min(1, target.Count) : target.Count)];
        foreach (long t in used)
        {
            if (t != ignoreIndex && (t < 0 || t >= classes)) throw new ArgumentOutOfRangeException(null, $"Target {t} is out of bounds.");
        }
        // Smoothing views the weight as [1, weight.size(0), 1, ...], which nll_loss2d's looser check let through.
        if (smoothing > 0 && weight is { Rank: > 1 } && weight.Dims[0] != weight.Count)
        {
            int[] view = [.. Enumerable.Repeat(1, input.Rank)];
            view[1] = weight.Dims[0];
            throw new ArgumentException($"shape '{Shapes.Format(view)}' is invalid for input of size {weight.Count}");
        }
    }

    /// <summary>nll_loss's checks for (C) and (N, C) inputs; returns its kernel's name.</summary>
    private static string CheckNllShapes(Tensor input, Tensor target, Tensor? weight, int classes)
    {
        if (target.Rank > 1) throw new ArgumentException("0D or 1D target tensor expected, multi-target not supported");
        // PyTorch compares input.size(0) with target.size(0) unless a (C) input meets a 0-d target.
        if (!(input.Rank == 1 && target.Rank == 0))
        {
            if (target.Rank == 0) throw new ArgumentOutOfRangeException(null, "Dimension specified as 0 but tensor has no dimensions");
            if (input.Dims[0] != target.Dims[0])
                throw new ArgumentException($"size mismatch (got input: {Shapes.Format(input.Dims)}, target: {Shapes.Format(target.Dims)})");
        }
        if (weight is not null && (weight.Rank != 1 || weight.Count != classes))
            throw new ArgumentException(
                $"weight tensor should be defined either for all {classes} classes or no classes but got weight tensor of shape: {Shapes.Format(weight.Dims)}");
        return "nll_loss_out_frame";
    }

    /// <summary>nll_loss_nd's target-size check for 3-d and 5-d+ inputs, then nll_loss2d's checks; returns its kernel's name.</summary>
    private static string CheckNll2dShapes(Tensor input, Tensor target, Tensor? weight, int classes)
    {
        bool sizesMatch = target.Rank >= 1 && target.Dims.AsSpan(1).SequenceEqual(input.Dims.AsSpan(2));
        if (input.Rank != 4 && !sizesMatch)
            throw new ArgumentException(
                $"Expected target size {Shapes.Format([input.Dims[0], .. input.Dims[2..]])}, got {Shapes.Format(target.Dims)}");
        if (input.Rank == 4 && target.Rank != 3)
            throw new ArgumentException($"only batches of spatial targets supported (3D tensors) but got targets of dimension: {target.Rank}");
        if (weight is not null && weight.Count != classes) throw new ArgumentException("weight tensor should be defined either for all or no classes");
        if (!sizesMatch)
            throw new ArgumentException($"size mismatch (got input: {Shapes.Format(input.Dims)} , target: {Shapes.Format(target.Dims)}");
        return "nll_loss2d_forward_out_frame";
    }

    private double WeightOf(long c) => classWeights.Length == 0 ? 1.0 : classWeights[c];

    protected override bool Ignored(int position) => targets[position] == ignoreIndex;

    /// <summary>The summed class weight of the positions not ignored.</summary>
    protected override double MeanDivisor()
    {
        double keptWeight = 0;
        for (int p = 0; p < Positions; p++)
        {
            if (!Ignored(p)) keptWeight += WeightOf(targets[p]);
        }
        return keptWeight;
    }

    protected override Tensor Forward<T>()
    {
        ReadOnlySpan<T> x = Input.Span<T>();
        var nll = new double[Positions];
        var smooth = smoothing > 0 ? new double[Positions] : null;
        for (int p = 0; p < Positions; p++)
        {
            if (Ignored(p)) continue;
            long t = targets[p];
            nll[p] = -WeightOf(t) * LogProbability(x, p, (int)t);
            if (smooth is null) continue;
            for (int c = 0; c < Classes; c++) smooth[p] -= WeightOf(c) * LogProbability(x, p, c);
        }
        var loss = Reduce(nll);
        if (smooth is not null)
        {
            var spread = Reduce(smooth);
            for (int i = 0; i < loss.Length; i++) loss[i] = (1 - smoothing) * loss[i] + spread[i] * (smoothing / Classes);
        }
        return Result(loss, Input.DType);
    }

    protected override long[]? UnweightedTargets(out long ignored)
    {
        ignored = ignoreIndex;
        return smoothing > 0 || classWeights.Length > 0 ? null : targets;
    }

    protected override (int Class, double Weight)? SingleTarget(int position) =>
        smoothing > 0 ? null : Ignored(position) ? (0, 0) : ((int)targets[position], WeightOf(targets[position]));

    protected override void TargetWeights<T>(int position, Span<T> row)
    {
        row.Clear();
        if (Ignored(position)) return;
        if (smoothing > 0)
        {
            for (int c = 0; c < Classes; c++) row[c] = T.CreateTruncating(smoothing / Classes * WeightOf(c));
        }
        int t = (int)targets[position];
        row[t] += T.CreateTruncating((1 - smoothing) * WeightOf(t));
    }
}
