namespace Autograd.Optim;

/// <summary>
/// torch.optim.Adagrad (learning-rate decay, weight decay, initial accumulator, maximize), step for step as PyTorch
/// 1.13's for-loop implementation. State, created with the optimizer as in PyTorch: "step" (a 0-d float32 tensor) and "sum".
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <summary><c>torch.optim.Adagrad(params, lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize=...)</c>.</summary>
    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(parameters, Validated(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize))
    {
    }

    /// <summary>Adagrad over parameter groups, the arguments being the defaults of options a group leaves unset.</summary>
    public Adagrad(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(Argument.NotNull(paramGroups), Validated(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize))
    {
    }

    /// <summary>As PyTorch's constructor: every parameter's sum starts at the constructor's initial_accumulator_value.</summary>
    protected override void OnGroupAdded(ParamGroup group)
    {
        double initial = Convert.ToDouble(Defaults["initial_accumulator_value"], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var parameter in group.Params)
        {
            var state = StateOf(parameter);
            state["step"] = StepCounter();
            state["sum"] = Kernels.Full(parameter.DType, parameter.Dims, initial);
        }
    }

    /// <summary>One <c>torch.optim.Adagrad.step</c> update of <paramref name="parameter"/> in place, op for op as PyTorch 1.13's for-loop implementation; advances <c>"step"</c> and accumulates <c>"sum"</c> in <paramref name="state"/>.</summary>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, Dictionary<string, object?> state)
    {
        var stepCount = (Tensor)state["step"]!;
        var sum = (Tensor)state["sum"]!;
        stepCount.Add_(1);
        double step = stepCount.Item<float>();
        grad = Direction(group, grad);
        double weightDecay = group.Number("weight_decay");
        if (weightDecay != 0) grad = grad.Add(parameter, weightDecay);
        double clr = group.Lr / (1 + (step - 1) * group.Number("lr_decay"));
        sum.Addcmul_(grad, grad, 1);
        var std = sum.Sqrt().Add_(group.Number("eps"));
        parameter.Addcdiv_(grad, std, -clr);
    }

    private static KeyValuePair<string, object?>[] Validated(double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps, bool maximize)
    {
        Require(lr >= 0, "learning rate", lr);
        Require(lrDecay >= 0, "lr_decay value", lrDecay);
        Require(weightDecay >= 0, "weight_decay value", weightDecay);
        Require(initialAccumulatorValue >= 0, "initial_accumulator_value value", initialAccumulatorValue);
        Require(eps >= 0, "epsilon value", eps);
        return Options(("lr", lr), ("lr_decay", lrDecay), ("eps", eps), ("weight_decay", weightDecay), ("initial_accumulator_value", initialAccumulatorValue), ("maximize", maximize));
    }
}
