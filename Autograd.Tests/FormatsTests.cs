using System.IO.Compression;
using System.Text.Json;
using Autograd.Formats;

namespace Autograd.Tests;

/// <summary>
/// Torch.Save/Load (PyTorch's zip + pickle), Numpy.SaveZ/LoadZ and SafeTensors.Save/Load against files PyTorch 1.13 and
/// NumPy wrote (Golden/formats, tools/gen_formats_golden.py), round trips, and files that must fail cleanly.
/// </summary>
public class FormatsTests
{
    private static readonly Lazy<JsonElement> Golden = new(() =>
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture("formats.json")));
        return json.RootElement.Clone();
    });

    private static string Fixture(string file) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "formats", file);

    private string folder = null!;

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("autograd-formats-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    private string InFolder(string file) => Path.Combine(folder, file);

    public static IEnumerable<TestCaseData> TorchFiles()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "formats", "formats.json")));
        foreach (var c in json.RootElement.GetProperty("torch").EnumerateArray())
            yield return new TestCaseData(c.GetProperty("file").GetString()).SetName("TorchLoad_ReadsWhatPyTorchWrote_" + c.GetProperty("file").GetString());
    }

    [TestCaseSource(nameof(TorchFiles))]
    public void TorchLoad_ReadsWhatPyTorchWrote(string file)
    {
        var expected = Golden.Value.GetProperty("torch").EnumerateArray().Single(c => c.GetProperty("file").GetString() == file).GetProperty("object");
        ShouldMatch(Torch.Load<object>(Fixture(file)), expected, file);
    }

    [Test]
    public void TorchLoad_StateDict_KeepsPyTorchsNamesOrderAndDTypes()
    {
        var stateDict = Torch.Load<OrderedDictionary<string, Tensor>>(Fixture("state_dict.pt"));
        stateDict.Keys.ShouldBe(["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"]);
        stateDict["0.weight"].Shape.ShouldBe([4, 3]);
        stateDict["1.num_batches_tracked"].DType.ShouldBe(DType.Int64);
        stateDict["1.num_batches_tracked"].Shape.ShouldBeEmpty();
        stateDict["1.num_batches_tracked"].Item<long>().ShouldBe(1);
        stateDict.Values.ShouldAllBe(t => !t.RequiresGrad);

        var fromGpu = Torch.Load<Dictionary<string, Tensor>>(Fixture("state_dict_cuda.pt"));
        fromGpu.Keys.ShouldBe(stateDict.Keys);
        foreach (var (name, tensor) in fromGpu) tensor.ToArray<double>().ShouldBe(stateDict[name].ToArray<double>(), name);
        Torch.Load<IReadOnlyDictionary<string, Tensor>>(Fixture("state_dict.pt")).Count.ShouldBe(7);
    }

    [Test]
    public void TorchLoad_ViewsOfOneStorage_KeepTheirOffsetsAndStrides()
    {
        var views = Torch.Load<List<Tensor>>(Fixture("views.pt"));
        // base = arange(24).reshape(4, 6): base.t(), base[1], base[:, 1::2], base[2:, 3:], base.reshape(2, 12)[1]
        views[0].Shape.ShouldBe([6, 4]);
        views[0].ToArray<float>()[..5].ShouldBe([0f, 6, 12, 18, 1]);
        views[1].ToArray<float>().ShouldBe([6f, 7, 8, 9, 10, 11]);
        views[2].ToArray<float>().ShouldBe([1f, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]);
        views[3].ToArray<float>().ShouldBe([15f, 16, 17, 21, 22, 23]);
        views[4].ToArray<float>().ShouldBe(Enumerable.Range(12, 12).Select(i => (float)i).ToArray());
        var shared = Torch.Load<Dictionary<string, Tensor>>(Fixture("shared.pt"));
        shared["tail"].ToArray<long>().ShouldBe([4L, 5, 6, 7, 8, 9]);
        shared["same"].ToArray<long>().ShouldBe(shared["whole"].ToArray<long>());
        // As torch.load gives them: views of one storage, with PyTorch's strides and offsets, writing through.
        views[0].Strides.ShouldBe([1, 6]);
        views[2].Strides.ShouldBe([6, 2]);
        views[2].StorageOffset.ShouldBe(1);
        (views[3].StorageOffset, views[4].StorageOffset).ShouldBe((15, 12));
        views[1].Fill_(-1);
        views[0].ToArray<float>()[1].ShouldBe(-1f);
        views[0].Version.ShouldBe(1);
        shared["tail"].StorageOffset.ShouldBe(4);
        shared["whole"].Add_(Torch.Ones([10], DType.Int64));
        shared["tail"].ToArray<long>().ShouldBe([5L, 6, 7, 8, 9, 10]);
    }

    [Test]
    public void TorchLoad_Parameter_RequiresGrad()
    {
        var parameter = Torch.Load<Tensor>(Fixture("parameter.pt"));
        parameter.RequiresGrad.ShouldBeTrue();
        parameter.IsLeaf.ShouldBeTrue();
    }

    [Test]
    public void TorchLoad_PickleCallingAnotherGlobal_IsRefusedNamingIt()
    {
        var error = Should.Throw<InvalidDataException>(() => Torch.Load<object>(Fixture("evil_global.pt")));
        error.Message.ShouldStartWith(Fixture("evil_global.pt") + ": ");
        error.Message.ShouldContain("'posix.system'");
    }

    [Test]
    public void TorchLoad_StorageClaimingSixteenGigabytes_FailsBeforeAllocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Should.Throw<InvalidDataException>(() => Torch.Load<Tensor>(Fixture("huge_storage.pt")));
        error.Message.ShouldContain("needs 17179869176 bytes but its record holds 16");
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(10_000_000);
    }

    [Test]
    public void TorchLoad_AskedForTheWrongType_SaysWhatTheFileHolds()
    {
        Should.Throw<InvalidDataException>(() => Torch.Load<Tensor>(Fixture("state_dict.pt")))
            .Message.ShouldBe($"{Fixture("state_dict.pt")}: the file holds an OrderedDict where a Tensor is asked for");
        Should.Throw<InvalidDataException>(() => Torch.Load<List<Tensor>>(Fixture("mixed.pt")))
            .Message.ShouldContain("the file holds an int where a Tensor is asked for");
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    [TestCase(DType.Int64)]
    public void TorchSave_RoundTripsEveryDType_ZeroDim_Empty_AndViews(DType dtype)
    {
        Torch.ManualSeed(3);
        var matrix = Kernels.Cast(Torch.Randn([3, 4], DType.Float64) * 1000, dtype);
        var tensors = new List<Tensor> { matrix, matrix.Transpose(0, 1), Kernels.Cast(Torch.Scalar(-2.5, DType.Float64), dtype), Torch.Zeros([0, 5], dtype), Torch.Ones([2, 0, 3], dtype) };
        Torch.Save(tensors, InFolder("list.pt"));
        var loaded = Torch.Load<List<Tensor>>(InFolder("list.pt"));
        loaded.Count.ShouldBe(tensors.Count);
        for (int i = 0; i < tensors.Count; i++)
        {
            loaded[i].DType.ShouldBe(dtype);
            loaded[i].Shape.ShouldBe(tensors[i].Shape);
            loaded[i].ToArray<double>().ShouldBe(tensors[i].ToArray<double>());
        }
    }

    [Test]
    public void TorchSave_StateDictsAndContainers_RoundTrip()
    {
        var weight = Torch.Randn(3, 2);
        var stateDict = new OrderedDictionary<string, Tensor> { ["fc.weight"] = weight, ["fc.bias"] = Torch.Zeros(3), ["steps"] = Torch.Tensor([7L]) };
        Torch.Save(stateDict, InFolder("sd.pt"));
        var loaded = Torch.Load<OrderedDictionary<string, Tensor>>(InFolder("sd.pt"));
        loaded.Keys.ShouldBe(["fc.weight", "fc.bias", "steps"]);
        loaded["fc.weight"].ToArray<float>().ShouldBe(weight.ToArray<float>());

        object?[] mixed = [weight, 3L, -70000, 1L << 40, 2.5, true, null, "text", new Dictionary<string, object?> { ["w"] = weight, ["n"] = 1 }, (1, "two")];
        Torch.Save(mixed, InFolder("mixed.pt"));
        var back = Torch.Load<List<object?>>(InFolder("mixed.pt"));
        ((Tensor)back[0]!).ToArray<float>().ShouldBe(weight.ToArray<float>());
        back[1..8].ShouldBe([3L, -70000L, 1L << 40, 2.5, true, null, "text"]);
        var inner = (Dictionary<string, object?>)back[8]!;
        inner["n"].ShouldBe(1L);
        ((object?[])back[9]!).ShouldBe([1L, "two"]);
    }

    [Test]
    public void TorchSave_SameTensorTwice_WritesOneStorage_AndTorchsLayout()
    {
        var shared = Torch.Randn(4);
        Torch.Save(new Dictionary<string, Tensor> { ["a"] = shared, ["b"] = shared, ["c"] = Torch.Ones(2) }, InFolder("shared.pt"));
        using var zip = ZipFile.OpenRead(InFolder("shared.pt"));
        zip.Entries.Select(e => e.FullName).ShouldBe(["archive/data.pkl", "archive/byteorder", "archive/data/0", "archive/data/1", "archive/version"]);
        zip.Entries.ShouldAllBe(e => e.CompressedLength == e.Length);
        // Each record's data starts at a multiple of 64 bytes, as PyTorch aligns them.
        using (var file = File.OpenRead(InFolder("shared.pt")))
        {
            foreach (var entry in zip.Entries)
            {
                var header = new byte[30];
                file.Position = (long)typeof(ZipArchiveEntry).GetProperty("OffsetOfLocalHeader", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(entry)!;
                file.ReadExactly(header);
                long dataStart = file.Position + BitConverter.ToUInt16(header, 26) + BitConverter.ToUInt16(header, 28);
                (dataStart % 64).ShouldBe(0, entry.FullName);
            }
        }
        var loaded = Torch.Load<Dictionary<string, Tensor>>(InFolder("shared.pt"));
        loaded["b"].ToArray<float>().ShouldBe(shared.ToArray<float>());
    }

    [Test]
    public void FailedSave_LeavesTheOldFileIntact()
    {
        string path = InFolder("model.pt");
        Torch.Save(Torch.Ones(3), path);
        var before = File.ReadAllBytes(path);
        Should.Throw<ArgumentException>(() => Torch.Save(new List<object> { Torch.Zeros(2), new Uri("http://x") }, path)).Message.ShouldContain("cannot save a Uri");
        Should.Throw<ArgumentException>(() => SafeTensors.Save(new Dictionary<string, Tensor> { ["__metadata__"] = Torch.Ones(1) }, path));
        File.ReadAllBytes(path).ShouldBe(before);
        Directory.GetFiles(folder).ShouldBe([path]);
    }

    [Test]
    public void NumpyLoadZ_ReadsWhatNumPyWrote_StoredAndCompressed()
    {
        var expected = Golden.Value.GetProperty("npz").GetProperty("arrays");
        foreach (string file in new[] { "arrays.npz", "compressed.npz" })
        {
            var arrays = Numpy.LoadZ(Fixture(file));
            arrays.Keys.Order().ToArray().ShouldBe(["a", "b", "c", "d"], file);
            foreach (var property in expected.EnumerateObject()) ShouldMatch(arrays[property.Name], property.Value, $"{file}:{property.Name}");
        }
    }

    [Test]
    public void NumpySaveZ_RoundTrips()
    {
        var arrays = new Dictionary<string, Tensor> { ["x"] = Torch.Randn(2, 3).Transpose(0, 1), ["n"] = Torch.Tensor([1L, -2]), ["s"] = Torch.Scalar(4, DType.Float64) };
        Numpy.SaveZ(arrays, InFolder("a.npz"));
        var loaded = Numpy.LoadZ(InFolder("a.npz"));
        loaded.Keys.ShouldBe(["x", "n", "s"]);
        foreach (var (name, tensor) in arrays)
        {
            loaded[name].Shape.ShouldBe(tensor.Shape);
            loaded[name].DType.ShouldBe(tensor.DType);
            loaded[name].ToArray<double>().ShouldBe(tensor.ToArray<double>());
        }
    }

    [Test]
    public void SafeTensorsLoad_ReadsTheSpecifiedLayout()
    {
        foreach (string name in new[] { "model", "no_metadata" })
        {
            var tensors = SafeTensors.Load(Fixture(name + ".safetensors"));
            var expected = Golden.Value.GetProperty("safetensors").GetProperty(name);
            tensors.Keys.Order(StringComparer.Ordinal).ShouldBe(expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            foreach (var property in expected.EnumerateObject()) ShouldMatch(tensors[property.Name], property.Value, property.Name);
        }
    }

    [Test]
    public void SafeTensorsSave_WritesTheBytesOfTheSafetensorsWriter()
    {
        foreach (string name in new[] { "model", "no_metadata" })
        {
            var tensors = SafeTensors.Load(Fixture(name + ".safetensors"));
            var metadata = name == "model" ? new Dictionary<string, string> { ["format"] = "pt" } : null;
            SafeTensors.Save(tensors, InFolder(name + ".safetensors"), metadata);
            File.ReadAllBytes(InFolder(name + ".safetensors")).ShouldBe(File.ReadAllBytes(Fixture(name + ".safetensors")), name);
        }
    }

    [Test]
    public void SafeTensorsSave_EmptyAndEscapedNames()
    {
        SafeTensors.Save(new Dictionary<string, Tensor>(), InFolder("empty.safetensors"));
        // The safetensors crate's own test: an empty dict is "{}" padded to 8 bytes.
        File.ReadAllBytes(InFolder("empty.safetensors")).ShouldBe([8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', 32, 32, 32, 32, 32, 32]);
        var odd = new Dictionary<string, Tensor> { ["a\"b\\c\n\u0001é"] = Torch.Ones(1), ["z"] = Torch.Tensor([1L]) };
        SafeTensors.Save(odd, InFolder("odd.safetensors"));
        var text = System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(InFolder("odd.safetensors")));
        text.ShouldContain("{\"z\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},\"a\\\"b\\\\c\\n\\u0001é\":{\"dtype\":\"F32\"");
        SafeTensors.Load(InFolder("odd.safetensors")).Keys.Order(StringComparer.Ordinal).ShouldBe(odd.Keys.Order(StringComparer.Ordinal));
    }

    [Test]
    public void NumpyLoad_HeaderClaimingFifteenGigabytes_FailsBeforeAllocating()
    {
        // The issue's 192-byte file: a valid header claiming 2,000,000,000 float64 elements, and no data.
        string path = InFolder("bomb.npy");
        File.WriteAllBytes(path, NpyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2000000000,), }"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Should.Throw<InvalidDataException>(() => Numpy.Load(path)).Message.ShouldBe($"{path}: the header's shape (2000000000,) needs 16000000000 bytes of data but only 0 follow");
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(1_000_000);
    }

    [Test]
    public void NumpyLoad_RejectsWhatNumPyRejects_WithInvalidData()
    {
        string path = InFolder("bad.npy");
        // A 20-byte version 2.0 file claiming a 0x7FFFFFF0-byte header.
        File.WriteAllBytes(path, [0x93, .. "NUMPY"u8, 2, 0, 0xF0, 0xFF, 0xFF, 0x7F, .. "{'descr'"u8]);
        Should.Throw<InvalidDataException>(() => Numpy.Load(path)).Message.ShouldBe($"{path}: the header claims 2147483632 bytes but only 8 follow");

        File.WriteAllBytes(path, NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -3), }"));
        Should.Throw<InvalidDataException>(() => Numpy.Load(path)).Message.ShouldBe($"{path}: negative dimension -2 in shape (-2, -3)");

        File.WriteAllBytes(path, NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (" + string.Concat(Enumerable.Repeat("1, ", 200_000)) + "), }", version: 2));
        Should.Throw<InvalidDataException>(() => Numpy.Load(path)).Message.ShouldBe($"{path}: the shape has 200000 dims; the limit is 64");

        File.WriteAllBytes(path, NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + new string(' ', 10_000)));
        Should.Throw<InvalidDataException>(() => Numpy.Load(path)).Message.ShouldContain("exceeds the limit of 10000 bytes");

        Numpy.Save(Torch.Ones(4), path);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^3]);
        Should.Throw<InvalidDataException>(() => Numpy.Load(path)).Message.ShouldBe($"{path}: the header's shape (4,) needs 16 bytes of data but only 13 follow");
    }

    /// <summary>A .npy file with <paramref name="dict"/> as its header (version 1.0 or 2.0) and no data.</summary>
    private static byte[] NpyFile(string dict, int version = 1)
    {
        var header = System.Text.Encoding.Latin1.GetBytes(dict + "\n");
        byte[] length = version == 1 ? BitConverter.GetBytes((ushort)header.Length) : BitConverter.GetBytes(header.Length);
        return [0x93, .. "NUMPY"u8, (byte)version, 0, .. length, .. header];
    }

    /// <summary>
    /// Writes files for PyTorch to read into the test output's formats-for-pytorch folder: run
    /// <c>python3 tools/check_torch_files.py Autograd.Tests/bin/Debug/net10.0/formats-for-pytorch</c> to check them.
    /// Each NAME.pt comes with NAME.npz holding the same tensors by their path in the object.
    /// </summary>
    [Test]
    public void WritesFilesForPyTorchToCheck()
    {
        string output = Path.Combine(TestContext.CurrentContext.TestDirectory, "formats-for-pytorch");
        Directory.CreateDirectory(output);
        Torch.ManualSeed(11);
        var matrix = Torch.Randn(3, 4);
        var files = new Dictionary<string, object>
        {
            ["tensor_f32"] = matrix,
            ["tensor_f64_transposed"] = Kernels.Cast(matrix, DType.Float64).Transpose(0, 1),
            ["tensor_i64_scalar"] = Torch.Scalar(-9, DType.Int64),
            ["tensor_empty"] = Torch.Zeros(0, 3),
            ["state_dict"] = new OrderedDictionary<string, Tensor> { ["0.weight"] = matrix, ["0.bias"] = Torch.Ones(3), ["1.num_batches_tracked"] = Torch.Scalar(4, DType.Int64) },
            ["nested"] = new Dictionary<string, object> { ["list"] = new List<object> { matrix, 5L, "name", true }, ["tuple"] = (matrix, 2), ["again"] = matrix },
        };
        foreach (var (name, value) in files)
        {
            Torch.Save(value, Path.Combine(output, name + ".pt"));
            var flat = new Dictionary<string, Tensor>();
            Flatten(value, "", flat);
            Numpy.SaveZ(flat, Path.Combine(output, name + ".npz"));
            Torch.Load<object>(Path.Combine(output, name + ".pt")).ShouldNotBeNull();
        }
        SafeTensors.Save(new Dictionary<string, Tensor> { ["w"] = matrix, ["n"] = Torch.Tensor([1L, 2]) }, Path.Combine(output, "tensors.safetensors"), new Dictionary<string, string> { ["format"] = "pt" });
        Numpy.SaveZ(new Dictionary<string, Tensor> { ["w"] = matrix, ["n"] = Torch.Tensor([1L, 2]) }, Path.Combine(output, "tensors.safetensors.npz"));
        TestContext.Out.WriteLine($"wrote {files.Count} torch files and a safetensors file into {output}");

        static void Flatten(object? value, string path, Dictionary<string, Tensor> flat)
        {
            switch (value)
            {
                case Tensor t: flat[path.Length == 0 ? "." : path] = t; break;
                case System.Collections.IDictionary d:
                    for (var e = d.GetEnumerator(); e.MoveNext();) Flatten(e.Value, path + "/" + e.Key, flat);
                    break;
                case System.Runtime.CompilerServices.ITuple tuple:
                    for (int i = 0; i < tuple.Length; i++) Flatten(tuple[i], path + "/" + i, flat);
                    break;
                case System.Collections.IList list:
                    for (int i = 0; i < list.Count; i++) Flatten(list[i], path + "/" + i, flat);
                    break;
            }
        }
    }

    /// <summary>
    /// samples/from_pytorch.cs runs the model PyTorch trained with PyTorch's outputs, and saves its fine-tuned model in a
    /// file whose state dict reproduces the outputs saved next to it (tools/check_torch_files.py checks it with PyTorch).
    /// </summary>
    [Test, Category("Slow")]
    public void FromPyTorchSample_MatchesPyTorch_AndSavesItsModel()
    {
        string root = TestContext.CurrentContext.TestDirectory;
        while (!File.Exists(Path.Combine(root, "AutogradMini.sln"))) root = Path.GetDirectoryName(root)!;
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", ["run", Path.Combine("samples", "from_pytorch.cs"), "--", folder])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit(TimeSpan.FromMinutes(5)).ShouldBeTrue("the sample did not finish");
        process.ExitCode.ShouldBe(0, stderr.Result);

        string Block(string label) => System.Text.RegularExpressions.Regex.Match(stdout, label + @":\n(tensor\(.*?\]\]\))", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        Block("outputs here").ShouldNotBeEmpty(stdout);
        Block("outputs here").ShouldBe(Block("outputs in PyTorch"));
        double difference = double.Parse(System.Text.RegularExpressions.Regex.Match(stdout, @"largest difference: (\S+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        difference.ShouldBeLessThan(1e-5);

        var saved = Torch.Load<Dictionary<string, object>>(InFolder("mlp_finetuned.pt"));
        var stateDict = (OrderedDictionary<string, object?>)saved["state_dict"];
        stateDict.Keys.ShouldBe(["0.weight", "0.bias", "2.weight", "2.bias"]);
        var model = new NN.Sequential(new NN.Linear(4, 8), new NN.ReLU(), new NN.Linear(8, 3));
        using (Torch.NoGrad())
        {
            foreach (var (name, parameter) in model.NamedParameters()) parameter.Copy_((Tensor)stateDict[name]!);
            model.Forward((Tensor)saved["inputs"]).ToArray<float>().ShouldBe(((Tensor)saved["outputs"]).ToArray<float>());
        }
    }

    /// <summary>Compares what Load&lt;object&gt; gave with the generator's description of what PyTorch loaded.</summary>
    private static void ShouldMatch(object? actual, JsonElement expected, string where)
    {
        if (expected.TryGetProperty("tensor", out _))
        {
            var tensor = actual.ShouldBeOfType<Tensor>(where);
            TrainingGolden.ShouldBeExact(tensor, expected, where);
            tensor.RequiresGrad.ShouldBe(expected.GetProperty("requires_grad").GetBoolean(), where);
        }
        else if (expected.TryGetProperty("dict", out var items))
        {
            var pairs = expected.GetProperty("ordered").GetBoolean()
                ? actual.ShouldBeOfType<OrderedDictionary<string, object?>>(where).ToList()
                : actual.ShouldBeOfType<Dictionary<string, object?>>(where).ToList();
            pairs.Select(p => p.Key).ShouldBe(items.EnumerateArray().Select(i => i[0].GetString()!), where);
            foreach (var (pair, item) in pairs.Zip(items.EnumerateArray())) ShouldMatch(pair.Value, item[1], $"{where}/{pair.Key}");
        }
        else if (expected.TryGetProperty("list", out var list) || expected.TryGetProperty("tuple", out list))
        {
            var values = expected.TryGetProperty("list", out _) ? actual.ShouldBeOfType<List<object?>>(where).ToArray() : actual.ShouldBeOfType<object?[]>(where);
            values.Length.ShouldBe(list.GetArrayLength(), where);
            foreach (var (value, item) in values.Zip(list.EnumerateArray())) ShouldMatch(value, item, where + "/[]");
        }
        else
        {
            var v = expected.GetProperty("value");
            object? want = expected.GetProperty("type").GetString() switch
            {
                "int" => v.GetInt64(),
                "float" => v.GetDouble(),
                "bool" => v.GetBoolean(),
                "str" => v.GetString(),
                _ => null,
            };
            actual.ShouldBe(want, where);
        }
    }
}
