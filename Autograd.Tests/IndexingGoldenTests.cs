using System.Text.Json;

namespace Autograd.Tests;

/// <summary>
/// <c>x[...]</c> and the index ops against PyTorch 1.13 (Golden/indexing.json, tools/gen_indexing_golden.py): every
/// form of index, mixed basic and advanced; values, shapes, grad_fn names, views' strides and offsets and their
/// write-through, gradients (repeated indices accumulate); setters inside a graph (CopySlices, IndexPutBackward0) and
/// into each dtype; index_select, index_add, index_put, masked_fill(_), masked_select, nonzero; PyTorch's errors.
/// </summary>
public class IndexingGoldenTests
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "indexing.json")));
        return document.RootElement.Clone();
    });

    private static IEnumerable<TestCaseData> Section(string name, Func<JsonElement, string> describe) =>
        Root.Value.GetProperty(name).EnumerateArray().Select(c => new TestCaseData(c).SetArgDisplayNames(describe(c)));

    public static IEnumerable<TestCaseData> Gets() => Section("gets", Describe);
    public static IEnumerable<TestCaseData> GetErrors() => Section("get_errors", Describe);
    public static IEnumerable<TestCaseData> Sets() => Section("sets", c => $"{Describe(c)} = {c.GetProperty("value").GetRawText()}");
    public static IEnumerable<TestCaseData> SetDTypes() => Section("set_dtypes", c => $"{c.GetProperty("dtype").GetString()}{Python(c.GetProperty("index"))} = {c.GetProperty("value").GetRawText()}");
    public static IEnumerable<TestCaseData> SetErrors() => Section("set_errors", c => $"{Describe(c)} = {c.GetProperty("value").GetRawText()}");
    public static IEnumerable<TestCaseData> LeafErrors() => Section("leaf_errors", c => Python(c.GetProperty("index")));
    public static IEnumerable<TestCaseData> Ops() => Section("ops", DescribeOp);
    public static IEnumerable<TestCaseData> OpErrors() => Section("op_errors", DescribeOp);
    public static IEnumerable<TestCaseData> NonzeroCases() => Section("nonzero", c => $"{c.GetProperty("dtype").GetString()} {c.GetProperty("values").GetRawText()}");

    private static string Describe(JsonElement c) => $"{Shapes.Format(Ints(c.GetProperty("shape")))}{Python(c.GetProperty("index"))}";

    private static string DescribeOp(JsonElement c) => $"{c.GetProperty("op").GetString()} {Shapes.Format(Ints(c.GetProperty("shape")))} {c.GetProperty("args").GetRawText()}";

    private static string Python(JsonElement spec) => $"[{string.Join(", ", Index(spec).Select(i => i.ToString()))}]";

    private static int[] Ints(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt32())];

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch { "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, _ => double.NaN }
        : e.GetDouble();

    private static double[] Doubles(JsonElement e) => [.. e.EnumerateArray().Select(Number)];

    /// <summary>A JSON value or list of values as an array (0-d tensors are written as a bare value).</summary>
    private static JsonElement[] Items(JsonElement e) => e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray()] : [e];

    /// <summary>The C# index of a spec: negative integers as ^n, unit-step slices as ranges, the others as TensorIndex.Slice.</summary>
    private static TensorIndex[] Index(JsonElement spec) => [.. spec.EnumerateArray().Select(Entry)];

    private static TensorIndex Entry(JsonElement e)
    {
        if (e.TryGetProperty("i", out var i)) return i.GetInt32() < 0 ? ^(-i.GetInt32()) : i.GetInt32();
        if (e.TryGetProperty("e", out _)) return TensorIndex.Ellipsis;
        if (e.TryGetProperty("n", out _)) return TensorIndex.None;
        if (e.TryGetProperty("s", out var s))
        {
            int? start = Optional(s[0]), stop = Optional(s[1]), step = Optional(s[2]);
            if (step is { } k) return TensorIndex.Slice(start, stop, k);
            Index from = start is { } a ? (a < 0 ? ^(-a) : a) : System.Index.Start;
            Index to = stop is { } b ? (b < 0 ? ^(-b) : b) : System.Index.End;
            return from..to;
        }
        var shape = Ints(e.GetProperty("shape"));
        var values = Items(e.GetProperty("t"));
        return e.GetProperty("bool").GetBoolean()
            ? Torch.Tensor(values.Select(v => v.GetBoolean()).ToArray()).Reshape(shape)
            : Torch.Tensor(values.Select(v => v.GetInt64()).ToArray()).Reshape(shape);
    }

    private static int? Optional(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();

    /// <summary>arange(n, float64).reshape(shape) * scale + 1, a leaf that requires grad.</summary>
    private static Tensor Base(int[] shape, double scale = 0.5)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var x = Torch.Tensor(Enumerable.Range(0, n).Select(i => i * scale + 1).ToArray()).Reshape(shape).Detach();
        x.RequiresGrad = true;
        return x;
    }

    private static Tensor Arange(int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Torch.Tensor(Enumerable.Range(0, n).Select(i => (double)i).ToArray()).Reshape(shape);
    }

    private static Tensor Weights(Tensor r) =>
        Torch.Tensor(Enumerable.Range(1, r.Numel()).Select(i => (double)i).ToArray()).Reshape([.. r.Shape]);

    /// <summary>A number (a Python scalar: the implicit double conversion) or a tensor of the given dtype, a leaf requiring grad if asked.</summary>
    private static Tensor Value(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object) return Number(v);
        var dtype = v.GetProperty("dtype").GetString() switch { "float32" => DType.Float32, "float64" => DType.Float64, _ => DType.Int64 };
        var t = Torch.Tensor(Items(v.GetProperty("t")).Select(Number).ToArray()).To(dtype).Reshape(Ints(v.GetProperty("shape"))).Detach();
        if (v.GetProperty("grad").GetBoolean()) t.RequiresGrad = true;
        return t;
    }

    private static void ShouldHaveGradFn(Tensor t, JsonElement name)
    {
        if (name.ValueKind == JsonValueKind.Null) t.GradFn.ShouldBeNull();
        else t.GradFn.ShouldNotBeNull().Name.ShouldBe(name.GetString());
    }

    [TestCaseSource(nameof(Gets))]
    public void Getter_MatchesPyTorch(JsonElement c)
    {
        var shape = Ints(c.GetProperty("shape"));
        var x = Base(shape);
        var y = x * 1.0;
        var r = y[Index(c.GetProperty("index"))];
        r.ToArray<double>().ShouldBe(Doubles(c.GetProperty("values")));
        r.Shape.ShouldBe(Ints(c.GetProperty("size")));
        ShouldHaveGradFn(r, c.GetProperty("grad_fn"));
        bool view = c.GetProperty("view").GetBoolean();
        ReferenceEquals(r.Storage, y.Storage).ShouldBe(view);
        Gradients.Grad([(r * Weights(r)).Sum()], [x])[0].ToArray<double>().ShouldBe(Doubles(c.GetProperty("grad")));
        if (!view) return;
        r.Strides.ShouldBe(Ints(c.GetProperty("stride")));
        r.StorageOffset.ShouldBe(c.GetProperty("offset").GetInt32());

        var write = c.GetProperty("write");
        var x2 = Base(shape);
        var y2 = x2 * 1.0;
        y2[Index(c.GetProperty("index"))].Mul_(3.0);
        y2.ToArray<double>().ShouldBe(Doubles(write.GetProperty("base")));
        ShouldHaveGradFn(y2, write.GetProperty("base_grad_fn"));
        Gradients.Grad([(y2 * y2).Sum()], [x2])[0].ToArray<double>().ShouldBe(Doubles(write.GetProperty("grad")));
    }

    [TestCaseSource(nameof(Sets))]
    public void SetterInsideAGraph_MatchesPyTorch(JsonElement c)
    {
        var x = Base(Ints(c.GetProperty("shape")));
        var h = x * 2.0;
        var value = Value(c.GetProperty("value"));
        h[Index(c.GetProperty("index"))] = value;
        h.ToArray<double>().ShouldBe(Doubles(c.GetProperty("result")));
        ShouldHaveGradFn(h, c.GetProperty("grad_fn"));
        h.Version.ShouldBe(c.GetProperty("version").GetInt32());
        Tensor[] inputs = value.RequiresGrad ? [x, value] : [x];
        var grads = Gradients.Grad([(h * h).Sum()], inputs);
        var expected = c.GetProperty("grads").EnumerateArray().ToArray();
        grads.Length.ShouldBe(expected.Length);
        for (int i = 0; i < grads.Length; i++) grads[i].ToArray<double>().ShouldBe(Doubles(expected[i]));
    }

    [TestCaseSource(nameof(SetDTypes))]
    public void SetterConvertsTheValueToTheDestinationsDType(JsonElement c)
    {
        var dtype = c.GetProperty("dtype").GetString() switch
        {
            "float32" => DType.Float32, "float64" => DType.Float64, "int64" => DType.Int64, _ => DType.Bool,
        };
        var t = Arange([3, 4]).To(dtype);
        t[Index(c.GetProperty("index"))] = Value(c.GetProperty("value"));
        t.DType.ShouldBe(dtype);
        t.ToArray<double>().ShouldBe(Doubles(c.GetProperty("result")));
    }

    [TestCaseSource(nameof(GetErrors))]
    public void GetterFailsAsPyTorch(JsonElement c)
    {
        var t = Arange(Ints(c.GetProperty("shape")));
        var index = Index(c.GetProperty("index"));
        ShouldFailAs(() => _ = t[index], c);
    }

    [TestCaseSource(nameof(SetErrors))]
    public void SetterFailsAsPyTorch(JsonElement c)
    {
        var t = Arange(Ints(c.GetProperty("shape")));
        var before = t.ToArray<double>();
        var index = Index(c.GetProperty("index"));
        var value = Value(c.GetProperty("value"));
        ShouldFailAs(() => t[index] = value, c);
        t.ToArray<double>().ShouldBe(before);
    }

    [TestCaseSource(nameof(LeafErrors))]
    public void SetterOnALeafThatRequiresGrad_FailsAsPyTorch(JsonElement c)
    {
        var x = Torch.Zeros([3], DType.Float64, requiresGrad: true);
        var index = Index(c.GetProperty("index"));
        Should.Throw<InvalidOperationException>(() => x[index] = 1.0).Message.ShouldBe(c.GetProperty("message").GetString());
        using (Torch.NoGrad()) x[index] = 1.0;
        x.ToArray<double>().ShouldContain(1.0);
    }

    private static Tensor Arg(JsonElement a)
    {
        if (a.ValueKind == JsonValueKind.Array) throw new ArgumentException("a list argument is read by its op");
        if (a.TryGetProperty("long", out var l)) return Torch.Tensor(Leaves(l).Select(v => v.GetInt64()).ToArray()).Reshape(NestedShape(l));
        if (a.TryGetProperty("bool", out var b)) return Torch.Tensor(Items(b).Select(v => v.GetBoolean()).ToArray()).Reshape(Ints(a.GetProperty("shape")));
        var f = Torch.Tensor(Items(a.GetProperty("float")).Select(Number).ToArray()).Reshape(Ints(a.GetProperty("shape"))).Detach();
        f.RequiresGrad = true;
        return f;
    }

    /// <summary>The numbers of a nested JSON list, row-major.</summary>
    private static IEnumerable<JsonElement> Leaves(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Leaves) : [e];

    /// <summary>The shape of a nested JSON list (a bare number is 0-d).</summary>
    private static int[] NestedShape(JsonElement e) =>
        e.ValueKind != JsonValueKind.Array ? [] : [e.GetArrayLength(), .. e.GetArrayLength() > 0 ? NestedShape(e[0]) : []];

    private static Tensor RunOp(string op, Tensor x, JsonElement[] args) => op switch
    {
        "index_select" => x.IndexSelect(args[0].GetInt32(), Arg(args[1])),
        "index_add" => x.IndexAdd(args[0].GetInt32(), Arg(args[1]), Arg(args[2])),
        "index_put" => x.IndexPut([.. args[0].EnumerateArray().Select(Arg)], Arg(args[1]), args[2].GetBoolean()),
        "masked_fill" => x.MaskedFill(Arg(args[0]), args[1].GetDouble()),
        "masked_fill_" => (x * 1.0).MaskedFill_(Arg(args[0]), args[1].GetDouble()),
        "masked_select" => x.MaskedSelect(Arg(args[0])),
        _ => throw new ArgumentException(op),
    };

    [TestCaseSource(nameof(Ops))]
    public void IndexOp_MatchesPyTorch(JsonElement c)
    {
        var x = Base(Ints(c.GetProperty("shape")));
        var args = c.GetProperty("args").EnumerateArray().ToArray();
        var sources = new List<Tensor> { x };
        // Arguments are built once, so the gradients are taken with respect to the tensors the op used.
        var built = args.Select(a => a.ValueKind == JsonValueKind.Object ? (object)Arg(a)
            : a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(Arg).ToArray() : a).ToArray();
        sources.AddRange(built.OfType<Tensor>().Where(t => t.RequiresGrad));
        string op = c.GetProperty("op").GetString()!;
        var r = op switch
        {
            "index_select" => x.IndexSelect(args[0].GetInt32(), (Tensor)built[1]),
            "index_add" => x.IndexAdd(args[0].GetInt32(), (Tensor)built[1], (Tensor)built[2]),
            "index_put" => x.IndexPut((Tensor[])built[0], (Tensor)built[1], args[2].GetBoolean()),
            "masked_fill" => x.MaskedFill((Tensor)built[0], args[1].GetDouble()),
            "masked_fill_" => (x * 1.0).MaskedFill_((Tensor)built[0], args[1].GetDouble()),
            "masked_select" => x.MaskedSelect((Tensor)built[0]),
            _ => throw new ArgumentException(op),
        };
        r.ToArray<double>().ShouldBe(Doubles(c.GetProperty("values")));
        r.Shape.ShouldBe(Ints(c.GetProperty("size")));
        ShouldHaveGradFn(r, c.GetProperty("grad_fn"));
        var grads = Gradients.Grad([(r * Weights(r)).Sum()], [.. sources], allowUnused: true);
        var expected = c.GetProperty("grads").EnumerateArray().ToArray();
        grads.Length.ShouldBe(expected.Length);
        for (int i = 0; i < grads.Length; i++) grads[i].ToArray<double>().ShouldBe(Doubles(expected[i]));
    }

    [TestCaseSource(nameof(OpErrors))]
    public void IndexOpFailsAsPyTorch(JsonElement c)
    {
        var x = Arange(Ints(c.GetProperty("shape")));
        var args = c.GetProperty("args").EnumerateArray().ToArray();
        ShouldFailAs(() => RunOp(c.GetProperty("op").GetString()!, x, args), c);
    }

    [TestCaseSource(nameof(NonzeroCases))]
    public void Nonzero_MatchesPyTorch(JsonElement c)
    {
        var dtype = c.GetProperty("dtype").GetString() switch
        {
            "float32" => DType.Float32, "float64" => DType.Float64, "int64" => DType.Int64, _ => DType.Bool,
        };
        var t = Torch.Tensor(Doubles(c.GetProperty("values"))).To(dtype).Reshape(Ints(c.GetProperty("shape")));
        var r = t.Nonzero();
        r.DType.ShouldBe(DType.Int64);
        r.Shape.ShouldBe(Ints(c.GetProperty("size")));
        r.ToArray<double>().ShouldBe(Doubles(c.GetProperty("result")));
    }

    /// <summary>PyTorch's IndexError is IndexOutOfRangeException (a dim out of range keeps the library's ArgumentOutOfRangeException); its RuntimeError an ArgumentException or InvalidOperationException.</summary>
    private static void ShouldFailAs(Action action, JsonElement c)
    {
        var error = Should.Throw<Exception>(action);
        error.Message.ShouldBe(c.GetProperty("message").GetString());
        if (c.GetProperty("type").GetString() == "IndexError")
            (error is IndexOutOfRangeException or ArgumentOutOfRangeException).ShouldBeTrue(error.GetType().Name);
        else
            (error is ArgumentException or InvalidOperationException && error is not ArgumentOutOfRangeException).ShouldBeTrue(error.GetType().Name);
    }
}
