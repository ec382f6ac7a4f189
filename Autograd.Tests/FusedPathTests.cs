using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// Kernels that fuse what ops did one by one, against those ops on the same input, bit for bit: softmax's backward
/// (the ops run when the pass records a graph of the gradient), Bmm (per-batch matrix products, a column-major left operand copied row-major), attention's mask
/// added in place (the broadcast op runs when the mask requires grad), and Addmm's row bias added inside the matrix kernel.
/// </summary>
public class FusedPathTests
{
    /// <summary>The elements' exact bits (as float64, which holds every float32 and int64 value compared here).</summary>
    internal static long[] Bits(Tensor t) => [.. t.Detach().To(DType.Float64).ToArray<double>().Select(BitConverter.DoubleToInt64Bits)];

    [TestCase(DType.Float32, 5)]
    [TestCase(DType.Float32, 64)]
    [TestCase(DType.Float32, 67)]
    [TestCase(DType.Float64, 3)]
    [TestCase(DType.Float64, 37)]
    public void SoftmaxBackward_FusedRows_MatchTheOps(DType dtype, int size)
    {
        Torch.ManualSeed(3);
        var x = Torch.Randn([4, 3, size], dtype, requiresGrad: true);
        var weights = Torch.Randn([4, 3, size], dtype);
        var fused = Gradients.Grad((x.Softmax(-1) * weights).Sum(), x);
        var ops = Gradients.Grad((x.Softmax(-1) * weights).Sum(), x, createGraph: true);
        Bits(fused).ShouldBe(Bits(ops));
    }

    [TestCase(DType.Float32, 1, 1, 1)]
    [TestCase(DType.Float32, 37, 20, 19)]
    [TestCase(DType.Float32, 64, 700, 48)]
    [TestCase(DType.Float64, 9, 33, 17)]
    [TestCase(DType.Float32, 4, 0, 5)]
    public void Addmm_RowBiasInTheKernel_MatchesTheProductPlusTheBias(DType dtype, int rows, int depth, int columns)
    {
        Torch.ManualSeed(5);
        var x = Torch.Randn([rows, depth], dtype);
        var weight = Torch.Randn([columns, depth], dtype);
        // Every kind of bias: contiguous (fused), a strided view and a broadcast (1, n) row (both the broadcast op).
        var bias = Torch.Randn([columns], dtype);
        var strided = Torch.Randn([columns, 2], dtype).Select(1, 1);
        var product = x.MatMul(weight.T());
        Bits(bias.Addmm(x, weight.T())).ShouldBe(Bits(product + bias));
        Bits(strided.Addmm(x, weight.T())).ShouldBe(Bits(product + strided));
        Bits(bias.View(1, columns).Addmm(x, weight.T())).ShouldBe(Bits(product + bias));
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    [TestCase(DType.Int64)]
    public void Bmm_MatchesEachBatchsMatrixProduct_WithStridedOperands(DType dtype)
    {
        Torch.ManualSeed(5);
        // Batches interleaved in memory, then each left matrix stored column by column (copied row-major first).
        var interleaved = (Torch.Randn([5, 7, 9]) * 10).To(dtype).Transpose(0, 1).Contiguous().Transpose(0, 1);
        var columnMajor = (Torch.Randn([5, 9, 7]) * 10).To(dtype).Transpose(1, 2);
        var b = (Torch.Randn([5, 6, 9]) * 10).To(dtype).Transpose(1, 2);
        foreach (var a in new[] { interleaved, columnMajor })
        {
            var product = a.Bmm(b);
            for (int i = 0; i < 5; i++) Bits(product.Select(0, i)).ShouldBe(Bits(a.Select(0, i).MatMul(b.Select(0, i))), $"batch {i}");
        }
        // Large enough for the register-blocked transpose's 8 x 8 squares and their ragged edges.
        var tall = (Torch.Randn([3, 40, 17]) * 10).To(dtype).Transpose(1, 2);
        var right = (Torch.Randn([3, 40, 8]) * 10).To(dtype);
        var products = tall.Bmm(right);
        for (int i = 0; i < 3; i++) Bits(products.Select(0, i)).ShouldBe(Bits(tall.Select(0, i).MatMul(right.Select(0, i))), $"batch {i} of the tall operand");
    }

    [TestCase(2)]
    [TestCase(3)]
    public void AttentionMask_AddedInPlace_MatchesTheBroadcastAdd(int maskRank)
    {
        Torch.ManualSeed(11);
        var attention = new MultiheadAttention(8, 2);
        var x = Torch.Randn([6, 3, 8], requiresGrad: true);
        var mask = maskRank == 2 ? Torch.Randn(6, 6) : Torch.Randn(6, 6, 6);
        var maskWithGrad = mask.Clone();
        maskWithGrad.RequiresGrad = true;
        var inPlace = attention.Forward(x, x, x, attnMask: mask).Output;
        var gradInPlace = Gradients.Grad(inPlace.Square().Sum(), x);
        var broadcast = attention.Forward(x, x, x, attnMask: maskWithGrad).Output;
        var gradBroadcast = Gradients.Grad(broadcast.Square().Sum(), x);
        Bits(inPlace).ShouldBe(Bits(broadcast));
        Bits(gradInPlace).ShouldBe(Bits(gradBroadcast));
    }
}
