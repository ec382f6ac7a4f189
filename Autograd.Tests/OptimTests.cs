using System.Text.Json;
using Autograd.Optim;

namespace Autograd.Tests;

/// <summary>SGD and Adam against ten steps of PyTorch 1.13's optimizers from the same start, bit for bit.</summary>
public class OptimTests
{
    private static readonly Dictionary<string, Func<Tensor[], Optimizer>> Optimizers = new()
    {
        ["sgd"] = ps => new SGD(ps, lr: 0.1),
        ["sgd_momentum"] = ps => new SGD(ps, lr: 0.05, momentum: 0.9),
        ["sgd_nesterov_decay"] = ps => new SGD(ps, lr: 0.05, momentum: 0.8, weightDecay: 0.01, nesterov: true),
        ["adam"] = ps => new Adam(ps),
        ["adam_tuned"] = ps => new Adam(ps, lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1),
        ["adam_f64"] = ps => new Adam(ps, lr: 0.02),
    };

    public static IEnumerable<TestCaseData> GoldenCases() => TrainingGolden.Cases("optim", c => "Optim_" + c.GetProperty("name").GetString());

    [TestCaseSource(nameof(GoldenCases))]
    public void TenSteps_MatchPyTorchBitForBit(JsonElement golden)
    {
        var parameters = golden.GetProperty("start").EnumerateArray().Select(p => TrainingGolden.ToTensor(p, requiresGrad: true)).ToArray();
        var optimizer = Optimizers[golden.GetProperty("name").GetString()!](parameters);
        int step = 0;
        foreach (var expected in golden.GetProperty("steps").EnumerateArray())
        {
            var coefficients = expected.GetProperty("coefficients").EnumerateArray().Select(c => TrainingGolden.ToTensor(c)).ToArray();
            optimizer.ZeroGrad();
            parameters.Zip(coefficients, (p, a) => (p * a).Sum()).Aggregate((x, y) => x + y).Backward();
            optimizer.Step();
            var after = expected.GetProperty("params").EnumerateArray().ToArray();
            for (int i = 0; i < parameters.Length; i++) TrainingGolden.ShouldBeExact(parameters[i], after[i], $"step {step}, parameter {i}");
            step++;
        }
    }

    [Test]
    public void Step_SkipsParametersWithoutGradients_AndRecordsNoGraph()
    {
        var used = Torch.Tensor([1f, 2f], requiresGrad: true);
        var unused = Torch.Tensor([3f], requiresGrad: true);
        var optimizer = new SGD([used, unused], lr: 0.5);
        (used * used).Sum().Backward();
        optimizer.Step();
        used.ToArray<float>().ShouldBe([0f, 0f]);
        unused.ToArray<float>().ShouldBe([3f]);
        used.IsLeaf.ShouldBeTrue();
    }

    [Test]
    public void ZeroGrad_SetsToNoneByDefault_OrZeroesInPlace()
    {
        var p = Torch.Tensor([1f, 2f], requiresGrad: true);
        var optimizer = new Adam([p]);
        (p * 3.0).Sum().Backward();
        var grad = p.Grad!;
        optimizer.ZeroGrad(setToNone: false);
        p.Grad!.ToArray<float>().ShouldBe([0f, 0f]);
        grad.ToArray<float>().ShouldBe([0f, 0f]);
        optimizer.ZeroGrad();
        p.Grad.ShouldBeNull();
    }

    [Test]
    public void LearningRate_CanChangeBetweenSteps()
    {
        var p = Torch.Tensor([1.0], requiresGrad: true);
        var optimizer = new SGD([p], lr: 1);
        optimizer.Lr = 0.25;
        (p * 2.0).Sum().Backward();
        optimizer.Step();
        p.Item<double>().ShouldBe(0.5);
    }

    [Test]
    public void BadHyperparameters_ThrowPyTorchsMessages()
    {
        Tensor[] ps = [Torch.Rand([2], requiresGrad: true)];
        Should.Throw<ArgumentException>(() => new SGD(ps, lr: -1)).Message.ShouldBe("Invalid learning rate: -1.0");
        Should.Throw<ArgumentException>(() => new SGD(ps, lr: 0.1, momentum: -0.5)).Message.ShouldBe("Invalid momentum value: -0.5");
        Should.Throw<ArgumentException>(() => new SGD(ps, lr: 0.1, weightDecay: -1)).Message.ShouldBe("Invalid weight_decay value: -1.0");
        Should.Throw<ArgumentException>(() => new SGD(ps, lr: 0.1, nesterov: true)).Message.ShouldBe("Nesterov momentum requires a momentum and zero dampening");
        Should.Throw<ArgumentException>(() => new Adam(ps, beta1: 1.0)).Message.ShouldBe("Invalid beta parameter at index 0: 1.0");
        Should.Throw<ArgumentException>(() => new Adam(ps, beta2: 1.0)).Message.ShouldBe("Invalid beta parameter at index 1: 1.0");
        Should.Throw<ArgumentException>(() => new Adam(ps, eps: -1e-8)).Message.ShouldBe("Invalid epsilon value: -1e-08");
        Should.Throw<ArgumentException>(() => new Adam(Array.Empty<Tensor>(), lr: 0.1)).Message.ShouldBe("optimizer got an empty parameter list");
        Should.Throw<ArgumentException>(() => new Adam([ps[0] * 2.0])).Message.ShouldBe("can't optimize a non-leaf Tensor");
    }
}
