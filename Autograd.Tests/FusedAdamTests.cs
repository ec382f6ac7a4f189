using Autograd.Optim;

namespace Autograd.Tests;

/// <summary>
/// Adam's and AdamW's one-pass update of dense parameters against the op-by-op update, which a parameter stored
/// transposed takes: the same bits for parameters, exp_avg, exp_avg_sq and max_exp_avg_sq, for float and double, at
/// sizes that use only the padded tail, vectors and a tail, and several threads.
/// </summary>
public class FusedAdamTests
{
    private static readonly Dictionary<string, Func<Tensor[], Optimizer>> Optimizers = new()
    {
        ["adam"] = ps => new Adam(ps, lr: 0.01),
        ["adam_decay_maximize"] = ps => new Adam(ps, lr: 0.02, beta1: 0.8, beta2: 0.95, weightDecay: 0.1, maximize: true),
        ["adam_amsgrad"] = ps => new Adam(ps, lr: 0.005, eps: 1e-6, amsgrad: true),
        ["adamw"] = ps => new AdamW(ps),
        ["adamw_no_decay"] = ps => new AdamW(ps, lr: 0.03, weightDecay: 0),
        ["adamw_amsgrad_maximize"] = ps => new AdamW(ps, lr: 0.01, beta1: 0.85, beta2: 0.98, weightDecay: 0.05, amsgrad: true, maximize: true),
    };

    public static IEnumerable<TestCaseData> Cases() =>
        from name in Optimizers.Keys
        from dtype in new[] { DType.Float32, DType.Float64 }
        from shape in new[] { (3, 5), (37, 29), (160, 130) }
        select new TestCaseData(name, dtype, shape.Item1, shape.Item2).SetName($"FusedAdam_{name}_{dtype}_{shape.Item1}x{shape.Item2}");

    [TestCaseSource(nameof(Cases))]
    public void FusedUpdate_MatchesOpByOpUpdate(string name, DType dtype, int rows, int cols)
    {
        Torch.ManualSeed(7);
        var start = Torch.Randn([rows, cols], dtype);
        var dense = start.Clone();
        var transposed = start.T().Contiguous().T();
        dense.RequiresGrad = transposed.RequiresGrad = true;
        transposed.IsContiguous.ShouldBeFalse();
        var fused = Optimizers[name]([dense]);
        var opByOp = Optimizers[name]([transposed]);
        for (int step = 0; step < 6; step++)
        {
            // Some exact zeros (a zero second moment at first) and large values among normal draws.
            var grad = Torch.Randn([rows, cols], dtype) * (Torch.Rand([rows, cols]) > 0.1).To(dtype) * (step == 2 ? 1e6 : 1.0);
            dense.Grad = grad.Clone();
            transposed.Grad = grad.Clone();
            fused.Step();
            opByOp.Step();
            ShouldBeBitwise(dense, transposed, $"{name} step {step}: parameter");
            foreach (var key in fused.State[dense].Keys.Where(k => k != "step"))
                ShouldBeBitwise((Tensor)fused.State[dense][key]!, (Tensor)opByOp.State[transposed][key]!, $"{name} step {step}: {key}");
        }
    }

    private static void ShouldBeBitwise(Tensor actual, Tensor expected, string what)
    {
        actual.DType.ShouldBe(expected.DType, what);
        FusedPathTests.Bits(actual).ShouldBe(FusedPathTests.Bits(expected), what);
    }
}
