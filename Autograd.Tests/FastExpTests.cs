using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// The float32 exp kernel against the correctly rounded result ((float)Math.Exp of the double), its special values
/// and subnormal results, its independence from where an element sits in a span, and the ops built on it against
/// float64 references.
/// </summary>
[Category("Slow")]
public class FastExpTests
{
    /// <summary>The vector widths this machine runs, each as the kernel at that width.</summary>
    private static IEnumerable<(string Name, SpanExp Exp)> Widths()
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported) yield return ("512", FastExp.ExpSum<Exp512, Vector512<float>>);
        if (Vector256.IsHardwareAccelerated && Fma.IsSupported) yield return ("256", FastExp.ExpSum<Exp256, Vector256<float>>);
    }

    private delegate float SpanExp(ReadOnlySpan<float> x, float shift, Span<float> y);

    private static float[] Exp(float[] x)
    {
        var y = new float[x.Length];
        FastExp.Exp<float>(x, y);
        return y;
    }

    /// <summary>Distance in ulps between two exp results (never negative, so their bits order like their values); 0 for two nans.</summary>
    private static long Ulps(float actual, float expected)
    {
        if (float.IsNaN(actual) || float.IsNaN(expected)) return float.IsNaN(actual) && float.IsNaN(expected) ? 0 : long.MaxValue;
        return Math.Abs((long)BitConverter.SingleToInt32Bits(actual) - BitConverter.SingleToInt32Bits(expected));
    }

    /// <summary>The largest distance from the correctly rounded exp over <paramref name="x"/>, and where.</summary>
    private static (long Ulps, float At) WorstError(float[] x, float[] y)
    {
        (long Ulps, float At) worst = (0, 0);
        for (int i = 0; i < x.Length; i++)
        {
            long ulps = Ulps(y[i], (float)Math.Exp(x[i]));
            if (ulps > worst.Ulps) worst = (ulps, x[i]);
        }
        return worst;
    }

    /// <summary>Every <paramref name="step"/>th float bit pattern from <paramref name="from"/> to <paramref name="to"/> (same sign).</summary>
    private static float[] BitPatterns(float from, float to, int step)
    {
        uint first = BitConverter.SingleToUInt32Bits(from), last = BitConverter.SingleToUInt32Bits(to);
        if (first > last) (first, last) = (last, first);
        var values = new float[(last - first) / step + 1];
        for (int i = 0; i < values.Length; i++) values[i] = BitConverter.UInt32BitsToSingle(first + (uint)(i * step));
        return values;
    }

    [Test]
    public void Exp_IsWithinOneUlp_OverEvery37thFloatOfItsRange()
    {
        long worst = 0;
        foreach (var (from, to) in new[] { (0f, 89f), (-0f, -104f) })
        {
            var x = BitPatterns(from, to, 37);
            var (ulps, at) = WorstError(x, Exp(x));
            TestContext.Out.WriteLine($"[{from}, {to}]: {x.Length} values, worst {ulps} ulp at {at:R}");
            worst = Math.Max(worst, ulps);
        }
        worst.ShouldBeLessThanOrEqualTo(1);
    }

    [Test]
    public void Exp_IsWithinOneUlp_ForRandomValuesAndBitPatterns()
    {
        var random = new Random(37);
        var inRange = Enumerable.Range(0, 1 << 20).Select(_ => (float)(random.NextDouble() * 200 - 110)).ToArray();
        var anyBits = Enumerable.Range(0, 1 << 20).Select(_ => BitConverter.Int32BitsToSingle(random.Next() * (random.Next(2) == 0 ? 1 : -1))).ToArray();
        foreach (var x in new[] { inRange, anyBits })
        {
            var (ulps, at) = WorstError(x, Exp(x));
            TestContext.Out.WriteLine($"worst {ulps} ulp at {at:R}");
            ulps.ShouldBeLessThanOrEqualTo(1);
        }
    }

    [Test]
    public void Exp_SpecialValues_AreExact()
    {
        float[] x = [float.NegativeInfinity, float.PositiveInfinity, float.NaN, 0f, -0f, float.Epsilon, -float.Epsilon,
                     88.7229f, 89f, 1000f, float.MaxValue, -104f, -1000f, float.MinValue, -1e30f];
        var y = Exp(x);
        BitConverter.SingleToInt32Bits(y[0]).ShouldBe(0, "exp(-inf) is +0");
        y[1].ShouldBe(float.PositiveInfinity);
        float.IsNaN(y[2]).ShouldBeTrue();
        y[3].ShouldBe(1f);
        y[4].ShouldBe(1f);
        y[5].ShouldBe(1f);
        y[6].ShouldBe(1f);
        for (int i = 7; i <= 10; i++) y[i].ShouldBe(float.PositiveInfinity, $"exp({x[i]}) overflows");
        for (int i = 11; i < x.Length; i++) BitConverter.SingleToInt32Bits(y[i]).ShouldBe(0, $"exp({x[i]}) is +0");
        // Either side of ln(float.MaxValue): the largest finite result, then the first that overflows.
        float edge = MathF.Log(float.MaxValue);
        Exp([MathF.BitDecrement(edge)])[0].ShouldBeLessThan(float.PositiveInfinity);
        Exp([MathF.BitIncrement(edge)])[0].ShouldBe(float.PositiveInfinity);
    }

    [Test]
    public void Exp_SubnormalResults_AreRoundedNotFlushed_ForEveryFloatThatGivesOne()
    {
        // ln(2^-126) and ln(2^-150): between them exp is subnormal, and rounds to 0 only at the bottom.
        var x = BitPatterns(-87.34f, -104f, 1);
        var y = Exp(x);
        var (ulps, at) = WorstError(x, y);
        TestContext.Out.WriteLine($"{x.Length} values, worst {ulps} ulp at {at:R}");
        ulps.ShouldBeLessThanOrEqualTo(1);
        y.Count(v => v != 0 && float.IsSubnormal(v)).ShouldBeGreaterThan(x.Length * 3 / 4);
        Exp([-103.9f])[0].ShouldBe(float.Epsilon);
    }

    [Test]
    public void Exp_VectorWidths_GiveTheSameBits()
    {
        var widths = Widths().ToList();
        if (widths.Count < 2) Assert.Ignore("this machine runs fewer than two of the vector widths");
        var x = BitPatterns(89f, 0f, 997).Concat(BitPatterns(-0f, -110f, 997)).Append(float.NaN).Append(float.NegativeInfinity).ToArray();
        var results = widths.Select(width =>
        {
            var y = new float[x.Length];
            width.Exp(x, 0, y);
            return y;
        }).ToList();
        for (int i = 0; i < x.Length; i++)
            BitConverter.SingleToInt32Bits(results[1][i]).ShouldBe(BitConverter.SingleToInt32Bits(results[0][i]), $"exp({x[i]:R})");
    }

    [Test]
    public void Exp_BitsDoNotDependOnPositionOrSpanLength_InPlaceOrNot()
    {
        var random = new Random(41);
        var x = Enumerable.Range(0, 80).Select(_ => (float)(random.NextDouble() * 40 - 30)).ToArray();
        x[5] = float.NegativeInfinity;
        x[17] = -100f;
        foreach (var (name, exp) in Widths())
        {
            var whole = new float[x.Length];
            exp(x, 0, whole);
            for (int start = 0; start < 20; start++)
            for (int length = 0; start + length <= x.Length; length++)
            {
                var part = new float[length];
                exp(x.AsSpan(start, length), 0, part);
                var inPlace = x.AsSpan(start, length).ToArray();
                exp(inPlace, 0, inPlace);
                for (int i = 0; i < length; i++)
                {
                    BitConverter.SingleToInt32Bits(part[i]).ShouldBe(BitConverter.SingleToInt32Bits(whole[start + i]), $"{name}-bit, x[{start + i}] in [{start}, {start + length})");
                    BitConverter.SingleToInt32Bits(inPlace[i]).ShouldBe(BitConverter.SingleToInt32Bits(whole[start + i]), $"{name}-bit in place");
                }
            }
        }
    }

    [Test]
    public void ExpSum_IsExpOfTheShiftedValues_AndTheirSum()
    {
        var random = new Random(43);
        foreach (int length in new[] { 0, 1, 7, 16, 17, 1000 })
        {
            var x = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 10 - 5)).ToArray();
            var y = new float[length];
            float sum = FastExp.ExpSum<float>(x, 2.5f, y);
            y.ShouldBe(Exp(x.Select(v => v - 2.5f).ToArray()));
            ((double)sum).ShouldBe(y.Sum(v => (double)v), 1e-6 * (1 + length));
        }
    }

    /// <summary>
    /// A row followed by more rows (a short last vector read and written whole) gives the bits a row on its own gives
    /// (masked), the sum included, whatever the following values (here large enough to overflow exp) and the row's length.
    /// </summary>
    [Test]
    public void ExpSumOfRow_FollowedByMoreRows_GivesTheRowsOwnBits()
    {
        var random = new Random(44);
        for (int length = 1; length <= 40; length++)
        {
            var x = Enumerable.Range(0, 3 * length + 16).Select(i => i < length ? (float)(random.NextDouble() * 10 - 5) : 1e4f).ToArray();
            var alone = new float[length];
            float expected = FastExp.ExpSum<float>(x.AsSpan(0, length), 2.5f, alone);
            var followed = new float[x.Length];
            float sum = FastExp.ExpSumOfRow<float>(x, 2.5f, followed, length);
            BitConverter.SingleToInt32Bits(sum).ShouldBe(BitConverter.SingleToInt32Bits(expected), $"length {length}");
            followed[..length].ShouldBe(alone, $"length {length}");
        }
    }

    /// <summary>Rows of 1 to 1000 elements, some spread wide enough for subnormal and zero exps, and one with -inf entries.</summary>
    private static (double[] Values, int Rows, int Columns)[] Inputs()
    {
        var random = new Random(47);
        return [.. new[] { 1, 7, 15, 16, 17, 100, 1000 }.Select(columns =>
        {
            const int rows = 9;
            var values = new double[rows * columns];
            for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() - 0.5) * (i / columns < 3 ? 8 : 250));
            for (int c = 0; c < columns; c += 3) values[columns * (rows - 1) + c] = double.NegativeInfinity;
            values[columns * (rows - 1)] = 1;
            return (values, rows, columns);
        })];
    }

    private static double[] SoftmaxReference(double[] x, int rows, int columns, bool log)
    {
        var result = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * columns, columns);
            double max = double.NegativeInfinity, sum = 0;
            foreach (double v in row) max = Math.Max(max, v);
            foreach (double v in row) sum += Math.Exp(v - max);
            for (int c = 0; c < columns; c++) result[r * columns + c] = log ? row[c] - max - Math.Log(sum) : Math.Exp(row[c] - max) / sum;
        }
        return result;
    }

    /// <summary>Within tolerance, or equal where the reference is infinite.</summary>
    private static void ShouldBeClose(double actual, double expected, double tolerance, string what)
    {
        if (double.IsInfinity(expected)) actual.ShouldBe(expected, what);
        else actual.ShouldBe(expected, tolerance, what);
    }

    [Test]
    public void Max_IsTheLargestElement_ForEveryLengthAndPosition()
    {
        var random = new Random(11);
        for (int length = 1; length <= 80; length++)
        {
            for (int place = 0; place < length; place++)
            {
                var x = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
                x[place] = 11f;
                FastExp.Max<float>(x).ShouldBe(11f, $"length {length}, max at {place}");
            }
        }
        FastExp.Max<float>([float.NegativeInfinity, -1f]).ShouldBe(-1f);
    }

    [Test]
    public void SoftmaxRowsWithANaN_AreNaNThroughout_WhereverItSits()
    {
        // PyTorch: softmax, log_softmax and cross-entropy of a row holding a nan are nan in every element.
        for (int place = 0; place < 40; place++)
        {
            var values = Enumerable.Range(0, 40).Select(i => (float)Math.Sin(i)).ToArray();
            values[place] = float.NaN;
            var leaf = Torch.Tensor(values, requiresGrad: true);
            var x = leaf.View(1, 40);
            x.Softmax(1).ToArray<float>().ShouldAllBe(v => float.IsNaN(v));
            x.LogSoftmax(1).ToArray<float>().ShouldAllBe(v => float.IsNaN(v));
            var loss = Functional.CrossEntropy(x, Torch.Tensor([3L]));
            float.IsNaN(loss.Item<float>()).ShouldBeTrue();
            loss.Backward();
            leaf.Grad!.ToArray<float>().ShouldAllBe(v => float.IsNaN(v));
        }
    }

    [Test]
    public void SoftmaxAndLogSoftmax_Float32_MatchFloat64()
    {
        foreach (var (values, rows, columns) in Inputs())
        {
            var x = Torch.Tensor(values.Select(v => (float)v).ToArray()).View(rows, columns);
            var softmax = x.Softmax(1).ToArray<float>();
            var expected = SoftmaxReference(values, rows, columns, log: false);
            for (int i = 0; i < values.Length; i++) ShouldBeClose(softmax[i], expected[i], 1e-7 + 2e-6 * expected[i], $"softmax, {columns} columns, element {i}");
            var logSoftmax = x.LogSoftmax(1).ToArray<float>();
            var expectedLog = SoftmaxReference(values, rows, columns, log: true);
            for (int i = 0; i < values.Length; i++) ShouldBeClose(logSoftmax[i], expectedLog[i], 1e-5 * (1 + Math.Abs(expectedLog[i])), $"log_softmax, {columns} columns, element {i}");
            // The same rows laid down the columns: softmax over dim 0 takes the strided path, which calls the same exp.
            var transposed = new float[values.Length];
            for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) transposed[c * rows + r] = (float)values[r * columns + c];
            var down = Torch.Tensor(transposed).View(columns, rows).Softmax(0).ToArray<float>();
            for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                ShouldBeClose(down[c * rows + r], expected[r * columns + c], 1e-7 + 2e-6 * expected[r * columns + c], $"softmax(0), {columns} columns, row {r}, column {c}");
        }
    }

    [Test]
    public void CrossEntropy_Float32_MatchesFloat64_LossAndGradient()
    {
        var random = new Random(53);
        foreach (var (values, rows, columns) in Inputs())
        {
            // Finite logits: a row of -inf entries gives an infinite loss when its target is one of them.
            var finite = values.Select(v => double.IsNegativeInfinity(v) ? -300 : v).ToArray();
            var targets = Torch.Tensor(Enumerable.Range(0, rows).Select(_ => (long)random.Next(columns)).ToArray());
            var single = Torch.Tensor(finite.Select(v => (float)v).ToArray(), requiresGrad: true);
            var x = single.View(rows, columns);
            var loss = Functional.CrossEntropy(x, targets);
            loss.Backward();
            var reference = Torch.Tensor(finite, requiresGrad: true);
            var expectedLoss = Functional.CrossEntropy(reference.View(rows, columns), targets);
            expectedLoss.Backward();
            loss.Item<double>().ShouldBe(expectedLoss.Item<double>(), 1e-5 * (1 + Math.Abs(expectedLoss.Item<double>())), $"{columns} columns");
            var gradient = single.Grad!.ToArray<float>();
            var expectedGradient = reference.Grad!.ToArray<double>();
            for (int i = 0; i < gradient.Length; i++) ShouldBeClose(gradient[i], expectedGradient[i], 1e-7, $"{columns} columns, gradient element {i}");
        }
    }
}
