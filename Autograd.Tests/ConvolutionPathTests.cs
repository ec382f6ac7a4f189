using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// Conv2d's output and gradients against a direct float64 convolution, over the paths the kernels take: the weight
/// gradient from the columns the forward kept (first order) or from a fresh unrolling (second order), computed
/// directly or transposed (fewer weights per filter than filters), with every stride, padding, dilation and groups
/// setting; and the same bits whether the images are split across threads or not.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ConvolutionPathTests
{
    public sealed record Setting(int N, int C, int H, int W, int O, int KH, int KW, int Stride, int Padding, int Dilation, int Groups)
    {
        public int OH => (H + 2 * Padding - Dilation * (KH - 1) - 1) / Stride + 1;
        public int OW => (W + 2 * Padding - Dilation * (KW - 1) - 1) / Stride + 1;
        public override string ToString() => $"N{N} C{C} {H}x{W} O{O} k{KH}x{KW} s{Stride} p{Padding} d{Dilation} g{Groups}";
    }

    private static readonly Setting[] Settings =
    [
        new(3, 1, 9, 8, 12, 3, 3, 1, 0, 1, 1),  // a first layer: 9 weights per filter, 12 filters (dw transposed)
        new(2, 4, 7, 7, 6, 3, 3, 1, 0, 1, 1),   // 36 weights per filter, 6 filters (dw direct)
        new(2, 4, 8, 9, 6, 3, 2, 2, 1, 2, 2),   // stride, padding, dilation and groups at once
        new(2, 2, 6, 5, 8, 1, 1, 2, 1, 1, 2),   // 1x1 kernel, groups, dw transposed per group
        new(1, 3, 5, 6, 4, 2, 3, 1, 2, 1, 1),   // padding wider than the kernel's reach on some rows
    ];

    public static IEnumerable<TestCaseData> Cases() => Settings.Select(s => new TestCaseData(s).SetArgDisplayNames(s.ToString()));

    /// <summary>Input position (h, w) under output (i, j) and kernel tap (ki, kj), or false in the padding.</summary>
    private static bool Tap(Setting s, int i, int j, int ki, int kj, out int h, out int w)
    {
        h = i * s.Stride - s.Padding + ki * s.Dilation;
        w = j * s.Stride - s.Padding + kj * s.Dilation;
        return h >= 0 && h < s.H && w >= 0 && w < s.W;
    }

    /// <summary>y, and dx and dw of sum(y · r), by direct loops in float64.</summary>
    private static (double[] Y, double[] Dx, double[] Dw) Reference(Setting s, double[] x, double[] wt, double[] bias, double[] r)
    {
        int cg = s.C / s.Groups, og = s.O / s.Groups;
        var y = new double[s.N * s.O * s.OH * s.OW];
        var dx = new double[x.Length];
        var dw = new double[wt.Length];
        for (int n = 0; n < s.N; n++)
        for (int o = 0; o < s.O; o++)
        for (int i = 0; i < s.OH; i++)
        for (int j = 0; j < s.OW; j++)
        {
            int at = ((n * s.O + o) * s.OH + i) * s.OW + j;
            double sum = bias[o];
            for (int cw = 0; cw < cg; cw++)
            for (int ki = 0; ki < s.KH; ki++)
            for (int kj = 0; kj < s.KW; kj++)
            {
                if (!Tap(s, i, j, ki, kj, out int h, out int w)) continue;
                int xAt = ((n * s.C + o / og * cg + cw) * s.H + h) * s.W + w, wAt = ((o * cg + cw) * s.KH + ki) * s.KW + kj;
                sum += x[xAt] * wt[wAt];
                dx[xAt] += r[at] * wt[wAt];
                dw[wAt] += r[at] * x[xAt];
            }
            y[at] = sum;
        }
        return (y, dx, dw);
    }

    private static void ShouldBeClose(Tensor actual, double[] expected)
    {
        var values = actual.Double().ToArray<double>();
        values.Length.ShouldBe(expected.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < values.Length; i++) Math.Abs(values[i] - expected[i]).ShouldBeLessThanOrEqualTo(1e-5 * scale, $"element {i}");
    }

    private static (Tensor X, Tensor W, Tensor B, Tensor R) Inputs(Setting s)
    {
        Torch.ManualSeed(s.N * 1000 + s.C * 100 + s.O * 10 + s.Groups);
        var x = Torch.Randn([s.N, s.C, s.H, s.W], requiresGrad: true);
        var w = Torch.Randn([s.O, s.C / s.Groups, s.KH, s.KW], requiresGrad: true);
        var b = Torch.Randn([s.O], requiresGrad: true);
        return (x, w, b, Torch.Randn([s.N, s.O, s.OH, s.OW]));
    }

    private static Tensor Convolve(Setting s, Tensor x, Tensor w, Tensor b) =>
        Functional.Conv2d(x, w, b, (s.Stride, s.Stride), (s.Padding, s.Padding), (s.Dilation, s.Dilation), s.Groups);

    [TestCaseSource(nameof(Cases))]
    public void FirstOrderGradients_FromTheKeptColumns_MatchDirectConvolution(Setting s)
    {
        var (x, w, b, r) = Inputs(s);
        var y = Convolve(s, x, w, b);
        (y * r).Sum().Backward();
        var (ey, edx, edw) = Reference(s, x.Double().ToArray<double>(), w.Double().ToArray<double>(), b.Double().ToArray<double>(), r.Double().ToArray<double>());
        ShouldBeClose(y, ey);
        ShouldBeClose(x.Grad!, edx);
        ShouldBeClose(w.Grad!, edw);
    }

    [TestCaseSource(nameof(Cases))]
    public void WeightGradient_UnrolledAgainInTheSecondOrderGraph_MatchesDirectConvolution(Setting s)
    {
        // d/dr of <dw(r), v> is the convolution's weight gradient taken by its double backward, which unrolls x afresh.
        var (x, w, b, _) = Inputs(s);
        var r = Torch.Randn([s.N, s.O, s.OH, s.OW], requiresGrad: true);
        var v = Torch.Randn([s.O, s.C / s.Groups, s.KH, s.KW]);
        var dw = Gradients.Grad((Convolve(s, x, w, b) * r).Sum(), w, createGraph: true);
        (dw * v).Sum().Backward();
        // <dw(r), v> = sum(r · conv(x, v)), so its gradient in r is conv(x, v) without bias.
        var (expected, _, _) = Reference(s, x.Double().ToArray<double>(), v.Double().ToArray<double>(), new double[s.O], new double[s.N * s.O * s.OH * s.OW]);
        ShouldBeClose(r.Grad!, expected);
    }

    [TestCaseSource(nameof(Cases))]
    public void Gradients_AreTheSameBits_SerialAndSplitAcrossThreads(Setting s)
    {
        var (minWork, maxDegree) = (Parallelism.MinWork, Parallelism.MaxDegree);
        try
        {
            float[][] Run()
            {
                var (x, w, b, r) = Inputs(s);
                var y = Convolve(s, x, w, b);
                (y * r).Sum().Backward();
                return [y.ToArray<float>(), x.Grad!.ToArray<float>(), w.Grad!.ToArray<float>(), b.Grad!.ToArray<float>()];
            }
            Parallelism.MaxDegree = 1;
            var serial = Run();
            (Parallelism.MaxDegree, Parallelism.MinWork) = (8, 1);
            var parallel = Run();
            for (int i = 0; i < serial.Length; i++) parallel[i].ShouldBe(serial[i]);
        }
        finally
        {
            (Parallelism.MinWork, Parallelism.MaxDegree) = (minWork, maxDegree);
        }
    }
}
