using System.Text;

namespace Autograd.NN;

/// <summary>
/// torch.nn.Module: a layer or a model. Subclasses register their parameters and submodules by name (as PyTorch's
/// attribute assignment does) and implement <see cref="Forward"/>.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Parameter)> parameters = [];
    private readonly List<(string Name, Module Module)> children = [];

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>; Dropout acts only while training.</summary>
    public bool Training { get; private set; } = true;

    public abstract Tensor Forward(Tensor input);

    /// <summary>Every parameter of this module and its submodules, each once, in registration order.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(named => named.Parameter);

    /// <summary>Parameters with dotted names as PyTorch gives them: "weight", "0.bias", "encoder.fc.weight".</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (name, parameter) in AllParameters(""))
        {
            if (seen.Add(parameter)) yield return (name, parameter);
        }
    }

    public IEnumerable<(string Name, Module Module)> NamedChildren() => children;

    public IEnumerable<Module> Children() => children.Select(child => child.Module);

    /// <summary>Clears the gradients of every parameter: to null (the default), or to zeros in place.</summary>
    public void ZeroGrad(bool setToNone = true) => ParameterGrads.Clear(Parameters(), setToNone);

    /// <summary>Sets training mode on this module and all submodules; returns this module.</summary>
    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var child in Children()) child.Train(mode);
        return this;
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public Module Eval() => Train(false);

    /// <summary>PyTorch's <c>repr(module)</c>: the class name, its settings, and its submodules indented below it.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(GetType().Name).Append('(').Append(ExtraRepr());
        if (children.Count == 0) return text.Append(')').ToString();
        if (ExtraRepr().Length > 0) text.Append('\n');
        foreach (var (name, module) in children)
            text.Append($"\n  ({name}): ").Append(module.ToString().Replace("\n", "\n  "));
        return text.Append("\n)").ToString();
    }

    /// <summary>The settings shown between the parentheses of <see cref="ToString"/>, e.g. "in_features=2, out_features=3, bias=True".</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>Adds a parameter under <paramref name="name"/>; it becomes a leaf that requires grad.</summary>
    protected Tensor RegisterParameter(string name, Tensor parameter)
    {
        CheckName(name);
        parameter.RequiresGrad = true;
        parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Adds a submodule under <paramref name="name"/>; its parameters become this module's too.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        children.Add((name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (name.Length == 0 || name.Contains('.')) throw new ArgumentException($"name must be non-empty and contain no \".\", got \"{name}\"");
        if (parameters.Any(p => p.Name == name) || children.Any(c => c.Name == name)) throw new ArgumentException($"attribute '{name}' already exists");
    }

    private IEnumerable<(string Name, Tensor Parameter)> AllParameters(string prefix)
    {
        foreach (var (name, parameter) in parameters) yield return (prefix + name, parameter);
        foreach (var (name, module) in children)
        {
            foreach (var named in module.AllParameters($"{prefix}{name}.")) yield return named;
        }
    }
}

/// <summary>Gradient clearing shared by <see cref="Module.ZeroGrad"/> and the optimizers.</summary>
internal static class ParameterGrads
{
    public static void Clear(IEnumerable<Tensor> parameters, bool setToNone)
    {
        foreach (var parameter in parameters)
        {
            if (parameter.Grad is not { } grad) continue;
            if (setToNone) { parameter.Grad = null; continue; }
            // As PyTorch: the gradient leaves any graph it was built in, then is zeroed in place.
            parameter.Grad = grad.Detach();
            using (GradMode.Disable()) parameter.Grad.Zero_();
        }
    }
}
