using System.Runtime.CompilerServices;
using System.Text.Json;
using Autograd.NN;
using Autograd.Optim;

namespace Autograd.Tests;

/// <summary>Reads Golden/optim.json (tools/gen_optim_golden.py).</summary>
internal static class OptimGolden
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "optim.json")));
        return json.RootElement.Clone();
    });

    public static JsonElement Section(string name) => Root.Value.GetProperty(name);

    public static IEnumerable<TestCaseData> Cases(string section, string prefix) =>
        Section(section).EnumerateArray().Select(c => new TestCaseData(c).SetName($"{prefix}_{c.GetProperty("name").GetString()}"));
}

/// <summary>
/// Every optimizer and option combination against 22 steps of PyTorch 1.13's for-loop implementation, bit for bit:
/// the parameters after each step, the final state_dict, and a run resumed from a state dict halfway.
/// </summary>
public class OptimTests2
{
    private static readonly Dictionary<string, Func<Tensor[], Optimizer>> Optimizers = new()
    {
        ["sgd_dampening"] = ps => new SGD(ps, lr: 0.05, momentum: 0.9, dampening: 0.3),
        ["sgd_maximize_decay"] = ps => new SGD(ps, lr: 0.1, momentum: 0.5, weightDecay: 0.01, maximize: true),
        ["sgd_plain_f64"] = ps => new SGD(ps, lr: 0.07),
        ["sgd_nesterov"] = ps => new SGD(ps, lr: 0.03, momentum: 0.7, nesterov: true),
        ["adam_amsgrad"] = ps => new Adam(ps, lr: 0.01, amsgrad: true),
        ["adam_maximize_decay"] = ps => new Adam(ps, lr: 0.02, weightDecay: 0.05, maximize: true),
        ["adam_amsgrad_f64"] = ps => new Adam(ps, lr: 0.003, beta1: 0.8, beta2: 0.9, amsgrad: true),
        ["adamw"] = ps => new AdamW(ps),
        ["adamw_tuned"] = ps => new AdamW(ps, lr: 0.01, beta1: 0.85, beta2: 0.98, eps: 1e-6, weightDecay: 0.1),
        ["adamw_amsgrad_maximize"] = ps => new AdamW(ps, lr: 0.005, amsgrad: true, maximize: true),
        ["adamw_f64"] = ps => new AdamW(ps, lr: 0.02, weightDecay: 0.03),
        ["rmsprop"] = ps => new RMSprop(ps),
        ["rmsprop_centered"] = ps => new RMSprop(ps, lr: 0.005, centered: true),
        ["rmsprop_momentum"] = ps => new RMSprop(ps, lr: 0.002, momentum: 0.9, alpha: 0.9),
        ["rmsprop_all"] = ps => new RMSprop(ps, lr: 0.003, alpha: 0.95, eps: 1e-6, weightDecay: 0.02, momentum: 0.5, centered: true, maximize: true),
        ["rmsprop_f64"] = ps => new RMSprop(ps, lr: 0.01, centered: true, momentum: 0.3),
        ["adagrad"] = ps => new Adagrad(ps),
        ["adagrad_tuned"] = ps => new Adagrad(ps, lr: 0.05, lrDecay: 0.01, weightDecay: 0.1, initialAccumulatorValue: 0.2, eps: 1e-8),
        ["adagrad_maximize_f64"] = ps => new Adagrad(ps, lr: 0.1, lrDecay: 0.5, maximize: true),
        ["adadelta"] = ps => new Adadelta(ps),
        ["adadelta_tuned"] = ps => new Adadelta(ps, lr: 0.5, rho: 0.95, eps: 1e-5, weightDecay: 0.01),
        ["adadelta_maximize_f64"] = ps => new Adadelta(ps, rho: 0.8, maximize: true),
        ["sgd_groups"] = ps => new SGD(
            [new ParamGroup(ps[..2]), new ParamGroup(ps[2..]) { Lr = 0.01, ["momentum"] = 0.5, ["nesterov"] = true }], lr: 0.1, momentum: 0.9),
        ["adam_groups"] = ps => new Adam(
            [new ParamGroup(ps[..2]) { ["amsgrad"] = true }, new ParamGroup(ps[2..]) { Lr = 0.05, ["betas"] = (0.7, 0.95), ["weight_decay"] = 0.1 }], lr: 0.01),
        ["rmsprop_groups"] = ps => new RMSprop(
            [new ParamGroup(ps[..1]) { ["centered"] = true }, new ParamGroup(ps[1..]) { ["momentum"] = 0.8, Lr = 0.001 }]),
    };

    public static IEnumerable<TestCaseData> GoldenCases() => OptimGolden.Cases("optimizers", "Optim2");

    [Test]
    public void EveryGoldenCase_HasAnOptimizer() =>
        OptimGolden.Section("optimizers").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order().ShouldBe(Optimizers.Keys.Order());

    [TestCaseSource(nameof(GoldenCases))]
    public void Trajectory_MatchesPyTorchBitForBit(JsonElement golden)
    {
        var parameters = Start(golden);
        var optimizer = Optimizers[golden.GetProperty("name").GetString()!](parameters);
        var steps = golden.GetProperty("steps").EnumerateArray().ToArray();
        steps.Length.ShouldBeGreaterThanOrEqualTo(20);
        RunSteps(optimizer, parameters, steps, 0);
        ShouldMatch(optimizer.StateDict(), golden.GetProperty("state_dict"));
    }

    [TestCaseSource(nameof(GoldenCases))]
    public void ResumedFromStateDict_ContinuesTheSameTrajectory(JsonElement golden)
    {
        var make = Optimizers[golden.GetProperty("name").GetString()!];
        var steps = golden.GetProperty("steps").EnumerateArray().ToArray();
        var parameters = Start(golden);
        var first = make(parameters);
        int half = steps.Length / 2;
        RunSteps(first, parameters, steps[..half], 0);
        var saved = first.StateDict();

        Tensor[] resumed;
        using (Torch.NoGrad()) resumed = [.. parameters.Select(p => p.Detach().Clone())];
        foreach (var p in resumed) p.RequiresGrad = true;
        var second = make(resumed);
        second.LoadStateDict(saved);
        // The loaded state is a copy: stepping the first optimizer again must not move the second's state.
        foreach (var p in parameters) p.Grad = Torch.Ones([.. p.Shape], p.DType);
        first.Step();
        RunSteps(second, resumed, steps[half..], half);
        ShouldMatch(second.StateDict(), golden.GetProperty("state_dict"));
    }

    [Test]
    public void BadOptions_ThrowPyTorchsMessages()
    {
        Tensor[] ps = [Torch.Zeros([1], requiresGrad: true)];
        Should.Throw<ArgumentException>(() => new RMSprop(ps, alpha: -0.5)).Message.ShouldBe("Invalid alpha value: -0.5");
        Should.Throw<ArgumentException>(() => new Adagrad(ps, lrDecay: -1e-5)).Message.ShouldBe("Invalid lr_decay value: -1e-05");
        Should.Throw<ArgumentException>(() => new Adagrad(ps, initialAccumulatorValue: -2.5)).Message.ShouldBe("Invalid initial_accumulator_value value: -2.5");
        Should.Throw<ArgumentException>(() => new Adadelta(ps, rho: 1.5)).Message.ShouldBe("Invalid rho value: 1.5");
        Should.Throw<ArgumentException>(() => new AdamW(ps, weightDecay: -1e20)).Message.ShouldBe("Invalid weight_decay value: -1e+20");
        Should.Throw<ArgumentException>(() => new SGD(ps, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true)).Message
            .ShouldBe("Nesterov momentum requires a momentum and zero dampening");
        Should.Throw<ArgumentException>(() => new SGD([new ParamGroup(ps)])).Message
            .ShouldBe("parameter group didn't specify a value of required optimization parameter lr");
        Should.Throw<ArgumentException>(() => new SGD([new ParamGroup(ps), new ParamGroup(ps)], lr: 1)).Message
            .ShouldBe("some parameters appear in more than one parameter group");
    }

    [Test]
    public void ParamGroups_HoldPerGroupOptions_AndLrIsSettable()
    {
        var a = Torch.Tensor([1f], requiresGrad: true);
        var b = Torch.Tensor([1f], requiresGrad: true);
        var optimizer = new SGD([new ParamGroup([a]), new ParamGroup([b]) { Lr = 0.5 }], lr: 0.1);
        optimizer.ParamGroups[1].Lr.ShouldBe(0.5);
        optimizer.ParamGroups[0].Keys.ShouldBe(["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"]);
        optimizer.ParamGroups[0].Lr = 0.25;
        a.Grad = Torch.Tensor([1f]);
        b.Grad = Torch.Tensor([1f]);
        optimizer.Step();
        a.Item<float>().ShouldBe(0.75f);
        b.Item<float>().ShouldBe(0.5f);
        optimizer.StateDict().ParamGroups.Select(g => (List<int>)g["params"]).ShouldBe([[0], [1]]);
        var adagrad = new Adagrad([a]);
        adagrad.StateDict().State[0].Keys.ShouldBe(["step", "sum"]);   // created with the optimizer, as PyTorch's
    }

    private static Tensor[] Start(JsonElement golden) =>
        [.. golden.GetProperty("start").EnumerateArray().Select(p => TrainingGolden.ToTensor(p, requiresGrad: true))];

    private static void RunSteps(Optimizer optimizer, Tensor[] parameters, JsonElement[] steps, int offset)
    {
        for (int s = 0; s < steps.Length; s++)
        {
            var grads = steps[s].GetProperty("grads").EnumerateArray().ToArray();
            for (int i = 0; i < parameters.Length; i++)
                parameters[i].Grad = grads[i].ValueKind == JsonValueKind.Null ? null : TrainingGolden.ToTensor(grads[i]);
            optimizer.Step();
            var after = steps[s].GetProperty("params").EnumerateArray().ToArray();
            for (int i = 0; i < parameters.Length; i++) TrainingGolden.ShouldBeExact(parameters[i], after[i], $"step {s + offset}, parameter {i}");
        }
    }

    private static void ShouldMatch(OptimizerStateDict actual, JsonElement expected)
    {
        var state = expected.GetProperty("state");
        actual.State.Keys.Select(k => k.ToString()).ShouldBe(state.EnumerateObject().Select(p => p.Name));
        foreach (var entry in state.EnumerateObject())
        {
            var mine = actual.State[int.Parse(entry.Name)];
            mine.Keys.ShouldBe(entry.Value.EnumerateObject().Select(p => p.Name), $"state {entry.Name} keys");
            foreach (var item in entry.Value.EnumerateObject()) ShouldMatch(mine[item.Name], item.Value, $"state {entry.Name} {item.Name}");
        }
        var groups = expected.GetProperty("param_groups").EnumerateArray().ToArray();
        actual.ParamGroups.Count.ShouldBe(groups.Length);
        for (int g = 0; g < groups.Length; g++)
        {
            actual.ParamGroups[g].Keys.ShouldBe(groups[g].EnumerateObject().Select(p => p.Name), $"group {g} keys");
            foreach (var item in groups[g].EnumerateObject()) ShouldMatch(actual.ParamGroups[g][item.Name], item.Value, $"group {g} {item.Name}");
        }
    }

    private static void ShouldMatch(object? actual, JsonElement expected, string what)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null: actual.ShouldBeNull(what); break;
            case JsonValueKind.True or JsonValueKind.False: actual.ShouldBe(expected.GetBoolean(), what); break;
            case JsonValueKind.Number when actual is int count: count.ShouldBe(expected.GetInt32(), what); break;
            case JsonValueKind.Number: Convert.ToDouble(actual).ShouldBe(expected.GetDouble(), what); break;
            case JsonValueKind.Object: TrainingGolden.ShouldBeExact((Tensor)actual!, expected.GetProperty("tensor"), what); break;
            case JsonValueKind.Array when actual is List<int> ids: ids.ShouldBe(expected.EnumerateArray().Select(e => e.GetInt32()), what); break;
            case JsonValueKind.Array:
                var pair = (ITuple)actual!;
                Enumerable.Range(0, pair.Length).Select(i => Convert.ToDouble(pair[i])).ShouldBe(expected.EnumerateArray().Select(e => e.GetDouble()), what);
                break;
            default: throw new InvalidOperationException($"{what}: unexpected JSON {expected}");
        }
    }
}

/// <summary>Utils.ClipGradNorm_ and ClipGradValue_ against torch.nn.utils on the same gradients.</summary>
public class ClipGradTests
{
    public static IEnumerable<TestCaseData> GoldenCases() => OptimGolden.Cases("clip", "ClipGrad");

    [TestCaseSource(nameof(GoldenCases))]
    public void Clipping_MatchesPyTorch(JsonElement golden)
    {
        var grads = golden.GetProperty("grads").EnumerateArray().Select(g => TrainingGolden.ToTensor(g)).ToArray();
        var parameters = grads.Select(g => Torch.Zeros([.. g.Shape], g.DType, requiresGrad: true)).ToList();
        for (int i = 0; i < grads.Length; i++) parameters[i].Grad = grads[i];
        parameters.Add(Torch.Zeros([2], grads[0].DType, requiresGrad: true));   // no gradient: skipped
        var expected = golden.GetProperty("clipped").EnumerateArray().ToArray();
        if (golden.GetProperty("name").GetString() == "value")
        {
            Utils.ClipGradValue_(parameters, golden.GetProperty("clip_value").GetDouble());
            TrainingGolden.ShouldBeExact(parameters[0].Grad!, expected[0], "clipped gradient");
            return;
        }
        var normType = golden.GetProperty("norm_type");
        double p = normType.ValueKind == JsonValueKind.String ? double.PositiveInfinity : normType.GetDouble();
        var total = Utils.ClipGradNorm_(parameters, golden.GetProperty("max_norm").GetDouble(), p);
        // The norms are a reduction (PyTorch sums in float32 lanes, this library in double): equal up to rounding.
        double rtol = grads[0].DType == DType.Float32 ? 1e-6 : 1e-14;
        TrainingGolden.ShouldBeClose(total, golden.GetProperty("total"), rtol, 0, "total norm");
        for (int i = 0; i < grads.Length; i++) TrainingGolden.ShouldBeClose(parameters[i].Grad!, expected[i], rtol, 0, $"clipped gradient {i}");
        parameters[^1].Grad.ShouldBeNull();
    }

    [Test]
    public void WithinTheLimit_GradientsAreUntouched_AndTheInfinityNormIsExact()
    {
        var p = Torch.Zeros([3], requiresGrad: true);
        p.Grad = Torch.Tensor([0.1f, -0.2f, 0.05f]);
        Utils.ClipGradNorm_([p], 10).Item<float>().ShouldBe(MathF.Sqrt(0.1f * 0.1f + 0.2f * 0.2f + 0.05f * 0.05f), 1e-7f);
        p.Grad.ToArray<float>().ShouldBe([0.1f, -0.2f, 0.05f]);
        Utils.ClipGradNorm_([p], 10, double.PositiveInfinity).Item<float>().ShouldBe(0.2f);
        Utils.ClipGradNorm_([Torch.Zeros([1], requiresGrad: true)], 1).Item<float>().ShouldBe(0f);
    }
}
