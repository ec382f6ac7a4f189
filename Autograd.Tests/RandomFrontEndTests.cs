using System.Text.Json;

namespace Autograd.Tests;

/// <summary>
/// Randint, Randperm, Multinomial, Normal, Normal_, Bernoulli and the generator's state against PyTorch 1.13's CPU
/// streams, bit for bit, from tools/gen_random_frontend_golden.py. Every drawing call in the golden file is followed
/// by a rand draw, so the number of words each call takes is checked too.
/// </summary>
public class RandomFrontEndTests
{
    public static IEnumerable<TestCaseData> GoldenCases()
    {
        int index = 0;
        foreach (var golden in GoldenTensors.Load("random_frontend.json").GetProperty("cases").EnumerateArray())
        {
            var ops = golden.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("op").GetString()).Where(op => op != "rand").Distinct();
            yield return new TestCaseData(golden).SetName($"RandomFrontEnd_{index++:D2} seed {golden.GetProperty("seed").GetInt64()}: {string.Join(", ", ops)}");
        }
    }

    [TestCaseSource(nameof(GoldenCases))]
    public void Calls_MatchPyTorch(JsonElement golden)
    {
        var generator = new Generator(golden.GetProperty("seed").GetInt64());
        int callIndex = 0;
        foreach (var call in golden.GetProperty("calls").EnumerateArray())
        {
            string op = call.GetProperty("op").GetString()!;
            string where = $"call {callIndex++} ({call.GetRawText()[..Math.Min(120, call.GetRawText().Length)]})";
            switch (op)
            {
                case "get_state":
                    Convert.ToHexStringLower(generator.GetState()).ShouldBe(call.GetProperty("hex").GetString(), where);
                    break;
                case "set_state":
                    generator.SetState(Convert.FromHexString(call.GetProperty("hex").GetString()!));
                    break;
                default:
                    GoldenTensors.Mismatches(call.GetProperty("result"), Run(generator, op, call)).ShouldBeEmpty(where);
                    break;
            }
        }
    }

    private static readonly Dictionary<string, (Func<object> Call, string Message)> Errors = new()
    {
        ["randint low == high"] = (() => Torch.Randint(5, 5, [3]), "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"),
        ["randint low > high"] = (() => Torch.Randint(5, 3, [3]), "random_ expects 'from' to be less than 'to', but got from=5 >= to=3"),
        ["randint high 0"] = (() => Torch.Randint(0, [3]), "random_ expects 'from' to be less than 'to', but got from=0 >= to=0"),
        ["randint negative size"] = (() => Torch.Randint(0, 4, [2, -1]), "Trying to create tensor with negative dimension -1: [2, -1]"),
        ["randperm negative"] = (() => Torch.Randperm(-1), "Trying to create tensor with negative dimension -1: [-1]"),
        ["multinomial negative"] = (() => Torch.Multinomial(Torch.Tensor([1f, -1f]), 1), "probability tensor contains either `inf`, `nan` or element < 0"),
        ["multinomial nan"] = (() => Torch.Multinomial(Torch.Tensor([1f, float.NaN]), 1), "probability tensor contains either `inf`, `nan` or element < 0"),
        ["multinomial negative, replacement"] = (() => Torch.Multinomial(Torch.Tensor([1f, -1f]), 2, true), "invalid multinomial distribution (encountering probability entry < 0)"),
        ["multinomial inf, replacement"] = (() => Torch.Multinomial(Torch.Tensor([1f, float.PositiveInfinity]), 2, true), "invalid multinomial distribution (encountering probability entry = infinity or NaN)"),
        ["multinomial nan, replacement"] = (() => Torch.Multinomial(Torch.Tensor([1f, float.NaN]), 2, true), "invalid multinomial distribution (encountering probability entry < 0)"),
        ["multinomial zeros, replacement"] = (() => Torch.Multinomial(Torch.Tensor([0f, 0f]), 2, true), "invalid multinomial distribution (sum of probabilities <= 0)"),
        ["multinomial zero row"] = (() => Torch.Multinomial(Torch.Tensor(new float[,] { { 1, 1 }, { 0, 0 } }), 1), "invalid multinomial distribution (sum of probabilities <= 0)"),
        ["multinomial too many"] = (() => Torch.Multinomial(Torch.Tensor([1f, 1f]), 3), "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
        ["multinomial no samples"] = (() => Torch.Multinomial(Torch.Tensor([1f, 1f]), 0), "cannot sample n_sample <= 0 samples"),
        ["multinomial long"] = (() => Torch.Multinomial(Torch.Tensor([1L, 1L]), 1), "multinomial only supports floating-point dtypes for input, got: Long"),
        ["multinomial 0-d"] = (() => Torch.Multinomial(Torch.Scalar(1), 1), "prob_dist must be 1 or 2 dim"),
        ["multinomial 3-d"] = (() => Torch.Ones(2, 2, 2).Multinomial(1), "prob_dist must be 1 or 2 dim"),
        ["normal negative std"] = (() => Torch.Normal(0, -1, [3]), "normal expects std >= 0.0, but found std -1"),
        ["normal small negative std"] = (() => Torch.Normal(0, -1e-7, [3]), "normal expects std >= 0.0, but found std -1e-07"),
        ["normal_ negative std"] = (() => Torch.Zeros(3).Normal_(0, -0.5), "normal expects std >= 0.0, but found std -0.5"),
        ["normal_ long"] = (() => Torch.Zeros([3], DType.Int64).Normal_(), "\"normal_kernel_cpu\" not implemented for 'Long'"),
        ["bernoulli above 1"] = (() => Torch.Bernoulli(Torch.Tensor([0.5f, 1.5f])),
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)"),
        ["bernoulli nan"] = (() => Torch.Bernoulli(Torch.Tensor([0.5, double.NaN])),
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)"),
        ["bernoulli long"] = (() => Torch.Bernoulli(Torch.Tensor([1L, 0L])), "\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'"),
        ["rand_like long"] = (() => Torch.RandLike(Torch.Tensor([1L])), "\"check_uniform_bounds\" not implemented for 'Long'"),
        ["randn_like long"] = (() => Torch.RandnLike(Torch.Tensor([1L])), "\"normal_kernel_cpu\" not implemented for 'Long'"),
        ["set_state size"] = (() => { new Generator().SetState(new byte[10]); return 0; },
            "Expected either a CPUGeneratorImplStateLegacy of size 5048 or a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10"),
        ["set_state zeros"] = (() => { new Generator().SetState(new byte[5056]); return 0; }, "Invalid mt19937 state"),
        ["set_state legacy zeros"] = (() => { new Generator().SetState(new byte[5048]); return 0; }, "Invalid mt19937 state"),
    };

    public static IEnumerable<TestCaseData> ErrorCases() => Errors.Keys.Select(name => new TestCaseData(name).SetName($"RandomFrontEnd error: {name}"));

    /// <summary>PyTorch's message, and a failed call draws nothing: the default generator's stream goes on as if it had not been made.</summary>
    [TestCaseSource(nameof(ErrorCases))]
    public void BadArguments_FailWithPyTorchsMessage_AndDrawNothing(string name)
    {
        var (call, message) = Errors[name];
        Torch.ManualSeed(31);
        Should.Throw<ArgumentException>(() => call()).Message.ShouldBe(message);
        Torch.Rand(5).ToArray<float>().ShouldBe(Torch.Rand([5], generator: new Generator(31)).ToArray<float>());
    }

    [Test]
    public void NullArguments_Throw()
    {
        Should.Throw<ArgumentNullException>(() => Torch.Multinomial(null!, 1));
        Should.Throw<ArgumentNullException>(() => Torch.Bernoulli(null!));
        Should.Throw<ArgumentNullException>(() => Torch.RandLike(null!));
        Should.Throw<ArgumentNullException>(() => new Generator().SetState(null!));
    }

    [Test]
    public void Seed_SeedsWithFreshBits_AndReportsThem()
    {
        var generator = new Generator(5);
        long first = generator.Seed();
        generator.InitialSeed.ShouldBe(first);
        var drawn = Torch.Rand([6], generator: generator).ToArray<float>();
        drawn.ShouldBe(Torch.Rand([6], generator: new Generator(first)).ToArray<float>());
        long second = generator.Seed();
        second.ShouldNotBe(first);
        generator.InitialSeed.ShouldBe(second);
    }

    [Test]
    public void SetState_RestoresTheStream_AndTheSeed()
    {
        var generator = new Generator(1234);
        Torch.Randn([3], DType.Float64, generator: generator);   // leaves a cached normal
        var state = generator.GetState();
        state.Length.ShouldBe(Generator.StateSize);
        var expected = Torch.Randn([5], DType.Float64, generator: generator).ToArray<double>();

        var other = new Generator(9);
        other.SetState(state);
        other.InitialSeed.ShouldBe(1234);
        other.GetState().ShouldBe(state);
        Torch.Randn([5], DType.Float64, generator: other).ToArray<double>().ShouldBe(expected);

        other.ManualSeed(1234);
        other.GetState().ShouldBe(new Generator(1234).GetState());
    }

    [Test]
    public void NullGenerator_DrawsFromTheDefaultOne()
    {
        Torch.ManualSeed(8);
        var fromDefault = new[] { Torch.Randint(0, 100, [4]), Torch.Randperm(6), Torch.Multinomial(Torch.Ones(5), 3), Torch.Normal(1, 2, [3]), Torch.Bernoulli(Torch.Full([4], 0.5)) };
        var generator = new Generator(8);
        var fromGenerator = new[]
        {
            Torch.Randint(0, 100, [4], generator), Torch.Randperm(6, generator), Torch.Multinomial(Torch.Ones(5), 3, generator: generator),
            Torch.Normal(1, 2, [3], generator), Torch.Bernoulli(Torch.Full([4], 0.5), generator),
        };
        for (int i = 0; i < fromDefault.Length; i++) fromDefault[i].ToArray<double>().ShouldBe(fromGenerator[i].ToArray<double>());
    }

    [Test]
    public void Randperm_IsAPermutation_AndRandintStaysInRange()
    {
        var generator = new Generator(3);
        Torch.Randperm(1000, generator).ToArray<long>().Order().ShouldBe(Enumerable.Range(0, 1000).Select(i => (long)i));
        var values = Torch.Randint(-3, 4, [2000], generator).ToArray<long>();
        values.Min().ShouldBe(-3);
        values.Max().ShouldBe(3);
        Torch.Randint(10, [2, 3], generator).Shape.ShouldBe([2, 3]);
        Torch.Randint(10, [2, 3], generator).DType.ShouldBe(DType.Int64);
    }

    [Test]
    public void Multinomial_Shapes_AndZeroWeightsAreNeverDrawnWithReplacement()
    {
        var generator = new Generator(4);
        var weights = Torch.Tensor(new double[,] { { 0, 1, 0, 3 }, { 2, 0, 0, 0 } });
        var drawn = weights.Multinomial(50, replacement: true, generator: generator);
        drawn.Shape.ShouldBe([2, 50]);
        drawn.DType.ShouldBe(DType.Int64);
        var rows = drawn.ToArray<long>();
        rows[..50].ShouldAllBe(i => i == 1 || i == 3);
        rows[50..].ShouldAllBe(i => i == 0);
        var distinct = Torch.Multinomial(Torch.Ones(7), 7, generator: generator).ToArray<long>();
        distinct.Order().ShouldBe(Enumerable.Range(0, 7).Select(i => (long)i));
        Torch.Multinomial(Torch.Ones(0, 3), 2).Shape.ShouldBe([0, 2]);
    }

    [Test]
    public void Bernoulli_RecordsAZeroGradient_AndNormal_IsNormalBackward0()
    {
        var p = Torch.Tensor([0.2f, 0.9f], requiresGrad: true);
        var sample = Torch.Bernoulli(p, new Generator(1));
        sample.GradFn!.Name.ShouldBe("BernoulliBackward0");
        sample.Sum().Backward();
        p.Grad!.ToArray<float>().ShouldBe([0f, 0f]);

        var x = Torch.Ones([3], requiresGrad: true);
        var y = (x * 2).Normal_(0, 1, new Generator(1));
        y.GradFn!.Name.ShouldBe("NormalBackward0");
        y.Sum().Backward();
        x.Grad!.ToArray<float>().ShouldBe([0f, 0f, 0f]);
        y.ToArray<float>().ShouldBe(Torch.Normal(0, 1, [3], new Generator(1)).ToArray<float>());
    }

    [Test]
    public void RandLike_AndRandnLike_KeepShapeAndDType()
    {
        var like = Torch.Zeros([2, 3], DType.Float64);
        Torch.ManualSeed(6);
        var uniform = Torch.RandLike(like);
        var normal = Torch.RandnLike(like);
        var generator = new Generator(6);
        uniform.ToArray<double>().ShouldBe(Torch.Rand([2, 3], DType.Float64, generator: generator).ToArray<double>());
        normal.ToArray<double>().ShouldBe(Torch.Randn([2, 3], DType.Float64, generator: generator).ToArray<double>());
        normal.Shape.ShouldBe([2, 3]);
        normal.DType.ShouldBe(DType.Float64);
    }

    private static Tensor Run(Generator generator, string op, JsonElement call)
    {
        int[] Shape() => call.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        DType DTypeOf() => call.TryGetProperty("dtype", out var d) ? GoldenTensors.DTypeNamed(d.GetString()!) : DType.Float32;
        return op switch
        {
            "rand" => Torch.Rand(Shape(), DTypeOf(), generator: generator),
            "randn" => Torch.Randn(Shape(), DTypeOf(), generator: generator),
            "randint" => Torch.Randint(call.GetProperty("low").GetInt64(), call.GetProperty("high").GetInt64(), Shape(), generator),
            "randperm" => Torch.Randperm(call.GetProperty("n").GetInt32(), generator),
            "multinomial" => Torch.Multinomial(GoldenTensors.Decode(call.GetProperty("input")), call.GetProperty("num_samples").GetInt32(),
                call.GetProperty("replacement").GetBoolean(), generator),
            "normal" => Torch.Normal(call.GetProperty("mean").GetDouble(), call.GetProperty("std").GetDouble(), Shape(), generator),
            "normal_" => Torch.Zeros(Shape(), DTypeOf()).Normal_(call.GetProperty("mean").GetDouble(), call.GetProperty("std").GetDouble(), generator),
            "bernoulli" => Torch.Bernoulli(GoldenTensors.Decode(call.GetProperty("input")), generator),
            _ => throw new ArgumentException(op),
        };
    }
}
