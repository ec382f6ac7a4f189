using System.Numerics;
using Autograd.NN;

namespace Autograd.Optim;

/// <summary>
/// torch.optim.Optimizer: parameter groups with their options, and per-parameter state. <see cref="Step"/> runs
/// without recording a graph and skips parameters whose Grad is null, as in PyTorch; each optimizer's update is PyTorch
/// 1.13's for-loop (foreach=False) implementation, op for op, so it gives the same bits.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParamGroup> paramGroups = [];
    private readonly Dictionary<string, object?> defaults;
    private Dictionary<Tensor, Dictionary<string, object?>> state = new(ReferenceEqualityComparer.Instance);
    private readonly List<Tensor> stateOrder = [];

    /// <summary>
    /// Groups <paramref name="groups"/> with <paramref name="defaults"/> (option name, value; a null value marks an option
    /// every group must set, as PyTorch's <c>required</c>).
    /// </summary>
    protected Optimizer(IEnumerable<ParamGroup> groups, IEnumerable<KeyValuePair<string, object?>> defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        this.defaults = new(defaults);
        var list = groups.ToList();
        if (list.Count == 0) throw new ArgumentException("optimizer got an empty parameter list");
        foreach (var group in list) AddParamGroup(group);
    }

    /// <summary>One group of <paramref name="parameters"/> with <paramref name="defaults"/>.</summary>
    protected Optimizer(IEnumerable<Tensor> parameters, IEnumerable<KeyValuePair<string, object?>> defaults)
        : this(SingleGroup(parameters), defaults)
    {
    }

    private static ParamGroup[] SingleGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var group = new ParamGroup(parameters);
        return group.Params.Count == 0 ? [] : [group];
    }

    /// <summary><c>optimizer.param_groups</c>.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => paramGroups;

    /// <summary><c>optimizer.defaults</c>: the constructor's options (null for a required one that was not given).</summary>
    public IReadOnlyDictionary<string, object?> Defaults => defaults;

    /// <summary><c>optimizer.state</c>: each parameter's state, once it has been updated (Adagrad's from the start).</summary>
    public IReadOnlyDictionary<Tensor, Dictionary<string, object?>> State => state;

    /// <summary>Every parameter of every group, in order.</summary>
    public IReadOnlyList<Tensor> Parameters => [.. paramGroups.SelectMany(g => g.Params)];

    /// <summary>The first group's learning rate; setting it sets every group's (a shortcut for <c>ParamGroups[i].Lr</c>).</summary>
    public double Lr
    {
        get => paramGroups[0].Lr;
        set
        {
            foreach (var group in paramGroups) group.Lr = value;
        }
    }

    /// <summary>
    /// <c>optimizer.add_param_group</c>: fills the options the group leaves unset from the defaults; throws PyTorch's
    /// errors for a non-leaf parameter, a missing required option or a parameter already in another group.
    /// </summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Params.Any(p => !p.IsLeaf)) throw new ArgumentException("can't optimize a non-leaf Tensor");
        foreach (var (name, value) in defaults)
        {
            if (value is null && !group.ContainsKey(name))
                throw new ArgumentException($"parameter group didn't specify a value of required optimization parameter {name}");
            if (value is not null) group.SetDefault(name, value);
        }
        var existing = new HashSet<Tensor>(paramGroups.SelectMany(g => g.Params), ReferenceEqualityComparer.Instance);
        if (group.Params.Any(existing.Contains)) throw new ArgumentException("some parameters appear in more than one parameter group");
        paramGroups.Add(group);
        OnGroupAdded(group);
    }

    /// <summary>One update of every parameter that has a gradient (<c>optimizer.step()</c>).</summary>
    public void Step()
    {
        using (Torch.NoGrad())
        {
            foreach (var group in paramGroups)
            {
                foreach (var parameter in group.Params)
                {
                    if (parameter.Grad is { } grad) Update(group, parameter, grad, StateOf(parameter));
                }
            }
        }
    }

    /// <summary>
    /// Clears the parameters' gradients: to null (the default here), or to zeros in place. PyTorch 1.13's
    /// <c>zero_grad(set_to_none=False)</c> zeroes by default; PyTorch 2 sets to None, as this library does.
    /// </summary>
    public void ZeroGrad(bool setToNone = true) => ParameterGrads.Clear(Parameters, setToNone);

    /// <summary>
    /// <c>optimizer.state_dict()</c>: parameters are numbered over the groups in order; the state entries hold the
    /// optimizer's own tensors, the group dictionaries are copies.
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var index = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        var groups = new List<Dictionary<string, object>>();
        foreach (var group in paramGroups)
        {
            var packed = new Dictionary<string, object>();
            foreach (var (key, value) in group.Options) packed[key] = value;
            foreach (var parameter in group.Params) index.TryAdd(parameter, index.Count);
            packed["params"] = group.Params.Select(p => index[p]).ToList();
            groups.Add(packed);
        }
        var packedState = new Dictionary<int, Dictionary<string, object?>>();
        foreach (var parameter in stateOrder) packedState[index[parameter]] = state[parameter];
        return new OptimizerStateDict(packedState, groups);
    }

    /// <summary>
    /// <c>optimizer.load_state_dict(state_dict)</c>: copies the state (floating tensors other than "step" converted to
    /// their parameter's dtype) and replaces each group's options by the saved ones, keeping the parameters.
    /// </summary>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var saved = stateDict.ParamGroups;
        if (saved.Count != paramGroups.Count) throw new ArgumentException("loaded state dict has a different number of parameter groups");
        var savedIds = saved.Select(g => g.TryGetValue("params", out var ids) ? ((IEnumerable<int>)ids).ToList() : []).ToList();
        if (paramGroups.Zip(savedIds).Any(pair => pair.First.Params.Count != pair.Second.Count))
            throw new ArgumentException("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
        var byId = new Dictionary<int, Tensor>();
        foreach (var (ids, group) in savedIds.Zip(paramGroups))
        {
            for (int i = 0; i < ids.Count; i++) byId[ids[i]] = group.Params[i];
        }
        var loaded = new Dictionary<Tensor, Dictionary<string, object?>>(ReferenceEqualityComparer.Instance);
        var order = new List<Tensor>();
        foreach (var (id, entry) in stateDict.State)
        {
            if (!byId.TryGetValue(id, out var parameter)) continue;
            loaded[parameter] = entry.ToDictionary(kv => kv.Key, kv => CopyFor(parameter, kv.Key, kv.Value));
            order.Add(parameter);
        }
        state = loaded;
        stateOrder.Clear();
        stateOrder.AddRange(order);
        foreach (var (group, savedGroup) in paramGroups.Zip(saved)) group.ReplaceOptions(savedGroup.Select(kv => KeyValuePair.Create(kv.Key, CopyOption(kv.Value))));
    }

    /// <summary>Updates <paramref name="parameter"/> in place from its gradient with the group's options and its state.</summary>
    protected abstract void Update(ParamGroup group, Tensor parameter, Tensor grad, Dictionary<string, object?> state);

    /// <summary>Called after a group is added (Adagrad creates its state there, as PyTorch's constructor does).</summary>
    protected virtual void OnGroupAdded(ParamGroup group)
    {
    }

    /// <summary>The state of <paramref name="parameter"/>, created empty on first use (PyTorch's defaultdict).</summary>
    protected Dictionary<string, object?> StateOf(Tensor parameter)
    {
        if (state.TryGetValue(parameter, out var entry)) return entry;
        state[parameter] = entry = [];
        stateOrder.Add(parameter);
        return entry;
    }

    /// <summary>Throws PyTorch's "Invalid {what}: {value}" unless <paramref name="valid"/>.</summary>
    protected static void Require(bool valid, string what, double value)
    {
        if (!valid) throw new ArgumentException($"Invalid {what}: {PythonText.Float(value)}");
    }

    /// <summary>A zero tensor of the parameter's shape and dtype (<c>torch.zeros_like(p)</c>).</summary>
    protected static Tensor ZerosLike(Tensor parameter) => Torch.Zeros([.. parameter.Shape], parameter.DType);

    /// <summary>A fresh 0-d float32 step counter (<c>torch.tensor(0.)</c>).</summary>
    protected static Tensor StepCounter() => Torch.Scalar(0);

    /// <summary>The defaults list for the constructor, in PyTorch's order.</summary>
    protected static KeyValuePair<string, object?>[] Options(params (string Name, object? Value)[] entries) =>
        [.. entries.Select(e => KeyValuePair.Create(e.Name, e.Value))];

    /// <summary>torch.maximum(a, b) written into <paramref name="a"/> (NaN wins, as in PyTorch).</summary>
    protected static void MaximumInto(Tensor a, Tensor b)
    {
        var result = Tensor.Empty(a.DType, a.Dims);
        DTypes.DispatchFloating(a.DType, new Maximum(a, b, result), "maximum");
        a.Copy_(result);
    }

    private readonly struct Maximum(Tensor a, Tensor b, Tensor result) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> x = a.Span<T>(), y = b.Span<T>();
            var z = result.Span<T>();
            for (int i = 0; i < z.Length; i++) z[i] = T.IsNaN(x[i]) || x[i] > y[i] ? x[i] : y[i];
        }
    }

    /// <summary>-grad when maximizing, else grad.</summary>
    protected static Tensor Direction(ParamGroup group, Tensor grad) => group.Flag("maximize") ? -grad : grad;

    private static object? CopyFor(Tensor parameter, string key, object? value)
    {
        if (value is not Tensor tensor) return value;
        Tensor copy;
        using (Torch.NoGrad()) copy = tensor.Detach().Clone();
        return key != "step" && parameter.DType.IsFloating() && copy.DType.IsFloating() ? copy.To(parameter.DType) : copy;
    }

    private static object CopyOption(object value) => value is List<int> ids ? new List<int>(ids) : value;
}
