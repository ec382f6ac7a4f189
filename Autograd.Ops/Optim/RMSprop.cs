namespace Autograd.Optim;

/// <summary>
/// torch.optim.RMSprop (centered, momentum, weight decay, maximize), step for step as PyTorch 1.13's for-loop
/// implementation. State: "step" (an int), "square_avg", "momentum_buffer" with momentum, "grad_avg" when centered.
/// </summary>
public sealed class RMSprop : Optimizer
{
    /// <summary><c>torch.optim.RMSprop(params, lr, alpha, eps, weight_decay, momentum, centered, maximize=...)</c>.</summary>
    public RMSprop(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(parameters, Validated(lr, alpha, eps, weightDecay, momentum, centered, maximize))
    {
    }

    /// <summary>RMSprop over parameter groups, the arguments being the defaults of options a group leaves unset.</summary>
    public RMSprop(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(Argument.NotNull(paramGroups), Validated(lr, alpha, eps, weightDecay, momentum, centered, maximize))
    {
    }

    /// <summary>One <c>torch.optim.RMSprop.step</c> update of <paramref name="parameter"/> in place, op for op as PyTorch 1.13's for-loop implementation; keeps <c>"step"</c>, <c>"square_avg"</c>, and <c>"momentum_buffer"</c> or <c>"grad_avg"</c> where used, in <paramref name="state"/>.</summary>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, Dictionary<string, object?> state)
    {
        double alpha = group.Number("alpha"), eps = group.Number("eps"), weightDecay = group.Number("weight_decay"), momentum = group.Number("momentum");
        bool centered = group.Flag("centered");
        if (state.Count == 0)
        {
            state["step"] = 0;
            state["square_avg"] = ZerosLike(parameter);
            if (momentum > 0) state["momentum_buffer"] = ZerosLike(parameter);
            if (centered) state["grad_avg"] = ZerosLike(parameter);
        }
        state["step"] = (int)state["step"]! + 1;
        var squareAvg = (Tensor)state["square_avg"]!;

        grad = Direction(group, grad);
        if (weightDecay != 0) grad = grad.Add(parameter, weightDecay);
        squareAvg.Mul_(alpha).Addcmul_(grad, grad, 1 - alpha);
        Tensor average;
        if (centered)
        {
            var gradAvg = (Tensor)state["grad_avg"]!;
            gradAvg.Mul_(alpha).Add_(grad, 1 - alpha);
            average = squareAvg.Addcmul(gradAvg, gradAvg, -1).Sqrt();
        }
        else
        {
            average = squareAvg.Sqrt();
        }
        average.Add_(eps);
        if (momentum > 0)
        {
            var buffer = (Tensor)state["momentum_buffer"]!;
            buffer.Mul_(momentum).Addcdiv_(grad, average);
            parameter.Add_(buffer, -group.Lr);
        }
        else
        {
            parameter.Addcdiv_(grad, average, -group.Lr);
        }
    }

    private static KeyValuePair<string, object?>[] Validated(double lr, double alpha, double eps, double weightDecay, double momentum, bool centered, bool maximize)
    {
        Require(lr >= 0, "learning rate", lr);
        Require(eps >= 0, "epsilon value", eps);
        Require(momentum >= 0, "momentum value", momentum);
        Require(weightDecay >= 0, "weight_decay value", weightDecay);
        Require(alpha >= 0, "alpha value", alpha);
        return Options(("lr", lr), ("momentum", momentum), ("alpha", alpha), ("eps", eps), ("centered", centered), ("weight_decay", weightDecay), ("maximize", maximize));
    }
}
