using System.Globalization;

namespace Autograd.NN;

/// <summary>
/// torch.nn.Dropout: while training, zeroes each element with probability p and scales the others by 1 / (1 - p);
/// in evaluation mode it passes the input through. The mask is drawn as PyTorch draws it on the CPU (one float64
/// uniform per element, kept when below 1 - p), so the same seed drops the same elements.
/// </summary>
public sealed class Dropout : Module
{
    public Dropout(double p = 0.5)
    {
        CheckProbability(p);
        P = p;
    }

    public double P { get; }

    public override Tensor Forward(Tensor input) => Apply(Argument.NotNull(input), P, Training);

    protected override string ExtraRepr() => $"p={PythonText.Float(P)}, inplace=False";

    internal static Tensor Apply(Tensor input, double p, bool train)
    {
        CheckProbability(p);
        if (p == 0 || !train || input.Count == 0) return input;
        if (p == 1) return input * Torch.Zeros([], input.DType);
        if (!input.DType.IsFloating()) throw new ArgumentException("result type Float can't be cast to the desired output type Long");
        var kept = new double[input.Count];
        Generator.Default.FillUniform(kept);
        for (int i = 0; i < kept.Length; i++) kept[i] = kept[i] < 1 - p ? 1 : 0;
        // noise = bernoulli(1 - p) / (1 - p), divided in the input's dtype as PyTorch's div_.
        var noise = Kernels.Cast(new Tensor(kept, input.Dims), input.DType) / (1 - p);
        return input * noise;
    }

    private static void CheckProbability(double p)
    {
        if (p is < 0 or > 1 || double.IsNaN(p))
            throw new ArgumentException($"dropout probability has to be between 0 and 1, but got {p.ToString(CultureInfo.InvariantCulture)}");
    }
}
