namespace Autograd.Optim;

/// <summary>
/// torch.optim.lr_scheduler._LRScheduler: sets the learning rate of every parameter group once per <see cref="Step"/>
/// (an epoch, or a batch for <see cref="OneCycleLR"/>). Creating one records each group's "initial_lr" and takes the
/// first step (epoch 0), as PyTorch's does; the learning rates follow PyTorch's chainable (recursive) forms, so they
/// are the same doubles.
/// </summary>
public abstract class LrScheduler
{
    private double[] lastLr = [];

    /// <summary>Attaches to <paramref name="optimizer"/>; the subclass constructor ends with <see cref="Initialize"/>.</summary>
    protected LrScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
    }

    /// <summary>The optimizer whose learning rates this scheduler sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>PyTorch's <c>base_lrs</c>: each group's "initial_lr".</summary>
    public IReadOnlyList<double> BaseLrs { get; private set; } = [];

    /// <summary>PyTorch's <c>last_epoch</c>: the number of steps taken, 0 right after construction.</summary>
    public int LastEpoch { get; private set; } = -1;

    /// <summary>PyTorch's <c>_step_count</c>: calls of <see cref="Step"/>, the initial one included.</summary>
    protected int StepCount { get; private set; }

    /// <summary><c>scheduler.get_last_lr()</c>: the learning rates the last step set, one per group.</summary>
    public IReadOnlyList<double> GetLastLr() => lastLr;

    /// <summary><c>scheduler.step()</c>: advances one epoch and sets every group's learning rate.</summary>
    public void Step()
    {
        StepCount++;
        LastEpoch++;
        var values = ComputeLr();
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count && i < values.Count; i++) groups[i].Lr = values[i];
        lastLr = [.. groups.Select(g => g.Lr)];
    }

    /// <summary>PyTorch's <c>get_lr()</c>: the learning rates for <see cref="LastEpoch"/>, one per group.</summary>
    protected abstract IReadOnlyList<double> ComputeLr();

    /// <summary>The end of PyTorch's <c>_LRScheduler.__init__</c>: records "initial_lr" (if unset) and takes the first step.</summary>
    protected void Initialize()
    {
        foreach (var group in Optimizer.ParamGroups)
        {
            if (!group.ContainsKey("initial_lr")) group["initial_lr"] = group.Lr;
        }
        BaseLrs = [.. Optimizer.ParamGroups.Select(g => g.Number("initial_lr"))];
        Step();
    }

    /// <summary>Each group's current learning rate.</summary>
    protected double[] CurrentLrs() => [.. Optimizer.ParamGroups.Select(g => g.Lr)];
}

/// <summary>torch.optim.lr_scheduler.StepLR: multiplies the learning rate by gamma every <c>stepSize</c> epochs.</summary>
public sealed class StepLR : LrScheduler
{
    /// <summary><c>StepLR(optimizer, step_size, gamma=0.1)</c>.</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        StepSize = stepSize;
        Gamma = gamma;
        Initialize();
    }

    /// <summary>Epochs between decays.</summary>
    public int StepSize { get; }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <summary><c>StepLR.get_lr()</c>: each rate times <see cref="Gamma"/> on epochs that are a positive multiple of <see cref="StepSize"/>, else unchanged.</summary>
    protected override IReadOnlyList<double> ComputeLr() =>
        LastEpoch == 0 || LastEpoch % StepSize != 0 ? CurrentLrs() : [.. CurrentLrs().Select(lr => lr * Gamma)];
}

/// <summary>torch.optim.lr_scheduler.MultiStepLR: multiplies the learning rate by gamma at each milestone (twice for a repeated one).</summary>
public sealed class MultiStepLR : LrScheduler
{
    private readonly Dictionary<int, int> milestones;

    /// <summary><c>MultiStepLR(optimizer, milestones, gamma=0.1)</c>.</summary>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        this.milestones = milestones.GroupBy(m => m).ToDictionary(g => g.Key, g => g.Count());
        Gamma = gamma;
        Initialize();
    }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <summary><c>MultiStepLR.get_lr()</c>: each rate times <see cref="Gamma"/> to the number of times this epoch is a milestone, else unchanged.</summary>
    protected override IReadOnlyList<double> ComputeLr() => milestones.TryGetValue(LastEpoch, out int count)
        ? [.. CurrentLrs().Select(lr => lr * Math.Pow(Gamma, count))]
        : CurrentLrs();
}

/// <summary>torch.optim.lr_scheduler.ExponentialLR: multiplies the learning rate by gamma every epoch.</summary>
public sealed class ExponentialLR : LrScheduler
{
    /// <summary><c>ExponentialLR(optimizer, gamma)</c>.</summary>
    public ExponentialLR(Optimizer optimizer, double gamma) : base(optimizer)
    {
        Gamma = gamma;
        Initialize();
    }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    /// <summary><c>ExponentialLR.get_lr()</c>: each rate times <see cref="Gamma"/> after epoch 0.</summary>
    protected override IReadOnlyList<double> ComputeLr() => LastEpoch == 0 ? CurrentLrs() : [.. CurrentLrs().Select(lr => lr * Gamma)];
}

/// <summary>
/// torch.optim.lr_scheduler.CosineAnnealingLR in PyTorch's recursive form (each rate from the previous one), which
/// also restarts the cosine after <c>2 tMax</c> epochs as PyTorch's does.
/// </summary>
public sealed class CosineAnnealingLR : LrScheduler
{
    /// <summary><c>CosineAnnealingLR(optimizer, T_max, eta_min=0)</c>.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        TMax = tMax;
        EtaMin = etaMin;
        Initialize();
    }

    /// <summary>Epochs of a half cosine period.</summary>
    public int TMax { get; }

    /// <summary>The smallest learning rate.</summary>
    public double EtaMin { get; }

    /// <summary><c>CosineAnnealingLR.get_lr()</c>: PyTorch's recursive step from each current rate along the cosine between the base rate and <see cref="EtaMin"/>.</summary>
    protected override IReadOnlyList<double> ComputeLr()
    {
        var lrs = CurrentLrs();
        if (LastEpoch == 0) return lrs;
        if (PythonModulo(LastEpoch - 1 - TMax, 2 * TMax) == 0)
            return [.. lrs.Zip(BaseLrs, (lr, baseLr) => lr + (baseLr - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2)];
        return [.. lrs.Select(lr => (1 + Math.Cos(Math.PI * LastEpoch / TMax)) / (1 + Math.Cos(Math.PI * (LastEpoch - 1) / TMax)) * (lr - EtaMin) + EtaMin)];
    }

    private static int PythonModulo(int a, int m) => (a % m + m) % m;
}

/// <summary>torch.optim.lr_scheduler.LambdaLR: each group's initial learning rate times a function of the epoch.</summary>
public sealed class LambdaLR : LrScheduler
{
    private readonly Func<int, double>[] lrLambdas;

    /// <summary><c>LambdaLR(optimizer, lr_lambda)</c>: one function for every group.</summary>
    public LambdaLR(Optimizer optimizer, Func<int, double> lrLambda) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(lrLambda);
        lrLambdas = [.. optimizer.ParamGroups.Select(_ => lrLambda)];
        Initialize();
    }

    /// <summary><c>LambdaLR(optimizer, [lambda1, lambda2, ...])</c>: one function per group.</summary>
    public LambdaLR(Optimizer optimizer, IReadOnlyList<Func<int, double>> lrLambdas) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(lrLambdas);
        if (lrLambdas.Count != optimizer.ParamGroups.Count)
            throw new ArgumentException($"Expected {optimizer.ParamGroups.Count} lr_lambdas, but got {lrLambdas.Count}");
        this.lrLambdas = [.. lrLambdas];
        Initialize();
    }

    /// <summary><c>LambdaLR.get_lr()</c>: each group's base rate times its function of the epoch.</summary>
    protected override IReadOnlyList<double> ComputeLr() => [.. BaseLrs.Select((baseLr, i) => baseLr * lrLambdas[i](LastEpoch))];
}
