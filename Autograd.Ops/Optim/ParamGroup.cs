using System.Globalization;
using System.Runtime.CompilerServices;

namespace Autograd.Optim;

/// <summary>
/// One entry of PyTorch's <c>optimizer.param_groups</c>: parameters and the options that apply to them ("lr",
/// "momentum", "betas", "weight_decay", ...). Options left unset take the optimizer's defaults when the group is added;
/// schedulers add their own keys ("initial_lr", "max_lr", ...). Set options as PyTorch's dict entries:
/// <c>new ParamGroup(head.Parameters()) { Lr = 1e-3, ["momentum"] = 0.5 }</c>. Numbers are doubles, flags bools,
/// "betas" a (double, double) tuple.
/// </summary>
public sealed class ParamGroup
{
    private readonly OrderedDictionary<string, object> options = [];

    /// <summary>A group of <paramref name="parameters"/> (PyTorch's <c>{'params': parameters}</c>).</summary>
    public ParamGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Params = [.. parameters];
    }

    /// <summary>The group's parameters (<c>group['params']</c>).</summary>
    public IReadOnlyList<Tensor> Params { get; }

    /// <summary>The group's learning rate (<c>group['lr']</c>), read and set by schedulers.</summary>
    public double Lr { get => Number("lr"); set => options["lr"] = value; }

    /// <summary><c>group[key]</c>; throws KeyNotFoundException for a missing option.</summary>
    public object this[string key]
    {
        get => options.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"'{key}'");
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (key == "params") throw new ArgumentException("'params' is the group's Params and cannot be set as an option");
            options[key] = value;
        }
    }

    /// <summary>The option names, in the order they were set (<c>group.keys()</c> without 'params').</summary>
    public IEnumerable<string> Keys => options.Keys;

    /// <summary><c>key in group</c>.</summary>
    public bool ContainsKey(string key) => options.ContainsKey(key);

    /// <summary>A numeric option as a double (an int set by the user reads as its value).</summary>
    public double Number(string key) => Convert.ToDouble(this[key], CultureInfo.InvariantCulture);

    /// <summary>A flag option ("nesterov", "amsgrad", "maximize", "centered").</summary>
    public bool Flag(string key) => (bool)this[key];

    /// <summary>A pair option ("betas") as two doubles.</summary>
    public (double, double) Pair(string key) => this[key] is ITuple { Length: 2 } pair
        ? (Convert.ToDouble(pair[0], CultureInfo.InvariantCulture), Convert.ToDouble(pair[1], CultureInfo.InvariantCulture))
        : throw new InvalidCastException($"option '{key}' is not a pair");

    /// <summary>Python's <c>group.setdefault(key, value)</c>.</summary>
    internal void SetDefault(string key, object value) => options.TryAdd(key, value);

    /// <summary>Replaces every option by <paramref name="values"/> (load_state_dict's group update).</summary>
    internal void ReplaceOptions(IEnumerable<KeyValuePair<string, object>> values)
    {
        options.Clear();
        foreach (var (key, value) in values)
        {
            if (key != "params") options[key] = value;
        }
    }

    internal IEnumerable<KeyValuePair<string, object>> Options => options;
}

/// <summary>
/// PyTorch's <c>optimizer.state_dict()</c>: the per-parameter state keyed by the parameter's index (counted over the
/// groups in order), and each group's options with "params" as the list of those indices. State entries hold the
/// optimizer's own tensors (as PyTorch's do); "step" is a 0-d float32 tensor for Adam, AdamW and Adagrad and an int
/// for RMSprop and Adadelta, and SGD's "momentum_buffer" is null without momentum, as in PyTorch 1.13.
/// </summary>
public sealed class OptimizerStateDict(Dictionary<int, Dictionary<string, object?>> state, List<Dictionary<string, object>> paramGroups)
{
    /// <summary><c>state_dict['state']</c>.</summary>
    public Dictionary<int, Dictionary<string, object?>> State { get; } = state;

    /// <summary><c>state_dict['param_groups']</c>; "params" is a <c>List&lt;int&gt;</c>.</summary>
    public List<Dictionary<string, object>> ParamGroups { get; } = paramGroups;
}
