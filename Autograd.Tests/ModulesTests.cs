using System.Text.Json;
using Autograd.NN;
using Autograd.Optim;

namespace Autograd.Tests;

/// <summary>Autograd.NN modules against PyTorch 1.13: Linear's initialization bit for bit, Dropout's mask, a short training run.</summary>
[NonParallelizable]   // draws from the default generator
public class ModulesTests
{
    public static IEnumerable<TestCaseData> LinearCases() =>
        TrainingGolden.Cases("linear_init", c => $"Modules_Linear seed {c.GetProperty("seed").GetInt32()}: {c.GetProperty("in").GetInt32()} -> {c.GetProperty("out").GetInt32()}");

    public static IEnumerable<TestCaseData> DropoutCases() =>
        TrainingGolden.Cases("dropout", c => $"Modules_Dropout seed {c.GetProperty("seed").GetInt32()} p {c.GetProperty("p").GetDouble()}");

    [TestCaseSource(nameof(LinearCases))]
    public void Linear_HoldsPyTorchsInitialWeights(JsonElement golden)
    {
        Torch.ManualSeed(golden.GetProperty("seed").GetInt64());
        var layer = new Linear(golden.GetProperty("in").GetInt32(), golden.GetProperty("out").GetInt32(), golden.GetProperty("bias").GetBoolean());

        TrainingGolden.ShouldBeExact(layer.Weight, golden.GetProperty("weight"), "weight");
        if (layer.Bias is null) golden.GetProperty("bias_values").ValueKind.ShouldBe(JsonValueKind.Null);
        else TrainingGolden.ShouldBeExact(layer.Bias, golden.GetProperty("bias_values"), "bias");
        layer.Weight.IsLeaf.ShouldBeTrue();
        layer.Weight.RequiresGrad.ShouldBeTrue();
    }

    [Test]
    public void Linear_SeedZero_FourToThree_IsPyTorchsLayer()
    {
        Torch.ManualSeed(0);
        var layer = new Linear(4, 3);
        layer.Weight.ToString().ShouldBe("""
            tensor([[-0.0037,  0.2682, -0.4115, -0.3680],
                    [-0.1926,  0.1341, -0.0099,  0.3964],
                    [-0.0444,  0.1323, -0.1511, -0.0983]], requires_grad=True)
            """);
        layer.Bias!.ToString().ShouldBe("tensor([-0.4777, -0.3311, -0.2061], requires_grad=True)");
    }

    [Test]
    public void Linear_ForwardNamesAndShapesAreThoseOfFLinear()
    {
        var layer = new Linear(4, 3);
        layer.Forward(Torch.Rand(5, 4)).GradFn!.Name.ShouldBe("AddmmBackward0");
        layer.Forward(Torch.Rand(4)).GradFn!.Name.ShouldBe("AddBackward0");
        var batched = layer.Forward(Torch.Rand(2, 5, 4));
        batched.GradFn!.Name.ShouldBe("ViewBackward0");
        batched.Shape.ShouldBe([2, 5, 3]);
        new Linear(4, 3, bias: false).Forward(Torch.Rand(5, 4)).GradFn!.Name.ShouldBe("MmBackward0");
        Should.Throw<ArgumentException>(() => layer.Forward(Torch.Rand(4, 5))).Message.ShouldBe("mat1 and mat2 shapes cannot be multiplied (4x5 and 4x3)");
    }

    [Test]
    public void Linear_ComputesXWTransposePlusB()
    {
        var layer = new Linear(2, 2);
        using (Torch.NoGrad())
        {
            layer.Weight.Copy_(Torch.Tensor([1f, 2f, 3f, 4f]).View(2, 2));
            layer.Bias!.Copy_(Torch.Tensor([10f, 20f]));
        }
        layer.Forward(Torch.Tensor([1f, 1f, 0f, 1f]).View(2, 2)).ToArray<float>().ShouldBe([13f, 27f, 12f, 24f]);
    }

    [TestCaseSource(nameof(DropoutCases))]
    public void Dropout_DropsTheElementsPyTorchDrops(JsonElement golden)
    {
        Torch.ManualSeed(golden.GetProperty("seed").GetInt64());
        var input = golden.GetProperty("input");
        var x = TrainingGolden.DTypeOf(input) == DType.Float32 ? Torch.Rand([.. TrainingGolden.ToTensor(input).Shape]) : Torch.Rand([.. TrainingGolden.ToTensor(input).Shape], DType.Float64);
        TrainingGolden.ShouldBeExact(x, input, "input");

        var y = new Dropout(golden.GetProperty("p").GetDouble()).Forward(x);
        TrainingGolden.ShouldBeExact(y, golden.GetProperty("output"), "output");
    }

    [Test]
    public void Dropout_ScalesKeptElements_AndPassesThroughInEval()
    {
        Torch.ManualSeed(1);
        var dropout = new Dropout(0.25);
        var x = Torch.Ones([100_000], requiresGrad: true);
        var y = dropout.Forward(x);
        y.GradFn!.Name.ShouldBe("MulBackward0");
        var values = y.ToArray<float>();
        values.ShouldAllBe(v => v == 0f || v == 1f / 0.75f);
        values.Count(v => v == 0f).ShouldBeInRange(24_500, 25_500);
        y.Sum().Backward();
        x.Grad!.ToArray<float>().ShouldBe(values);

        dropout.Eval().ShouldBeSameAs(dropout);
        dropout.Forward(x).ShouldBeSameAs(x);
        new Dropout(0).Forward(x).ShouldBeSameAs(x);
        new Dropout(1).Forward(x).ToArray<float>().ShouldAllBe(v => v == 0f);
        Should.Throw<ArgumentException>(() => new Dropout(1.5)).Message.ShouldBe("dropout probability has to be between 0 and 1, but got 1.5");
    }

    [Test]
    public void Sequential_NamesParametersAndPrintsAsPyTorch()
    {
        var golden = TrainingGolden.Section("mlp");
        var model = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 3));
        model.NamedParameters().Select(p => p.Name).ShouldBe(golden.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        model.ToString().ShouldBe(golden.GetProperty("repr").GetString());
        model.Parameters().Count().ShouldBe(4);
        model.Count.ShouldBe(3);
        model[1].ShouldBeOfType<ReLU>();

        new Sequential(new Linear(2, 3), new ReLU(), new Dropout(0.2), new Tanh(), new Sigmoid(), new Linear(3, 1, bias: false)).ToString().ShouldBe("""
            Sequential(
              (0): Linear(in_features=2, out_features=3, bias=True)
              (1): ReLU()
              (2): Dropout(p=0.2, inplace=False)
              (3): Tanh()
              (4): Sigmoid()
              (5): Linear(in_features=3, out_features=1, bias=False)
            )
            """);
    }

    [Test]
    public void TrainAndEval_ReachEverySubmodule()
    {
        var inner = new Sequential(new Dropout(), new ReLU());
        var model = new Sequential(new Linear(2, 2), inner);
        model.Training.ShouldBeTrue();
        model.Eval();
        inner[0].Training.ShouldBeFalse();
        model.Train();
        inner[0].Training.ShouldBeTrue();
    }

    [Test]
    public void ZeroGrad_ClearsOrZeroesEveryParameterGradient()
    {
        var model = new Sequential(new Linear(3, 2), new Tanh(), new Linear(2, 1));
        model.Forward(Torch.Rand(4, 3)).Sum().Backward();
        model.Parameters().ShouldAllBe(p => p.Grad != null);
        model.ZeroGrad(setToNone: false);
        model.Parameters().ShouldAllBe(p => p.Grad != null && p.Grad.ToArray<float>().All(v => v == 0f));
        model.ZeroGrad();
        model.Parameters().ShouldAllBe(p => p.Grad == null);
    }

    [Test]
    public void CustomModule_RegistersParametersAndSubmodules()
    {
        var model = new TwoLayer();
        model.NamedParameters().Select(p => p.Name).ShouldBe(["scale", "hidden.weight", "hidden.bias", "output.weight"]);
        model.Forward(Torch.Rand(5, 3)).Shape.ShouldBe([5, 1]);
        model.ToString().ShouldBe("""
            TwoLayer(
              (hidden): Linear(in_features=3, out_features=4, bias=True)
              (output): Linear(in_features=4, out_features=1, bias=False)
            )
            """);
    }

    [Test]
    public void SmallMlp_TrainsAsPyTorchDoes()
    {
        var golden = TrainingGolden.Section("mlp");
        Torch.ManualSeed(0);
        var model = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 3));
        var x = TrainingGolden.ToTensor(golden.GetProperty("x"));
        var y = TrainingGolden.ToTensor(golden.GetProperty("y"));
        var optimizer = new SGD(model.Parameters(), lr: 0.1, momentum: 0.9);
        var losses = new List<double>();
        for (int step = 0; step < 5; step++)
        {
            optimizer.ZeroGrad();
            var loss = Functional.CrossEntropy(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
            losses.Add(loss.Item<double>());
        }
        losses.Zip(golden.GetProperty("losses").EnumerateArray().Select(l => l.GetDouble())).ShouldAllBe(p => Math.Abs(p.First - p.Second) < 1e-6);
        var expected = golden.GetProperty("params").EnumerateArray().ToArray();
        var parameters = model.Parameters().ToArray();
        for (int i = 0; i < parameters.Length; i++) TrainingGolden.ShouldBeClose(parameters[i], expected[i], 1e-5, 1e-6, $"parameter {i}");
    }

    private sealed class TwoLayer : Module
    {
        private readonly Tensor scale;
        private readonly Linear hidden, output;

        public TwoLayer()
        {
            scale = RegisterParameter("scale", Torch.Ones(1));
            hidden = RegisterModule("hidden", new Linear(3, 4));
            output = RegisterModule("output", new Linear(4, 1, bias: false));
        }

        public override Tensor Forward(Tensor input) => output.Forward(hidden.Forward(input * scale).Relu());
    }
}
