using Autograd;
using Autograd.NN;
using Autograd.Optim;

namespace Autograd.Benchmarks;

/// <summary>What bounds a workload, so the quick table can set it against the matching hardware baseline.</summary>
public enum Bound { Memory, Compute }

/// <summary>One row of issue 5's table: a prepared workload whose <see cref="Run"/> is one timed iteration.</summary>
public abstract class Workload
{
    public abstract string Name { get; }
    /// <summary>Issue 5's TorchSharp figure, in microseconds (none for the rows issue 14 added).</summary>
    public abstract double? TorchSharpMicroseconds { get; }
    /// <summary>The target, in microseconds (for MatMul, the time that gives the target GFLOP/s); none where the target is a ratio to TorchSharp.</summary>
    public abstract double? TargetMicroseconds { get; }
    public abstract Bound Bound { get; }
    /// <summary>Bytes read plus bytes written by an ideal kernel (memory-bound work), or floating-point operations (compute-bound).</summary>
    public abstract double Work { get; }
    public abstract void Run();
}

/// <summary>CrossEntropy forward and backward, clearing the gradient each iteration as a training loop would.</summary>
public sealed class CrossEntropyStep : Workload
{
    private readonly Tensor logits, targets;
    private readonly int rows, classes;

    public CrossEntropyStep(int rows, int classes, double torchSharp, double target)
    {
        this.rows = rows;
        this.classes = classes;
        TorchSharpMicroseconds = torchSharp;
        TargetMicroseconds = target;
        Torch.ManualSeed(1234);
        logits = Torch.Randn([rows, classes], requiresGrad: true);
        targets = TrainingSteps.RandomClasses(rows, classes);
    }

    public override string Name => $"CrossEntropy fwd+bwd {rows}x{classes}";
    public override double? TorchSharpMicroseconds { get; }
    public override double? TargetMicroseconds { get; }
    public override Bound Bound => Bound.Memory;
    public override double Work => 2.0 * sizeof(float) * rows * classes + sizeof(long) * rows;

    /// <summary>The gradient's size in bytes, the yardstick of the allocation target.</summary>
    public long GradientBytes => (long)sizeof(float) * rows * classes;

    public override void Run()
    {
        logits.Grad = null;
        Functional.CrossEntropy(logits, targets).Backward();
    }
}

public sealed class SoftmaxForward : Workload
{
    private readonly Tensor x;

    public SoftmaxForward()
    {
        Torch.ManualSeed(1234);
        x = Torch.Randn(4096, 1000);
    }

    public override string Name => "Softmax fwd 4096x1000";
    public override double? TorchSharpMicroseconds => 1650;
    public override double? TargetMicroseconds => 1300;
    public override Bound Bound => Bound.Memory;
    public override double Work => 2.0 * sizeof(float) * 4096 * 1000;
    public override void Run() => x.Softmax(1);
}

public sealed class MatMulForward : Workload
{
    private const int Size = 512;
    private const double Flops = 2.0 * Size * Size * Size;
    private readonly Tensor a, b;

    public MatMulForward()
    {
        Torch.ManualSeed(1234);
        a = Torch.Randn(Size, Size);
        b = Torch.Randn(Size, Size);
    }

    public override string Name => "MatMul 512x512x512";
    public override double? TorchSharpMicroseconds => Flops / 202e3;
    public override double? TargetMicroseconds => Flops / 150e3;
    public override Bound Bound => Bound.Compute;
    public override double Work => Flops;
    public override void Run() => a.MatMul(b);
}

/// <summary>
/// A training step of <see cref="TrainingSteps"/>. Issue 5 measured TorchSharp only for the MLP; the Conv2d and
/// transformer rows have their TorchSharp comparison in bench/SideBySide, measured in the same process.
/// </summary>
public sealed class TrainingStepWorkload(string name, Action step, double flops, double? torchSharp = null, double? target = null) : Workload
{
    public override string Name => name;
    public override double? TorchSharpMicroseconds => torchSharp;
    public override double? TargetMicroseconds => target;
    public override Bound Bound => Bound.Compute;
    public override double Work => flops;
    public override void Run() => step();
}

public static class Workloads
{
    /// <summary>Issue 5's table, in its order, then issue 14's training steps.</summary>
    public static Workload[] All() =>
    [
        new CrossEntropyStep(4, 7, torchSharp: 18.8, target: 1.9),
        new CrossEntropyStep(64, 10, torchSharp: 31, target: 4),
        new CrossEntropyStep(256, 1000, torchSharp: 224, target: 110),
        new CrossEntropyStep(4096, 1000, torchSharp: 3700, target: 1800),
        new SoftmaxForward(),
        new MatMulForward(),
        // Forward through both layers, then the weight gradients of both and the hidden activations' gradient.
        new TrainingStepWorkload("MLP step 128x784-256-10", TrainingSteps.Mlp().Step, 2.0 * 128 * (2.0 * 784 * 256 + 3.0 * 256 * 10), torchSharp: 860, target: 860),
        // Forward, input and weight gradients of conv2 (64x64x11x11 outputs of 32x3x3) and the Linear; forward and
        // weight gradient of conv1 (64x32x26x26 outputs of 1x3x3), whose input needs none.
        new TrainingStepWorkload("Conv2d step b64 1x28x28", TrainingSteps.Conv().Step,
            2.0 * (3.0 * 64 * 64 * 11 * 11 * 32 * 9 + 2.0 * 64 * 32 * 26 * 26 * 9 + 3.0 * 64 * 1600 * 10)),
        // Forward and both gradients of the four projections (in 128-384, out 128-128, fc1 128-512, fc2 512-128 over
        // 1024 tokens) and of the attention's two batched products (64 heads x 64x64x32).
        new TrainingStepWorkload("Transformer block step b16 L64 d128", new TransformerBlockStep().Step,
            3.0 * 2.0 * (1024.0 * (128 * 384 + 128 * 128 + 128 * 512 + 512 * 128) + 2.0 * 64 * 64 * 64 * 32)),
    ];
}
