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
    /// <summary>Issue 5's TorchSharp figure, in microseconds.</summary>
    public abstract double TorchSharpMicroseconds { get; }
    /// <summary>The target, in microseconds (for MatMul, the time that gives the target GFLOP/s).</summary>
    public abstract double TargetMicroseconds { get; }
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
        targets = RandomClasses(rows, classes);
    }

    public override string Name => $"CrossEntropy fwd+bwd {rows}x{classes}";
    public override double TorchSharpMicroseconds { get; }
    public override double TargetMicroseconds { get; }
    public override Bound Bound => Bound.Memory;
    public override double Work => 2.0 * sizeof(float) * rows * classes + sizeof(long) * rows;

    /// <summary>The gradient's size in bytes, the yardstick of the allocation target.</summary>
    public long GradientBytes => (long)sizeof(float) * rows * classes;

    public override void Run()
    {
        logits.Grad = null;
        Functional.CrossEntropy(logits, targets).Backward();
    }

    internal static Tensor RandomClasses(int count, int classes)
    {
        var random = new Random(5);
        var labels = new long[count];
        for (int i = 0; i < count; i++) labels[i] = random.Next(classes);
        return Torch.Tensor(labels);
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
    public override double TorchSharpMicroseconds => 1650;
    public override double TargetMicroseconds => 1300;
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
    public override double TorchSharpMicroseconds => Flops / 202e3;
    public override double TargetMicroseconds => Flops / 150e3;
    public override Bound Bound => Bound.Compute;
    public override double Work => Flops;
    public override void Run() => a.MatMul(b);
}

/// <summary>One SGD training step of a 784-256-10 ReLU network on a batch of 128, as a PyTorch loop writes it.</summary>
public sealed class MlpTrainingStep : Workload
{
    private const int Batch = 128, Inputs = 784, Hidden = 256, Classes = 10;
    private readonly Tensor images, labels;
    private readonly Sequential model;
    private readonly SGD optimizer;

    public MlpTrainingStep()
    {
        Torch.ManualSeed(1234);
        images = Torch.Rand(Batch, Inputs);
        labels = CrossEntropyStep.RandomClasses(Batch, Classes);
        model = new Sequential(new Linear(Inputs, Hidden), new ReLU(), new Linear(Hidden, Classes));
        optimizer = new SGD(model.Parameters(), lr: 0.01);
    }

    public override string Name => "MLP step 128x784-256-10";
    public override double TorchSharpMicroseconds => 860;
    public override double TargetMicroseconds => 860;
    public override Bound Bound => Bound.Compute;
    // Forward through both layers, then the weight gradients of both and the hidden activations' gradient.
    public override double Work => 2.0 * Batch * (2.0 * Inputs * Hidden + 3.0 * Hidden * Classes);

    public override void Run()
    {
        optimizer.ZeroGrad();
        Functional.CrossEntropy(model.Forward(images), labels).Backward();
        optimizer.Step();
    }
}

public static class Workloads
{
    /// <summary>Issue 5's table, in its order.</summary>
    public static Workload[] All() =>
    [
        new CrossEntropyStep(4, 7, torchSharp: 18.8, target: 1.9),
        new CrossEntropyStep(64, 10, torchSharp: 31, target: 4),
        new CrossEntropyStep(256, 1000, torchSharp: 224, target: 110),
        new CrossEntropyStep(4096, 1000, torchSharp: 3700, target: 1800),
        new SoftmaxForward(),
        new MatMulForward(),
        new MlpTrainingStep(),
    ];
}
