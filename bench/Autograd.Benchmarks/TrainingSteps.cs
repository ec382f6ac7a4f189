using Autograd;
using Autograd.NN;
using Autograd.Optim;

namespace Autograd.Benchmarks;

/// <summary>
/// The training steps of issue 14's table, written once for the quick table, BenchmarkDotNet and the side-by-side app
/// (which links this file and times the same steps against TorchSharp's).
/// </summary>
public static class TrainingSteps
{
    /// <summary>Class labels 0 .. classes-1 from a fixed seed, so every run trains on the same batch.</summary>
    public static Tensor RandomClasses(int count, int classes)
    {
        var random = new Random(5);
        var labels = new long[count];
        for (int i = 0; i < count; i++) labels[i] = random.Next(classes);
        return Torch.Tensor(labels);
    }

    /// <summary>Linear 784-256, ReLU, Linear 256-10; batch 128.</summary>
    public static ClassifierStep Mlp() => new(new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10)), [128, 784]);

    /// <summary>conv 32x3x3, ReLU, max pool 2, conv 64x3x3, ReLU, max pool 2, Linear 1600-10; batch 64 of 1x28x28.</summary>
    public static ClassifierStep Conv() =>
        new(new Sequential(
            new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(64 * 5 * 5, 10)), [64, 1, 28, 28]);
}

/// <summary>One SGD step (lr 0.01) of a classifier on a fixed batch with cross-entropy, as a PyTorch loop writes it.</summary>
public sealed class ClassifierStep
{
    private readonly Tensor images, labels;
    private readonly Sequential model;
    private readonly SGD optimizer;

    public ClassifierStep(Sequential model, int[] imageShape)
    {
        Torch.ManualSeed(1234);
        this.model = model;
        images = Torch.Rand(imageShape);
        labels = TrainingSteps.RandomClasses(imageShape[0], 10);
        optimizer = new SGD(model.Parameters(), lr: 0.01);
    }

    public void Step()
    {
        optimizer.ZeroGrad();
        Functional.CrossEntropy(model.Forward(images), labels).Backward();
        optimizer.Step();
    }
}

/// <summary>
/// A pre-norm transformer block on (tokens, batch, width) = (64, 16, 128): x + attn(ln1(x)) with a causal mask and 4
/// heads, then + fc2(gelu(fc1(ln2(·)))) with a 512-wide MLP; loss = mean of the output squared; AdamW.
/// </summary>
public sealed class TransformerBlockStep
{
    public const int Tokens = 64, Batch = 16, Width = 128, Heads = 4;
    private readonly Tensor x, mask;
    private readonly LayerNorm ln1 = new(Width), ln2 = new(Width);
    private readonly MultiheadAttention attention = new(Width, Heads);
    private readonly Linear fc1 = new(Width, 4 * Width), fc2 = new(4 * Width, Width);
    private readonly GELU gelu = new();
    private readonly AdamW optimizer;

    public TransformerBlockStep()
    {
        Torch.ManualSeed(1234);
        x = Torch.Randn(Tokens, Batch, Width);
        mask = Torch.Full([Tokens, Tokens], double.NegativeInfinity).Triu(1);
        optimizer = new AdamW([.. ln1.Parameters(), .. attention.Parameters(), .. ln2.Parameters(), .. fc1.Parameters(), .. fc2.Parameters()], lr: 1e-3);
    }

    public void Step()
    {
        optimizer.ZeroGrad();
        var normed = ln1.Forward(x);
        var h = x + attention.Forward(normed, normed, normed, attnMask: mask, needWeights: false).Output;
        var y = h + fc2.Forward(gelu.Forward(fc1.Forward(ln2.Forward(h))));
        (y * y).Mean().Backward();
        optimizer.Step();
    }
}
