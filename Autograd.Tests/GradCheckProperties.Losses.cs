using Autograd.NN;
using CsCheck;

namespace Autograd.Tests;

/// <summary>
/// GradCheck and GradGradCheck properties of the elementwise losses, the activations, Normalize, CosineSimilarity and
/// Pad. Inputs stay off the kinks: ELU and LeakyReLU away from 0, probabilities inside (0, 1), p = 1 norms away from zero
/// elements; the Huber and SmoothL1 thresholds are crossed only with probability zero.
/// </summary>
public partial class GradCheckPropertyTests
{
    private static Gen<Reduction> AnyReduction => Gen.Int[0, 2].Select(r => (Reduction)r);
    private static Gen<double> Probability => Gen.Double[0.1, 0.9];
    private static Gen<double> Negative => Positive.Select(v => -v);

    /// <summary>
    /// A SmoothL1 or Huber threshold for differences |x - y| in [1, 4]: 0, or below 0.4 (the linear part), or above 5
    /// (the quadratic part), never near the switch between them.
    /// </summary>
    private static Gen<double> Threshold() => Gen.OneOf(Gen.Const(0.0), Gen.Double[0.05, 0.4], Gen.Double[5, 8]);

    /// <summary>Built on first use: static field initializers of partial class files run in no defined order.</summary>
    private static Dictionary<string, Gen<Case>> LossOps => lossOps ??= new()
    {
        ["MseLoss"] = PairLoss("MseLoss", Any, Any, (x, y, r) => Functional.MseLoss(x, y, r)),
        // Input and target of opposite signs, so |x - y| is at least 1: away from the kink at 0.
        ["L1Loss"] = PairLoss("L1Loss", Positive, Negative, (x, y, r) => Functional.L1Loss(x, y, r)),
        ["SmoothL1Loss"] = Threshold().SelectMany(beta =>
            PairLoss($"SmoothL1Loss(beta: {beta})", Positive, Negative, (x, y, r) => Functional.SmoothL1Loss(x, y, r, beta))),
        ["HuberLoss"] = Threshold().Where(delta => delta > 0).SelectMany(delta =>
            PairLoss($"HuberLoss(delta: {delta})", Positive, Negative, (x, y, r) => Functional.HuberLoss(x, y, r, delta))),
        ["KlDiv"] = Gen.Bool.SelectMany(logTarget => PairLoss($"KlDiv(logTarget: {logTarget})", Any, logTarget ? Any : Positive,
            (x, y, r) => Functional.KlDiv(x, y, r, logTarget), Gen.Int[0, 3].Select(r => (Reduction)r))),
        ["BinaryCrossEntropy"] = WeightedLoss("BinaryCrossEntropy", Probability, posWeight: false,
            (x, y, w, _, r) => Functional.BinaryCrossEntropy(x, y, w, r)),
        ["BinaryCrossEntropyWithLogits"] = WeightedLoss("BinaryCrossEntropyWithLogits", Any, posWeight: true,
            (x, y, w, pw, r) => Functional.BinaryCrossEntropyWithLogits(x, y, w, r, pw)),
        ["Gelu"] = Gen.OneOf(Gen.Const("none"), Gen.Const("tanh")).SelectMany(approximate =>
            Unary($"Gelu({approximate})", Shape, Any, x => Functional.Gelu(x, approximate))),
        ["Silu"] = Unary("Silu", Shape, Any, Functional.Silu),
        ["LeakyRelu"] = Gen.Double[-1, 1].SelectMany(slope => Unary($"LeakyRelu({slope})", Shape, AwayFromZero, x => Functional.LeakyRelu(x, slope))),
        ["Elu"] = Positive.SelectMany(alpha => Unary($"Elu({alpha})", Shape, AwayFromZero, x => Functional.Elu(x, alpha))),
        ["Softplus"] = Gen.Select(Positive, Gen.Double[5, 20], (beta, threshold) => (beta, threshold)).SelectMany(p =>
            Unary($"Softplus(beta: {p.beta}, threshold: {p.threshold})", Shape, Any, x => Functional.Softplus(x, p.beta, p.threshold))),
        ["Normalize"] = NormalizeCases(),
        ["CosineSimilarity"] = CosineCases(),
        ["Pad"] = PadCases(),
    };
    private static Dictionary<string, Gen<Case>>? lossOps;

    /// <summary>An input and a target whose shapes broadcast, either or both requiring grad, under a random reduction.</summary>
    private static Gen<Case> PairLoss(string name, Gen<double> input, Gen<double> target, Func<Tensor, Tensor, Reduction, Tensor> loss,
        Gen<Reduction>? reductions = null) =>
        from @case in Binary(name, input, target, (a, _) => a)
        from reduction in reductions ?? AnyReduction
        select @case with { Description = $"{name}, {reduction}", F = t => loss(t[0], t[1], reduction) };

    /// <summary>Input and target of one shape, with an optional weight (and positive-class weight) broadcast along the last dim.</summary>
    private static Gen<Case> WeightedLoss(string name, Gen<double> input, bool posWeight,
        Func<Tensor, Tensor, Tensor?, Tensor?, Reduction, Tensor> loss) =>
        from shape in Shape
        from x in Values(shape, input)
        from y in Values(shape, Gen.Double.Unit)
        from requiring in Gen.Int[1, 3]
        from weighted in Gen.Bool
        from weight in Positive.Array[shape.Length == 0 ? 1 : shape[^1]]
        from positive in Gen.Bool
        from positiveWeight in Positive.Array[shape.Length == 0 ? 1 : shape[^1]]
        from reduction in AnyReduction
        let w = weighted ? Torch.Tensor(weight).Reshape(shape.Length == 0 ? [] : [weight.Length]) : null
        let pw = posWeight && positive ? Torch.Tensor(positiveWeight).Reshape(shape.Length == 0 ? [] : [positiveWeight.Length]) : null
        select new Case($"{name}, {reduction}, weight {weighted}, posWeight {pw is not null}",
            t => loss(t[0], t[1], w, pw, reduction), RequiringSome(requiring, x, y));

    private static Gen<Case> NormalizeCases() =>
        from shape in Gen.Int[1, 3].SelectMany(rank => Gen.Int[1, 4].Array[rank])
        from p in Gen.OneOf(Gen.Const(1.0), Gen.Const(2.0), Gen.Const(3.0), Gen.Double[1.5, 4])
        from x in Values(shape, AwayFromZero)
        from dim in Dim(shape.Length)
        select new Case($"Normalize(p: {p}, dim: {dim})", a => Functional.Normalize(a[0], p, dim), [x]);

    private static Gen<Case> CosineCases() =>
        from @case in Binary("CosineSimilarity", AwayFromZero, AwayFromZero, (a, _) => a)
        let rank = Math.Max(@case.Inputs[0].Shape.Count, @case.Inputs[1].Shape.Count)
        from dim in Dim(rank)
        select @case with { Description = $"CosineSimilarity(dim: {dim})", F = t => Functional.CosineSimilarity(t[0], t[1], dim) };

    /// <summary>Constant padding (amounts -1 to 2, so some crop, of sizes 3 and 4) of 1 to 3 trailing dims, or reflect/replicate of a 2-4 dim input.</summary>
    private static Gen<Case> PadCases() =>
        Gen.OneOf(
            from shape in Gen.Int[1, 3].SelectMany(rank => Gen.Int[3, 4].Array[rank])
            from dims in Gen.Int[1, shape.Length]
            from pad in Gen.Int[-1, 2].Array[2 * dims]
            from value in Any
            from x in Values(shape, Any)
            select new Case($"Pad([{string.Join(", ", pad)}], constant {value})", a => Functional.Pad(a[0], pad, "constant", value), [x]),
            from dims in Gen.Int[1, 3]
            from batched in Gen.Bool
            from sizes in Gen.Int[2, 3].Array[dims + 1 + (batched ? 1 : 0)]
            from pad in Gen.Int[0, 1].Array[2 * dims]
            from reflect in Gen.Bool
            from x in Values(sizes, Any)
            let mode = reflect ? "reflect" : "replicate"
            select new Case($"Pad([{string.Join(", ", pad)}], {mode})", a => Functional.Pad(a[0], pad, mode), [x]));
}
