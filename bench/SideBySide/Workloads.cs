using Autograd;
using Autograd.Benchmarks;
using Autograd.NN;
using TS = TorchSharp.torch;

namespace Autograd.SideBySide;

/// <summary>
/// One row of issue 14's table: the same work written once with AutogradMini and once with TorchSharp, with the
/// target ratio (TorchSharp's time over ours). Each iteration of the TorchSharp side runs in a dispose scope, as
/// TorchSharp's documentation tells training loops to, so its temporaries are freed when the iteration ends.
/// </summary>
public sealed record Pair(string Name, Action Ours, Action Theirs, double Target);

public static class Workloads
{
    public static IEnumerable<Pair> All()
    {
        yield return CrossEntropy(4, 7, 20);
        yield return CrossEntropy(64, 10, 8);
        yield return CrossEntropy(4096, 1000, 2.5);
        yield return Softmax(256, 1000, 1.3);
        yield return Softmax(4096, 1000, 1.3);
        yield return MatMul(512, 1.0);
        yield return new Pair(MlpName, TrainingSteps.Mlp().Step, TheirMlp().Step, 1.2);
        yield return new Pair("Conv2d step b64 1x28x28", TrainingSteps.Conv().Step, TheirConv().Step, 1.0);
        yield return new Pair("Transformer block step b16 L64 d128", new TransformerBlockStep().Step, new TheirTransformer().Step, 1.0);
    }

    public const string MlpName = "MLP step b128 784-256-10";

    private static TS.Tensor TheirClasses(Tensor labels) => TS.tensor(labels.ToArray<long>());

    private static TS.Tensor Theirs(Tensor t, bool requiresGrad = false) =>
        TS.tensor(t.ToArray<float>(), [.. t.Shape.Select(d => (long)d)], requires_grad: requiresGrad);

    private static Pair CrossEntropy(int rows, int classes, double target)
    {
        Autograd.Torch.ManualSeed(1234);
        var logits = Autograd.Torch.Randn([rows, classes], requiresGrad: true);
        var labels = TrainingSteps.RandomClasses(rows, classes);
        var theirLogits = Theirs(logits, requiresGrad: true);
        var theirLabels = TheirClasses(labels);
        return new Pair($"CE fwd+bwd {rows}x{classes}",
            () =>
            {
                logits.Grad = null;
                Functional.CrossEntropy(logits, labels).Backward();
            },
            () =>
            {
                using var scope = TS.NewDisposeScope();
                theirLogits.grad = null;
                TS.nn.functional.cross_entropy(theirLogits, theirLabels).backward();
            },
            target);
    }

    private static Pair Softmax(int rows, int columns, double target)
    {
        Autograd.Torch.ManualSeed(1234);
        var x = Autograd.Torch.Randn(rows, columns);
        var theirX = Theirs(x);
        return new Pair($"Softmax fwd {rows}x{columns}",
            () => x.Softmax(1),
            () =>
            {
                using var scope = TS.NewDisposeScope();
                theirX.softmax(1);
            },
            target);
    }

    private static Pair MatMul(int size, double target)
    {
        Autograd.Torch.ManualSeed(1234);
        var a = Autograd.Torch.Randn(size, size);
        var b = Autograd.Torch.Randn(size, size);
        var (theirA, theirB) = (Theirs(a), Theirs(b));
        return new Pair($"MatMul {size}x{size}x{size}",
            () => a.MatMul(b),
            () =>
            {
                using var scope = TS.NewDisposeScope();
                theirA.matmul(theirB);
            },
            target);
    }

    /// <summary>The same step in TorchSharp.</summary>
    public sealed class TheirSgdStep
    {
        private readonly TS.Tensor images, labels;
        private readonly TS.nn.Module<TS.Tensor, TS.Tensor> model;
        private readonly TS.optim.Optimizer optimizer;

        public TheirSgdStep(TS.nn.Module<TS.Tensor, TS.Tensor> model, long[] imageShape)
        {
            TS.manual_seed(1234);
            this.model = model;
            images = TS.rand(imageShape);
            labels = TheirClasses(TrainingSteps.RandomClasses((int)imageShape[0], 10));
            optimizer = TS.optim.SGD(model.parameters(), 0.01);
        }

        public void Step()
        {
            using var scope = TS.NewDisposeScope();
            optimizer.zero_grad();
            TS.nn.functional.cross_entropy(model.forward(images), labels).backward();
            optimizer.step();
        }
    }

    /// <summary>784-256-10 ReLU network, batch 128.</summary>
    public static TheirSgdStep TheirMlp() =>
        new(TS.nn.Sequential(("fc1", TS.nn.Linear(784, 256)), ("relu", TS.nn.ReLU()), ("fc2", TS.nn.Linear(256, 10))), [128, 784]);

    public static TheirSgdStep TheirConv() =>
        new(TS.nn.Sequential(
            ("conv1", TS.nn.Conv2d(1, 32, 3)), ("relu1", TS.nn.ReLU()), ("pool1", TS.nn.MaxPool2d(2)),
            ("conv2", TS.nn.Conv2d(32, 64, 3)), ("relu2", TS.nn.ReLU()), ("pool2", TS.nn.MaxPool2d(2)),
            ("flatten", TS.nn.Flatten()), ("fc", TS.nn.Linear(64 * 5 * 5, 10))), [64, 1, 28, 28]);

    /// <summary>The transformer block step of <see cref="TransformerBlockStep"/> in TorchSharp.</summary>
    public sealed class TheirTransformer
    {
        private const int Tokens = TransformerBlockStep.Tokens, Batch = TransformerBlockStep.Batch, Width = TransformerBlockStep.Width, Heads = TransformerBlockStep.Heads;
        private readonly TS.Tensor x, mask;
        private readonly TS.nn.Module<TS.Tensor, TS.Tensor> ln1, ln2, fc1, fc2, gelu;
        private readonly TorchSharp.Modules.MultiheadAttention attention;
        private readonly TS.optim.Optimizer optimizer;

        public TheirTransformer()
        {
            TS.manual_seed(1234);
            x = TS.randn(Tokens, Batch, Width);
            mask = TS.full(Tokens, Tokens, float.NegativeInfinity).triu(1);
            ln1 = TS.nn.LayerNorm(Width);
            ln2 = TS.nn.LayerNorm(Width);
            attention = TS.nn.MultiheadAttention(Width, Heads);
            fc1 = TS.nn.Linear(Width, 4 * Width);
            fc2 = TS.nn.Linear(4 * Width, Width);
            gelu = TS.nn.GELU();
            optimizer = TS.optim.AdamW([.. ln1.parameters(), .. attention.parameters(), .. ln2.parameters(), .. fc1.parameters(), .. fc2.parameters()], 1e-3);
        }

        public void Step()
        {
            using var scope = TS.NewDisposeScope();
            optimizer.zero_grad();
            var normed = ln1.forward(x);
            var h = x + attention.forward(normed, normed, normed, null, false, mask).Item1;
            var y = h + fc2.forward(gelu.forward(fc1.forward(ln2.forward(h))));
            (y * y).mean().backward();
            optimizer.step();
        }
    }
}
