using System.Text.Json;
using Autograd.NN;

namespace Autograd.Tests;

/// <summary>
/// Module's PyTorch API against PyTorch 1.13: repr text, state_dict keys and shapes, named modules and buffers,
/// load_state_dict's messages; the containers ModuleList, ModuleDict, Identity, Flatten and Unflatten.
/// </summary>
public class ModuleApiTests
{
    /// <summary>The models of tools/gen_optim_golden.py's modules section, built the same way.</summary>
    private static readonly Dictionary<string, Func<Module>> Models = new()
    {
        ["linear"] = () => new Linear(4, 3),
        ["linear_nobias"] = () => new Linear(2, 5, bias: false),
        ["relu"] = () => new ReLU(),
        ["tanh"] = () => new Tanh(),
        ["sigmoid"] = () => new Sigmoid(),
        ["dropout"] = () => new Dropout(),
        ["dropout_p"] = () => new Dropout(0.25),
        ["identity"] = () => new Identity(),
        ["flatten"] = () => new Flatten(),
        ["flatten_args"] = () => new Flatten(0, 1),
        ["unflatten"] = () => new Unflatten(1, 2, 5),
        ["sequential"] = () => new Sequential(new Linear(2, 8), new ReLU(), new Dropout(0.1), new Linear(8, 3)),
        ["nested"] = () => new Sequential(new Flatten(), new Sequential(new Linear(6, 4), new Tanh()),
            new ModuleList(new Linear(4, 4), new Identity()),
            new ModuleDict([new("head", new Linear(4, 2)), new("act", new Sigmoid())])),
        ["module_list"] = () => new ModuleList(new Linear(1, 2), new ReLU()),
        ["module_dict"] = () => new ModuleDict([new("b", new Linear(2, 2)), new("a", new Identity())]),
        ["empty_sequential"] = () => new Sequential(),
        ["with_buffer"] = () => new WithBuffer(),
    };

    private static JsonElement Golden => OptimGolden.Section("modules");

    public static IEnumerable<TestCaseData> ModelCases() =>
        Golden.GetProperty("models").EnumerateObject().Select(m => new TestCaseData(m.Name, m.Value).SetName($"ModuleApi_{m.Name}"));

    [TestCaseSource(nameof(ModelCases))]
    public void ReprStateDictAndNames_AreThoseOfPyTorch(string name, JsonElement golden)
    {
        var model = Models[name]();
        model.ToString().ShouldBe(golden.GetProperty("repr").GetString());
        var stateDict = model.StateDict();
        stateDict.Keys.ShouldBe(Strings(golden.GetProperty("keys")));
        stateDict.Values.Select(t => t.Shape.ToArray()).ShouldBe(golden.GetProperty("shapes").EnumerateArray().Select(s => s.EnumerateArray().Select(d => d.GetInt32()).ToArray()));
        model.NamedModules().Select(m => m.Name).ShouldBe(Strings(golden.GetProperty("named_modules")));
        model.NamedBuffers().Select(b => b.Name).ShouldBe(Strings(golden.GetProperty("buffers")));
        model.Children().Select(c => c.GetType().Name).ShouldBe(Strings(golden.GetProperty("children")));
    }

    [Test]
    public void EveryGoldenModel_IsBuilt() => Golden.GetProperty("models").EnumerateObject().Select(m => m.Name).Order().ShouldBe(Models.Keys.Order());

    public static IEnumerable<TestCaseData> LoadCases() =>
        Golden.GetProperty("load_errors").EnumerateObject().Select(c => new TestCaseData(c.Name, c.Value).SetName($"ModuleApi_Load_{c.Name}"));

    [TestCaseSource(nameof(LoadCases))]
    public void LoadStateDict_ReportsKeysAndErrorsAsPyTorch(string name, JsonElement golden)
    {
        var model = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
        var good = model.StateDict();
        var dict = new Dictionary<string, Tensor>(good);
        switch (name)
        {
            case "missing": dict.Remove("0.bias"); dict.Remove("2.weight"); break;
            case "unexpected": dict["1.weight"] = Torch.Zeros(1); dict["extra"] = Torch.Zeros(1); break;
            case "both" or "not_strict": dict.Remove("0.bias"); dict.Remove("2.weight"); dict["3.bias"] = Torch.Zeros(1); break;
            case "size_mismatch": dict["0.weight"] = Torch.Zeros(2, 3); dict["2.bias"] = Torch.Zeros(2); break;
            case "size_mismatch_missing": dict["0.weight"] = Torch.Zeros(2, 3); dict["2.bias"] = Torch.Zeros(2); dict.Remove("0.bias"); break;
            default: throw new InvalidOperationException(name);
        }
        if (golden.TryGetProperty("error", out var error))
        {
            Should.Throw<ArgumentException>(() => model.LoadStateDict(dict)).Message.ShouldBe(error.GetString());
        }
        else
        {
            var result = model.LoadStateDict(dict, strict: false);
            result.MissingKeys.ShouldBe(Strings(golden.GetProperty("missing")));
            result.UnexpectedKeys.ShouldBe(Strings(golden.GetProperty("unexpected")));
        }
    }

    [Test]
    public void StateDict_SharesStorageWithTheParameters_AndIsDetached()
    {
        var model = new Sequential(new Linear(2, 2));
        var weight = model.StateDict()["0.weight"];
        weight.RequiresGrad.ShouldBeFalse();
        using (Torch.NoGrad()) ((Linear)model[0]).Weight.Fill_(3);
        weight.ToArray<float>().ShouldAllBe(v => v == 3f);
    }

    [Test]
    public void LoadStateDict_CopiesIntoTheSameParametersAndBuffers()
    {
        Torch.ManualSeed(1);
        var source = new WithBuffer();
        using (Torch.NoGrad()) source.GetBuffer("running")!.Fill_(0.5);
        var target = new WithBuffer();
        var weight = target.GetParameter("fc.weight");
        target.LoadStateDict(source.StateDict()).ToString().ShouldBe("<All keys matched successfully>");
        target.GetParameter("fc.weight").ShouldBeSameAs(weight);
        weight.ToArray<float>().ShouldBe(source.GetParameter("fc.weight").ToArray<float>());
        weight.IsLeaf.ShouldBeTrue();
        weight.RequiresGrad.ShouldBeTrue();
        target.GetBuffer("running")!.ToArray<float>().ShouldBe([0.5f, 0.5f]);
        target.Buffers().Count().ShouldBe(3);
    }

    [Test]
    public void Apply_VisitsChildrenFirst_AsPyTorch()
    {
        var model = new Sequential(new Linear(2, 2), new Sequential(new ReLU(), new Tanh()));
        var names = new List<string>();
        model.Apply(m => names.Add(m.GetType().Name)).ShouldBeSameAs(model);
        names.ShouldBe(["Linear", "ReLU", "Tanh", "Sequential", "Sequential"]);
        model.Modules().Count().ShouldBe(5);
    }

    [Test]
    public void To_ConvertsParametersAndBuffers()
    {
        var model = new WithBuffer();
        model.To(DType.Float64).ShouldBeSameAs(model);
        model.Parameters().ShouldAllBe(p => p.DType == DType.Float64 && p.IsLeaf && p.RequiresGrad);
        model.GetBuffer("running")!.DType.ShouldBe(DType.Float64);
        model.GetBuffer("count")!.DType.ShouldBe(DType.Int64);
        var linear = (Linear)model.GetSubmodule("fc");
        linear.Weight.DType.ShouldBe(DType.Float64);
        linear.Forward(Torch.Ones([1, 3], DType.Float64)).DType.ShouldBe(DType.Float64);
        Should.Throw<ArgumentException>(() => model.To(DType.Int64)).Message
            .ShouldBe("nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.int64");
    }

    [Test]
    public void RegisterBuffer_ReplacesABuffer_AndRefusesAParameterName()
    {
        var model = new WithBuffer();
        model.RegisterBuffer("running", Torch.Ones(2));
        model.GetBuffer("running")!.ToArray<float>().ShouldBe([1f, 1f]);
        model.StateDict().Keys.ShouldBe(["scale", "running", "count", "fc.weight", "fc.bias"]);
        Should.Throw<ArgumentException>(() => model.RegisterBuffer("scale", Torch.Ones(2))).Message.ShouldBe("attribute 'scale' already exists");
        model.RegisterBuffer("running", null);
        model.StateDict().Keys.ShouldNotContain("running");
    }

    [Test]
    public void ModuleList_AndModuleDict_BehaveAsPythonContainers()
    {
        var list = new ModuleList([new Linear(1, 1)]);
        list.Append(new ReLU()).Count.ShouldBe(2);
        list[-1].ShouldBeOfType<ReLU>();
        list[1] = new Tanh();
        list.Select(m => m.GetType().Name).ShouldBe(["Linear", "Tanh"]);
        list.ToString().ShouldBe("ModuleList(\n  (0): Linear(in_features=1, out_features=1, bias=True)\n  (1): Tanh()\n)");
        Should.Throw<NotImplementedException>(() => list.Forward(Torch.Zeros(1))).Message.ShouldBe("Module [ModuleList] is missing the required \"forward\" function");
        Should.Throw<ArgumentOutOfRangeException>(() => list[2]);

        var dict = new ModuleDict { ["a"] = new ReLU() };
        dict["b"] = new Linear(2, 1);
        dict["a"] = new Tanh();
        dict.Keys.ShouldBe(["a", "b"]);
        dict.Parameters().Count().ShouldBe(2);
        dict.Pop("b").ShouldBeOfType<Linear>();
        dict.Parameters().ShouldBeEmpty();
        dict.ToString().ShouldBe("ModuleDict(\n  (a): Tanh()\n)");
    }

    [Test]
    public void FlattenAndUnflatten_ReshapeAsPyTorch()
    {
        var x = Torch.Rand(2, 3, 4);
        new Flatten().Forward(x).Shape.ShouldBe([2, 12]);
        new Flatten(0, 1).Forward(x).Shape.ShouldBe([6, 4]);
        new Unflatten(1, 3, 1).Forward(x).Shape.ShouldBe([2, 3, 1, 4]);
        new Unflatten(-1, 2, -1).Forward(x).Shape.ShouldBe([2, 3, 2, 2]);
        new Identity().Forward(x).ShouldBeSameAs(x);
        Should.Throw<ArgumentException>(() => new Unflatten(1, 2, 4).Forward(Torch.Zeros(3, 10))).Message
            .ShouldBe("unflatten: Provided sizes [2, 4] don't multiply up to the size of dim 1 (10) in the input tensor");
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The golden WithBuffer: a Linear, three buffers (one not persistent), a parameter, a ReLU, registered in that order.</summary>
    private sealed class WithBuffer : Module
    {
        public WithBuffer()
        {
            RegisterModule("fc", new Linear(3, 2));
            RegisterBuffer("running", Torch.Zeros(2));
            RegisterBuffer("count", new Tensor(new long[] { 0 }, []));
            RegisterBuffer("scratch", Torch.Zeros(1), persistent: false);
            RegisterParameter("scale", Torch.Ones(2));
            RegisterModule("act", new ReLU());
        }

        public override Tensor Forward(Tensor input) => ((Linear)GetSubmodule("fc")).Forward(input) * GetParameter("scale");
    }
}
