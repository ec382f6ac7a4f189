using System.Text.Json;

namespace Autograd.Tests;

/// <summary>Numpy.Save / Numpy.Load in NumPy's .npy format, against files np.save wrote (Golden/npy, tools/gen_training_golden.py).</summary>
public class NpyTests
{
    private static string Fixture(string file) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "npy", file);

    public static IEnumerable<TestCaseData> NumPyFiles() => TrainingGolden.Cases("npy", c => "Npy_" + c.GetProperty("file").GetString());

    [TestCaseSource(nameof(NumPyFiles))]
    public void Load_ReadsWhatNumPyWrote(JsonElement golden)
    {
        var tensor = Numpy.Load(Fixture(golden.GetProperty("file").GetString()!));

        TrainingGolden.ShouldBeExact(tensor, golden, "loaded");
        tensor.RequiresGrad.ShouldBeFalse();
    }

    /// <summary>Files in the layout np.save uses for C-ordered little-endian arrays (not Fortran order, big-endian or version 2.0).</summary>
    public static IEnumerable<TestCaseData> NumPyDefaultLayoutFiles() =>
        TrainingGolden.Section("npy").EnumerateArray().Where(c => c.GetProperty("numpy_layout").GetBoolean())
            .Select(c => new TestCaseData(c).SetName("Npy_SaveAsNumPy_" + c.GetProperty("file").GetString()));

    [TestCaseSource(nameof(NumPyDefaultLayoutFiles))]
    public void Save_WritesTheBytesNumPyWrites(JsonElement golden)
    {
        string path = Path.Combine(Path.GetTempPath(), $"autograd-{Guid.NewGuid():N}.npy");
        try
        {
            Numpy.Save(TrainingGolden.ToTensor(golden), path);
            File.ReadAllBytes(path).ShouldBe(File.ReadAllBytes(Fixture(golden.GetProperty("file").GetString()!)));
        }
        finally { File.Delete(path); }
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    [TestCase(DType.Int64)]
    public void SaveThenLoad_RoundTripsExactly(DType dtype)
    {
        Torch.ManualSeed(5);
        var original = Kernels.Cast(Torch.Randn([3, 4, 5], DType.Float64) * 1e6, dtype);
        string path = Path.Combine(Path.GetTempPath(), $"autograd-{Guid.NewGuid():N}.npy");
        try
        {
            Numpy.Save(original, path);
            var loaded = Numpy.Load(path);
            loaded.DType.ShouldBe(dtype);
            loaded.Shape.ShouldBe([3, 4, 5]);
            loaded.ToArray<double>().ShouldBe(original.ToArray<double>());
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Save_KeepsSpecialValuesAndScalars()
    {
        string path = Path.Combine(Path.GetTempPath(), $"autograd-{Guid.NewGuid():N}.npy");
        try
        {
            Numpy.Save(Torch.Tensor([float.NaN, float.NegativeInfinity, -0f]), path);
            Numpy.Load(path).ToArray<float>().Select(BitConverter.SingleToInt32Bits).ShouldBe(new[] { float.NaN, float.NegativeInfinity, -0f }.Select(BitConverter.SingleToInt32Bits));
            Numpy.Save(Torch.Scalar(2.5, DType.Float64), path);
            var scalar = Numpy.Load(path);
            scalar.Shape.ShouldBeEmpty();
            scalar.Item<double>().ShouldBe(2.5);
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Load_RejectsWhatItCannotRead()
    {
        string path = Path.Combine(Path.GetTempPath(), $"autograd-{Guid.NewGuid():N}.npy");
        try
        {
            File.WriteAllText(path, "not numpy at all");
            Should.Throw<InvalidDataException>(() => Numpy.Load(path)).Message.ShouldContain("the magic string is not correct");
            Numpy.Save(Torch.Zeros(2), path);
            var bytes = File.ReadAllBytes(path);
            var text = System.Text.Encoding.Latin1.GetString(bytes).Replace("'<f4'", "'<i4'");
            File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(text));
            Should.Throw<InvalidDataException>(() => Numpy.Load(path)).Message.ShouldStartWith(path + ": unsupported .npy dtype '<i4'");
        }
        finally { File.Delete(path); }
    }
}
