namespace Autograd.Optim;

/// <summary>
/// torch.optim.lr_scheduler.ReduceLROnPlateau: multiplies every group's learning rate by <c>factor</c> (not below
/// <c>minLr</c>) once a metric has not improved for more than <c>patience</c> steps; improvement is relative
/// ("rel": better than best * (1 ∓ threshold)) or absolute ("abs"), then <c>cooldown</c> steps are ignored.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private double[] lastLr;

    /// <summary><c>ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4, threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)</c>.</summary>
    public ReduceLROnPlateau(Optimizer optimizer, string mode = "min", double factor = 0.1, int patience = 10, double threshold = 1e-4,
        string thresholdMode = "rel", int cooldown = 0, double minLr = 0, double eps = 1e-8)
    {
        if (factor >= 1.0) throw new ArgumentException("Factor should be < 1.0.");
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(thresholdMode);
        if (mode is not ("min" or "max")) throw new ArgumentException($"mode {mode} is unknown!");
        if (thresholdMode is not ("rel" or "abs")) throw new ArgumentException($"threshold mode {thresholdMode} is unknown!");
        Optimizer = optimizer;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        MinLr = minLr;
        Eps = eps;
        Best = mode == "min" ? double.PositiveInfinity : double.NegativeInfinity;
        lastLr = [.. optimizer.ParamGroups.Select(g => g.Lr)];
    }

    /// <summary>The optimizer whose learning rates are reduced.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>"min": lower metrics are better; "max": higher ones.</summary>
    public string Mode { get; }

    /// <summary>The factor a reduction multiplies the learning rates by.</summary>
    public double Factor { get; }

    /// <summary>Steps without improvement tolerated before a reduction.</summary>
    public int Patience { get; }

    /// <summary>How much better a metric must be to count as an improvement.</summary>
    public double Threshold { get; }

    /// <summary>"rel" (relative to the best) or "abs".</summary>
    public string ThresholdMode { get; }

    /// <summary>Steps after a reduction during which bad steps are not counted.</summary>
    public int Cooldown { get; }

    /// <summary>The floor of every group's learning rate.</summary>
    public double MinLr { get; }

    /// <summary>Reductions smaller than this are skipped.</summary>
    public double Eps { get; }

    /// <summary>The best metric so far (infinitely bad before the first step).</summary>
    public double Best { get; private set; }

    /// <summary>Steps since the last improvement (reset by a reduction and during cooldown).</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>Steps of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>PyTorch's <c>last_epoch</c>: the number of steps taken.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The learning rates after the last step (before any step, the groups' current rates).</summary>
    public IReadOnlyList<double> GetLastLr() => lastLr;

    /// <summary><c>scheduler.step(metrics)</c> with a 0-d tensor (<c>float(metrics)</c>).</summary>
    public void Step(Tensor metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        Step(metric.Item<double>());
    }

    /// <summary><c>scheduler.step(metrics)</c>: records the metric and reduces the learning rates after too many bad steps.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            NumBadEpochs = 0;
        }
        if (NumBadEpochs > Patience)
        {
            foreach (var group in Optimizer.ParamGroups)
            {
                double oldLr = group.Lr, newLr = Math.Max(oldLr * Factor, MinLr);
                if (oldLr - newLr > Eps) group.Lr = newLr;
            }
            CooldownCounter = Cooldown;
            NumBadEpochs = 0;
        }
        lastLr = [.. Optimizer.ParamGroups.Select(g => g.Lr)];
    }

    private bool IsBetter(double a, double best) => (Mode, ThresholdMode) switch
    {
        ("min", "rel") => a < best * (1.0 - Threshold),
        ("min", _) => a < best - Threshold,
        (_, "rel") => a > best * (Threshold + 1.0),
        _ => a > best + Threshold,
    };
}
