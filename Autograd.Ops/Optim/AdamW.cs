namespace Autograd.Optim;

/// <summary>
/// torch.optim.AdamW: Adam with decoupled weight decay (the parameter is first scaled by 1 - lr * weight_decay),
/// step for step as PyTorch 1.13's for-loop implementation. State as <see cref="Adam"/>'s.
/// </summary>
public sealed class AdamW : Optimizer
{
    /// <summary><c>torch.optim.AdamW(params, lr, betas=(beta1, beta2), eps, weight_decay=1e-2, amsgrad, maximize=...)</c>.</summary>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(parameters, Adam.Validated(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>AdamW over parameter groups, the arguments being the defaults of options a group leaves unset.</summary>
    public AdamW(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(Argument.NotNull(paramGroups), Adam.Validated(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>One <c>torch.optim.AdamW.step</c> update of <paramref name="parameter"/> in place, op for op as PyTorch 1.13's for-loop implementation; the parameter is first scaled by 1 - lr * weight_decay, then updated as Adam's, with Adam's <paramref name="state"/> entries.</summary>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, Dictionary<string, object?> state) =>
        Adam.AdamStep(group, parameter, grad, state, decoupled: true);
}
