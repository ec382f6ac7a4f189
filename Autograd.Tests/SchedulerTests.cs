using System.Text.Json;
using Autograd.Optim;

namespace Autograd.Tests;

/// <summary>Learning-rate schedulers against PyTorch 1.13's sequences (get_last_lr and the momentum), bit for bit.</summary>
public class SchedulerTests
{
    private static readonly Dictionary<string, Func<Optimizer, object>> Schedulers = new()
    {
        ["step"] = o => new StepLR(o, stepSize: 3),
        ["step_gamma"] = o => new StepLR(o, 4, gamma: 0.7),
        ["multistep"] = o => new MultiStepLR(o, milestones: [2, 5, 5, 11, 30]),
        ["multistep_gamma"] = o => new MultiStepLR(o, [3, 7], gamma: 0.3),
        ["exponential"] = o => new ExponentialLR(o, gamma: 0.9),
        ["exponential_groups"] = o => new ExponentialLR(o, 0.97),
        ["cosine"] = o => new CosineAnnealingLR(o, tMax: 10),
        ["cosine_eta_min"] = o => new CosineAnnealingLR(o, 7, etaMin: 0.001),
        ["lambda_power"] = o => new LambdaLR(o, e => Math.Pow(0.95, e)),
        ["lambda_inverse"] = o => new LambdaLR(o, e => 1.0 / (e + 1)),
        ["onecycle"] = o => new OneCycleLR(o, maxLr: 0.1, totalSteps: 40),
        ["onecycle_adam"] = o => new OneCycleLR(o, maxLr: 0.01, totalSteps: 25),
        ["onecycle_tuned"] = o => new OneCycleLR(o, maxLr: 0.5, totalSteps: 30, pctStart: 0.25, annealStrategy: "linear", divFactor: 10,
            finalDivFactor: 100, threePhase: true, baseMomentum: 0.8, maxMomentum: 0.9),
        ["onecycle_no_momentum"] = o => new OneCycleLR(o, maxLr: 0.2, totalSteps: 12, cycleMomentum: false),
        ["plateau"] = o => new ReduceLROnPlateau(o, patience: 2),
        ["plateau_max"] = o => new ReduceLROnPlateau(o, mode: "max", factor: 0.5, patience: 1, threshold: 0.01),
        ["plateau_abs_cooldown"] = o => new ReduceLROnPlateau(o, factor: 0.3, patience: 1, threshold: 0.05, thresholdMode: "abs", cooldown: 2, minLr: 0.002),
    };

    public static IEnumerable<TestCaseData> GoldenCases() => OptimGolden.Cases("schedulers", "Scheduler");

    [Test]
    public void EveryGoldenCase_HasAScheduler() =>
        OptimGolden.Section("schedulers").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order().ShouldBe(Schedulers.Keys.Order());

    [TestCaseSource(nameof(GoldenCases))]
    public void LearningRates_MatchPyTorchBitForBit(JsonElement golden)
    {
        double[] lrs = [.. golden.GetProperty("lrs").EnumerateArray().Select(e => e.GetDouble())];
        var groups = lrs.Select(lr => new ParamGroup([Torch.Zeros([2], requiresGrad: true)]) { Lr = lr }).ToArray();
        Optimizer optimizer = golden.GetProperty("optimizer").GetString() == "sgd" ? new SGD(groups, lr: lrs[0], momentum: 0.9) : new Adam(groups, lr: lrs[0]);
        var scheduler = Schedulers[golden.GetProperty("name").GetString()!](optimizer);
        var expectedLr = golden.GetProperty("lr").EnumerateArray().ToArray();
        var expectedMomentum = golden.GetProperty("momentum").EnumerateArray().ToArray();
        var metrics = golden.GetProperty("metrics");

        for (int step = 0; step < expectedLr.Length; step++)
        {
            if (step > 0)
            {
                optimizer.Step();
                if (scheduler is ReduceLROnPlateau plateau) plateau.Step(metrics[step - 1].GetDouble());
                else ((LrScheduler)scheduler).Step();
            }
            var lastLr = scheduler is ReduceLROnPlateau p ? p.GetLastLr() : ((LrScheduler)scheduler).GetLastLr();
            lastLr.ShouldBe(expectedLr[step].EnumerateArray().Select(e => e.GetDouble()).ToArray(), $"lr after step {step}");
            optimizer.ParamGroups.Select(g => g.Lr).ShouldBe(lastLr, $"groups' lr after step {step}");
            optimizer.ParamGroups.Select(g => g.ContainsKey("momentum") ? g.Number("momentum") : g.Pair("betas").Item1)
                .ShouldBe(expectedMomentum[step].EnumerateArray().Select(e => e.GetDouble()).ToArray(), $"momentum after step {step}");
        }
    }

    [Test]
    public void Construction_RecordsInitialLrAndTakesTheFirstStep()
    {
        var optimizer = new SGD([Torch.Zeros([1], requiresGrad: true)], lr: 0.5);
        var scheduler = new StepLR(optimizer, 2);
        scheduler.LastEpoch.ShouldBe(0);
        scheduler.BaseLrs.ShouldBe([0.5]);
        optimizer.ParamGroups[0]["initial_lr"].ShouldBe(0.5);
        optimizer.Lr = 0.2;   // changed from outside: StepLR's chainable form decays from the current value
        scheduler.Step();
        scheduler.Step();
        scheduler.GetLastLr().ShouldBe([0.2 * 0.1]);
    }

    [Test]
    public void OneCycleLR_StepsPastTheEnd_ThrowsPyTorchsMessage()
    {
        var optimizer = new SGD([Torch.Zeros([1], requiresGrad: true)], lr: 0.1, momentum: 0.9);
        var scheduler = new OneCycleLR(optimizer, maxLr: 1, totalSteps: 3);
        for (int i = 0; i < 3; i++) scheduler.Step();
        Should.Throw<InvalidOperationException>(() => scheduler.Step()).Message.ShouldBe("Tried to step 5 times. The specified number of total steps is 3");
    }

    [Test]
    public void BadArguments_ThrowPyTorchsMessages()
    {
        var sgd = new SGD([Torch.Zeros([1], requiresGrad: true)], lr: 0.1);
        var adagrad = new Adagrad([Torch.Zeros([1], requiresGrad: true)]);
        Should.Throw<ArgumentException>(() => new OneCycleLR(sgd, 1, 0)).Message.ShouldBe("Expected positive integer total_steps, but got 0");
        Should.Throw<ArgumentException>(() => new OneCycleLR(sgd, 1, 10, pctStart: 1.5)).Message.ShouldBe("Expected float between 0 and 1 pct_start, but got 1.5");
        Should.Throw<ArgumentException>(() => new OneCycleLR(sgd, 1, 10, annealStrategy: "exp")).Message.ShouldBe("anneal_strategy must by one of 'cos' or 'linear', instead got exp");
        Should.Throw<ArgumentException>(() => new OneCycleLR(adagrad, 1, 10)).Message.ShouldBe("optimizer must support momentum with `cycle_momentum` option enabled");
        Should.Throw<ArgumentException>(() => new ReduceLROnPlateau(sgd, factor: 1)).Message.ShouldBe("Factor should be < 1.0.");
        Should.Throw<ArgumentException>(() => new ReduceLROnPlateau(sgd, mode: "avg")).Message.ShouldBe("mode avg is unknown!");
        Should.Throw<ArgumentException>(() => new ReduceLROnPlateau(sgd, thresholdMode: "x")).Message.ShouldBe("threshold mode x is unknown!");
        Should.Throw<ArgumentException>(() => new LambdaLR(sgd, [e => 1.0, e => 2.0])).Message.ShouldBe("Expected 1 lr_lambdas, but got 2");
    }
}
