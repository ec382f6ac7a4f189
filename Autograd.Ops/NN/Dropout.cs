using System.Globalization;

namespace Autograd.NN;

/// <summary>
/// torch.nn.Dropout: while training, zeroes each element with probability p and scales the others by 1 / (1 - p);
/// in evaluation mode it passes the input through. The mask is drawn as PyTorch draws it on the CPU (one float64
/// uniform per element, kept when below 1 - p), so the same seed drops the same elements.
/// </summary>
public sealed class Dropout : Module
{
    /// <summary><c>nn.Dropout(p)</c> (PyTorch's <c>inplace</c> is always False here).</summary>
    /// <param name="p">The probability of zeroing an element.</param>
    /// <exception cref="ArgumentException"><paramref name="p"/> is not in [0, 1].</exception>
    public Dropout(double p = 0.5)
    {
        CheckProbability(p);
        P = p;
    }

    /// <summary>PyTorch's <c>p</c>: the probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary><c>Dropout.forward</c>: <c>F.dropout(input, p, training)</c>; the input itself when not training, when p is 0, or when it is empty.</summary>
    /// <exception cref="ArgumentException">Training with 0 &lt; p &lt; 1 on a non-floating <paramref name="input"/>.</exception>
    public override Tensor Forward(Tensor input) => Apply(Argument.NotNull(input), P, Training);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>p=0.5, inplace=False</c>.</summary>
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
