namespace Autograd.Optim;

/// <summary>
/// torch.optim.Adadelta (weight decay, maximize), step for step as PyTorch 1.13's for-loop implementation.
/// State: "step" (an int), "square_avg", "acc_delta".
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <summary><c>torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=...)</c>.</summary>
    public Adadelta(IEnumerable<Tensor> parameters, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0, bool maximize = false)
        : base(parameters, Validated(lr, rho, eps, weightDecay, maximize))
    {
    }

    /// <summary>Adadelta over parameter groups, the arguments being the defaults of options a group leaves unset.</summary>
    public Adadelta(IEnumerable<ParamGroup> paramGroups, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0, bool maximize = false)
        : base(Argument.NotNull(paramGroups), Validated(lr, rho, eps, weightDecay, maximize))
    {
    }

    /// <summary>One <c>torch.optim.Adadelta.step</c> update of <paramref name="parameter"/> in place, op for op as PyTorch 1.13's for-loop implementation; keeps <c>"step"</c>, <c>"square_avg"</c> and <c>"acc_delta"</c> in <paramref name="state"/>.</summary>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, Dictionary<string, object?> state)
    {
        double rho = group.Number("rho"), eps = group.Number("eps"), weightDecay = group.Number("weight_decay");
        if (state.Count == 0)
        {
            state["step"] = 0;
            state["square_avg"] = ZerosLike(parameter);
            state["acc_delta"] = ZerosLike(parameter);
        }
        state["step"] = (int)state["step"]! + 1;
        var squareAvg = (Tensor)state["square_avg"]!;
        var accDelta = (Tensor)state["acc_delta"]!;

        grad = Direction(group, grad);
        if (weightDecay != 0) grad = grad.Add(parameter, weightDecay);
        squareAvg.Mul_(rho).Addcmul_(grad, grad, 1 - rho);
        var std = (squareAvg + eps).Sqrt();
        var delta = (accDelta + eps).Sqrt().Div_(std).Mul_(grad);
        accDelta.Mul_(rho).Addcmul_(delta, delta, 1 - rho);
        parameter.Add_(delta, -group.Lr);
    }

    private static KeyValuePair<string, object?>[] Validated(double lr, double rho, double eps, double weightDecay, bool maximize)
    {
        Require(lr >= 0, "learning rate", lr);
        Require(rho is >= 0 and <= 1, "rho value", rho);
        Require(eps >= 0, "epsilon value", eps);
        Require(weightDecay >= 0, "weight_decay value", weightDecay);
        return Options(("lr", lr), ("rho", rho), ("eps", eps), ("weight_decay", weightDecay), ("maximize", maximize));
    }
}
