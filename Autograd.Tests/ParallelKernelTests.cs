using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// The fast kernels against float64 references at sizes where they block, vectorize and split across cores, and
/// their parallel paths against the serial path: the same bits whatever the thread count.
/// </summary>
[NonParallelizable]
[Category("Slow")]
public class ParallelKernelTests
{
    private readonly struct NestedParts(int[] seen) : IRangeBody
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++) seen[i] = Parallelism.Parts(1000, 1 << 20);
        }
    }

    /// <summary>A loop inside a part of a split loop stays on its thread; outside one it splits.</summary>
    [Test]
    public void LoopsInsideASplitLoop_RunOnTheirThread()
    {
        var (minWork, maxDegree) = (Parallelism.MinWork, Parallelism.MaxDegree);
        try
        {
            Parallelism.MaxDegree = 4;
            Parallelism.MinWork = 1;
            var seen = new int[64];
            Parallelism.ForRanges(seen.Length, 1 << 20, new NestedParts(seen));
            seen.ShouldAllBe(parts => parts == 1);
            Parallelism.Parts(1000, 1 << 20).ShouldBeGreaterThan(1);
        }
        finally
        {
            (Parallelism.MinWork, Parallelism.MaxDegree) = (minWork, maxDegree);
        }
    }

    /// <summary>The mean cross-entropy gradient of x, from a fresh Grad.</summary>
    private static Tensor CrossEntropyGradient(Tensor x, Tensor y)
    {
        x.Grad = null;
        Functional.CrossEntropy(x, y).Backward();
        return x.Grad!;
    }

    /// <summary>Runs <paramref name="compute"/> on the calling thread only, then split into as many parts as the loops allow.</summary>
    private static (T[] Serial, T[] Parallel) SerialAndParallel<T>(Func<Tensor> compute) where T : unmanaged
    {
        var (minWork, maxDegree) = (Parallelism.MinWork, Parallelism.MaxDegree);
        try
        {
            Parallelism.MaxDegree = 1;
            var serial = compute().ToArray<T>();
            Parallelism.MaxDegree = 8;
            Parallelism.MinWork = 1;
            return (serial, compute().ToArray<T>());
        }
        finally
        {
            (Parallelism.MinWork, Parallelism.MaxDegree) = (minWork, maxDegree);
        }
    }

    private static Tensor RandomMatrix(int rows, int columns, DType dtype = DType.Float32, bool requiresGrad = false) =>
        Torch.Randn([rows, columns], dtype, requiresGrad);

    /// <summary>Element (i, j) of a row-major matrix, or of its transpose.</summary>
    private static double At(double[] data, int rows, int columns, bool transposed, int i, int j) =>
        transposed ? data[j * columns + i] : data[i * columns + j];

    private static double[] NaiveProduct(double[] a, int m, int k, bool transposeA, double[] b, int n, bool transposeB)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int p = 0; p < k; p++)
                sum += At(a, transposeA ? k : m, transposeA ? m : k, transposeA, i, p) * At(b, transposeB ? n : k, transposeB ? k : n, transposeB, p, j);
            c[i * n + j] = sum;
        }
        return c;
    }

    private static void ShouldBeClose(float[] actual, double[] expected, double relative)
    {
        actual.Length.ShouldBe(expected.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < actual.Length; i++)
            Math.Abs(actual[i] - expected[i]).ShouldBeLessThanOrEqualTo(relative * scale, $"element {i}");
    }

    [TestCase(1, 1, 1)]
    [TestCase(5, 7, 3)]
    [TestCase(6, 200, 32)]
    [TestCase(13, 300, 70)]
    [TestCase(130, 1, 33)]
    [TestCase(200, 513, 65)]
    public void Gemm_MatchesFloat64_ForEveryTransposeCombination(int m, int k, int n)
    {
        Torch.ManualSeed(m * 1000 + k);
        foreach (bool transposeA in new[] { false, true })
        foreach (bool transposeB in new[] { false, true })
        {
            var a = transposeA ? RandomMatrix(k, m) : RandomMatrix(m, k);
            var b = transposeB ? RandomMatrix(n, k) : RandomMatrix(k, n);
            var product = MatMulOps.Product(a, transposeA, b, transposeB);
            product.Shape.ShouldBe([m, n]);
            ShouldBeClose(product.ToArray<float>(), NaiveProduct(a.ToArray<double>(), m, k, transposeA, b.ToArray<double>(), n, transposeB), 1e-5);
        }
    }

    [Test]
    public void MatMul_Float64AndInt64_AreExact()
    {
        Torch.ManualSeed(3);
        var a = RandomMatrix(37, 41, DType.Float64);
        var b = RandomMatrix(41, 29, DType.Float64);
        var expected = NaiveProduct(a.ToArray<double>(), 37, 41, false, b.ToArray<double>(), 29, false);
        var actual = a.MatMul(b).ToArray<double>();
        for (int i = 0; i < expected.Length; i++) actual[i].ShouldBe(expected[i], 1e-12);

        var ints = Torch.Tensor(Enumerable.Range(0, 35).Select(i => (long)(i % 7 - 3)).ToArray()).View(5, 7);
        var intProduct = ints.MatMul(ints.Transpose(0, 1)).ToArray<long>();
        intProduct.ShouldBe(NaiveProduct(ints.ToArray<double>(), 5, 7, false, ints.ToArray<double>(), 5, true).Select(v => (long)v).ToArray());
    }

    [Test]
    public void MatMul_EmptyInnerDimension_GivesZeros()
    {
        Torch.Zeros(3, 0).MatMul(Torch.Zeros(0, 4)).ToArray<float>().ShouldBe(new float[12]);
    }

    [Test]
    public void MatMul_ParallelBitsEqualSerial()
    {
        Torch.ManualSeed(7);
        var a = RandomMatrix(300, 517);
        var b = RandomMatrix(517, 190);
        var (serial, parallel) = SerialAndParallel<float>(() => a.MatMul(b));
        parallel.ShouldBe(serial);
    }

    [Test]
    public void MatMul_Backward_IsTheTransposedProducts()
    {
        Torch.ManualSeed(11);
        var a = RandomMatrix(70, 90, requiresGrad: true);
        var b = RandomMatrix(90, 40, requiresGrad: true);
        var g = RandomMatrix(70, 40);
        a.MatMul(b).Backward(g);
        ShouldBeClose(a.Grad!.ToArray<float>(), NaiveProduct(g.ToArray<double>(), 70, 40, false, b.ToArray<double>(), 90, true), 1e-5);
        ShouldBeClose(b.Grad!.ToArray<float>(), NaiveProduct(a.ToArray<double>(), 90, 70, true, g.ToArray<double>(), 40, false), 1e-5);
        a.Grad!.GradFn.ShouldBeNull();
    }

    [Test]
    public void MatMul_CreateGraph_GradientIsDifferentiable()
    {
        var a = Torch.Tensor([1f, 2, 3, 4, 5, 6], requiresGrad: true);
        var b = Torch.Tensor([1f, -1, 2, 0.5f], requiresGrad: true);
        var a2 = a.View(3, 2);
        var b2 = b.View(2, 2);
        a2.MatMul(b2).Sum().Backward(createGraph: true);
        // d/dA sum(AB) = 1 B^T: each row of A's gradient holds B's row sums.
        a.Grad!.ToArray<float>().ShouldBe([0f, 2.5f, 0, 2.5f, 0, 2.5f]);
        b.Grad!.ToArray<float>().ShouldBe([9f, 9, 12, 12]);
        a.Grad!.GradFn.ShouldNotBeNull();
        // sum(1 B^T) over A's 3 rows counts each element of B three times.
        a.Grad!.Sum().Backward();
        b.Grad!.ToArray<float>().ShouldBe([12f, 12, 15, 15]);
    }

    [Test]
    public void Softmax_Large_MatchesFloat64AndParallelBitsEqualSerial()
    {
        Torch.ManualSeed(5);
        var x = Torch.Randn(4096, 1000) * 4;
        var (serial, parallel) = SerialAndParallel<float>(() => x.Softmax(1));
        parallel.ShouldBe(serial);
        var logits = x.ToArray<double>();
        var expected = new double[logits.Length];
        for (int row = 0; row < 4096; row++)
        {
            var span = logits.AsSpan(row * 1000, 1000);
            double max = span.ToArray().Max(), sum = 0;
            for (int c = 0; c < 1000; c++) sum += Math.Exp(span[c] - max);
            for (int c = 0; c < 1000; c++) expected[row * 1000 + c] = Math.Exp(span[c] - max) / sum;
        }
        for (int i = 0; i < expected.Length; i++) ((double)serial[i]).ShouldBe(expected[i], 1e-6 + 1e-5 * expected[i]);
    }

    [Test]
    public void Softmax_AlongAnInnerDim_ParallelBitsEqualSerial()
    {
        Torch.ManualSeed(6);
        var x = Torch.Randn(64, 50, 30);
        var (serial, parallel) = SerialAndParallel<float>(() => x.LogSoftmax(1));
        parallel.ShouldBe(serial);
    }

    [Test]
    public void Broadcasting_ParallelBitsEqualSerial_AndMatchesElementwiseReference()
    {
        Torch.ManualSeed(8);
        var a = Torch.Randn(300, 1, 200);
        var b = Torch.Randn(50, 1);
        var (serial, parallel) = SerialAndParallel<float>(() => a * b + a / 3.0 - b.Exp());
        parallel.ShouldBe(serial);
        float[] x = a.ToArray<float>(), y = b.ToArray<float>();
        for (int i = 0; i < 300; i += 37)
        for (int j = 0; j < 50; j += 7)
        for (int k = 0; k < 200; k += 13)
        {
            float xv = x[i * 200 + k], yv = y[j];
            serial[(i * 50 + j) * 200 + k].ShouldBe(xv * yv + xv / 3f - MathF.Exp(yv), 1e-5f);
        }
    }

    [TestCase(0, 1)]
    [TestCase(1, 2)]
    [TestCase(0, 3)]
    [TestCase(2, 2)]
    public void Transpose_MovesEveryElement(int dim0, int dim1)
    {
        int[] shape = [37, 5, 70, 3];
        var x = Torch.Tensor(Enumerable.Range(0, 37 * 5 * 70 * 3).Select(i => (double)i).ToArray()).View(shape);
        var (serial, parallel) = SerialAndParallel<double>(() => x.Transpose(dim0, dim1));
        parallel.ShouldBe(serial);
        int[] swapped = (int[])shape.Clone();
        (swapped[dim0], swapped[dim1]) = (swapped[dim1], swapped[dim0]);
        x.Transpose(dim0, dim1).Shape.ShouldBe(swapped);
        // Element at index (i0, i1, i2, i3) of the result is the source's at the index with the two dims swapped.
        var index = new int[4];
        for (int flat = 0; flat < serial.Length; flat++)
        {
            for (int d = 3, rest = flat; d >= 0; d--) { index[d] = rest % swapped[d]; rest /= swapped[d]; }
            (index[dim0], index[dim1]) = (index[dim1], index[dim0]);
            serial[flat].ShouldBe(((index[0] * 5 + index[1]) * 70 + index[2]) * 3 + index[3]);
        }
    }

    [Test]
    public void Reductions_ParallelBitsEqualSerial_AndMatchFloat64()
    {
        Torch.ManualSeed(9);
        var x = Torch.Randn(1000, 700);
        var (sumSerial, sumParallel) = SerialAndParallel<float>(() => x.Sum());
        sumParallel.ShouldBe(sumSerial);
        ((double)sumSerial[0]).ShouldBe(x.ToArray<double>().Sum(), 1e-2);
        var (rowsSerial, rowsParallel) = SerialAndParallel<float>(() => x.Sum(1));
        rowsParallel.ShouldBe(rowsSerial);
        var (columnsSerial, columnsParallel) = SerialAndParallel<float>(() => x.Mean(0));
        columnsParallel.ShouldBe(columnsSerial);
        var (maxSerial, maxParallel) = SerialAndParallel<long>(() => x.Max(1).Indices);
        maxParallel.ShouldBe(maxSerial);
        var values = x.ToArray<float>();
        for (int row = 0; row < 1000; row += 97)
            maxSerial[row].ShouldBe(Array.IndexOf(values, values.AsSpan(row * 700, 700).ToArray().Max(), row * 700) - row * 700);
    }

    [Test]
    public void ExpAndLog_ParallelBitsEqualSerial_AndAreCorrectlyRoundedFromDouble()
    {
        Torch.ManualSeed(10);
        var x = Torch.Rand(300, 500) + 0.5;
        var (serial, parallel) = SerialAndParallel<float>(() => x.Exp().Log());
        parallel.ShouldBe(serial);
        var source = x.ToArray<float>();
        for (int i = 0; i < source.Length; i += 1001) serial[i].ShouldBe((float)Math.Log((float)Math.Exp(source[i])));
    }

    private static Tensor Labels(int count, int classes, int seed)
    {
        var random = new Random(seed);
        return Torch.Tensor(Enumerable.Range(0, count).Select(_ => (long)random.Next(classes)).ToArray());
    }

    [Test]
    public void CrossEntropy_4096x1000_MatchesFloat64_AndParallelBitsEqualSerial()
    {
        const int N = 4096, C = 1000;
        Torch.ManualSeed(12);
        var x = (Torch.Randn(N, C) * 3).Detach();
        x.RequiresGrad = true;
        var y = Labels(N, C, 1);
        var (lossSerial, lossParallel) = SerialAndParallel<float>(() => Functional.CrossEntropy(x, y));
        lossParallel.ShouldBe(lossSerial);
        var (gradSerial, gradParallel) = SerialAndParallel<float>(() => CrossEntropyGradient(x, y));
        gradParallel.ShouldBe(gradSerial);

        var logits = x.ToArray<double>();
        var labels = y.ToArray<long>();
        double total = 0;
        var expected = new double[N * C];
        for (int n = 0; n < N; n++)
        {
            var row = logits.AsSpan(n * C, C);
            double max = double.NegativeInfinity, sum = 0;
            foreach (double v in row) max = Math.Max(max, v);
            foreach (double v in row) sum += Math.Exp(v - max);
            double logSumExp = max + Math.Log(sum);
            total += logSumExp - row[(int)labels[n]];
            for (int c = 0; c < C; c++) expected[n * C + c] = (Math.Exp(row[c] - logSumExp) - (c == labels[n] ? 1 : 0)) / N;
        }
        ((double)lossSerial[0]).ShouldBe(total / N, 1e-5);
        ShouldBeClose(gradSerial, expected, 1e-5);
    }

    /// <summary>LayerNorm's output, then dx, dweight and dbias flattened into one tensor, from fresh grads.</summary>
    private static Tensor LayerNormOutputAndGradients(Tensor x, Tensor weight, Tensor bias, Tensor dy)
    {
        (x.Grad, weight.Grad, bias.Grad) = (null, null, null);
        var y = Functional.LayerNorm(x, [x.Shape[^1]], weight, bias);
        y.Backward(dy);
        return Torch.Cat([y.Detach().Flatten(), x.Grad!.Flatten(), weight.Grad!, bias.Grad!]);
    }

    [TestCase(300, 67, DType.Float32)]
    [TestCase(70, 128, DType.Float64)]
    public void LayerNorm_ForwardAndBackward_MatchFloat64_AndParallelBitsEqualSerial(int rows, int size, DType dtype)
    {
        Torch.ManualSeed(rows + size);
        var x = (Torch.Randn([rows, size], dtype) * 3 + 5).Detach();
        x.RequiresGrad = true;
        var weight = Torch.Randn([size], dtype, requiresGrad: true);
        var bias = Torch.Randn([size], dtype, requiresGrad: true);
        var dy = Torch.Randn([rows, size], dtype);
        var (serial, parallel) = SerialAndParallel<double>(() => LayerNormOutputAndGradients(x, weight, bias, dy).To(DType.Float64));
        parallel.ShouldBe(serial);

        double[] xs = x.ToArray<double>(), w = weight.ToArray<double>(), b = bias.ToArray<double>(), g = dy.ToArray<double>();
        var expected = new double[2 * rows * size + 2 * size];
        for (int r = 0; r < rows; r++)
        {
            var row = xs.AsSpan(r * size, size);
            double mean = 0, variance = 0;
            foreach (double v in row) mean += v / size;
            foreach (double v in row) variance += (v - mean) * (v - mean) / size;
            double rstd = 1 / Math.Sqrt(variance + 1e-5), meanDxhat = 0, meanDxhatXhat = 0;
            for (int i = 0; i < size; i++)
            {
                double xhat = (row[i] - mean) * rstd, dxhat = g[r * size + i] * w[i];
                expected[r * size + i] = xhat * w[i] + b[i];
                meanDxhat += dxhat / size;
                meanDxhatXhat += dxhat * xhat / size;
                expected[2 * rows * size + i] += g[r * size + i] * xhat;
                expected[2 * rows * size + size + i] += g[r * size + i];
            }
            for (int i = 0; i < size; i++)
            {
                double xhat = (row[i] - mean) * rstd;
                expected[rows * size + r * size + i] = rstd * (g[r * size + i] * w[i] - meanDxhat - xhat * meanDxhatXhat);
            }
        }
        for (int i = 0; i < expected.Length; i++)
            serial[i].ShouldBe(expected[i], (dtype == DType.Float32 ? 1e-5 : 1e-12) * (1 + Math.Abs(expected[i])), $"element {i}");
    }

    [TestCase(0.0, false, Reduction.Mean)]
    [TestCase(0.1, true, Reduction.Mean)]
    [TestCase(0.2, true, Reduction.Sum)]
    public void CrossEntropy_GradientWrittenInTheForward_MatchesTheComposedGradient(double smoothing, bool weighted, Reduction reduction)
    {
        Torch.ManualSeed(13);
        var weight = weighted ? Torch.Rand(9) + 0.5 : null;
        var y = Torch.Tensor([1L, -100, 8, 0, 3, 3, -100, 5]);
        var fused = Torch.Randn([8, 9], requiresGrad: true);
        Functional.CrossEntropy(fused, y, weight, reduction: reduction, labelSmoothing: smoothing).Backward();
        // createGraph takes the differentiable path, built from Softmax and arithmetic.
        var composed = fused.Detach().Clone();
        composed.RequiresGrad = true;
        Functional.CrossEntropy(composed, y, weight, reduction: reduction, labelSmoothing: smoothing).Backward(createGraph: true);
        var expected = composed.Grad!.ToArray<double>();
        var actual = fused.Grad!.ToArray<float>();
        for (int i = 0; i < expected.Length; i++) ((double)actual[i]).ShouldBe(expected[i], 1e-6);
        fused.Grad!.GradFn.ShouldBeNull();
    }

    [Test]
    public void CrossEntropy_RetainedGraphAndScaledUpstream_GiveTheSameGradient()
    {
        Torch.ManualSeed(14);
        var x = Torch.Randn([16, 10], requiresGrad: true);
        var y = Labels(16, 10, 2);
        var loss = Functional.CrossEntropy(x, y);
        loss.Backward(retainGraph: true);
        var first = x.Grad!.ToArray<float>();
        x.Grad = null;
        loss.Backward();
        var second = x.Grad!.ToArray<float>();
        for (int i = 0; i < first.Length; i++) second[i].ShouldBe(first[i], 1e-7f);
        x.Grad = null;
        (Functional.CrossEntropy(x, y) * 3).Backward();
        var tripled = x.Grad!.ToArray<float>();
        for (int i = 0; i < first.Length; i++) tripled[i].ShouldBe(3 * first[i], 1e-6f);
    }

    [Test]
    public void CrossEntropy_4096x1000_AllocatesLittleMoreThanTheGradient()
    {
        Torch.ManualSeed(15);
        var x = Torch.Randn([4096, 1000], requiresGrad: true);
        var y = Labels(4096, 1000, 3);
        void Step()
        {
            x.Grad = null;
            Functional.CrossEntropy(x, y).Backward();
        }
        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int Steps = 5;
        for (int i = 0; i < Steps; i++) Step();
        double perStep = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / Steps;
        perStep.ShouldBeLessThanOrEqualTo(1.2 * 4096 * 1000 * sizeof(float));
    }

    [TestCase(5003, 3)]
    [TestCase(999, 17)]
    public void CrossEntropy_ShortRows_ParallelBitsEqualSerial(int rows, int classes)
    {
        Torch.ManualSeed(16);
        var x = Torch.Randn([rows, classes], requiresGrad: true);
        var y = Labels(rows, classes, 4);
        var (lossSerial, lossParallel) = SerialAndParallel<float>(() => Functional.CrossEntropy(x, y, reduction: Reduction.None));
        lossParallel.ShouldBe(lossSerial);
        var (gradSerial, gradParallel) = SerialAndParallel<float>(() => CrossEntropyGradient(x, y));
        gradParallel.ShouldBe(gradSerial);
    }
}
