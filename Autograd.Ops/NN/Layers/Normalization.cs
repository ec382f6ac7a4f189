namespace Autograd.NN;

/// <summary>
/// Layer and batch normalization: a fused forward; a fused first-order backward, and under createGraph a backward
/// written with differentiable ops that recompute the normalized input from the input, so second derivatives include
/// how the statistics depend on it.
/// </summary>
internal static class NormOps
{
    /// <summary>F.layer_norm over the trailing dims <paramref name="normalizedShape"/> (NativeLayerNormBackward0).</summary>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight, Tensor? bias, double eps)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0)
            throw new ArgumentException("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []");
        foreach (var (parameter, name) in new[] { (weight, "weight"), (bias, "bias") })
        {
            if (parameter is not null && !parameter.Dims.AsSpan().SequenceEqual(normalizedShape))
                throw new ArgumentException($"Expected {name} to be of same shape as normalized_shape, but got {name} of shape {Shapes.Format(parameter.Dims)} and normalized_shape = {Shapes.Format(normalizedShape)}");
        }
        int rank = normalizedShape.Length;
        if (input.Rank < rank || !input.Dims.AsSpan(input.Rank - rank).SequenceEqual(normalizedShape))
            throw new ArgumentException($"Given normalized_shape={Shapes.Format(normalizedShape)}, expected input with shape [*, {string.Join(", ", normalizedShape)}], but got input of size{Shapes.Format(input.Dims)}");
        CheckDTypes(input, weight, bias);
        int size = Shapes.NumElements(normalizedShape), rows = size == 0 ? 0 : input.Count / size;
        bool parametersNeedGrad = (weight?.RequiresGrad ?? false) || (bias?.RequiresGrad ?? false);
        bool recorded = Graph.NeedsGrad(input) || parametersNeedGrad && GradMode.IsEnabled;
        // The rows' mean and rstd, kept for the fused backward (as PyTorch's native_layer_norm returns them).
        var statistics = recorded ? new double[2 * rows] : null;
        var result = NormKernels.LayerNorm(input, rows, size, weight, bias, eps, statistics);
        if (recorded)
        {
            Tensor[] inputs = [input, .. weight is null ? Array.Empty<Tensor>() : [weight], .. bias is null ? Array.Empty<Tensor>() : [bias]];
            Graph.Record(result, "NativeLayerNormBackward0", inputs, g =>
            {
                if (!GradMode.IsEnabled)
                {
                    var (fusedDx, fusedDGamma, fusedDBeta) = NormBackwardKernels.LayerNorm(input, g, rows, size, weight, statistics!,
                        input.RequiresGrad, weight?.RequiresGrad ?? false, bias?.RequiresGrad ?? false);
                    return [fusedDx, .. weight is null ? Array.Empty<Tensor?>() : [fusedDGamma], .. bias is null ? Array.Empty<Tensor?>() : [fusedDBeta]];
                }
                var x = input.Reshape(rows, size);
                var dy = g.Reshape(rows, size);
                var xc = x - x.Mean(1, keepDim: true);
                var rstd = ((xc * xc).Mean(1, keepDim: true) + eps).Pow(-0.5);
                var xhat = xc * rstd;
                var dxhat = weight is null ? dy : dy * weight.Reshape(size);
                Tensor? dx = input.RequiresGrad
                    ? (rstd * (dxhat - dxhat.Mean(1, keepDim: true) - xhat * (dxhat * xhat).Mean(1, keepDim: true))).Reshape(input.Dims)
                    : null;
                var grads = new List<Tensor?> { dx };
                if (weight is not null) grads.Add(weight.RequiresGrad ? (dy * xhat).Sum(0).Reshape(normalizedShape) : null);
                if (bias is not null) grads.Add(bias.RequiresGrad ? dy.Sum(0).Reshape(normalizedShape) : null);
                return [.. grads];
            }, saved: [input, weight, bias]);
        }
        return result;
    }

    /// <summary>
    /// F.batch_norm over dim 1 of (N, C, ...): in training, the batch's statistics (biased variance), which also move
    /// the running statistics by <paramref name="momentum"/> (unbiased variance); in evaluation, the running statistics.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, double momentum, double eps)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2) throw new ArgumentException($"Expected 2D or higher input to batch_norm (got {input.Rank}D input)");
        int n = input.Dims[0], channels = input.Dims[1], l = Shapes.NumElements(input.Dims.AsSpan(2));
        foreach (var (t, name) in new[] { (runningMean, "running_mean"), (runningVar, "running_var"), (weight, "weight"), (bias, "bias") })
        {
            if (t is not null && t.Count != channels) throw new ArgumentException($"{name} should contain {channels} elements not {t.Count}");
        }
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException("running_mean and running_var must be defined in evaluation mode");
        if (training && n * l == 1)
            throw new ArgumentException($"Expected more than 1 value per channel when training, got input size torch.Size({Shapes.Format(input.Dims)})");
        CheckDTypes(input, weight, bias);
        double[] mean, invstd;
        if (training)
        {
            var (batchMean, squares) = NormKernels.ChannelMoments(input, n, channels, l);
            mean = batchMean;
            invstd = [.. squares.Select(s => 1 / Math.Sqrt(s / (n * l) + eps))];
            if (runningMean is not null) UpdateRunning(runningMean, batchMean, momentum);
            if (runningVar is not null) UpdateRunning(runningVar, [.. squares.Select(s => s / (n * l - 1))], momentum);
        }
        else
        {
            mean = runningMean!.ToArray<double>();
            invstd = [.. runningVar!.ToArray<double>().Select(v => 1 / Math.Sqrt(v + eps))];
        }
        double[] w = weight?.ToArray<double>() ?? [.. Enumerable.Repeat(1.0, channels)];
        double[] b = bias?.ToArray<double>() ?? new double[channels];
        double[] alpha = [.. invstd.Select((s, c) => s * w[c])];
        double[] beta = [.. alpha.Select((a, c) => b[c] - mean[c] * a)];
        var result = NormKernels.ChannelAffine(input, n, channels, l, alpha, beta);
        bool parametersNeedGrad = (weight?.RequiresGrad ?? false) || (bias?.RequiresGrad ?? false);
        if (Graph.NeedsGrad(input) || parametersNeedGrad && GradMode.IsEnabled)
        {
            Tensor[] inputs = [input, .. weight is null ? Array.Empty<Tensor>() : [weight], .. bias is null ? Array.Empty<Tensor>() : [bias]];
            // Evaluation normalizes with constants: the running statistics as they were at this call.
            var fixedMean = training ? null : new Tensor(mean, [1, channels, 1]);
            var fixedInvstd = training ? null : new Tensor(invstd, [1, channels, 1]);
            Graph.Record(result, "NativeBatchNormBackward0", inputs, g =>
            {
                if (!GradMode.IsEnabled)
                {
                    var (fusedDx, fusedDWeight, fusedDBias) = NormBackwardKernels.BatchNorm(input, g, n, channels, l, mean, invstd, weight, training,
                        input.RequiresGrad, weight?.RequiresGrad ?? false, bias?.RequiresGrad ?? false);
                    return [fusedDx, .. weight is null ? Array.Empty<Tensor?>() : [fusedDWeight], .. bias is null ? Array.Empty<Tensor?>() : [fusedDBias]];
                }
                var x = input.Reshape(n, channels, l);
                var dy = g.Reshape(n, channels, l);
                Tensor xhat, rstd;
                if (training)
                {
                    var xc = x - x.Mean(2, keepDim: true).Mean(0, keepDim: true);
                    rstd = ((xc * xc).Mean(2, keepDim: true).Mean(0, keepDim: true) + eps).Pow(-0.5);
                    xhat = xc * rstd;
                }
                else
                {
                    rstd = fixedInvstd!.To(input.DType);
                    xhat = (x - fixedMean!.To(input.DType)) * rstd;
                }
                var dxhat = weight is null ? dy : dy * weight.Reshape(1, channels, 1);
                Tensor? dx = null;
                if (input.RequiresGrad)
                {
                    dx = training
                        ? rstd * (dxhat - dxhat.Mean(2, keepDim: true).Mean(0, keepDim: true) - xhat * (dxhat * xhat).Mean(2, keepDim: true).Mean(0, keepDim: true))
                        : dxhat * rstd;
                    dx = dx.Reshape(input.Dims);
                }
                var grads = new List<Tensor?> { dx };
                if (weight is not null) grads.Add(weight.RequiresGrad ? (dy * xhat).Sum(2).Sum(0).Reshape(weight.Dims) : null);
                if (bias is not null) grads.Add(bias.RequiresGrad ? dy.Sum(2).Sum(0).Reshape(bias.Dims) : null);
                return [.. grads];
            }, saved: [input, weight, bias]);
        }
        return result;
    }

    /// <summary>running = momentum · batch + (1 - momentum) · running, in double and rounded once, written in place.</summary>
    private static void UpdateRunning(Tensor running, double[] batch, double momentum)
    {
        var old = running.ToArray<double>();
        var updated = new double[old.Length];
        for (int c = 0; c < old.Length; c++) updated[c] = momentum * batch[c] + (1 - momentum) * old[c];
        using (GradMode.Disable()) running.Copy_(new Tensor(updated, [.. running.Dims]));
    }

    private static void CheckDTypes(Tensor input, Tensor? weight, Tensor? bias)
    {
        foreach (var parameter in new[] { weight, bias })
        {
            if (parameter is not null && parameter.DType != input.DType)
                throw new ArgumentException($"expected scalar type {Comparisons.ScalarName(input.DType)} but found {Comparisons.ScalarName(parameter.DType)}");
        }
    }
}

/// <summary>torch.nn.LayerNorm: normalizes over the trailing normalizedShape dims, with a learned elementwise weight (ones) and bias (zeros).</summary>
public sealed class LayerNorm : Module
{
    /// <summary><c>nn.LayerNorm(normalized_shape, eps, elementwise_affine)</c> over the last dim, of size <paramref name="normalizedShape"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="elementwiseAffine"/> is set and <paramref name="normalizedShape"/> is negative.</exception>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true) : this([normalizedShape], eps, elementwiseAffine) { }

    /// <summary><c>nn.LayerNorm(normalized_shape, eps, elementwise_affine)</c> over the trailing dims <paramref name="normalizedShape"/>; the weight starts at ones, the bias at zeros.</summary>
    /// <exception cref="ArgumentException"><paramref name="elementwiseAffine"/> is set and a size in <paramref name="normalizedShape"/> is negative.</exception>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        ElementwiseAffine = elementwiseAffine;
        if (elementwiseAffine)
        {
            RegisterParameter("weight", Torch.Ones([.. NormalizedShape]));
            RegisterParameter("bias", Torch.Zeros([.. NormalizedShape]));
        }
    }

    /// <summary>PyTorch's <c>normalized_shape</c>: the trailing dims normalized over.</summary>
    public IReadOnlyList<int> NormalizedShape { get; }
    /// <summary>PyTorch's <c>eps</c>: added to the variance before the square root (default 1e-5).</summary>
    public double Eps { get; }
    /// <summary>PyTorch's <c>elementwise_affine</c>: whether the module has a learned weight and bias.</summary>
    public bool ElementwiseAffine { get; }
    /// <summary>The learned scale (normalized_shape, ones at first), or null without elementwise affine, as <c>layer_norm.weight</c>.</summary>
    public Tensor? Weight => OwnParameter("weight");
    /// <summary>The learned shift (normalized_shape, zeros at first), or null without elementwise affine, as <c>layer_norm.bias</c>.</summary>
    public Tensor? Bias => OwnParameter("bias");

    /// <summary><c>LayerNorm.forward</c>: <c>F.layer_norm(input, normalized_shape, weight, bias, eps)</c>.</summary>
    /// <exception cref="ArgumentException"><see cref="NormalizedShape"/> is empty, the input's trailing dims are not <see cref="NormalizedShape"/>, or the parameters' dtype differs from the input's.</exception>
    public override Tensor Forward(Tensor input) => Functional.LayerNorm(Argument.NotNull(input), [.. NormalizedShape], Weight, Bias, Eps);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>(4,), eps=1e-05, elementwise_affine=True</c>.</summary>
    protected override string ExtraRepr() =>
        $"{Repr.Tuple(NormalizedShape)}, eps={Repr.Float(Eps)}, elementwise_affine={(ElementwiseAffine ? "True" : "False")}";
}

/// <summary>
/// The parts of BatchNorm1d and BatchNorm2d: weight (ones) and bias (zeros) when affine; the running statistics
/// (zeros and ones) and the count of batches seen when tracking them: the buffers running_mean, running_var and
/// num_batches_tracked (in the state dict, as PyTorch's), also read as <see cref="RunningMean"/>, <see cref="RunningVar"/>, <see cref="NumBatchesTracked"/>.
/// </summary>
public abstract class BatchNorm : Module
{
    private protected BatchNorm(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats)
    {
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        Affine = affine;
        TrackRunningStats = trackRunningStats;
        if (affine)
        {
            RegisterParameter("weight", Torch.Ones(numFeatures));
            RegisterParameter("bias", Torch.Zeros(numFeatures));
        }
        if (trackRunningStats)
        {
            RegisterBuffer("running_mean", Torch.Zeros(numFeatures));
            RegisterBuffer("running_var", Torch.Ones(numFeatures));
            RegisterBuffer("num_batches_tracked", Torch.Tensor([0L]).View());
        }
    }

    /// <summary>PyTorch's <c>num_features</c>: the channels C (dim 1) of the input.</summary>
    public int NumFeatures { get; }
    /// <summary>PyTorch's <c>eps</c>: added to the variance before the square root (default 1e-5).</summary>
    public double Eps { get; }
    /// <summary>The weight of each new batch in the running statistics; null for a cumulative average over all batches.</summary>
    public double? Momentum { get; }
    /// <summary>PyTorch's <c>affine</c>: whether the module has a learned weight and bias.</summary>
    public bool Affine { get; }
    /// <summary>PyTorch's <c>track_running_stats</c>: whether running statistics are kept and used in evaluation mode.</summary>
    public bool TrackRunningStats { get; }
    /// <summary>The learned scale (num_features, ones at first), or null when not affine, as <c>bn.weight</c>.</summary>
    public Tensor? Weight => OwnParameter("weight");
    /// <summary>The learned shift (num_features, zeros at first), or null when not affine, as <c>bn.bias</c>.</summary>
    public Tensor? Bias => OwnParameter("bias");
    /// <summary>PyTorch's buffer running_mean (float32, zeros at first).</summary>
    public Tensor? RunningMean => OwnBuffer("running_mean");
    /// <summary>PyTorch's buffer running_var: the running unbiased variance (ones at first).</summary>
    public Tensor? RunningVar => OwnBuffer("running_var");
    /// <summary>PyTorch's buffer num_batches_tracked: a 0-d Int64 count of training batches.</summary>
    public Tensor? NumBatchesTracked => OwnBuffer("num_batches_tracked");

    /// <summary>The input's rank check of the subclass (PyTorch's _check_input_dim).</summary>
    private protected abstract void CheckInputDim(Tensor input);

    /// <summary>
    /// <c>BatchNorm.forward</c>: <c>F.batch_norm</c> with the batch's statistics while training (updating the running ones and
    /// <c>num_batches_tracked</c>) and with the running statistics in evaluation mode when they are tracked.
    /// </summary>
    /// <exception cref="ArgumentException">The input's rank is wrong for the subclass, its channels are not <see cref="NumFeatures"/>, or training sees a single value per channel.</exception>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInputDim(input);
        double factor = Momentum ?? 0.0;
        if (Training && TrackRunningStats)
        {
            using (GradMode.Disable()) NumBatchesTracked!.Add_(Torch.Tensor([1L]).View());
            if (Momentum is null) factor = 1.0 / NumBatchesTracked!.Item<long>();
        }
        // Statistics of the batch while training, or whenever no running statistics are kept.
        bool useBatchStats = Training || RunningMean is null;
        return Functional.BatchNorm(input, !Training || TrackRunningStats ? RunningMean : null, !Training || TrackRunningStats ? RunningVar : null,
            Weight, Bias, useBatchStats, factor, Eps);
    }

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True</c>.</summary>
    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={Repr.Float(Eps)}, momentum={(Momentum is { } m ? Repr.Float(m) : "None")}, affine={Py(Affine)}, track_running_stats={Py(TrackRunningStats)}";

    private static string Py(bool value) => value ? "True" : "False";
}

/// <summary>torch.nn.BatchNorm1d: batch normalization of (N, C) or (N, C, L) inputs over all but dim 1.</summary>
public sealed class BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats)
{
    private protected override void CheckInputDim(Tensor input)
    {
        if (input.Rank is not (2 or 3)) throw new ArgumentException($"expected 2D or 3D input (got {input.Rank}D input)");
    }
}

/// <summary>torch.nn.BatchNorm2d: batch normalization of (N, C, H, W) inputs over all but dim 1.</summary>
public sealed class BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats)
{
    private protected override void CheckInputDim(Tensor input)
    {
        if (input.Rank != 4) throw new ArgumentException($"expected 4D input (got {input.Rank}D input)");
    }
}
