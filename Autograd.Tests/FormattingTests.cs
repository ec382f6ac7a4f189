using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace Autograd.Tests;

/// <summary>
/// Inspecting and formatting as in PyTorch 1.13 (Golden/formatting.json from tools/gen_formatting_golden.py):
/// format(tensor, spec) through IFormattable, torch.Size, item()'s conversions and errors, tolist()'s nesting, and
/// Python's in-place compound assignment.
/// </summary>
[TestFixture]
public class FormattingTests
{
    private static readonly JsonElement Golden = GoldenTensors.Load("formatting.json");

    /// <summary>A 0-d tensor of <paramref name="dtype"/> holding the element whose bits are <paramref name="hex"/> (big-endian).</summary>
    private static Tensor Element(string dtype, string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Tensor t = dtype switch
        {
            "float32" => Torch.Tensor([BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32BigEndian(bytes))]),
            "float64" => Torch.Tensor([BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(bytes))]),
            "int64" => Torch.Tensor([BinaryPrimitives.ReadInt64BigEndian(bytes)]),
            "bool" => Torch.Tensor([bytes[0] != 0]),
            _ => throw new ArgumentException(dtype),
        };
        return t.Reshape();
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    public static IEnumerable<TestCaseData> FormatCases() =>
        Golden.GetProperty("formats").EnumerateArray().Select(c => new TestCaseData(
                c.GetProperty("dtype").GetString(), c.GetProperty("hex").GetString(), c.GetProperty("net").GetString(), c.GetProperty("text").GetString())
            .SetName($"Format_{c.GetProperty("dtype").GetString()}_{c.GetProperty("hex").GetString()}_{c.GetProperty("spec").GetString()}"));

    /// <summary>A .NET standard format on a 0-d tensor prints what Python's format(t, spec) prints for the matching spec.</summary>
    [TestCaseSource(nameof(FormatCases))]
    public void ZeroDimTensor_FormatsItsNumberAsPython(string dtype, string hex, string format, string expected)
    {
        var t = Element(dtype, hex);
        t.ToString(format, null).ShouldBe(expected);
        string.Format(null, "{0:" + format + "}", t).ShouldBe(expected);
    }

    [Test]
    public void InterpolatedString_WithFormat_IsPythonsFString()
    {
        var loss = Torch.Scalar(1.8978, requiresGrad: true) * 1;
        $"{loss:F4}".ShouldBe("1.8978");                 // f"{loss:.4f}"
        $"{loss:F10}".ShouldBe("1.8977999687");          // the float32 value, widened exactly as Python's float
        $"{loss:R}".ShouldBe("1.8977999687194824");      // the digits of Python's f"{loss.item()}"
        $"[{loss,8:F2}]".ShouldBe("[    1.90]");         // alignment is C#'s, applied to the formatted number
    }

    [Test]
    public void NullOrEmptyFormat_IsStr()
    {
        var loss = Torch.Scalar(1.8978, requiresGrad: true) * 1;
        const string str = "tensor(1.8978, grad_fn=<MulBackward0>)";
        loss.ToString().ShouldBe(str);
        $"{loss}".ShouldBe(str);
        string.Format("{0}", loss).ShouldBe(str);
        loss.ToString(null, CultureInfo.InvariantCulture).ShouldBe(str);
        loss.ToString("", null).ShouldBe(str);
        var matrix = Torch.Tensor(new float[,] { { 1, 2 }, { 3, 4 } });
        $"{matrix}".ShouldBe(matrix.ToString());
    }

    public static IEnumerable<TestCaseData> FormatErrorCases() =>
        Golden.GetProperty("format_errors").EnumerateArray().Select(c => new TestCaseData(Ints(c.GetProperty("shape")), c.GetProperty("message").GetString())
            .SetName($"FormatError_[{string.Join(",", Ints(c.GetProperty("shape")))}]"));

    /// <summary>A format on a tensor with dims is PyTorch's TypeError, even with one element.</summary>
    [TestCaseSource(nameof(FormatErrorCases))]
    public void FormatOnTensorWithDims_Throws(int[] shape, string message)
    {
        var t = Torch.Zeros(shape);
        Should.Throw<FormatException>(() => t.ToString("F4", null)).Message.ShouldBe(message);
        Should.Throw<FormatException>(() => $"{t:F4}").Message.ShouldBe(message);
    }

    [Test]
    public void Format_UsesTheProvider_AndInvariantPythonTextWithoutOne()
    {
        var t = Torch.Scalar(1234.5, DType.Float64);
        t.ToString("N2", CultureInfo.GetCultureInfo("de-DE")).ShouldBe("1.234,50");
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            $"{t:N2}".ShouldBe("1,234.50");
            $"{Torch.Scalar(double.NaN):F2}".ShouldBe("nan");
        }
        finally { CultureInfo.CurrentCulture = saved; }
        // A format .NET does not take for the element type fails as Python's does (format(3.5, "d") is a ValueError).
        Should.Throw<FormatException>(() => Torch.Scalar(3.5).ToString("D", null));
    }

    public static IEnumerable<TestCaseData> SizeCases() =>
        Golden.GetProperty("sizes").EnumerateArray().Select(c => new TestCaseData(Ints(c.GetProperty("shape")), c.GetProperty("text").GetString(), c.GetProperty("numel").GetInt32())
            .SetName($"Size_[{string.Join(",", Ints(c.GetProperty("shape")))}]"));

    [TestCaseSource(nameof(SizeCases))]
    public void Shape_PrintsAsTorchSize(int[] shape, string text, int numel)
    {
        var size = Torch.Zeros(shape).Shape;
        size.ToString().ShouldBe(text);
        $"{size}".ShouldBe(text);
        size.Numel().ShouldBe(numel);
        size.Count.ShouldBe(shape.Length);
        size.ToArray().ShouldBe(shape);
    }

    [Test]
    public void Size_ComparesByValue_AndReadsAsAList()
    {
        var x = Torch.Zeros(4, 7);
        Size shape = x.Shape;
        (shape == new Size(4, 7)).ShouldBeTrue();
        (shape == new[] { 4, 7 }).ShouldBeTrue();
        (shape == [4, 7]).ShouldBeTrue();
        (shape != new[] { 7, 4 }).ShouldBeTrue();
        (shape == new[] { 4, 7, 1 }).ShouldBeFalse();
        (shape == (int[]?)null).ShouldBeFalse();
        shape.Equals(Torch.Ones(4, 7).Shape).ShouldBeTrue();
        shape.Equals((object)new Size(4, 7)).ShouldBeTrue();
        shape.GetHashCode().ShouldBe(new Size(4, 7).GetHashCode());
        new HashSet<Size> { shape, new Size(4, 7), new Size(7, 4) }.Count.ShouldBe(2);
        shape.ShouldBe(new[] { 4, 7 });
        shape.ShouldBe([4, 7]);

        (shape[0], shape[^1]).ShouldBe((4, 7));
        Size tail = shape[1..];
        tail.ToString().ShouldBe("torch.Size([7])");
        (shape is [4, 7]).ShouldBeTrue();
        shape.Sum().ShouldBe(11);
        int[] spread = [.. shape, 2];
        spread.ShouldBe([4, 7, 2]);
        Size built = [2, 3];
        built.ToString().ShouldBe("torch.Size([2, 3])");
        x.Size(-1).ShouldBe(7);
    }

    [Test]
    public void Size_CopiesWhatItIsGiven()
    {
        int[] sizes = [2, 3];
        var size = new Size(sizes);
        sizes[0] = 5;
        size[0].ShouldBe(2);
        var copy = size.ToArray();
        copy[1] = 9;
        size[1].ShouldBe(3);
        Should.Throw<ArgumentNullException>(() => new Size(null!));
    }

    public static IEnumerable<TestCaseData> ItemErrorCases() =>
        Golden.GetProperty("item_errors").EnumerateArray().Select((c, i) => new TestCaseData(c).SetName($"ItemError_{i}_{c.GetProperty("type").GetString()}"));

    /// <summary>item() of a tensor not holding one element, and int() of NaN or an infinity, fail with Python's messages.</summary>
    [TestCaseSource(nameof(ItemErrorCases))]
    public void Item_FailsWithPythonsMessage(JsonElement c)
    {
        string message = c.GetProperty("message").GetString()!;
        if (c.GetProperty("as").GetString() == "float")
        {
            var t = Torch.Zeros(Ints(c.GetProperty("shape")));
            Should.Throw<ArgumentException>(() => t.Item<float>()).Message.ShouldBe(message);
            Should.Throw<ArgumentException>(() => t.Item<long>()).Message.ShouldBe(message);
            return;
        }
        var element = Element(c.GetProperty("dtype").GetString()!, c.GetProperty("hex").GetString()!);
        var exception = Should.Throw<Exception>(() => element.Item<long>());
        exception.Message.ShouldBe(message);
        // ValueError (NaN) is misuse of the value; OverflowError (infinities) is .NET's OverflowException.
        if (c.GetProperty("type").GetString() == "OverflowError") exception.ShouldBeOfType<OverflowException>();
        else exception.ShouldBeOfType<InvalidOperationException>();
        double.IsFinite(element.Item<double>()).ShouldBeFalse();
    }

    private static string Hex64(Tensor t) => BitConverter.DoubleToInt64Bits(t.Item<double>()).ToString("x16");

    [Test]
    public void ItemAsLong_OutsideLongsRange_Throws()
    {
        // Python's int() would give 10**30 exactly; a long cannot hold it, and .NET's cast would saturate silently.
        Should.Throw<OverflowException>(() => Torch.Scalar(1e30).Item<long>()).Message.ShouldBe("value cannot be converted to type int64_t without overflow");
        Should.Throw<OverflowException>(() => Torch.Scalar(-1e19, DType.Float64).Item<long>());
        Torch.Scalar(-9.2233720368547758e18, DType.Float64).Item<long>().ShouldBe(long.MinValue);
        Should.Throw<OverflowException>(() => Torch.Tensor([1f, 1e20f]).ToArray<long>());
    }

    public static IEnumerable<TestCaseData> ItemCases() =>
        Golden.GetProperty("items").EnumerateArray().Select((c, i) => new TestCaseData(c).SetName($"Item_{i}_{c.GetProperty("dtype").GetString()}"));

    /// <summary>item() of any one-element shape, read as long (Python's int(t)), double (float(t)) and bool (bool(t)).</summary>
    [TestCaseSource(nameof(ItemCases))]
    public void Item_ConvertsAsPython(JsonElement c)
    {
        var t = Element(c.GetProperty("dtype").GetString()!, c.GetProperty("hex").GetString()!).Reshape(Ints(c.GetProperty("shape")));
        t.Item<long>().ShouldBe(c.GetProperty("long").GetInt64());
        Hex64(t).ShouldBe(c.GetProperty("double_hex").GetString());
        t.Item<bool>().ShouldBe(c.GetProperty("bool").GetBoolean());
    }

    public static IEnumerable<TestCaseData> ToListCases() =>
        Golden.GetProperty("tolist").EnumerateArray().Select((c, i) => new TestCaseData(c).SetName($"ToMultiArray_{i}"));

    /// <summary>ToMultiArray nests as tolist() does, through a view's strides; ToArray is its row-major flattening.</summary>
    [TestCaseSource(nameof(ToListCases))]
    public void ToMultiArray_NestsAsToList(JsonElement c)
    {
        int[] shape = Ints(c.GetProperty("shape"));
        var t = Torch.Arange(shape.Aggregate(1, (a, b) => a * b)).Reshape(shape);
        if (c.GetProperty("permute").ValueKind == JsonValueKind.Array) t = t.Permute(Ints(c.GetProperty("permute")));
        int[] resultShape = Ints(c.GetProperty("result_shape"));
        t.ToArray<long>().ShouldBe(c.GetProperty("flat").EnumerateArray().Select(e => e.GetInt64()).ToArray());

        var nested = t.ToMultiArray<long>();
        nested.Rank.ShouldBe(resultShape.Length);
        for (int d = 0; d < resultShape.Length; d++) nested.GetLength(d).ShouldBe(resultShape[d]);
        var index = new int[resultShape.Length];
        Walk(c.GetProperty("nested"), 0);

        void Walk(JsonElement list, int depth)
        {
            int i = 0;
            foreach (var item in list.EnumerateArray())
            {
                index[depth] = i++;
                if (depth == index.Length - 1) ((long)nested.GetValue(index)!).ShouldBe(item.GetInt64(), string.Join(",", index));
                else Walk(item, depth + 1);
            }
        }

        var asDouble = t.ToMultiArray<double>();
        asDouble.GetType().ShouldBe(Array.CreateInstance(typeof(double), resultShape).GetType());
    }

    [Test]
    public void ToMultiArray_GivesTypedArraysOfTheRank()
    {
        var m = (float[,])Torch.Tensor(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }).T().ToMultiArray<float>();
        (m.GetLength(0), m.GetLength(1)).ShouldBe((3, 2));
        m.Cast<float>().ShouldBe([1f, 4f, 2f, 5f, 3f, 6f]);
        m[2, 1].ShouldBe(6f);
        ((float[])Torch.Tensor([1f, 2f]).ToMultiArray<float>()).ShouldBe([1f, 2f]);
        var flags = (bool[,])Torch.Tensor(new float[,] { { 0, 2 } }).ToMultiArray<bool>();
        (flags[0, 0], flags[0, 1]).ShouldBe((false, true));
        var empty = (float[,,])Torch.Zeros(2, 0, 3).ToMultiArray<float>();
        (empty.GetLength(0), empty.GetLength(1), empty.GetLength(2)).ShouldBe((2, 0, 3));
        Should.Throw<InvalidOperationException>(() => Torch.Scalar(1).ToMultiArray<float>());
    }

    /// <summary>Python's in-place operators on a graph: each gives PyTorch's grad_fn, moves the version and keeps the gradient right.</summary>
    [Test]
    public void CompoundAssignment_OnAGraph_IsPythonsInPlaceOp()
    {
        var chain = Golden.GetProperty("compound").GetProperty("chain");
        var x = Torch.Tensor(chain.GetProperty("x").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray(), requiresGrad: true);
        var y = x * 2;
        var original = y;
        foreach (var step in chain.GetProperty("steps").EnumerateArray())
        {
            string op = step.GetProperty("op").GetString()!;
            var rhs = step.GetProperty("rhs");
            if (rhs.ValueKind == JsonValueKind.Number)
            {
                double number = rhs.GetDouble();
                switch (op) { case "+=": y += number; break; case "-=": y -= number; break; case "*=": y *= number; break; default: y /= number; break; }
            }
            else
            {
                var other = rhs.GetString() == "x" ? x : x + 1;
                switch (op) { case "+=": y += other; break; case "-=": y -= other; break; case "*=": y *= other; break; default: y /= other; break; }
            }
            string what = $"{op} {rhs}";
            y.ShouldBeSameAs(original, what);
            y.GradFn.ShouldNotBeNull().Name.ShouldBe(step.GetProperty("grad_fn").GetString(), what);
            y.Version.ShouldBe(step.GetProperty("version").GetInt32(), what);
            y.ToArray<float>().ShouldBe(step.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray(), what);
        }
        y.Sum().Backward();
        x.Grad.ShouldNotBeNull().ToArray<float>().ShouldBe(chain.GetProperty("x_grad").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray());
    }

    [Test]
    public void CompoundAssignment_UpdatesEveryAliasInPlace()
    {
        var p = Torch.Tensor([1f, 2f, 3f]);
        var q = p;
        var view = p.Narrow(0, 1, 2);
        var detached = p.Detach();
        int version = p.Version;
        p -= 1;
        q.ToArray<float>().ShouldBe([0f, 1f, 2f]);
        view.ToArray<float>().ShouldBe([1f, 2f]);
        detached.ToArray<float>().ShouldBe([0f, 1f, 2f]);
        p.Version.ShouldBe(version + 1);
        detached.Version.ShouldBe(version + 1);

        view *= Torch.Tensor([10f, 100f]);   // through the view, into p's storage
        p.ToArray<float>().ShouldBe([0f, 10f, 200f]);
        p += Torch.Scalar(0.5);              // broadcast
        p /= 2;
        p.ToArray<float>().ShouldBe([0.25f, 5.25f, 100.25f]);
        p.Version.ShouldBe(version + 4);
    }

    /// <summary>The tutorial's update p -= lr * p.grad: refused on a leaf that requires grad, done in place under NoGrad.</summary>
    [Test]
    public void CompoundAssignment_OnALeafThatRequiresGrad_FollowsAutogradsRules()
    {
        var compound = Golden.GetProperty("compound");
        var p = Torch.Tensor([0.5f, 1.0f], requiresGrad: true);
        var alias = p;
        Should.Throw<InvalidOperationException>(() => p -= Torch.Ones(2)).Message.ShouldBe(compound.GetProperty("leaf_error").GetProperty("message").GetString());
        Should.Throw<InvalidOperationException>(() => p *= 2.0).Message.ShouldBe(compound.GetProperty("leaf_scalar_error").GetProperty("message").GetString());
        p.ToArray<float>().ShouldBe([0.5f, 1.0f]);
        p.Version.ShouldBe(0);

        (p * p).Sum().Backward();
        using (Torch.NoGrad())
        {
            p -= 0.1 * p.Grad!;
        }
        alias.ShouldBeSameAs(p);
        alias.ToArray<float>().ShouldBe([0.5f - 0.1f * 1.0f, 1.0f - 0.1f * 2.0f]);
        p.IsLeaf.ShouldBeTrue();
        p.RequiresGrad.ShouldBeTrue();
        p.Version.ShouldBe(1);
    }

    [Test]
    public void CompoundAssignment_FailsAsPyTorch_AndChangesNothing()
    {
        var compound = Golden.GetProperty("compound");
        var ints = Torch.Arange(3);
        Should.Throw<ArgumentException>(() => ints += 1.5).Message.ShouldBe(compound.GetProperty("int_error").GetProperty("message").GetString());
        ints.ToArray<long>().ShouldBe([0L, 1L, 2L]);
        var zeros = Torch.Zeros(3);
        Should.Throw<ArgumentException>(() => zeros += Torch.Ones(2, 3)).Message.ShouldBe(compound.GetProperty("shape_error").GetProperty("message").GetString());
        zeros.ToArray<float>().ShouldBe([0f, 0f, 0f]);
        zeros.Version.ShouldBe(0);

        Should.Throw<ArgumentNullException>(() => zeros += (Tensor)null!);
        Tensor missing = null!;
        Should.Throw<ArgumentNullException>(() => missing -= 1);
    }
}
