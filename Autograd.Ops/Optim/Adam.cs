namespace Autograd.Optim;

/// <summary>torch.optim.Adam (with L2 weight decay added to the gradient), step for step as PyTorch 1.13.</summary>
public sealed class Adam : Optimizer
{
    private readonly Tensor?[] expAvgs, expAvgSqs;
    private readonly int[] steps;

    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : base(Validated(parameters, lr, beta1, beta2, eps, weightDecay))
    {
        Lr = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        expAvgs = new Tensor?[Parameters.Count];
        expAvgSqs = new Tensor?[Parameters.Count];
        steps = new int[Parameters.Count];
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    protected override void Update(int index, Tensor parameter, Tensor grad)
    {
        var expAvg = expAvgs[index] ??= Torch.Zeros([.. parameter.Shape], parameter.DType);
        var expAvgSq = expAvgSqs[index] ??= Torch.Zeros([.. parameter.Shape], parameter.DType);
        int step = ++steps[index];
        if (WeightDecay != 0) grad = grad.Add(parameter, WeightDecay);

        // Decay the first and second moment running averages.
        expAvg.Mul_(Beta1).Add_(grad, 1 - Beta1);
        expAvgSq.Mul_(Beta2).Addcmul_(grad, grad, 1 - Beta2);

        double biasCorrection1 = 1 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, step);
        double stepSize = Lr / biasCorrection1;
        var denominator = (expAvgSq.Sqrt() / Math.Sqrt(biasCorrection2)).Add_(Eps);
        parameter.Addcdiv_(expAvg, denominator, -stepSize);
    }

    private static IEnumerable<Tensor> Validated(IEnumerable<Tensor> parameters, double lr, double beta1, double beta2, double eps, double weightDecay)
    {
        Require(lr >= 0, "learning rate", lr);
        Require(eps >= 0, "epsilon value", eps);
        Require(beta1 is >= 0 and < 1, "beta parameter at index 0", beta1);
        Require(beta2 is >= 0 and < 1, "beta parameter at index 1", beta2);
        Require(weightDecay >= 0, "weight_decay value", weightDecay);
        return parameters;
    }
}
