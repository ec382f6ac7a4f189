namespace Autograd.NN;

/// <summary>
/// torch.nn.Linear: y = x W^T + b. The weight (out, in) and bias (out) are initialized as PyTorch does, from the
/// default generator in the same order (kaiming_uniform_ with a = sqrt(5), then a uniform bias in ±1/sqrt(in)), so
/// <c>Torch.ManualSeed(s); new Linear(i, o)</c> holds PyTorch's values.
/// </summary>
public class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Torch.Zeros(outFeatures, inFeatures));
        Bias = bias ? RegisterParameter("bias", Torch.Zeros(outFeatures)) : null;
        ResetParameters();
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

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
        if (Bias is not null && input.Rank == 2) return Bias.Addmm(input, Weight.T());
        if (Bias is not null && input.Rank == 3)
        {
            var rows = input.View(input.Shape[0] * input.Shape[1], input.Shape[2]);
            return Bias.Addmm(rows, Weight.T()).View(input.Shape[0], input.Shape[1], OutFeatures);
        }
        var output = input.MatMul(Weight.T());
        return Bias is null ? output : output + Bias;
    }

    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is null ? "False" : "True")}";
}
