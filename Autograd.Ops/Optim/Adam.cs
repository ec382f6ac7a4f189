namespace Autograd.Optim;

/// <summary>
/// torch.optim.Adam (L2 weight decay added to the gradient; amsgrad; maximize), step for step as PyTorch 1.13's
/// for-loop implementation. State: "step" (a 0-d float32 tensor), "exp_avg", "exp_avg_sq", and "max_exp_avg_sq" with amsgrad.
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary><c>torch.optim.Adam(params, lr, betas=(beta1, beta2), eps, weight_decay, amsgrad, maximize=...)</c>.</summary>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(parameters, Validated(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>Adam over parameter groups, the arguments being the defaults of options a group leaves unset.</summary>
    public Adam(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(Argument.NotNull(paramGroups), Validated(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>One <c>torch.optim.Adam.step</c> update of <paramref name="parameter"/> in place, op for op as PyTorch 1.13's for-loop implementation; keeps <c>"step"</c>, <c>"exp_avg"</c>, <c>"exp_avg_sq"</c> (and <c>"max_exp_avg_sq"</c> with amsgrad) in <paramref name="state"/>.</summary>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, Dictionary<string, object?> state) =>
        AdamStep(group, parameter, grad, state, decoupled: false);

    /// <summary>
    /// One Adam (or AdamW, <paramref name="decoupled"/>) update, op for op as torch.optim's _single_tensor_adam(w): in one
    /// fused pass with the ops' roundings when parameter, gradient and state are dense, else with the ops themselves.
    /// </summary>
    internal static void AdamStep(ParamGroup group, Tensor parameter, Tensor grad, Dictionary<string, object?> state, bool decoupled)
    {
        var (beta1, beta2) = group.Pair("betas");
        double lr = group.Lr, weightDecay = group.Number("weight_decay"), eps = group.Number("eps");
        bool amsgrad = group.Flag("amsgrad");
        if (state.Count == 0)
        {
            state["step"] = StepCounter();
            state["exp_avg"] = ZerosLike(parameter);
            state["exp_avg_sq"] = ZerosLike(parameter);
            if (amsgrad) state["max_exp_avg_sq"] = ZerosLike(parameter);
        }
        var stepCount = (Tensor)state["step"]!;
        var expAvg = (Tensor)state["exp_avg"]!;
        var expAvgSq = (Tensor)state["exp_avg_sq"]!;
        var maxExpAvgSq = amsgrad ? (Tensor)state["max_exp_avg_sq"]! : null;
        stepCount.Add_(1);
        double step = stepCount.Item<float>();
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);
        if (FusedAdamStep.Applies(parameter, grad, expAvg, expAvgSq, maxExpAvgSq))
        {
            FusedAdamStep.Run(parameter, grad, expAvg, expAvgSq, maxExpAvgSq, new FusedAdamStep.Coefficients(
                decoupled ? 1 - lr * weightDecay : 1, beta1, 1 - beta1, beta2, 1 - beta2, decoupled ? 0 : weightDecay,
                biasCorrection2Sqrt, eps, -stepSize, group.Flag("maximize")));
            return;
        }

        grad = Direction(group, grad);
        if (decoupled) parameter.Mul_(1 - lr * weightDecay);
        else if (weightDecay != 0) grad = grad.Add(parameter, weightDecay);

        // Decay the first and second moment running averages.
        expAvg.Mul_(beta1).Add_(grad, 1 - beta1);
        expAvgSq.Mul_(beta2).Addcmul_(grad, grad, 1 - beta2);

        Tensor denominator;
        if (maxExpAvgSq is not null)
        {
            MaximumInto(maxExpAvgSq, expAvgSq);
            denominator = (maxExpAvgSq.Sqrt() / biasCorrection2Sqrt).Add_(eps);
        }
        else
        {
            denominator = (expAvgSq.Sqrt() / biasCorrection2Sqrt).Add_(eps);
        }
        parameter.Addcdiv_(expAvg, denominator, -stepSize);
    }

    /// <summary>Validates as PyTorch's constructor and returns the defaults.</summary>
    internal static KeyValuePair<string, object?>[] Validated(double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize)
    {
        Require(lr >= 0, "learning rate", lr);
        Require(eps >= 0, "epsilon value", eps);
        Require(beta1 is >= 0 and < 1, "beta parameter at index 0", beta1);
        Require(beta2 is >= 0 and < 1, "beta parameter at index 1", beta2);
        Require(weightDecay >= 0, "weight_decay value", weightDecay);
        return Options(("lr", lr), ("betas", (beta1, beta2)), ("eps", eps), ("weight_decay", weightDecay), ("amsgrad", amsgrad), ("maximize", maximize));
    }
}
