using System.Diagnostics;
using Autograd.NN;
using CsCheck;

namespace Autograd.Tests;

internal enum FuzzOp
{
    Add, Sub, Mul, Div, AddAlpha, Addcmul, Where, AddScalar, RSubScalar, MulScalar, DivScalar, RDivScalar, Neg,
    Exp, Log, Pow, Sqrt, Abs, Relu, Tanh, Sigmoid, Sum, SumDim, Mean, MeanDim, Max, MaxDim, Softmax, LogSoftmax,
    Unsqueeze, Squeeze, SqueezeDim, Flatten, View, Reshape, Transpose, T, Clone, MatMul, Gather, ScatterValue, ScatterSrc,
    CrossEntropy,
}

/// <summary>
/// One op on tensors picked from the program's pool (<see cref="First"/>, <see cref="Second"/> taken modulo its size).
/// <see cref="Dim"/>, <see cref="Variant"/> and <see cref="Seed"/> pick dims, target shapes and index tensors, in range
/// or not.
/// </summary>
internal sealed record FuzzStep(FuzzOp Op, int First, int Second, int Dim, int Variant, bool KeepDim, double Scalar, int Seed);

internal sealed record FuzzInput(int[] Shape, double[] Values, bool RequiresGrad);

internal sealed record FuzzProgram(FuzzInput[] Inputs, FuzzStep[] Steps)
{
    public override string ToString() =>
        string.Join("; ", Inputs.Select((x, i) => $"x{i} = {Shapes.Format(x.Shape)}{(x.RequiresGrad ? " grad" : "")}"))
        + " | " + string.Join("; ", Steps.Select(s => $"{s.Op}({s.First}, {s.Second}, dim {s.Dim}, variant {s.Variant}, keep {s.KeepDim}, {s.Scalar:G3}, seed {s.Seed})"));
}

/// <summary>
/// Property test over random programs of ops on random shapes (including 0-d and empty tensors), each run on float32
/// and on float64 tensors and checked against <see cref="RefTensor"/>. A step the reference rejects must throw
/// ArgumentException or InvalidOperationException with a message and change no tensor; the others must match the
/// reference, and the gradients of a weighted sum of all results must match central differences of the reference.
/// </summary>
[TestFixture]
[Category("Slow")]
public class FuzzTests
{
    private const int Cases = 20_000;

    /// <summary>A program ends at a result this large (or non-finite): overflow is not what it tests.</summary>
    private const double Overflow = 100;

    private static readonly Gen<int[]> ShapeGen =
        Gen.Frequency((1, Gen.Const(0)), (3, Gen.Const(1)), (4, Gen.Const(2)), (3, Gen.Const(3)))
            .SelectMany(rank => Gen.Frequency((1, Gen.Const(0)), (16, Gen.Int[1, 3]), (1, Gen.Const(4))).Array[rank]);

    /// <summary>Values are multiples of 1/1024: their products never underflow float32, and exact zeros and ties occur.</summary>
    private static readonly Gen<FuzzInput> InputGen = ShapeGen.SelectMany(shape => Gen.Select(
        Gen.Int[-1024, 1024].Select(k => k / 1024.0).Array[RefTensor.CountOf(shape)],
        Gen.Int[0, 4],
        (values, flag) => new FuzzInput(shape, values, RequiresGrad: flag != 0)));

    private static readonly Gen<FuzzStep> StepGen = Gen.Select(
        Gen.Enum<FuzzOp>(), Gen.Int[0, 99], Gen.Int[0, 99], Gen.Int[-4, 3], Gen.Int[0, 7], Gen.Bool,
        Gen.Select(Gen.Double[0.5, 2], Gen.Bool, (magnitude, negative) => negative ? -magnitude : magnitude), Gen.Int[0, 1 << 20],
        (op, first, second, dim, variant, keepDim, scalar, seed) => new FuzzStep(op, first, second, dim, variant, keepDim, scalar, seed));

    private static readonly Gen<FuzzProgram> ProgramGen =
        Gen.Select(InputGen.Array[1, 3], StepGen.Array[1, 4], (inputs, steps) => new FuzzProgram(inputs, steps));

    [Test]
    public void RandomPrograms_MatchTheReference_OrFailWithoutChangingAnything()
    {
        var counts = new Counts();
        var watch = Stopwatch.StartNew();
        ProgramGen.Sample(program => Check(program, counts), iter: Cases, print: p => p.ToString());
        TestContext.Out.WriteLine(
            $"{counts.Programs:N0} programs in {watch.Elapsed.TotalSeconds:F1} s: {counts.ValidSteps:N0} valid steps, " +
            $"{counts.InvalidSteps:N0} rejected steps, {counts.GradientChecks:N0} programs gradient-checked");
        counts.Programs.ShouldBeGreaterThanOrEqualTo(Cases);
        counts.ValidSteps.ShouldBeGreaterThan(Cases);
        counts.InvalidSteps.ShouldBeGreaterThan(Cases / 10);
        counts.GradientChecks.ShouldBeGreaterThan(Cases / 2);
    }

    private sealed class Counts
    {
        public int Programs, ValidSteps, InvalidSteps, GradientChecks;
    }

    private static void Check(FuzzProgram program, Counts counts)
    {
        var trace = Replay(program, [.. program.Inputs.Select(x => x.Values)]);
        var inputs32 = Leaves(program, DType.Float32);
        var inputs64 = Leaves(program, DType.Float64);
        var (results32, _) = Run(trace, inputs32, tolerance: 1e-5);
        var (results64, backwardFails) = Run(trace, inputs64, tolerance: 1e-12);
        Interlocked.Increment(ref counts.Programs);
        Interlocked.Add(ref counts.ValidSteps, trace.Steps.Count(s => s.Result is not null));
        Interlocked.Add(ref counts.InvalidSteps, trace.Steps.Count(s => s.Result is null));
        if (!results64.Any(r => r.RequiresGrad)) return;

        CheckBackwardMisuse(results32, inputs32);
        if (backwardFails)
        {
            ShouldBeRejected(() => WeightedSum(results64).Backward(), inputs64);
            return;
        }
        WeightedSum(results32).Backward();
        WeightedSum(results64).Backward();
        if (trace.Kinked) return;
        Interlocked.Increment(ref counts.GradientChecks);
        for (int i = 0; i < program.Inputs.Length; i++)
        {
            if (!program.Inputs[i].RequiresGrad) continue;
            var expected = CentralDifferences(program, i);
            ShouldBeClose(GradOf(inputs64[i]), expected, 1e-5 * (1 + MaxAbs(expected)), $"float64 grad of x{i}");
            ShouldBeClose(GradOf(inputs32[i]), expected, 1e-4 * (1 + MaxAbs(expected)), $"float32 grad of x{i}");
        }
    }

    private static Tensor[] Leaves(FuzzProgram program, DType dtype) => [.. program.Inputs.Select(x =>
    {
        var leaf = TensorOf(x.Values, x.Shape, dtype);
        leaf.RequiresGrad = x.RequiresGrad;
        return leaf;
    })];

    private static Tensor TensorOf(double[] values, int[] shape, DType dtype) =>
        (dtype == DType.Float32 ? Torch.Tensor(Array.ConvertAll(values, v => (float)v)) : Torch.Tensor(values)).Reshape(shape);

    /// <summary>A Backward that must fail changes no gradient.</summary>
    private static void CheckBackwardMisuse(List<Tensor> results, Tensor[] inputs)
    {
        var last = results[^1];
        if (last.RequiresGrad && last.Count != 1)
            ShouldBeRejected(() => last.Backward(), inputs);
        if (last.RequiresGrad)
            ShouldBeRejected(() => last.Backward(Torch.Zeros([.. last.Shape, 2], last.DType)), inputs);
    }

    /// <summary>Σ_k Σ_i w_ki r_ki over every result, so each one's gradient is checked; the weights break symmetries.</summary>
    private static Tensor WeightedSum(List<Tensor> results)
    {
        Tensor total = Torch.Scalar(0, results[0].DType);
        for (int k = 0; k < results.Count; k++)
            total = total + (results[k] * TensorOf(Weights(results[k].Count, k), [.. results[k].Shape], results[k].DType)).Sum();
        return total;
    }

    private static double[] Weights(int count, int k) => [.. Enumerable.Range(0, count).Select(i => 0.5 + (i * 7 + k * 3) % 11 / 10.0)];

    private static double[] GradOf(Tensor input)
    {
        if (input.Grad is not { } grad) return new double[input.Count];
        grad.Shape.ShouldBe(input.Shape);
        grad.DType.ShouldBe(input.DType);
        return grad.ToArray<double>();
    }

    private static double[] CentralDifferences(FuzzProgram program, int input)
    {
        const double eps = 1e-6;
        var values = program.Inputs.Select(x => (double[])x.Values.Clone()).ToArray();
        var gradient = new double[values[input].Length];
        for (int j = 0; j < gradient.Length; j++)
        {
            double original = values[input][j];
            values[input][j] = original + eps;
            double plus = Replay(program, values).Loss;
            values[input][j] = original - eps;
            double minus = Replay(program, values).Loss;
            values[input][j] = original;
            gradient[j] = (plus - minus) / (2 * eps);
        }
        return gradient;
    }

    /// <summary>One step as the reference ran it: its operands' pool positions, arguments, and result (null: rejected).</summary>
    private sealed record TracedStep(FuzzStep Step, int First, int Second, Arguments Args, RefTensor? Result, long[]? Indices);

    private sealed record Trace(List<TracedStep> Steps, double Loss, bool Kinked);

    /// <summary>Runs the program on the reference; stops after a result past <see cref="Overflow"/>.</summary>
    private static Trace Replay(FuzzProgram program, double[][] inputValues)
    {
        var pool = program.Inputs.Select((x, i) => new RefTensor(inputValues[i], x.Shape)).ToList();
        var steps = new List<TracedStep>();
        double loss = 0;
        bool kinked = false;
        foreach (var step in program.Steps)
        {
            int first = step.First % pool.Count, second = step.Second % pool.Count;
            var args = Arguments.For(step, pool[first], pool[second]);
            var (result, indices) = Reference(step, pool[first], pool[second], args);
            steps.Add(new TracedStep(step, first, second, args, result, indices));
            if (result is null) continue;
            if (result.Values.Any(v => !(Math.Abs(v) <= Overflow))) break;
            var weights = Weights(result.Count, pool.Count - program.Inputs.Length);
            loss += result.Values.Select((v, i) => v * weights[i]).Sum();
            kinked |= result.Kinked;
            pool.Add(result);
        }
        return new Trace(steps, loss, kinked);
    }

    /// <summary>
    /// Runs the traced steps on the engine: rejected steps must throw cleanly and change nothing, the others must
    /// match the reference within <paramref name="tolerance"/> times the largest magnitude seen so far. Returns the
    /// results kept in the pool, and whether a Backward through them must fail (see <see cref="RefTensor.SrcGradientMisshapen"/>).
    /// </summary>
    private static (List<Tensor> Results, bool BackwardFails) Run(Trace trace, Tensor[] inputs, double tolerance)
    {
        var pool = inputs.ToList();
        bool backwardFails = false;
        double scale = 1 + inputs.Select(x => MaxAbs(x.ToArray<double>())).DefaultIfEmpty(0).Max();
        foreach (var traced in trace.Steps)
        {
            var (a, b) = (pool[traced.First], pool[traced.Second]);
            var index = traced.Args.Index.ToTensor();
            var weight = traced.Args.Weight is { } w ? TensorOf(w, [w.Length], a.DType) : null;
            if (traced.Result is not { } expected)
            {
                ShouldBeRejected(() => Apply(traced.Step, a, b, traced.Args.Shape, index, weight), [.. pool, index, .. weight is null ? [] : new[] { weight }]);
                continue;
            }
            var (result, indices) = Apply(traced.Step, a, b, traced.Args.Shape, index, weight);
            string what = $"{traced.Step.Op} of {Shapes.Format(a.Shape)}, {Shapes.Format(b.Shape)}";
            result.Shape.ShouldBe(expected.Shape, what);
            result.DType.ShouldBe(a.DType, what);
            result.RequiresGrad.ShouldBe(RequiresGrad(traced, a, b), what);
            if (!expected.Kinked) indices?.ToArray<long>().ShouldBe(traced.Indices, what); // rounding may reorder near-ties
            scale = Math.Max(scale, 1 + MaxAbs(expected.Values));
            if (!(expected.NearJump && result.DType == DType.Float32)) ShouldBeClose(result.ToArray<double>(), expected.Values, tolerance * scale, what);
            if (expected.Values.Any(v => !(Math.Abs(v) <= Overflow))) break;
            backwardFails |= expected.SrcGradientMisshapen && b.RequiresGrad;
            pool.Add(result);
        }
        return (pool[inputs.Length..], backwardFails);
    }

    private static bool RequiresGrad(TracedStep traced, Tensor a, Tensor b) => traced.Step.Op switch
    {
        FuzzOp.Add or FuzzOp.Sub or FuzzOp.Mul or FuzzOp.Div or FuzzOp.AddAlpha or FuzzOp.Addcmul or FuzzOp.Where or FuzzOp.MatMul
            or FuzzOp.ScatterSrc => a.RequiresGrad || b.RequiresGrad,
        _ => a.RequiresGrad,
    };

    /// <summary>The step must throw ArgumentException or InvalidOperationException, with a message, and leave every tensor as it was.</summary>
    private static void ShouldBeRejected(Action call, Tensor[] tensors)
    {
        var before = tensors.Select(Snapshot.Of).ToArray();
        Exception? error = null;
        try
        {
            call();
        }
        catch (Exception e)
        {
            error = e;
        }
        error.ShouldNotBeNull("the call should have been rejected");
        (error is ArgumentException or InvalidOperationException).ShouldBeTrue($"{error.GetType().Name}: {error.Message}\n{error.StackTrace}");
        error.Message.ShouldNotBeNullOrWhiteSpace();
        for (int i = 0; i < tensors.Length; i++) Snapshot.Of(tensors[i]).ShouldBe(before[i], $"tensor {i} after {error.Message}");
    }

    /// <summary>Everything a failed call must not change: values, Grad, GradFn, version and RequiresGrad.</summary>
    private sealed record Snapshot(string Values, Tensor? Grad, string? GradValues, GradFn? GradFn, int Version, bool RequiresGrad)
    {
        public static Snapshot Of(Tensor t) => new(
            string.Join(",", t.ToArray<double>()), t.Grad, t.Grad is null ? null : string.Join(",", t.Grad.ToArray<double>()),
            t.GradFn, t.Version, t.RequiresGrad);
    }

    private static void ShouldBeClose(double[] actual, double[] expected, double tolerance, string what)
    {
        actual.Length.ShouldBe(expected.Length, what);
        for (int i = 0; i < actual.Length; i++)
        {
            bool close = actual[i].Equals(expected[i]) || Math.Abs(actual[i] - expected[i]) <= tolerance;
            close.ShouldBeTrue($"{what}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {tolerance:G3})");
        }
    }

    private static double MaxAbs(double[] values) => values.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();

    private static (RefTensor? Result, long[]? Indices) Reference(FuzzStep step, RefTensor a, RefTensor b, Arguments args) => step.Op switch
    {
        FuzzOp.Add => (RefTensor.Broadcast(a, b, (x, y) => x + y), null),
        FuzzOp.Sub => (RefTensor.Broadcast(a, b, (x, y) => x - y), null),
        FuzzOp.Mul => (RefTensor.Broadcast(a, b, (x, y) => x * y), null),
        FuzzOp.Div => (RefTensor.Broadcast(a, b, (x, y) => x / (y * y + 0.5)), null),
        FuzzOp.AddAlpha => (RefTensor.Broadcast(a, b, (x, y) => x + step.Scalar * y), null),
        FuzzOp.Addcmul => (RefTensor.Broadcast(a, b, (x, y) => x + step.Scalar * y * y), null),
        FuzzOp.Where => (RefTensor.WherePositive(a, b), null),
        FuzzOp.AddScalar => (a.Map(x => x + step.Scalar), null),
        FuzzOp.RSubScalar => (a.Map(x => step.Scalar - x), null),
        FuzzOp.MulScalar => (a.Map(x => x * step.Scalar), null),
        FuzzOp.DivScalar => (a.Map(x => x / step.Scalar), null),
        FuzzOp.RDivScalar => (a.Map(x => step.Scalar / (x * x + 0.5)), null),
        FuzzOp.Neg => (a.Map(x => -x), null),
        FuzzOp.Exp => (a.Map(Math.Exp), null),
        FuzzOp.Log => (a.Map(x => Math.Log(x * x + 0.5)), null),
        FuzzOp.Pow => (a.Map(x => Math.Pow(x * x + 0.5, step.Scalar)), null),
        FuzzOp.Sqrt => (a.Map(x => Math.Sqrt(x * x + 0.5)), null),
        FuzzOp.Abs => (a.Map(Math.Abs, kinkAtZero: true), null),
        FuzzOp.Relu => (a.Map(x => Math.Max(x, 0), kinkAtZero: true), null),
        FuzzOp.Tanh => (a.Map(Math.Tanh), null),
        FuzzOp.Sigmoid => (a.Map(x => 1 / (1 + Math.Exp(-x))), null),
        FuzzOp.Sum => (a.Sum(), null),
        FuzzOp.SumDim => (a.Sum(step.Dim, step.KeepDim), null),
        FuzzOp.Mean => (a.Mean(), null),
        FuzzOp.MeanDim => (a.Mean(step.Dim, step.KeepDim), null),
        FuzzOp.Max => (a.Max(), null),
        FuzzOp.MaxDim => a.Max(step.Dim, step.KeepDim) is { } max ? (max.Values, max.Indices) : (null, null),
        FuzzOp.Softmax => (a.Softmax(step.Dim, log: false), null),
        FuzzOp.LogSoftmax => (a.Softmax(step.Dim, log: true), null),
        FuzzOp.Unsqueeze => (a.Unsqueeze(step.Dim), null),
        FuzzOp.Squeeze => (a.Squeeze(), null),
        FuzzOp.SqueezeDim => (a.Squeeze(step.Dim), null),
        FuzzOp.Flatten => (a.Flatten(step.Dim, step.Variant - 4), null),
        FuzzOp.View => (a.View(args.Shape), null),
        FuzzOp.Reshape => (a.Reshape(args.Shape), null),
        FuzzOp.Transpose => (a.Transpose(step.Dim, step.Variant - 4), null),
        FuzzOp.T => (a.T(), null),
        FuzzOp.Clone => (a.Copy(), null),
        FuzzOp.MatMul => (RefTensor.MatMul(a, b), null),
        FuzzOp.Gather => (a.Gather(step.Dim, args.Index), null),
        FuzzOp.ScatterValue => (a.Scatter(step.Dim, args.Index, step.Scalar, null), null),
        FuzzOp.ScatterSrc => (a.Scatter(step.Dim, args.Index, 0, b), null),
        FuzzOp.CrossEntropy => (a.CrossEntropy(args.Index, args.Weight, Arguments.IgnoreIndex, ReductionOf(step)), null),
        _ => throw new ArgumentOutOfRangeException(nameof(step)),
    };

    /// <summary>
    /// The same step on the engine. Div, RDivScalar, Log, Pow and Sqrt take a denominator, argument or base of
    /// x² + 0.5, which keeps them well conditioned.
    /// </summary>
    private static (Tensor Result, Tensor? Indices) Apply(FuzzStep step, Tensor a, Tensor b, int[] shape, Tensor index, Tensor? weight) =>
        step.Op switch
        {
            FuzzOp.Add => (a + b, null),
            FuzzOp.Sub => (a - b, null),
            FuzzOp.Mul => (a * b, null),
            FuzzOp.Div => (a / (b * b + 0.5), null),
            FuzzOp.AddAlpha => (a.Add(b, step.Scalar), null),
            FuzzOp.Addcmul => (a.Addcmul(b, b, step.Scalar), null),
            FuzzOp.Where => (Torch.Where(a.Gt(0), a, b), null),
            FuzzOp.AddScalar => (a + step.Scalar, null),
            FuzzOp.RSubScalar => (step.Scalar - a, null),
            FuzzOp.MulScalar => (a * step.Scalar, null),
            FuzzOp.DivScalar => (a / step.Scalar, null),
            FuzzOp.RDivScalar => (step.Scalar / (a * a + 0.5), null),
            FuzzOp.Neg => (-a, null),
            FuzzOp.Exp => (a.Exp(), null),
            FuzzOp.Log => ((a * a + 0.5).Log(), null),
            FuzzOp.Pow => ((a * a + 0.5).Pow(step.Scalar), null),
            FuzzOp.Sqrt => ((a * a + 0.5).Sqrt(), null),
            FuzzOp.Abs => (a.Abs(), null),
            FuzzOp.Relu => (a.Relu(), null),
            FuzzOp.Tanh => (a.Tanh(), null),
            FuzzOp.Sigmoid => (a.Sigmoid(), null),
            FuzzOp.Sum => (a.Sum(), null),
            FuzzOp.SumDim => (a.Sum(step.Dim, step.KeepDim), null),
            FuzzOp.Mean => (a.Mean(), null),
            FuzzOp.MeanDim => (a.Mean(step.Dim, step.KeepDim), null),
            FuzzOp.Max => (a.Max(), null),
            FuzzOp.MaxDim => a.Max(step.Dim, step.KeepDim),
            FuzzOp.Softmax => (a.Softmax(step.Dim), null),
            FuzzOp.LogSoftmax => (a.LogSoftmax(step.Dim), null),
            FuzzOp.Unsqueeze => (a.Unsqueeze(step.Dim), null),
            FuzzOp.Squeeze => (a.Squeeze(), null),
            FuzzOp.SqueezeDim => (a.Squeeze(step.Dim), null),
            FuzzOp.Flatten => (a.Flatten(step.Dim, step.Variant - 4), null),
            FuzzOp.View => (a.View(shape), null),
            FuzzOp.Reshape => (a.Reshape(shape), null),
            FuzzOp.Transpose => (a.Transpose(step.Dim, step.Variant - 4), null),
            FuzzOp.T => (a.T(), null),
            FuzzOp.Clone => (a.Clone(), null),
            FuzzOp.MatMul => (a.MatMul(b), null),
            FuzzOp.Gather => (a.Gather(step.Dim, index), null),
            FuzzOp.ScatterValue => (a.Scatter(step.Dim, index, step.Scalar), null),
            FuzzOp.ScatterSrc => (a.Scatter(step.Dim, index, b), null),
            FuzzOp.CrossEntropy => (Functional.CrossEntropy(a, index, weight, Arguments.IgnoreIndex, ReductionOf(step)), null),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };

    private static Reduction ReductionOf(FuzzStep step) => (Reduction)((step.Dim % 3 + 3) % 3);

    /// <summary>
    /// The non-tensor arguments of a step, derived from its integers and its operands' shapes: a target shape for
    /// View/Reshape, an index for gather/scatter or a target for cross-entropy, class weights. Each is valid most of
    /// the time and broken in one way or another otherwise.
    /// </summary>
    private sealed record Arguments(int[] Shape, RefIndex Index, double[]? Weight)
    {
        public const long IgnoreIndex = -100;

        private static readonly RefIndex NoIndex = new([], [0]);

        public static Arguments For(FuzzStep step, RefTensor a, RefTensor b)
        {
            var random = new Random(step.Seed);
            return step.Op switch
            {
                FuzzOp.View or FuzzOp.Reshape => new(ViewShape(step, a, random), NoIndex, null),
                FuzzOp.Gather or FuzzOp.ScatterValue => new([], IndexFor(step, a, null, random), null),
                FuzzOp.ScatterSrc => new([], IndexFor(step, a, b, random), null),
                FuzzOp.CrossEntropy => CrossEntropy(step, a, random),
                _ => new([], NoIndex, null),
            };
        }

        private static int[] ViewShape(FuzzStep step, RefTensor a, Random random) => step.Variant switch
        {
            0 => [a.Count],
            1 => [.. a.Shape.Reverse()],
            2 => [-1],
            3 => a.Rank == 0 ? [-1] : [.. a.Shape.Select((s, d) => d == random.Next(a.Rank) ? -1 : s)],
            4 => [.. a.Shape, 1],
            5 => [],
            6 => [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(-1, 5))],
            _ => [1, -1, .. a.Shape.Skip(1)],
        };

        /// <summary>
        /// An index for <paramref name="self"/> along the step's dim: in bounds and in shape unless the variant breaks
        /// it. With a src, it mostly has src's shape (see <see cref="RefTensor.SrcGradientMisshapen"/>).
        /// </summary>
        private static RefIndex IndexFor(FuzzStep step, RefTensor self, RefTensor? src, Random random)
        {
            int dim = RefTensor.Wrap(step.Dim, self.Rank) ?? 0;
            int rank = step.Variant == 6 ? self.Rank + 1 : step.Variant == 7 ? 0 : self.Rank;
            var shape = new int[rank];
            for (int d = 0; d < rank; d++)
            {
                int limit = d < self.Rank && d != dim ? self.Shape[d] : 3;
                shape[d] = step.Variant == 5 ? limit + 1 : random.Next(0, limit + 1);
            }
            if (src is not null && step.Variant < 4) shape = src.Shape;
            int size = self.Rank == 0 ? 1 : self.Shape[dim];
            var values = new long[RefTensor.CountOf(shape)];
            for (int i = 0; i < values.Length; i++) values[i] = random.Next(Math.Max(size, 1));
            if (step.Variant == 4 && values.Length > 0) values[random.Next(values.Length)] = random.Next(2) == 0 ? -1 : size;
            return new RefIndex(values, shape);
        }

        private static Arguments CrossEntropy(FuzzStep step, RefTensor input, Random random)
        {
            int classes = input.Rank == 0 ? 1 : input.Shape[input.Rank >= 2 ? 1 : 0];
            int[] shape = input.Rank <= 1 ? [] : [input.Shape[0], .. input.Shape[2..]];
            if (step.Variant == 6) shape = [.. shape, 1];
            var values = new long[RefTensor.CountOf(shape)];
            for (int i = 0; i < values.Length; i++) values[i] = random.Next(Math.Max(classes, 1));
            if (step.Variant == 4 && values.Length > 0) values[random.Next(values.Length)] = random.Next(2) == 0 ? -1 : classes;
            if (step.Variant == 5 && values.Length > 0) values[random.Next(values.Length)] = IgnoreIndex;
            double[]? weight = step.Variant switch
            {
                1 or 2 => [.. Enumerable.Range(0, classes).Select(_ => 0.5 + random.NextDouble())],
                7 => new double[classes + 1],
                _ => null,
            };
            return new([], new RefIndex(values, shape), weight);
        }
    }
}
