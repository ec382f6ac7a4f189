using System.Globalization;
using Autograd.NN;

namespace Autograd.Optim;

/// <summary>
/// torch.optim.Optimizer: holds parameters and updates them from their gradients. <see cref="Step"/> runs without
/// recording a graph and skips parameters whose Grad is null, as in PyTorch.
/// </summary>
public abstract class Optimizer
{
    protected Optimizer(IEnumerable<Tensor> parameters)
    {
        Parameters = [.. parameters];
        if (Parameters.Count == 0) throw new ArgumentException("optimizer got an empty parameter list");
        if (Parameters.Any(p => !p.IsLeaf)) throw new ArgumentException("can't optimize a non-leaf Tensor");
    }

    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The learning rate; may be changed between steps (a schedule).</summary>
    public double Lr { get; set; }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using (Torch.NoGrad())
        {
            for (int i = 0; i < Parameters.Count; i++)
            {
                if (Parameters[i].Grad is { } grad) Update(i, Parameters[i], grad);
            }
        }
    }

    /// <summary>Clears the parameters' gradients: to null (the default, as PyTorch 2), or to zeros in place.</summary>
    public void ZeroGrad(bool setToNone = true) => ParameterGrads.Clear(Parameters, setToNone);

    /// <summary>Updates parameter number <paramref name="index"/> in place from its gradient.</summary>
    protected abstract void Update(int index, Tensor parameter, Tensor grad);

    /// <summary>Throws PyTorch's "Invalid {what}: {value}" unless <paramref name="valid"/>.</summary>
    protected static void Require(bool valid, string what, double value)
    {
        if (!valid) throw new ArgumentException($"Invalid {what}: {PythonFloat(value)}");
    }

    /// <summary>A float as Python prints it: 0.001, 1.0, -1.0.</summary>
    private static string PythonFloat(double value)
    {
        string text = value.ToString(CultureInfo.InvariantCulture);
        return double.IsInteger(value) && !text.Contains('E') ? text + ".0" : text;
    }
}
