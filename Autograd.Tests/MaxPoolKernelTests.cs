using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// Max pooling's values and indices, bit for bit: PyTorch's on a plane of NaNs, ties, signed zeros and -inf, and the
/// kernel (its path for evenly stepping windows and its general one) against a window-by-window scan over random shapes.
/// </summary>
public class MaxPoolKernelTests
{
    private const float NaN = float.NaN, Inf = float.PositiveInfinity;

    /// <summary>5 x 7: several NaNs in a window (the last wins), ties (the first wins), -0 before 0, windows all -inf.</summary>
    private static readonly float[] Plane =
    [
        NaN, 1, NaN, 2, 3, 3, -Inf,
        0, NaN, -Inf, -Inf, 3, 1, -Inf,
        -0f, 0, 5, 5, -Inf, -Inf, 2,
        0, -0f, 5, 4, -Inf, -Inf, NaN,
        7, 7, 7, 7, 7, 7, 7,
    ];

    /// <summary>F.max_pool2d(x, k, s, p, return_indices=True) in PyTorch 1.13 on <see cref="Plane"/>.</summary>
    private static IEnumerable<TestCaseData> PyTorchCases()
    {
        yield return new TestCaseData(2, 2, 0, new[] { NaN, NaN, 3, -0f, 5, -Inf }, new long[] { 8, 2, 4, 14, 16, 18 });
        yield return new TestCaseData(2, 1, 0,
            new[] { NaN, NaN, NaN, 3, 3, 3, NaN, NaN, 5, 5, 3, 2, -0f, 5, 5, 5, -Inf, NaN, 7, 7, 7, 7, 7, NaN },
            new long[] { 8, 8, 2, 4, 4, 5, 8, 8, 16, 17, 11, 20, 14, 16, 16, 17, 18, 27, 28, 29, 30, 31, 32, 27 });
        yield return new TestCaseData(3, 2, 0, new[] { NaN, NaN, 3, 7, 7, NaN }, new long[] { 8, 2, 4, 28, 30, 27 });
        yield return new TestCaseData(3, 3, 0, new[] { NaN, 5f }, new long[] { 8, 17 });
        yield return new TestCaseData(2, 3, 0, new[] { NaN, 3, 7, 7f }, new long[] { 8, 4, 28, 31 });
        yield return new TestCaseData(3, 2, 1, new[] { NaN, NaN, 3, 3, NaN, NaN, 5, NaN, 7, 7, 7, NaN }, new long[] { 8, 8, 4, 5, 8, 8, 17, 27, 28, 29, 31, 27 });
    }

    [TestCaseSource(nameof(PyTorchCases))]
    public void MaxPool_NaNsTiesSignedZerosAndInfinities_MatchPyTorch(int kernel, int stride, int padding, float[] expectedValues, long[] expectedIndices)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            // Three planes: the same values and indices in each.
            var x = Torch.Tensor([.. Plane, .. Plane, .. Plane]).View(1, 3, 5, 7).To(dtype);
            var (values, indices) = PoolKernels.Max(x, PoolWindows.Sliding(5, 7, kernel, kernel, stride, stride, padding, padding));
            Bits(values.ToArray<double>()).ShouldBe(Bits([.. expectedValues, .. expectedValues, .. expectedValues]), $"{dtype}");
            indices.ToArray<long>().ShouldBe([.. expectedIndices, .. expectedIndices, .. expectedIndices], $"{dtype}");
            Bits(Functional.MaxPool2d(x, kernel, stride, padding).ToArray<double>()).ShouldBe(Bits(values.ToArray<double>()));
        }
    }

    [Test]
    public void IsUniform_HoldsWithoutPaddingAndForWindowsClippedAlike()
    {
        PoolWindows.Sliding(26, 26, 2, 2, 2, 2, 0, 0).IsUniform(out int kh, out int kw, out int sh, out int sw).ShouldBeTrue();
        (kh, kw, sh, sw).ShouldBe((2, 2, 2, 2));
        PoolWindows.Sliding(9, 11, 3, 3, 2, 2, 0, 0).IsUniform(out kh, out kw, out sh, out sw).ShouldBeTrue();
        (kh, kw, sh, sw).ShouldBe((3, 3, 2, 2));
        // One window per dim, clipped from 3 to the plane's single row and column: uniform, of size 1.
        PoolWindows.Sliding(1, 1, 3, 3, 1, 1, 1, 1).IsUniform(out kh, out kw, out _, out _).ShouldBeTrue();
        (kh, kw).ShouldBe((1, 1));
        PoolWindows.Sliding(7, 7, 3, 3, 2, 2, 1, 1).IsUniform(out _, out _, out _, out _).ShouldBeFalse();
        PoolWindows.Adaptive(7, 7, 4, 4).IsUniform(out _, out _, out _, out _).ShouldBeFalse();
    }

    /// <summary>
    /// Random planes whose values repeat (ties, -0 and 0) and hold NaNs and infinities, over kernels 1-5, strides 1-5 and
    /// padding up to half the kernel, so both paths run on window sizes, strides and row lengths around the vector width.
    /// </summary>
    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void MaxPool_RandomShapes_MatchWindowScan(DType dtype)
    {
        var random = new Random(20240611);
        double[] specials = [double.NaN, double.NegativeInfinity, double.PositiveInfinity, -0.0, 0.0, 1, 1, 2];
        int uniform = 0, general = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            int kernel = random.Next(1, 6), stride = random.Next(1, 6), padding = random.Next(0, kernel / 2 + 1);
            int h = random.Next(Math.Max(1, kernel - 2 * padding), 24), w = random.Next(Math.Max(1, kernel - 2 * padding), 40), planes = random.Next(1, 4);
            double nanRate = random.NextDouble() * 0.2;
            var data = new double[planes * h * w];
            for (int k = 0; k < data.Length; k++)
                data[k] = random.NextDouble() < nanRate ? double.NaN : random.Next(3) == 0 ? specials[random.Next(specials.Length)] : random.Next(-3, 4) * 0.5;
            var x = Torch.Tensor(data).View(planes, h, w).To(dtype);
            var p = PoolWindows.Sliding(h, w, kernel, kernel, stride, stride, padding, padding);
            if (p.IsUniform(out _, out _, out _, out _)) uniform++;
            else general++;
            var (values, indices) = PoolKernels.Max(x, p);
            var (expectedValues, expectedIndices) = WindowScan(x.ToArray<double>(), planes, h, w, kernel, stride, padding);
            string at = $"trial {trial}: {planes}x{h}x{w}, kernel {kernel}, stride {stride}, padding {padding}";
            Bits(values.ToArray<double>()).ShouldBe(Bits(expectedValues), at);
            indices.ToArray<long>().ShouldBe(expectedIndices, at);
        }
        uniform.ShouldBeGreaterThan(100);
        general.ShouldBeGreaterThan(50);
    }

    /// <summary>
    /// The 2 x 2, stride 2 window (its own float path): every width from 2 to 41, so rows hold no, one and several
    /// eight-output vectors and every length of tail, on planes dense with NaNs, infinities, signed zeros and ties.
    /// </summary>
    [Test]
    public void MaxPool_TwoByTwoStrideTwo_EveryWidth_MatchesWindowScan()
    {
        var random = new Random(20261202);
        double[] specials = [double.NaN, double.NegativeInfinity, double.PositiveInfinity, -0.0, 0.0, 1, 1, 2];
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            for (int w = 2; w <= 41; w++)
            {
                int h = random.Next(2, 9), planes = random.Next(1, 4);
                var data = new double[planes * h * w];
                for (int k = 0; k < data.Length; k++) data[k] = random.Next(3) == 0 ? specials[random.Next(specials.Length)] : random.Next(-2, 3) * 0.5;
                var x = Torch.Tensor(data).View(planes, h, w).To(dtype);
                var (values, indices) = PoolKernels.Max(x, PoolWindows.Sliding(h, w, 2, 2, 2, 2, 0, 0));
                var (expectedValues, expectedIndices) = WindowScan(x.ToArray<double>(), planes, h, w, 2, 2, 0);
                Bits(values.ToArray<double>()).ShouldBe(Bits(expectedValues), $"{dtype} {planes}x{h}x{w}");
                indices.ToArray<long>().ShouldBe(expectedIndices, $"{dtype} {planes}x{h}x{w}");
            }
        }
    }

    /// <summary>Each window scanned row by row: the first strictly greater value, or any NaN, becomes the maximum.</summary>
    private static (double[] Values, long[] Indices) WindowScan(double[] x, int planes, int h, int w, int kernel, int stride, int padding)
    {
        int oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1;
        var values = new double[planes * oh * ow];
        var indices = new long[values.Length];
        for (int plane = 0; plane < planes; plane++)
        {
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    int top = Math.Max(i * stride - padding, 0), left = Math.Max(j * stride - padding, 0);
                    int bottom = Math.Min(i * stride - padding + kernel, h), right = Math.Min(j * stride - padding + kernel, w);
                    double best = double.NegativeInfinity;
                    long index = top * w + left;
                    for (int r = top; r < bottom; r++)
                    {
                        for (int c = left; c < right; c++)
                        {
                            double value = x[plane * h * w + r * w + c];
                            if (value > best || double.IsNaN(value)) (best, index) = (value, r * w + c);
                        }
                    }
                    values[plane * oh * ow + i * ow + j] = best;
                    indices[plane * oh * ow + i * ow + j] = index;
                }
            }
        }
        return (values, indices);
    }

    /// <summary>The bits of each value, so NaN equals NaN and -0 differs from 0.</summary>
    private static long[] Bits(IEnumerable<double> values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];

    private static long[] Bits(IEnumerable<float> values) => Bits(values.Select(v => (double)v));
}
