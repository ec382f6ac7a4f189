namespace Autograd.Optim;

/// <summary>
/// torch.optim.SGD: plain, with momentum (and dampening), Nesterov momentum, weight decay and maximize, step for step
/// as PyTorch 1.13's for-loop implementation. State: "momentum_buffer" (null without momentum, as in PyTorch).
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary><c>torch.optim.SGD(params, lr, momentum, dampening, weight_decay, nesterov, maximize=...)</c>.</summary>
    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(parameters, Validated(lr, momentum, dampening, weightDecay, nesterov, maximize))
    {
    }

    /// <summary>SGD over parameter groups; <paramref name="lr"/> may be left out when every group sets its own.</summary>
    public SGD(IEnumerable<ParamGroup> paramGroups, double? lr = null, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(Argument.NotNull(paramGroups), Validated(lr, momentum, dampening, weightDecay, nesterov, maximize))
    {
    }

    /// <summary>One <c>torch.optim.SGD.step</c> update of <paramref name="parameter"/> in place, op for op as PyTorch 1.13's for-loop implementation; keeps <c>"momentum_buffer"</c> in <paramref name="state"/>.</summary>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, Dictionary<string, object?> state)
    {
        double weightDecay = group.Number("weight_decay"), momentum = group.Number("momentum");
        var step = Direction(group, grad);
        if (weightDecay != 0) step = step.Add(parameter, weightDecay);
        Tensor? buffer = null;
        if (momentum != 0)
        {
            buffer = state.GetValueOrDefault("momentum_buffer") as Tensor;
            if (buffer is null) buffer = step.Clone().Detach();
            else buffer.Mul_(momentum).Add_(step, 1 - group.Number("dampening"));
            step = group.Flag("nesterov") ? step.Add(buffer, momentum) : buffer;
        }
        parameter.Add_(step, -group.Lr);
        state["momentum_buffer"] = buffer;
    }

    private static KeyValuePair<string, object?>[] Validated(double? lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
    {
        if (lr is { } rate) Require(rate >= 0, "learning rate", rate);
        Require(momentum >= 0, "momentum value", momentum);
        Require(weightDecay >= 0, "weight_decay value", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
        return Options(("lr", lr), ("momentum", momentum), ("dampening", dampening), ("weight_decay", weightDecay), ("nesterov", nesterov), ("maximize", maximize));
    }
}
