namespace Autograd.Optim;

/// <summary>torch.optim.SGD: plain, with momentum, Nesterov momentum and weight decay, step for step as PyTorch 1.13.</summary>
public sealed class SGD : Optimizer
{
    private readonly Tensor?[] momentumBuffers;

    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double weightDecay = 0, bool nesterov = false)
        : base(Validated(parameters, lr, momentum, weightDecay, nesterov))
    {
        Lr = lr;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        momentumBuffers = new Tensor?[Parameters.Count];
    }

    public double Momentum { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    protected override void Update(int index, Tensor parameter, Tensor grad)
    {
        var step = WeightDecay != 0 ? grad.Add(parameter, WeightDecay) : grad;
        if (Momentum != 0)
        {
            var buffer = momentumBuffers[index];
            if (buffer is null) momentumBuffers[index] = buffer = step.Clone().Detach();
            else buffer.Mul_(Momentum).Add_(step);
            step = Nesterov ? step.Add(buffer, Momentum) : buffer;
        }
        parameter.Add_(step, -Lr);
    }

    private static IEnumerable<Tensor> Validated(IEnumerable<Tensor> parameters, double lr, double momentum, double weightDecay, bool nesterov)
    {
        Require(lr >= 0, "learning rate", lr);
        Require(momentum >= 0, "momentum value", momentum);
        Require(weightDecay >= 0, "weight_decay value", weightDecay);
        if (nesterov && momentum <= 0) throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
        return parameters;
    }
}
