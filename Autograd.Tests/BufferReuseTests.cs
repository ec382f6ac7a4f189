namespace Autograd.Tests;

/// <summary>
/// Backward gives the buffers of gradients it made and no longer holds to the next tensors of the same size
/// (BufferPool): a buffer still pending elsewhere, kept by a leaf, handed to the caller or to a user's Function is
/// never reused, and the reuse is real.
/// </summary>
public class BufferReuseTests
{
    // 300,000 floats: 1.2 MB a buffer, well above the pool's 64 KiB floor.
    private const int Size = 300_000;

    /// <summary>
    /// add hands one large gradient (w, from the product) to both exp and sin: the one that runs second must still read
    /// it after the first has made new tensors, which may take freed buffers.
    /// </summary>
    [Test]
    public void GradientSharedByTwoBranches_ReachesBoth()
    {
        Torch.ManualSeed(3);
        var x = Torch.Randn([Size], requiresGrad: true);
        var w = Torch.Randn(Size);
        for (int step = 0; step < 3; step++)
        {
            x.Grad = null;
            var u = x * 2;
            ((u.Exp() + u.Sin()) * w).Sum().Backward();
            var v = u.Detach();
            var expected = (w * v.Exp() + w * v.Cos()) * 2;
            x.Grad!.ToArray<float>().ShouldBe(expected.ToArray<float>());
        }
    }

    /// <summary>
    /// ((x * 2).Exp() * w).Sum() makes three 1.2 MB gradients on the way back (g * w, its product with exp, that times
    /// 2); each of the later ones can take the buffer of one that has just died.
    /// </summary>
    [Test]
    public void DeadGradientBuffers_AreReused()
    {
        Torch.ManualSeed(4);
        var x = Torch.Randn([Size], requiresGrad: true);
        var w = Torch.Randn(Size);
        // No collection in between: the pool holds its buffers weakly, and a collection empties it.
        GC.TryStartNoGCRegion(100L << 20).ShouldBeTrue();
        try
        {
            var loss = ((x * 2).Exp() * w).Sum();
            long before = GC.GetAllocatedBytesForCurrentThread();
            loss.Backward();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            allocated.ShouldBeLessThan(5L * Size * sizeof(float) / 2);
        }
        finally
        {
            GC.EndNoGCRegion();
        }
    }

    /// <summary>A user's Backward that keeps the gradient it received; later passes must not write over it.</summary>
    private sealed class KeepsGradient : Function
    {
        public Tensor? Received { get; private set; }

        public override Tensor Forward(FunctionContext ctx, params Tensor[] inputs) => inputs[0] * 3;

        public override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            Received = gradOutput;
            return [gradOutput * 3];
        }
    }

    [Test]
    public void ConvolutionsUnrolledInput_IsReusedByTheNextStep_WithTheSameGradients()
    {
        Torch.ManualSeed(6);
        var conv = new NN.Conv2d(8, 16, 3);
        var x = Torch.Randn(4, 8, 20, 20);
        // The unrolled input: 8 x 3 x 3 rows of 4 x 18 x 18 columns, kept by the node for the weight's gradient.
        const long columnBytes = 8 * 9 * 4 * 18 * 18 * sizeof(float);
        float[] Step()
        {
            conv.ZeroGrad();
            conv.Forward(x).Square().Sum().Backward();
            return conv.Weight.Grad!.ToArray<float>();
        }
        var first = Step();
        // No collection in between: the pool holds its buffers weakly, and a collection empties it.
        GC.TryStartNoGCRegion(100L << 20).ShouldBeTrue();
        try
        {
            Step().ShouldBe(first);
            conv.ZeroGrad();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var output = conv.Forward(x);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // The forward allocates its output (16 x 18 x 18 x 4 floats) but takes the unrolled input from the pool.
            allocated.ShouldBeLessThan(columnBytes);
            output.Square().Sum().Backward();
        }
        finally
        {
            GC.EndNoGCRegion();
        }
        conv.Weight.Grad!.ToArray<float>().ShouldBe(first);
    }

    [Test]
    public void MaxPoolIndices_UsedByAGraphOfTheGradient_AreNotReused()
    {
        Torch.ManualSeed(7);
        // 4 x 8 x 32 x 32 windows: 32,768 indices, a buffer the pool keeps.
        var x = Torch.Randn([4, 8, 64, 64], requiresGrad: true);
        var w = Torch.Randn([4, 8, 32, 32], requiresGrad: true);
        float[] SecondOrder(bool releaseInBetween)
        {
            var loss = (NN.Functional.MaxPool2d(x, 2) * w).Sum();
            // dloss/dx scatters w through the pooling's indices; its graph (w's gradient) gathers through them again.
            var g = Gradients.Grad([loss], [x], createGraph: true)[0]!;
            if (releaseInBetween)
            {
                // A second pass releases the pooling node; other poolings then take whatever buffers went to the pool.
                loss.Backward();
                for (int i = 0; i < 3; i++) NN.Functional.MaxPool2d(Torch.Randn(4, 8, 64, 64), 2);
            }
            return Gradients.Grad([(g * g).Sum()], [w])[0]!.ToArray<float>();
        }
        var expected = SecondOrder(releaseInBetween: false);
        SecondOrder(releaseInBetween: true).ShouldBe(expected);
    }

    [Test]
    public void GradientKeptByAUserFunction_StaysIntact()
    {
        Torch.ManualSeed(5);
        var x = Torch.Randn([Size], requiresGrad: true);
        var w = Torch.Randn(Size);
        var function = new KeepsGradient();
        (function.Apply(x) * w).Sum().Backward();
        var kept = function.Received!;
        for (int step = 0; step < 3; step++) ((x * 2).Exp() * Torch.Randn(Size)).Sum().Backward();
        kept.ToArray<float>().ShouldBe(w.ToArray<float>());
    }

    [Test]
    public void GradientsReturnedByGrad_StayIntact()
    {
        Torch.ManualSeed(6);
        var x = Torch.Randn([Size], requiresGrad: true);
        var w = Torch.Randn(Size);
        var u = x * 2;
        var du = Gradients.Grad([(u.Exp() * w).Sum()], [u])[0];
        var expected = w * u.Detach().Exp();
        for (int step = 0; step < 3; step++) ((x * 2).Exp() * Torch.Randn(Size)).Sum().Backward();
        du.ToArray<float>().ShouldBe(expected.ToArray<float>());
    }

    /// <summary>
    /// Random elementwise graphs (shared subexpressions, views, sums of several branches) give every element the same
    /// gradient bits on a 40,000-element input, whose gradients go through the pool, as on its 10,000-element chunks,
    /// whose gradients are too small for it: a buffer reused while something still held it would show as a difference.
    /// </summary>
    [Test]
    public void RandomGraphs_GiveTheGradientsOfUnpooledChunks()
    {
        const int n = 40_000, chunk = 10_000;
        var random = new Random(12);
        for (int graph = 0; graph < 40; graph++)
        {
            int seed = random.Next();
            Torch.ManualSeed(graph);
            float[] x = Torch.Randn(n).ToArray<float>(), w = Torch.Randn(n).ToArray<float>();
            var whole = Torch.Tensor(x, requiresGrad: true);
            for (int step = 0; step < 2; step++)
            {
                whole.Grad = null;
                RandomLoss(new Random(seed), whole, Torch.Tensor(w)).Backward();
            }
            float[] gradient = whole.Grad!.ToArray<float>();
            for (int start = 0; start < n; start += chunk)
            {
                var part = Torch.Tensor(x[start..(start + chunk)], requiresGrad: true);
                RandomLoss(new Random(seed), part, Torch.Tensor(w[start..(start + chunk)])).Backward();
                part.Grad!.ToArray<float>().ShouldBe(gradient[start..(start + chunk)], $"graph {graph}, elements from {start}");
            }
        }
    }

    /// <summary>A loss built from <paramref name="x"/> by ops the generator picks; elementwise but for the final sums.</summary>
    private static Tensor RandomLoss(Random random, Tensor x, Tensor w)
    {
        var values = new List<Tensor> { x, x * 1.5 };
        for (int op = 0; op < 10; op++)
        {
            var a = values[random.Next(values.Count)];
            var b = values[random.Next(values.Count)];
            values.Add(random.Next(8) switch
            {
                0 => a + b,
                1 => a * b,
                2 => a - b,
                3 => a.Sin(),
                4 => a.Tanh(),
                5 => a * w,
                6 => a.Reshape(2, a.Count / 2).Reshape(a.Count),
                _ => (a * 0.5).Tanh() + b,
            });
        }
        var loss = (values[^1] * w).Sum();
        for (int extra = random.Next(3); extra > 0; extra--) loss = loss + values[random.Next(values.Count)].Sum();
        return loss;
    }
}
