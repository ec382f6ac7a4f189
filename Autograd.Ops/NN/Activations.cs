using System.Globalization;

namespace Autograd.NN;

/// <summary>torch.nn.ReLU.</summary>
public sealed class ReLU : Module
{
    /// <summary><c>ReLU.forward</c>: max(x, 0) elementwise (<c>torch.relu</c>); NaN passes through.</summary>
    public override Tensor Forward(Tensor input) => Argument.NotNull(input).Relu();
}

/// <summary>torch.nn.Tanh.</summary>
public sealed class Tanh : Module
{
    /// <summary><c>Tanh.forward</c>: elementwise <c>torch.tanh</c>.</summary>
    public override Tensor Forward(Tensor input) => Argument.NotNull(input).Tanh();
}

/// <summary>torch.nn.Sigmoid.</summary>
public sealed class Sigmoid : Module
{
    /// <summary><c>Sigmoid.forward</c>: elementwise <c>torch.sigmoid</c>.</summary>
    public override Tensor Forward(Tensor input) => Argument.NotNull(input).Sigmoid();
}

/// <summary>torch.nn.GELU: exact (approximate "none") or the tanh approximation.</summary>
public sealed class GELU(string approximate = "none") : Module
{
    /// <summary>PyTorch's <c>approximate</c>: "none" for the exact erf form, "tanh" for the tanh approximation.</summary>
    public string Approximate { get; } = Argument.NotNull(approximate);

    /// <summary><c>GELU.forward</c>: <c>F.gelu(input, approximate)</c>.</summary>
    /// <exception cref="ArgumentException"><see cref="Approximate"/> is neither "none" nor "tanh", or <paramref name="input"/> is not floating point.</exception>
    public override Tensor Forward(Tensor input) => Functional.Gelu(Argument.NotNull(input), Approximate);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>approximate='none'</c>.</summary>
    protected override string ExtraRepr() => $"approximate='{Approximate}'";
}

/// <summary>torch.nn.SiLU: x σ(x).</summary>
public sealed class SiLU : Module
{
    /// <summary><c>SiLU.forward</c>: <c>F.silu</c>, x σ(x).</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not floating point (PyTorch's "... not implemented for 'Long'").</exception>
    public override Tensor Forward(Tensor input) => Functional.Silu(Argument.NotNull(input));
}

/// <summary>torch.nn.LeakyReLU.</summary>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    /// <summary>PyTorch's <c>negative_slope</c>: the factor applied to negative inputs (default 0.01).</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <summary><c>LeakyReLU.forward</c>: <c>F.leaky_relu(input, negative_slope)</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not floating point (PyTorch's "... not implemented for 'Long'").</exception>
    public override Tensor Forward(Tensor input) => Functional.LeakyRelu(Argument.NotNull(input), NegativeSlope);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>negative_slope=0.01</c>.</summary>
    protected override string ExtraRepr() => $"negative_slope={PythonRepr.Float(NegativeSlope)}";
}

/// <summary>torch.nn.ELU.</summary>
public sealed class ELU(double alpha = 1.0) : Module
{
    /// <summary>PyTorch's <c>alpha</c>: the scale of exp(x) - 1 for negative inputs (default 1.0).</summary>
    public double Alpha { get; } = alpha;

    /// <summary><c>ELU.forward</c>: <c>F.elu(input, alpha)</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not floating point (PyTorch's "... not implemented for 'Long'").</exception>
    public override Tensor Forward(Tensor input) => Functional.Elu(Argument.NotNull(input), Alpha);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>alpha=1.0</c>.</summary>
    protected override string ExtraRepr() => $"alpha={PythonRepr.Float(Alpha)}";
}

/// <summary>torch.nn.Softplus. Its repr shows whole numbers as Python ints, as PyTorch's defaults (beta=1, threshold=20) print.</summary>
public sealed class Softplus(double beta = 1, double threshold = 20) : Module
{
    /// <summary>PyTorch's <c>beta</c> in log(1 + exp(beta x)) / beta (default 1).</summary>
    public double Beta { get; } = beta;

    /// <summary>PyTorch's <c>threshold</c>: above it, beta x is returned as x (default 20).</summary>
    public double Threshold { get; } = threshold;

    /// <summary><c>Softplus.forward</c>: <c>F.softplus(input, beta, threshold)</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not floating point (PyTorch's "... not implemented for 'Long'").</exception>
    public override Tensor Forward(Tensor input) => Functional.Softplus(Argument.NotNull(input), Beta, Threshold);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>beta=1, threshold=20</c>.</summary>
    protected override string ExtraRepr() => $"beta={PythonRepr.Number(Beta)}, threshold={PythonRepr.Number(Threshold)}";
}

/// <summary>torch.nn.Softmax along <see cref="Dim"/>.</summary>
public sealed class Softmax(int dim) : Module
{
    /// <summary>PyTorch's <c>dim</c>: the dim normalized along.</summary>
    public int Dim { get; } = dim;

    /// <summary><c>Softmax.forward</c>: <c>torch.softmax(input, dim)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="Dim"/> is out of range for the rank of <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not floating point.</exception>
    public override Tensor Forward(Tensor input) => Argument.NotNull(input).Softmax(Dim);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>dim=1</c>.</summary>
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>torch.nn.LogSoftmax along <see cref="Dim"/>.</summary>
public sealed class LogSoftmax(int dim) : Module
{
    /// <summary>PyTorch's <c>dim</c>: the dim normalized along.</summary>
    public int Dim { get; } = dim;

    /// <summary><c>LogSoftmax.forward</c>: <c>torch.log_softmax(input, dim)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="Dim"/> is out of range for the rank of <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not floating point.</exception>
    public override Tensor Forward(Tensor input) => Argument.NotNull(input).LogSoftmax(Dim);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>dim=1</c>.</summary>
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Numbers as Python's repr writes them, for module reprs.</summary>
internal static class PythonRepr
{
    /// <summary>A Python float: the shortest digits that round-trip, fixed from 1e-4 up to 1e16, else 1e-05, 1e+20.</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        string r = value.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E');
        if (e < 0 && Math.Abs(value) >= 1e16)
        {
            // .NET writes the digits out where Python switches to an exponent.
            string whole = r.TrimStart('-');
            string tail = whole[1..].TrimEnd('0');
            return $"{(value < 0 ? "-" : "")}{whole[0]}{(tail.Length > 0 ? "." + tail : "")}e+{whole.Length - 1:00}";
        }
        if (e < 0) return r.Contains('.') ? r : r + ".0";
        string mantissa = r[..e];
        int exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        if (exponent is < -4 or >= 16) return $"{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        // .NET chose an exponent where Python writes the digits out: place the point by hand.
        bool negative = mantissa.StartsWith('-');
        string digits = mantissa.TrimStart('-').Replace(".", "");
        string fixedText = exponent >= 0
            ? digits.PadRight(exponent + 1, '0').Insert(exponent + 1, ".").TrimEnd('.')
            : "0." + new string('0', -exponent - 1) + digits;
        if (!fixedText.Contains('.')) fixedText += ".0";
        return (negative ? "-" : "") + fixedText;
    }

    /// <summary>A whole number as a Python int, anything else as a Python float.</summary>
    public static string Number(double value) =>
        double.IsInteger(value) && Math.Abs(value) < 1e15 ? ((long)value).ToString(CultureInfo.InvariantCulture) : Float(value);
}
