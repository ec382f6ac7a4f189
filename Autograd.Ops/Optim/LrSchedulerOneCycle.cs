namespace Autograd.Optim;

/// <summary>
/// torch.optim.lr_scheduler.OneCycleLR: the 1cycle policy, stepped once per batch. The learning rate rises from
/// maxLr / divFactor to maxLr over the first pctStart of the steps, then anneals to initial_lr / finalDivFactor
/// (three phases with <c>threePhase</c>); with <c>cycleMomentum</c> the momentum (beta1 for Adam and AdamW) moves the
/// other way between baseMomentum and maxMomentum. The group keys PyTorch adds ("initial_lr", "max_lr", "min_lr",
/// "max_momentum", "base_momentum") are added here too.
/// </summary>
public sealed class OneCycleLR : LrScheduler
{
    private readonly (double EndStep, string StartLr, string EndLr, string StartMomentum, string EndMomentum)[] phases;
    private readonly bool useBeta1;

    /// <summary><c>OneCycleLR(optimizer, max_lr, total_steps, pct_start=0.3, anneal_strategy='cos', cycle_momentum=True, base_momentum=0.85,
    /// max_momentum=0.95, div_factor=25., final_div_factor=1e4, three_phase=False)</c>.</summary>
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, string annealStrategy = "cos", bool cycleMomentum = true,
        double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(annealStrategy);
        if (totalSteps <= 0) throw new ArgumentException($"Expected positive integer total_steps, but got {totalSteps}");
        TotalSteps = totalSteps;
        phases = threePhase
            ?
            [
                (pctStart * totalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * pctStart * totalSteps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (totalSteps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
            :
            [
                (pctStart * totalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (totalSteps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ];
        if (pctStart is < 0 or > 1 || double.IsNaN(pctStart))
            throw new ArgumentException($"Expected float between 0 and 1 pct_start, but got {PythonText.Float(pctStart)}");
        if (annealStrategy is not ("cos" or "linear"))
            throw new ArgumentException($"anneal_strategy must by one of 'cos' or 'linear', instead got {annealStrategy}");
        AnnealStrategy = annealStrategy;

        foreach (var group in optimizer.ParamGroups)
        {
            group["initial_lr"] = maxLr / divFactor;
            group["max_lr"] = maxLr;
            group["min_lr"] = group.Number("initial_lr") / finalDivFactor;
        }
        CycleMomentum = cycleMomentum;
        if (cycleMomentum)
        {
            if (!optimizer.Defaults.ContainsKey("momentum") && !optimizer.Defaults.ContainsKey("betas"))
                throw new ArgumentException("optimizer must support momentum with `cycle_momentum` option enabled");
            useBeta1 = optimizer.Defaults.ContainsKey("betas");
            foreach (var group in optimizer.ParamGroups)
            {
                SetMomentum(group, maxMomentum);
                group["max_momentum"] = maxMomentum;
                group["base_momentum"] = baseMomentum;
            }
        }
        Initialize();
    }

    /// <summary>The number of steps in the cycle.</summary>
    public int TotalSteps { get; }

    /// <summary>"cos" or "linear".</summary>
    public string AnnealStrategy { get; }

    /// <summary>Whether the momentum (or beta1) cycles inversely to the learning rate.</summary>
    public bool CycleMomentum { get; }

    /// <summary>
    /// <c>OneCycleLR.get_lr()</c>: each group's rate annealed within the phase the step falls in (and, with
    /// <see cref="CycleMomentum"/>, its momentum or beta1 set inversely).
    /// </summary>
    /// <exception cref="InvalidOperationException">Stepped more than <see cref="TotalSteps"/> times, as PyTorch's ValueError.</exception>
    protected override IReadOnlyList<double> ComputeLr()
    {
        int stepNum = LastEpoch;
        if (stepNum > TotalSteps)
            throw new InvalidOperationException($"Tried to step {stepNum + 1} times. The specified number of total steps is {TotalSteps}");
        var lrs = new List<double>();
        foreach (var group in Optimizer.ParamGroups)
        {
            double startStep = 0, lr = 0, momentum = 0;
            for (int i = 0; i < phases.Length; i++)
            {
                var phase = phases[i];
                if (stepNum <= phase.EndStep || i == phases.Length - 1)
                {
                    double pct = (stepNum - startStep) / (phase.EndStep - startStep);
                    lr = Anneal(group.Number(phase.StartLr), group.Number(phase.EndLr), pct);
                    if (CycleMomentum) momentum = Anneal(group.Number(phase.StartMomentum), group.Number(phase.EndMomentum), pct);
                    break;
                }
                startStep = phase.EndStep;
            }
            lrs.Add(lr);
            if (CycleMomentum) SetMomentum(group, momentum);
        }
        return lrs;
    }

    private double Anneal(double start, double end, double pct) => AnnealStrategy == "cos"
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    private void SetMomentum(ParamGroup group, double momentum)
    {
        if (useBeta1) group["betas"] = (momentum, group.Pair("betas").Item2);
        else group["momentum"] = momentum;
    }
}
