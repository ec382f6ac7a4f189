using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.NN;

/// <summary>
/// Cross-entropy and NLL over class-index targets. The input is viewed as (N, C, inner): (C) is (1, C, 1),
/// (N, C) is (N, C, 1) and (N, C, d1..dk) has inner = d1 x .. x dk; each (n, j) position is one sample.
/// </summary>
internal sealed class ClassLoss
{
    private readonly Tensor input;
    private readonly long[] targets;
    private readonly double[] classWeights;
    private readonly long ignoreIndex;
    private readonly Reduction reduction;
    private readonly bool fromLogits;
    private readonly int samples, classes, inner;
    private double[] logSumExp = [];
    private double totalWeight;

    private ClassLoss(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction, bool fromLogits)
    {
        this.input = input;
        this.ignoreIndex = ignoreIndex;
        this.reduction = reduction;
        this.fromLogits = fromLogits;
        bool batched = input.Rank >= 2;
        samples = batched ? input.Dims[0] : 1;
        classes = input.Dims[batched ? 1 : 0];
        inner = batched ? Shapes.NumElements(input.Dims.AsSpan(2)) : 1;
        targets = target.Data<long>();
        classWeights = weight is null ? [] : weight.ToArray<double>();
    }

    public static Tensor Compute(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, Reduction reduction,
        double labelSmoothing, bool fromLogits)
    {
        Validate(input, target, weight, ignoreIndex, labelSmoothing);
        var loss = new ClassLoss(input, target, weight, ignoreIndex, reduction, fromLogits);
        var result = input.DType == DType.Float32 ? loss.Forward<float>(target.Dims) : loss.Forward<double>(target.Dims);
        if (Graph.NeedsGrad(input)) Graph.Record(result, "NllLossBackward0", [input], g => [loss.Backward(g)], saved: [input, target, weight]);
        return result;
    }

    private static void Validate(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, double labelSmoothing)
    {
        if (!input.DType.IsFloating()) throw new ArgumentException("\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'");
        if (labelSmoothing != 0.0) throw new ArgumentException("label smoothing is not supported by this version");
        if (target.DType != DType.Int64) throw new ArgumentException($"expected scalar type Long but found {(target.DType == DType.Float32 ? "Float" : "Double")}");
        if (input.Rank == 1 && target.Rank != 0)
            throw new ArgumentException($"size mismatch (got input: {Shapes.Format(input.Dims)}, target: {Shapes.Format(target.Dims)})");
        if (input.Rank >= 2)
        {
            if (target.Rank == 0 || input.Dims[0] != target.Dims[0])
                throw new ArgumentException($"Expected input batch_size ({input.Dims[0]}) to match target batch_size ({(target.Rank == 0 ? 1 : target.Dims[0])}).");
            int[] expected = [input.Dims[0], .. input.Dims[2..]];
            if (!target.Dims.AsSpan().SequenceEqual(expected))
                throw new ArgumentException($"Expected target size {Shapes.Format(expected)}, got {Shapes.Format(target.Dims)}");
        }
        int classes = input.Dims[input.Rank >= 2 ? 1 : 0];
        if (weight is not null && (weight.Rank != 1 || weight.Count != classes))
            throw new ArgumentException(
                $"weight tensor should be defined either for all {classes} classes or no classes but got weight tensor of shape: {Shapes.Format(weight.Dims)}");
        if (weight is not null && weight.DType != input.DType)
            throw new ArgumentException($"expected scalar type {(input.DType == DType.Float32 ? "Float" : "Double")} but found {(weight.DType == DType.Float32 ? "Float" : weight.DType == DType.Float64 ? "Double" : "Long")}");
        foreach (long t in target.Span<long>())
        {
            if (t != ignoreIndex && (t < 0 || t >= classes)) throw new ArgumentOutOfRangeException(null, $"Target {t} is out of bounds.");
        }
    }

    private double WeightOf(long t) => classWeights.Length == 0 ? 1.0 : classWeights[t];

    private bool Ignored(int position) => targets[position] == ignoreIndex;

    private Tensor Forward<T>(int[] targetShape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> x = input.Span<T>();
        int positions = samples * inner;
        var losses = new double[positions];
        if (fromLogits) logSumExp = new double[positions];
        var rented = ArrayPool<T>.Shared.Rent(2 * classes);
        Span<T> row = rented.AsSpan(0, classes), scratch = rented.AsSpan(classes, classes);
        for (int p = 0; p < positions; p++)
        {
            if (Ignored(p)) continue;
            long t = targets[p];
            double logProbability;
            if (fromLogits)
            {
                var values = Row(x, p, row);
                T max = TensorPrimitives.Max(values);
                TensorPrimitives.Subtract(values, max, scratch);
                TensorPrimitives.Exp(scratch, scratch);
                logSumExp[p] = double.CreateTruncating(max) + Math.Log(double.CreateTruncating(TensorPrimitives.Sum<T>(scratch)));
                logProbability = double.CreateTruncating(values[(int)t]) - logSumExp[p];
            }
            else logProbability = double.CreateTruncating(x[Offset(p, (int)t)]);
            double w = WeightOf(t);
            losses[p] = -w * logProbability;
            totalWeight += w;
        }
        ArrayPool<T>.Shared.Return(rented);

        if (reduction == Reduction.None)
        {
            var perSample = new T[positions];
            for (int p = 0; p < positions; p++) perSample[p] = T.CreateTruncating(losses[p]);
            return new Tensor(perSample, targetShape);
        }
        double sum = TensorPrimitives.Sum<double>(losses);
        return Tensor.Scalar(T.CreateTruncating(reduction == Reduction.Mean ? sum / totalWeight : sum));
    }

    private int Offset(int position, int c) => ((position / inner) * classes + c) * inner + position % inner;

    /// <summary>The C logits of one position: the row itself when contiguous, else gathered into <paramref name="buffer"/>.</summary>
    private ReadOnlySpan<T> Row<T>(ReadOnlySpan<T> x, int position, Span<T> buffer) where T : unmanaged
    {
        if (inner == 1) return x.Slice(position * classes, classes);
        for (int c = 0; c < classes; c++) buffer[c] = x[Offset(position, c)];
        return buffer;
    }

    /// <summary>The upstream gradient's factor for each position (before the class weight).</summary>
    private double[] Scales(Tensor g)
    {
        var upstream = g.ToArray<double>();
        var scales = new double[samples * inner];
        for (int p = 0; p < scales.Length; p++)
            scales[p] = reduction switch
            {
                Reduction.None => upstream[p],
                Reduction.Mean => upstream[0] / totalWeight,
                _ => upstream[0],
            };
        return scales;
    }

    private Tensor Backward(Tensor g)
    {
        if (GradMode.IsEnabled) return DifferentiableBackward(g);
        var grad = Tensor.Empty(input.DType, input.Dims);
        if (input.DType == DType.Float32) WriteGradient<float>(Scales(g), grad);
        else WriteGradient<double>(Scales(g), grad);
        return grad;
    }

    /// <summary>(softmax - one-hot) x weight x scale per position for cross-entropy; -one-hot x weight x scale for NLL.</summary>
    private void WriteGradient<T>(double[] scales, Tensor grad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> x = input.Span<T>();
        var d = grad.Span<T>();
        for (int p = 0; p < scales.Length; p++)
        {
            bool ignored = Ignored(p);
            double coefficient = ignored ? 0 : WeightOf(targets[p]) * scales[p];
            for (int c = 0; c < classes; c++)
            {
                int at = Offset(p, c);
                double probability = fromLogits && !ignored ? Math.Exp(double.CreateTruncating(x[at]) - logSumExp[p]) : 0;
                double oneHot = !ignored && c == targets[p] ? 1 : 0;
                d[at] = T.CreateTruncating((probability - oneHot) * coefficient);
            }
        }
    }

    /// <summary>The same closed form built from ops, so the gradient can itself be differentiated (createGraph).</summary>
    private Tensor DifferentiableBackward(Tensor g)
    {
        int positions = samples * inner;
        var oneHot = new double[samples * classes * inner];
        var coefficients = new double[positions];
        for (int p = 0; p < positions; p++)
        {
            if (Ignored(p)) continue;
            oneHot[Offset(p, (int)targets[p])] = 1;
            coefficients[p] = WeightOf(targets[p]) / (reduction == Reduction.Mean ? totalWeight : 1);
        }
        int[] blocked = [samples, classes, inner], perPosition = [samples, 1, inner];
        var target = new Tensor(oneHot, blocked).To(input.DType);
        var scale = new Tensor(coefficients, perPosition).To(input.DType) * (reduction == Reduction.None ? g.Reshape(perPosition) : g);
        var x = input.Reshape(blocked);
        var grad = fromLogits ? (x.Softmax(1) - target) * scale : -target * scale;
        return grad.Reshape(input.Dims);
    }
}
