using System.Globalization;

namespace Autograd.NN;

/// <summary>torch.nn.Sequential: applies its modules in order; they are named "0", "1", ... as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly Module[] modules;

    /// <summary><c>nn.Sequential(*modules)</c>: the modules are registered as children named "0", "1", ...</summary>
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        this.modules = [.. modules];
        for (int i = 0; i < modules.Length; i++) RegisterModule(i.ToString(CultureInfo.InvariantCulture), modules[i]);
    }

    /// <summary>The number of modules, as <c>len(sequential)</c>.</summary>
    public int Count => modules.Length;

    /// <summary><c>seq[i]</c> (negative indices count from the end).</summary>
    public Module this[int index]
    {
        get
        {
            int i = index < 0 ? index + modules.Length : index;
            if (i < 0 || i >= modules.Length) throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is out of range");
            return modules[i];
        }
    }

    /// <summary><c>Sequential.forward</c>: feeds <paramref name="input"/> through each module in order.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var module in modules) input = module.Forward(input);
        return input;
    }
}
