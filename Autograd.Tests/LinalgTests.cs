using System.Text.Json;
using MathNet.Numerics.Differentiation;
using static Autograd.Torch;

namespace Autograd.Tests;

/// <summary>
/// Torch.Linalg against PyTorch 1.13 (Golden/linalg.json, written by tools/gen_linalg_golden.py): values, gradients,
/// grad_fn names and error messages; and first derivatives against MathNet's NumericalJacobian, an oracle independent of
/// both PyTorch and the engine's backward.
/// </summary>
public class LinalgTests
{
    /// <summary>A golden case: a program (implemented alike here and in the generator) applied to inputs, with PyTorch's results.</summary>
    public sealed record LinalgCase(string Name, string Program, JsonElement Args, DType DType, double[][] Inputs, int[][] InputShapes,
        double[][] Weights, int[][] WeightShapes, double[][] Outputs, int[][] OutputShapes, int[][] RawShapes, string?[] GradFns, double[]?[] Grads)
    {
        public override string ToString() => Name;
    }

    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "linalg.json")));
        return document.RootElement.Clone();
    });

    private static double[] Data(JsonElement spec) => [.. spec.GetProperty("data").EnumerateArray().Select(e => e.GetDouble())];
    private static int[] ShapeOf(JsonElement spec) => [.. spec.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];

    private static LinalgCase Parse(JsonElement c) => new(
        c.GetProperty("name").GetString()!, c.GetProperty("program").GetString()!, c.GetProperty("args"),
        c.GetProperty("dtype").GetString() == "float64" ? DType.Float64 : DType.Float32,
        [.. c.GetProperty("inputs").EnumerateArray().Select(Data)], [.. c.GetProperty("inputs").EnumerateArray().Select(ShapeOf)],
        [.. c.GetProperty("weights").EnumerateArray().Select(Data)], [.. c.GetProperty("weights").EnumerateArray().Select(ShapeOf)],
        [.. c.GetProperty("outputs").EnumerateArray().Select(Data)], [.. c.GetProperty("outputs").EnumerateArray().Select(ShapeOf)],
        [.. c.GetProperty("shapes").EnumerateArray().Select(s => s.EnumerateArray().Select(e => e.GetInt32()).ToArray())],
        [.. c.GetProperty("grad_fns").EnumerateArray().Select(e => e.GetString())],
        [.. c.GetProperty("grads").EnumerateArray().Select(g => g.ValueKind == JsonValueKind.Null ? null : Data(g))]);

    private static readonly Lazy<LinalgCase[]> Cases = new(() => [.. Root.Value.GetProperty("cases").EnumerateArray().Select(Parse)]);

    public static IEnumerable<TestCaseData> CaseData() => Cases.Value.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    /// <summary>The float64 cases with gradients, for the NumericalJacobian oracle.</summary>
    public static IEnumerable<TestCaseData> OracleData() => Cases.Value
        .Where(c => c.DType == DType.Float64 && c.Grads.Any(g => g is not null) && !c.Name.Contains("non-symmetric"))
        .Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    private static Tensor Make(double[] data, int[] shape, DType dtype, bool requiresGrad = false)
    {
        var t = Tensor(data).Reshape(shape).To(dtype).Detach();
        t.RequiresGrad = requiresGrad;
        return t;
    }

    private static Tensor Weights(Tensor w, DType dtype) => Tensor([.. Enumerable.Range(1, w.Shape[^1]).Select(i => (double)i)]).To(dtype);

    private static int Int(JsonElement args, string name) => args.GetProperty(name).GetInt32();

    private static int[]? Dims(JsonElement args) =>
        args.TryGetProperty("dims", out var d) && d.ValueKind != JsonValueKind.Null ? [.. d.EnumerateArray().Select(e => e.GetInt32())] : null;

    private static double Ord(JsonElement ord) => ord.ValueKind == JsonValueKind.Number ? ord.GetDouble()
        : ord.GetString() switch { "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, var s => throw new ArgumentException(s) };

    /// <summary>The program's raw outputs and its sign-invariant outputs, as the generator's run().</summary>
    private static (Tensor[] Raw, Tensor[] Outputs) Run(string program, JsonElement args, Tensor[] x)
    {
        switch (program)
        {
            case "cholesky": { var l = Linalg.Cholesky(x[0], args.GetProperty("upper").GetBoolean()); return ([l], [l]); }
            case "solve": { var s = Linalg.Solve(x[0], x[1]); return ([s], [s]); }
            case "inv": { var s = Linalg.Inv(x[0]); return ([s], [s]); }
            case "det": { var s = Linalg.Det(x[0]); return ([s], [s]); }
            case "slogdet": { var (sign, logAbsDet) = Linalg.Slogdet(x[0]); return ([sign, logAbsDet], [sign, logAbsDet]); }
            case "eigh":
            {
                var (values, vectors) = Linalg.Eigh(x[0], args.GetProperty("uplo").GetString()!);
                return ([values, vectors], [values, (vectors * Weights(values, values.DType)).MatMul(vectors.Transpose(-2, -1))]);
            }
            case "svd":
            {
                var (u, s, vh) = Linalg.Svd(x[0], args.GetProperty("full").GetBoolean());
                int k = s.Shape[^1];
                var uk = MatrixOps.NarrowColumns(u, 0, k);
                var vhk = MatrixOps.NarrowRows(vh, 0, k);
                return ([u, s, vh], [s, (uk * Weights(s, s.DType)).MatMul(vhk)]);
            }
            case "qr":
            {
                string mode = args.GetProperty("mode").GetString()!;
                var (q, r) = Linalg.Qr(x[0], mode);
                return ([q, r], mode == "r" ? [r] : [q, r]);
            }
            case "lstsq": { var s = Linalg.Lstsq(x[0], x[1]); return ([s], [s]); }
            case "vector_norm":
            {
                var n = Linalg.VectorNorm(x[0], Ord(args.GetProperty("ord")), Dims(args), args.GetProperty("keepdim").GetBoolean());
                return ([n], [n]);
            }
            case "matrix_norm":
            {
                var ord = args.GetProperty("ord");
                bool keepDim = args.GetProperty("keepdim").GetBoolean();
                var n = ord.ValueKind == JsonValueKind.String && ord.GetString() is "fro" or "nuc"
                    ? Linalg.MatrixNorm(x[0], ord.GetString()!, Dims(args), keepDim)
                    : Linalg.MatrixNorm(x[0], Ord(ord), Dims(args), keepDim);
                return ([n], [n]);
            }
            default: throw new ArgumentException(program);
        }
    }

    private static Tensor Loss(Tensor[] outputs, LinalgCase c)
    {
        Tensor? loss = null;
        for (int i = 0; i < outputs.Length; i++)
        {
            var term = (outputs[i] * Make(c.Weights[i], c.WeightShapes[i], c.DType)).Sum();
            loss = loss is null ? term : loss + term;
        }
        return loss!;
    }

    private static double Tolerance(DType dtype) => dtype == DType.Float64 ? 1e-10 : 1e-5;

    /// <summary>Elementwise within tol relative to the larger of 1 and the expected tensor's largest magnitude.</summary>
    private static void ShouldBeClose(double[] actual, double[] expected, double tol, string what)
    {
        actual.Length.ShouldBe(expected.Length, what);
        double scale = Math.Max(1, expected.Select(Math.Abs).Where(double.IsFinite).DefaultIfEmpty(0).Max());
        for (int i = 0; i < actual.Length; i++)
        {
            if (double.IsInfinity(expected[i]) || double.IsNaN(expected[i])) actual[i].ShouldBe(expected[i], what);
            else Math.Abs(actual[i] - expected[i]).ShouldBeLessThanOrEqualTo(tol * scale, $"{what} element {i}: {actual[i]} vs {expected[i]}");
        }
    }

    [TestCaseSource(nameof(CaseData))]
    public void Golden_ValuesGradientsAndGradFnsMatchPyTorch(LinalgCase c)
    {
        bool differentiable = c.GradFns.Any(name => name is not null);
        var inputs = c.Inputs.Select((data, i) => Make(data, c.InputShapes[i], c.DType, differentiable)).ToArray();
        var (raw, outputs) = Run(c.Program, c.Args, inputs);
        for (int i = 0; i < raw.Length; i++)
        {
            raw[i].Shape.ShouldBe(c.RawShapes[i], $"shape of output {i}");
            raw[i].DType.ShouldBe(c.DType);
            raw[i].GradFn?.Name.ShouldBe(c.GradFns[i], $"grad_fn of output {i}");
            if (c.GradFns[i] is null) raw[i].GradFn.ShouldBeNull();
        }
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i].Shape.ShouldBe(c.OutputShapes[i]);
            ShouldBeClose(outputs[i].ToArray<double>(), c.Outputs[i], Tolerance(c.DType), $"output {i}");
        }
        if (!c.Grads.Any(g => g is not null)) return;
        var grads = Gradients.Grad([Loss(outputs, c)], inputs, allowUnused: true);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (c.Grads[i] is null) { grads[i].ShouldBeNull($"grad {i}"); continue; }
            grads[i].ShouldNotBeNull($"grad {i}");
            ShouldBeClose(grads[i].ToArray<double>(), c.Grads[i]!, Tolerance(c.DType), $"grad {i}");
        }
    }

    /// <summary>
    /// The gradient of the case's loss against MathNet's central differences. Cholesky and Eigh read one triangle, and
    /// PyTorch's gradient for them is the symmetric one: the derivative of the loss of (A + A^T) / 2.
    /// </summary>
    [TestCaseSource(nameof(OracleData))]
    public void FirstDerivatives_MatchMathNetNumericalJacobian(LinalgCase c)
    {
        bool symmetric = c.Program is "cholesky" or "eigh";
        for (int input = 0; input < c.Inputs.Length; input++)
        {
            if (c.Grads[input] is null) continue;
            int which = input;
            double Loss(double[] values)
            {
                using var noGrad = NoGrad();
                var inputs = c.Inputs.Select((data, i) => Make(i == which ? Symmetrized(values, c.InputShapes[i], symmetric) : data, c.InputShapes[i], c.DType)).ToArray();
                return LinalgTests.Loss(Run(c.Program, c.Args, inputs).Outputs, c).Item<double>();
            }
            var numerical = new NumericalJacobian().Evaluate(Loss, c.Inputs[input]);
            var x = c.Inputs.Select((data, i) => Make(i == which ? Symmetrized(data, c.InputShapes[i], symmetric) : data, c.InputShapes[i], c.DType, i == which)).ToArray();
            var analytical = Gradients.Grad([LinalgTests.Loss(Run(c.Program, c.Args, x).Outputs, c)], [x[which]])[0].ToArray<double>();
            ShouldBeClose(analytical, numerical, 1e-6, $"d loss / d input {which}");
        }
    }

    private static double[] Symmetrized(double[] values, int[] shape, bool symmetric)
    {
        if (!symmetric) return values;
        int n = shape[^1];
        var result = new double[values.Length];
        for (int b = 0; b < values.Length; b += n * n)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++) result[b + i * n + j] = (values[b + i * n + j] + values[b + j * n + i]) / 2;
            }
        }
        return result;
    }

    private static string Expected(string name) => Root.Value.GetProperty("errors").GetProperty(name).GetString()!;

    private static Tensor M(double[] values, params int[] shape) => Tensor(values).Float().Reshape(shape);

    private static readonly Dictionary<string, Action> ErrorCalls = new()
    {
        ["cholesky not positive-definite"] = () => Linalg.Cholesky(M([1, 2, 2, 1], 2, 2)),
        ["cholesky batched not positive-definite"] = () => Linalg.Cholesky(M([1, 0, 0, 1, 1, 2, 2, 1], 2, 2, 2)),
        ["cholesky 3x3 minor 3"] = () => Linalg.Cholesky(M([4, 2, 0, 2, 2, 1, 0, 1, 0.5], 3, 3)),
        ["cholesky non-square"] = () => Linalg.Cholesky(Zeros(3, 4)),
        ["cholesky vector"] = () => Linalg.Cholesky(Zeros(3)),
        ["cholesky long"] = () => Linalg.Cholesky(Zeros([3, 3], DType.Int64)),
        ["inv singular"] = () => Linalg.Inv(M([1, 2, 2, 4], 2, 2)),
        ["inv batched singular"] = () => Linalg.Inv(M([1, 0, 0, 1, 1, 2, 2, 4], 2, 2, 2)),
        ["inv non-square"] = () => Linalg.Inv(Zeros(2, 3)),
        ["solve singular"] = () => Linalg.Solve(M([1, 2, 2, 4], 2, 2), Ones(2)),
        ["solve batched singular"] = () => Linalg.Solve(M([1, 0, 0, 1, 1, 2, 2, 4], 2, 2, 2), Ones(2, 2)),
        ["solve incompatible"] = () => Linalg.Solve(M([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3), Ones(2)),
        ["solve dtype"] = () => Linalg.Solve(M([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3), Ones([3], DType.Float64)),
        ["solve non-square"] = () => Linalg.Solve(Zeros(2, 3), Ones(2)),
        ["det non-square"] = () => Linalg.Det(Zeros(3, 2)),
        ["slogdet vector"] = () => Linalg.Slogdet(Zeros(3)),
        ["eigh uplo"] = () => Linalg.Eigh(M([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3), "X"),
        ["eigh long"] = () => Linalg.Eigh(Zeros([3, 3], DType.Int64)),
        ["svd long"] = () => Linalg.Svd(Zeros([2, 3], DType.Int64)),
        ["qr mode"] = () => Linalg.Qr(M([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3), "X"),
        ["qr r backward"] = () => Linalg.Qr(Zeros([3, 4], DType.Float64, requiresGrad: true), "r").R.Sum().Backward(),
        ["qr complete backward"] = () => Linalg.Qr(Zeros([3, 4], DType.Float64, requiresGrad: true).T(), "complete").R.Sum().Backward(),
        ["lstsq rows"] = () => Linalg.Lstsq(Zeros(3, 2), Zeros(4, 2)),
        ["lstsq vector rows"] = () => Linalg.Lstsq(Zeros(3, 2), Zeros(4)),
        ["lstsq ranks"] = () => Linalg.Lstsq(Zeros(3, 3), Zeros(2, 3, 2)),
        ["lstsq vector"] = () => Linalg.Lstsq(Zeros(3), Zeros(3)),
        ["lstsq dtype"] = () => Linalg.Lstsq(M([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3), Ones([3], DType.Float64)),
        ["vector_norm long"] = () => Linalg.VectorNorm(Zeros([3], DType.Int64)),
        ["vector_norm repeated dim"] = () => Linalg.VectorNorm(Zeros(3, 3), dims: [0, 0]),
        ["matrix_norm order"] = () => Linalg.MatrixNorm(M([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3), 3),
        ["matrix_norm named order"] = () => Linalg.MatrixNorm(M([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3), "abc"),
        ["matrix_norm vector"] = () => Linalg.MatrixNorm(Zeros(3)),
        ["matrix_norm same dims"] = () => Linalg.MatrixNorm(M([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3), dims: [0, 0]),
    };

    public static IEnumerable<string> ErrorNames => ErrorCalls.Keys;

    [TestCaseSource(nameof(ErrorNames))]
    public void Errors_CarryPyTorchsMessages(string name)
    {
        var error = Should.Throw<Exception>(ErrorCalls[name]);
        error.Message.ShouldBe(Expected(name));
        (error is ArgumentException || error is InvalidOperationException).ShouldBeTrue(error.GetType().Name);
    }

    [Test]
    public void EveryGoldenErrorHasACall() =>
        Root.Value.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ShouldBe(ErrorCalls.Keys.Order());

    /// <summary>A batch split across threads gives the same bits as the serial loop.</summary>
    [Test]
    public void BatchesSplitAcrossCores_GiveTheSerialResults()
    {
        var a = Randn([16, 5, 5], DType.Float64, generator: new Generator(3));
        var spd = a.MatMul(a.Transpose(-2, -1)) + 5 * MatrixOps.Eye(DType.Float64, 5);
        Tensor[] Compute() => [Linalg.Cholesky(spd), Linalg.Inv(spd), Linalg.Eigh(spd).Eigenvalues, Linalg.Svd(a).S, Linalg.Qr(a).R, Linalg.Det(a)];
        var (minWork, maxDegree) = (Parallelism.MinWork, Parallelism.MaxDegree);
        try
        {
            Parallelism.MaxDegree = 1;
            var serial = Compute();
            (Parallelism.MaxDegree, Parallelism.MinWork) = (8, 1);
            var parallel = Compute();
            for (int i = 0; i < serial.Length; i++) parallel[i].ToArray<double>().ShouldBe(serial[i].ToArray<double>());
        }
        finally { (Parallelism.MinWork, Parallelism.MaxDegree) = (minWork, maxDegree); }
    }

    /// <summary>Full U and Vh are orthogonal, and the reduced factors rebuild A.</summary>
    [Test]
    public void Svd_FullFactorsAreOrthogonal_AndReducedOnesRebuildA()
    {
        var a = Randn([2, 5, 3], DType.Float64, generator: new Generator(5));
        var (u, _, vh) = Linalg.Svd(a);
        ShouldBeClose(u.Transpose(-2, -1).MatMul(u).ToArray<double>(), Identity(2, 5), 1e-12, "U^T U");
        ShouldBeClose(vh.MatMul(vh.Transpose(-2, -1)).ToArray<double>(), Identity(2, 3), 1e-12, "Vh Vh^T");
        var (ur, s, vhr) = Linalg.Svd(a, fullMatrices: false);
        ShouldBeClose((ur * s.Unsqueeze(-2)).MatMul(vhr).ToArray<double>(), a.ToArray<double>(), 1e-12, "U S Vh");
    }

    private static double[] Identity(int batches, int n) =>
        [.. Enumerable.Range(0, batches * n * n).Select(i => i % (n * n) / n == i % n ? 1.0 : 0.0)];

    /// <summary>Second derivatives through a decomposition: the Hessian of log det(A A^T + I) is symmetric and matches central differences of its gradient.</summary>
    [Test]
    public void DoubleBackward_ThroughCholeskyAndSolve()
    {
        var a = Randn([3, 3], DType.Float64, generator: new Generator(11));
        static Tensor F(Tensor x)
        {
            var l = Linalg.Cholesky(x.MatMul(x.T()) + MatrixOps.Eye(DType.Float64, 3));
            var z = Linalg.Solve(l, Ones([3], DType.Float64));
            return (z * z).Sum() + Linalg.Slogdet(l).LogAbsDet;
        }
        Gradients.GradGradCheck(x => F(x[0]), [a.Detach().RequiringGrad()]).ShouldBeTrue();
    }
}

internal static class LinalgTestExtensions
{
    public static Tensor RequiringGrad(this Tensor t)
    {
        t.RequiresGrad = true;
        return t;
    }
}
