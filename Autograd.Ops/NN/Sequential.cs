using System.Globalization;

namespace Autograd.NN;

/// <summary>torch.nn.Sequential: applies its modules in order; they are named "0", "1", ... as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly Module[] modules;

    public Sequential(params Module[] modules)
    {
        this.modules = [.. modules];
        for (int i = 0; i < modules.Length; i++) RegisterModule(i.ToString(CultureInfo.InvariantCulture), modules[i]);
    }

    public int Count => modules.Length;

    public Module this[int index] => modules[index];

    public override Tensor Forward(Tensor input)
    {
        foreach (var module in modules) input = module.Forward(input);
        return input;
    }
}
