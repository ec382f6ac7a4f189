using System.Globalization;

namespace Autograd.NN;

/// <summary>torch.nn.Sequential: applies its modules in order; they are named "0", "1", ... as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly Module[] modules;

    /// <summary><c>nn.Sequential(*modules)</c>: the modules are registered as children named "0", "1", ...</summary>
    public Sequential(params Module[] modules)
    {
        this.modules = [.. modules];
        for (int i = 0; i < modules.Length; i++) RegisterModule(i.ToString(CultureInfo.InvariantCulture), modules[i]);
    }

    /// <summary>The number of modules, as <c>len(sequential)</c>.</summary>
    public int Count => modules.Length;

    /// <summary>The module at <paramref name="index"/>, as <c>sequential[index]</c> (no negative indices).</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    public Module this[int index] => modules[index];

    /// <summary><c>Sequential.forward</c>: feeds <paramref name="input"/> through each module in order.</summary>
    public override Tensor Forward(Tensor input)
    {
        foreach (var module in modules) input = module.Forward(input);
        return input;
    }
}
