using System.Collections;
using System.Globalization;

namespace Autograd.NN;

/// <summary>torch.nn.ModuleList: holds submodules named "0", "1", ... so their parameters are the list's; it has no Forward of its own.</summary>
public sealed class ModuleList : Module, IEnumerable<Module>
{
    private readonly List<Module> modules = [];

    /// <summary><c>nn.ModuleList(modules)</c>.</summary>
    public ModuleList(IEnumerable<Module>? modules = null)
    {
        if (modules is not null) Extend(modules);
    }

    /// <summary><c>nn.ModuleList([a, b, ...])</c>.</summary>
    public ModuleList(params Module[] modules) : this((IEnumerable<Module>)modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
    }

    /// <summary><c>len(list)</c>.</summary>
    public int Count => modules.Count;

    /// <summary><c>list[i]</c> (negative indices count from the end); setting replaces the module in its place.</summary>
    public Module this[int index]
    {
        get => modules[Wrap(index)];
        set
        {
            int i = Wrap(index);
            modules[i] = RegisterModule(i.ToString(CultureInfo.InvariantCulture), value);
        }
    }

    /// <summary><c>list.append(module)</c>; returns this list.</summary>
    public ModuleList Append(Module module)
    {
        modules.Add(RegisterModule(modules.Count.ToString(CultureInfo.InvariantCulture), module));
        return this;
    }

    /// <summary><c>list.extend(modules)</c>; returns this list.</summary>
    public ModuleList Extend(IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var module in modules) Append(module);
        return this;
    }

    /// <summary>A ModuleList has no forward: calling it throws PyTorch's NotImplementedError text.</summary>
    public override Tensor Forward(Tensor input) => throw new NotImplementedException("Module [ModuleList] is missing the required \"forward\" function");

    /// <summary>The modules in order.</summary>
    public IEnumerator<Module> GetEnumerator() => modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int Wrap(int index)
    {
        int i = index < 0 ? index + modules.Count : index;
        if (i < 0 || i >= modules.Count) throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is out of range");
        return i;
    }
}

/// <summary>torch.nn.ModuleDict: submodules under string keys, in insertion order; it has no Forward of its own.</summary>
public sealed class ModuleDict : Module, IEnumerable<KeyValuePair<string, Module>>
{
    private readonly OrderedDictionary<string, Module> modules = [];

    /// <summary><c>nn.ModuleDict(modules)</c>: the pairs in their order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, Module>>? modules = null)
    {
        if (modules is null) return;
        foreach (var (key, module) in modules) this[key] = module;
    }

    /// <summary><c>len(dict)</c>.</summary>
    public int Count => modules.Count;

    /// <summary><c>dict[key]</c>; setting an existing key replaces its module in its place.</summary>
    public Module this[string key]
    {
        get => modules.TryGetValue(key, out var module) ? module : throw new KeyNotFoundException($"'{key}'");
        set => modules[Argument.NotNull(key)] = RegisterModule(key, Argument.NotNull(value));
    }

    /// <summary><c>dict.keys()</c>.</summary>
    public IEnumerable<string> Keys => modules.Keys;

    /// <summary><c>dict.values()</c>.</summary>
    public IEnumerable<Module> Values => modules.Values;

    /// <summary><c>key in dict</c>.</summary>
    public bool ContainsKey(string key) => modules.ContainsKey(key);

    /// <summary><c>dict.pop(key)</c>: removes and returns the module.</summary>
    public Module Pop(string key)
    {
        var module = this[key];
        modules.Remove(key);
        RemoveModule(key);
        return module;
    }

    /// <summary>A ModuleDict has no forward: calling it throws PyTorch's NotImplementedError text.</summary>
    public override Tensor Forward(Tensor input) => throw new NotImplementedException("Module [ModuleDict] is missing the required \"forward\" function");

    /// <summary>The (key, module) pairs in insertion order.</summary>
    public IEnumerator<KeyValuePair<string, Module>> GetEnumerator() => modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>torch.nn.Identity: returns its input.</summary>
public sealed class Identity : Module
{
    /// <summary><c>Identity.forward</c>: returns <paramref name="input"/> itself.</summary>
    public override Tensor Forward(Tensor input) => Argument.NotNull(input);
}

/// <summary>torch.nn.Flatten: merges dims <c>startDim</c> to <c>endDim</c> (by default all but the batch dim).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    /// <summary>The first dim merged.</summary>
    public int StartDim { get; } = startDim;

    /// <summary>The last dim merged.</summary>
    public int EndDim { get; } = endDim;

    /// <summary><c>Flatten.forward</c>: <c>torch.flatten(input, start_dim, end_dim)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="StartDim"/> or <see cref="EndDim"/> is out of range for the rank of <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentException"><see cref="StartDim"/> comes after <see cref="EndDim"/>.</exception>
    public override Tensor Forward(Tensor input) => Argument.NotNull(input).Flatten(StartDim, EndDim);

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>start_dim=1, end_dim=-1</c>.</summary>
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim={EndDim}";
}

/// <summary>torch.nn.Unflatten: splits dim <c>dim</c> into <c>sizes</c> (one of them may be -1).</summary>
public sealed class Unflatten : Module
{
    private readonly int[] sizes;

    /// <summary><c>nn.Unflatten(dim, unflattened_size)</c>.</summary>
    public Unflatten(int dim, params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length == 0) throw new ArgumentException("unflatten: sizes must be non-empty");
        Dim = dim;
        this.sizes = [.. sizes];
    }

    /// <summary>The dim that is split.</summary>
    public int Dim { get; }

    /// <summary>The sizes it is split into.</summary>
    public IReadOnlyList<int> UnflattenedSize => sizes;

    /// <summary><c>Unflatten.forward</c>: <c>input.unflatten(dim, unflattened_size)</c>, a reshape of <see cref="Dim"/> into <see cref="UnflattenedSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="Dim"/> is out of range for the rank of <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentException">More than one size is -1, or the sizes do not multiply up to the size of that dim.</exception>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int dim = Shapes.WrapDim(Dim, input.Rank);
        int known = sizes.Where(s => s != -1).Aggregate(1, (a, b) => a * b);
        int size = input.Dims[dim];
        bool fits = sizes.Count(s => s == -1) switch
        {
            0 => known == size,
            1 => known != 0 && size % known == 0,
            _ => throw new ArgumentException("unflatten: only one dimension can be inferred"),
        };
        if (!fits)
            throw new ArgumentException($"unflatten: Provided sizes [{string.Join(", ", sizes)}] don't multiply up to the size of dim {Dim} ({size}) in the input tensor");
        return input.Reshape([.. input.Dims[..dim], .. sizes, .. input.Dims[(dim + 1)..]]);
    }

    /// <summary>PyTorch's <c>extra_repr()</c>: <c>dim=1, unflattened_size=(2, 3)</c>.</summary>
    protected override string ExtraRepr() =>
        $"dim={Dim}, unflattened_size=({string.Join(", ", sizes)}{(sizes.Length == 1 ? "," : "")})";
}
