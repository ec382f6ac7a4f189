namespace Autograd.NN;

/// <summary>
/// torch.nn.Linear: y = x W^T + b. The weight (out, in) and bias (out) are initialized as PyTorch does, from the
/// default generator in the same order (kaiming_uniform_ with a = sqrt(5), then a uniform bias in ±1/sqrt(in)), so
/// <c>Torch.ManualSeed(s); new Linear(i, o)</c> holds PyTorch's values.
/// </summary>
public class Linear : Module
{
    private readonly bool hasBias;

    /// <summary>
    /// <c>nn.Linear(in_features, out_features, bias)</c>: the weight and bias are drawn from the default generator as
    /// PyTorch draws them, so a seeded run holds PyTorch's values.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="inFeatures"/> or <paramref name="outFeatures"/> is negative.</exception>
    public Linear(int inFeatures, int outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        RegisterParameter("weight", Torch.Zeros(outFeatures, inFeatures));
        if (bias) RegisterParameter("bias", Torch.Zeros(outFeatures));
        hasBias = bias;
        ResetParameters();
    }

    /// <summary>PyTorch's <c>in_features</c>: the size of each input row.</summary>
    public int InFeatures { get; }
    /// <summary>PyTorch's <c>out_features</c>: the size of each output row.</summary>
    public int OutFeatures { get; }

    /// <summary>The (out, in) weight, read from the registry so that <see cref="Module.To"/> and LoadStateDict apply.</summary>
    public Tensor Weight => GetParameter("weight");

    /// <summary>The bias, or null without one.</summary>
    public Tensor? Bias => hasBias ? GetParameter("bias") : null;

    /// <summary>Draws new weights and bias as the constructor does.</summary>
    public void ResetParameters()
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (Bias is null) return;
        double bound = InFeatures > 0 ? 1 / Math.Sqrt(InFeatures) : 0;
        Init.Uniform_(Bias, -bound, bound);
    }

    /// <summary>F.linear as PyTorch 1.13 computes it: addmm for a batch of rows, else matmul then the bias.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Tensor weight = Weight;
        var bias = Bias;
        if (bias is not null && input.Rank == 2) return bias.Addmm(input, weight.T());
        if (bias is not null && input.Rank == 3)
        {
            var rows = input.View(input.Shape[0] * input.Shape[1], input.Shape[2]);
            return bias.Addmm(rows, weight.T()).View(input.Shape[0], input.Shape[1], OutFeatures);
        }
        var output = input.MatMul(weight.T());
        return bias is null ? output : output + bias;
    }

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>in_features=2, out_features=3, bias=True</c>.</summary>
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={PythonText.Bool(hasBias)}";
}
