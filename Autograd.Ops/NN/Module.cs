using System.Text;

namespace Autograd.NN;

/// <summary>
/// torch.nn.Module: a layer or a model. Subclasses register their parameters, buffers and submodules by name (as
/// PyTorch's attribute assignment does) and implement <see cref="Forward"/>. A subclass should read its parameters
/// back through <see cref="GetParameter"/> (or keep the registered tensor only while no <see cref="To"/> can replace it),
/// since converting a module to another dtype replaces its tensors.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Parameter)> parameters = [];
    private readonly List<(string Name, Tensor? Buffer, bool Persistent)> buffers = [];
    private readonly List<(string Name, Module Module)> children = [];

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>; Dropout acts only while training.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>The module's computation (PyTorch's <c>forward</c>).</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Every parameter of this module and its submodules, each once, in registration order.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(named => named.Parameter);

    /// <summary>Parameters with dotted names as PyTorch gives them: "weight", "0.bias", "encoder.fc.weight".</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, parameter) in module.parameters)
            {
                if (seen.Add(parameter)) yield return (Join(prefix, name), parameter);
            }
        }
    }

    /// <summary>Every buffer (running statistics and the like) of this module and its submodules, each once.</summary>
    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(named => named.Buffer);

    /// <summary>Buffers with dotted names, as <c>named_buffers()</c> (non-persistent ones included, unset ones left out).</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, buffer, _) in module.buffers)
            {
                if (buffer is not null && seen.Add(buffer)) yield return (Join(prefix, name), buffer);
            }
        }
    }

    /// <summary>The direct submodules with their names, each once.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var child in children)
        {
            if (seen.Add(child.Module)) yield return child;
        }
    }

    /// <summary>The direct submodules, each once.</summary>
    public IEnumerable<Module> Children() => NamedChildren().Select(child => child.Module);

    /// <summary>This module and every submodule below it, each once, depth first (<c>modules()</c>).</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(named => named.Module);

    /// <summary>As <see cref="Modules"/>, with dotted names; this module's name is "" (<c>named_modules()</c>).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        return Walk(this, "", seen);

        static IEnumerable<(string, Module)> Walk(Module module, string prefix, HashSet<Module> seen)
        {
            if (!seen.Add(module)) yield break;
            yield return (prefix, module);
            foreach (var (name, child) in module.children)
            {
                foreach (var named in Walk(child, Join(prefix, name), seen)) yield return named;
            }
        }
    }

    /// <summary>Calls <paramref name="fn"/> on every submodule (children first, depth first) and then on this module; returns this module.</summary>
    public Module Apply(Action<Module> fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        foreach (var child in Children()) child.Apply(fn);
        fn(this);
        return this;
    }

    /// <summary>
    /// Clears the gradients of every parameter: to null (the default here), or to zeros in place. PyTorch 1.13's
    /// <c>zero_grad(set_to_none=False)</c> zeroes by default; PyTorch 2 sets to None, as this library does.
    /// </summary>
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

    /// <summary>
    /// <c>module.to(dtype)</c>: converts every floating parameter (with its gradient) and buffer to <paramref name="dtype"/>,
    /// which must be floating. The converted parameters are new leaf tensors (PyTorch keeps the Parameter objects), so
    /// create optimizers after converting. Returns this module.
    /// </summary>
    public Module To(DType dtype)
    {
        if (!dtype.IsFloating())
            throw new ArgumentException($"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={dtype.TorchName()}");
        foreach (var module in Modules())
        {
            for (int i = 0; i < module.parameters.Count; i++)
            {
                var (name, parameter) = module.parameters[i];
                if (!parameter.DType.IsFloating() || parameter.DType == dtype) continue;
                Tensor converted;
                using (Torch.NoGrad())
                {
                    converted = parameter.Detach().To(dtype);
                    converted.RequiresGrad = parameter.RequiresGrad;
                    if (parameter.Grad is { } grad) converted.Grad = grad.Detach().To(dtype);
                }
                module.parameters[i] = (name, converted);
            }
            for (int i = 0; i < module.buffers.Count; i++)
            {
                var (name, buffer, persistent) = module.buffers[i];
                if (buffer is null || !buffer.DType.IsFloating() || buffer.DType == dtype) continue;
                using (Torch.NoGrad()) module.buffers[i] = (name, buffer.Detach().To(dtype), persistent);
            }
        }
        return this;
    }

    /// <summary>
    /// <c>module.state_dict()</c>: every parameter and persistent buffer under its dotted name, in PyTorch's order
    /// (a module's parameters, then its buffers, then its submodules'). The tensors are detached aliases: they share
    /// storage with the module's, so later updates show through, as in PyTorch.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>();
        Save(this, "", result);
        return result;

        static void Save(Module module, string prefix, OrderedDictionary<string, Tensor> destination)
        {
            foreach (var (name, parameter) in module.parameters) destination[prefix + name] = parameter.Detach();
            foreach (var (name, buffer, persistent) in module.buffers)
            {
                if (buffer is not null && persistent) destination[prefix + name] = buffer.Detach();
            }
            foreach (var (name, child) in module.children) Save(child, $"{prefix}{name}.", destination);
        }
    }

    /// <summary>
    /// <c>module.load_state_dict(state_dict, strict)</c>: copies each entry into the parameter or buffer of that name
    /// (without recording a graph). Missing and unexpected keys are errors when <paramref name="strict"/>, a shape
    /// mismatch always is; the message is PyTorch's ("Error(s) in loading state_dict for Sequential:\n\tMissing
    /// key(s) in state_dict: ..."). Returns the missing and unexpected keys.
    /// </summary>
    public IncompatibleKeys LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        List<string> missing = [], unexpected = [], errors = [];
        Load(this, [.. stateDict], "");
        if (strict)
        {
            if (unexpected.Count > 0) errors.Insert(0, $"Unexpected key(s) in state_dict: {string.Join(", ", unexpected.Select(k => $"\"{k}\""))}. ");
            if (missing.Count > 0) errors.Insert(0, $"Missing key(s) in state_dict: {string.Join(", ", missing.Select(k => $"\"{k}\""))}. ");
        }
        if (errors.Count > 0) throw new ArgumentException($"Error(s) in loading state_dict for {GetType().Name}:\n\t{string.Join("\n\t", errors)}");
        return new IncompatibleKeys(missing, unexpected);

        void Load(Module module, List<KeyValuePair<string, Tensor>> local, string prefix)
        {
            var own = module.parameters.Select(p => (p.Name, Tensor: p.Parameter))
                .Concat(module.buffers.Where(b => b.Buffer is not null && b.Persistent).Select(b => (b.Name, Tensor: b.Buffer!)))
                .ToList();
            var lookup = local.ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var (name, target) in own)
            {
                if (!lookup.TryGetValue(prefix + name, out var source))
                {
                    missing.Add(prefix + name);
                    continue;
                }
                if (!source.Shape.SequenceEqual(target.Shape))
                {
                    errors.Add($"size mismatch for {prefix + name}: copying a param with shape {TorchSize(source)} from checkpoint, the shape in current model is {TorchSize(target)}.");
                    continue;
                }
                using (Torch.NoGrad()) target.Copy_(source);
            }
            foreach (var (key, _) in local)
            {
                if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
                string head = key[prefix.Length..].Split('.', 2)[0];
                if (!module.children.Any(c => c.Name == head) && !own.Any(o => o.Name == head)) unexpected.Add(key);
            }
            foreach (var (name, child) in module.children)
            {
                string childPrefix = $"{prefix}{name}.";
                Load(child, [.. local.Where(kv => kv.Key.StartsWith(childPrefix, StringComparison.Ordinal))], childPrefix);
            }
        }
    }

    /// <summary>
    /// <c>module.register_buffer(name, tensor, persistent)</c>: a tensor that is part of the module's state but not a
    /// parameter (running statistics); persistent buffers are in <see cref="StateDict"/>. A null buffer is a placeholder
    /// left out of both. Registering an existing buffer's name replaces it.
    /// </summary>
    public void RegisterBuffer(string name, Tensor? tensor, bool persistent = true)
    {
        CheckName(name, "buffer");
        int index = buffers.FindIndex(b => b.Name == name);
        if (index >= 0) buffers[index] = (name, tensor, persistent);
        else buffers.Add((name, tensor, persistent));
    }

    /// <summary>This module's own parameter <paramref name="name"/>, or null if it has none: what a layer's Weight/Bias property reads, so To and LoadStateDict reach it.</summary>
    protected Tensor? OwnParameter(string name) => parameters.Find(p => p.Name == name).Parameter;

    /// <summary>This module's own buffer <paramref name="name"/>, or null if it has none.</summary>
    protected Tensor? OwnBuffer(string name) => buffers.Find(b => b.Name == name).Buffer;

    /// <summary><c>module.get_parameter(target)</c>: the parameter at a dotted path such as "0.weight".</summary>
    public Tensor GetParameter(string target)
    {
        var (module, name) = Owner(target);
        foreach (var (parameterName, parameter) in module.parameters)
        {
            if (parameterName == name) return parameter;
        }
        throw new ArgumentException($"{module.GetType().Name} has no parameter `{name}`");
    }

    /// <summary><c>module.get_buffer(target)</c>: the buffer at a dotted path such as "bn.running_mean".</summary>
    public Tensor? GetBuffer(string target)
    {
        var (module, name) = Owner(target);
        foreach (var (bufferName, buffer, _) in module.buffers)
        {
            if (bufferName == name) return buffer;
        }
        throw new ArgumentException($"{module.GetType().Name} has no buffer `{name}`");
    }

    /// <summary><c>module.get_submodule(target)</c>: the submodule at a dotted path such as "encoder.0" ("" is this module).</summary>
    public Module GetSubmodule(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Length == 0) return this;
        var module = this;
        foreach (var name in target.Split('.'))
        {
            var found = module.children.FirstOrDefault(c => c.Name == name).Module;
            module = found ?? throw new ArgumentException($"{module.GetType().Name} has no attribute `{name}`");
        }
        return module;
    }

    /// <summary>PyTorch's <c>repr(module)</c>: the class name, its settings, and its submodules indented below it.</summary>
    public override string ToString()
    {
        string extra = ExtraRepr();
        var lines = new List<string>(extra.Length > 0 ? extra.Split('\n') : []);
        int extraLines = lines.Count;
        foreach (var (name, module) in children) lines.Add($"({name}): {module.ToString().Replace("\n", "\n  ")}");
        var text = new StringBuilder(GetType().Name).Append('(');
        if (extraLines == 1 && children.Count == 0) text.Append(lines[0]);
        else if (lines.Count > 0) text.Append("\n  ").Append(string.Join("\n  ", lines)).Append('\n');
        return text.Append(')').ToString();
    }

    /// <summary>The settings shown between the parentheses of <see cref="ToString"/>, e.g. "in_features=2, out_features=3, bias=True".</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>Adds a parameter under <paramref name="name"/> (replacing a parameter of that name); it becomes a leaf that requires grad.</summary>
    protected Tensor RegisterParameter(string name, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        CheckName(name, "parameter");
        parameter.RequiresGrad = true;
        int index = parameters.FindIndex(p => p.Name == name);
        if (index >= 0) parameters[index] = (name, parameter);
        else parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Adds a submodule under <paramref name="name"/> (replacing a submodule of that name in its place); its parameters become this module's too.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName(name, "module");
        int index = children.FindIndex(c => c.Name == name);
        if (index >= 0) children[index] = (name, module);
        else children.Add((name, module));
        return module;
    }

    /// <summary>Removes the submodule <paramref name="name"/> (ModuleDict's <c>del d[key]</c>); false if there is none.</summary>
    protected bool RemoveModule(string name) => children.RemoveAll(c => c.Name == name) > 0;

    private void CheckName(string name, string kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) throw new ArgumentException($"{kind} name can't be empty string \"\"");
        if (name.Contains('.')) throw new ArgumentException($"{kind} name can't contain \".\", got: {name}");
        bool taken = kind switch
        {
            "parameter" => buffers.Any(b => b.Name == name) || children.Any(c => c.Name == name),
            "buffer" => parameters.Any(p => p.Name == name) || children.Any(c => c.Name == name),
            _ => parameters.Any(p => p.Name == name) || buffers.Any(b => b.Name == name),
        };
        if (taken) throw new ArgumentException($"attribute '{name}' already exists");
    }

    private (Module Module, string Name) Owner(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        int dot = target.LastIndexOf('.');
        return dot < 0 ? (this, target) : (GetSubmodule(target[..dot]), target[(dot + 1)..]);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    private static string TorchSize(Tensor t) => $"torch.Size([{string.Join(", ", t.Shape)}])";
}

/// <summary>The keys <see cref="Module.LoadStateDict"/> found missing and unexpected (PyTorch's <c>_IncompatibleKeys</c>).</summary>
/// <param name="MissingKeys">PyTorch's <c>missing_keys</c>: the parameters and buffers the state dict did not hold.</param>
/// <param name="UnexpectedKeys">PyTorch's <c>unexpected_keys</c>: the state dict's keys that name no parameter or buffer.</param>
public sealed record IncompatibleKeys(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys)
{
    /// <summary>"&lt;All keys matched successfully&gt;" when both are empty, as PyTorch prints it.</summary>
    public override string ToString() => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0
        ? "<All keys matched successfully>"
        : $"_IncompatibleKeys(missing_keys=[{string.Join(", ", MissingKeys.Select(k => $"'{k}'"))}], unexpected_keys=[{string.Join(", ", UnexpectedKeys.Select(k => $"'{k}'"))}])";
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
