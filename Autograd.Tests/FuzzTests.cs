using System.Diagnostics;
using Autograd.NN;
using CsCheck;

namespace Autograd.Tests;

internal enum FuzzOp
{
    Add, Sub, Mul, Div, AddAlpha, Addcmul, Where, AddScalar, RSubScalar, MulScalar, DivScalar, RDivScalar, Neg,
    Exp, Log, Pow, Sqrt, Abs, Relu, Tanh, Sigmoid, Sum, SumDim, Mean, MeanDim, Max, MaxDim, Softmax, LogSoftmax,
    Unsqueeze, Squeeze, SqueezeDim, Flatten, View, Reshape, Transpose, T, Clone, MatMul, Gather, ScatterValue, ScatterSrc,
    CrossEntropy, Select, Narrow, Slice, Expand, Diagonal, IndexRows, IndexMask,
    MulInPlace, AddInPlace, FillInPlace, ZeroInPlace, CopyInPlace, SetRow, PutRows, FillMasked,
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
/// and on float64 tensors and checked against <see cref="RefTensor"/>. Views share storage with the tensor they view
/// and in-place writes (through a view or on a base) show through every alias, in the engine as in the reference. A
/// step the reference rejects must throw ArgumentException, InvalidOperationException or IndexOutOfRangeException
/// (PyTorch's IndexError) with a message and change no tensor; after any other, every tensor of the program must match
/// the reference, and the gradients of a weighted sum of all of them must match central differences of the reference,
/// or Backward must fail where PyTorch's does (a tensor saved for backward was written in place since).
/// </summary>
[TestFixture]
[Category("Slow")]
public class FuzzTests
{
    private const int Cases = 20_000;

    /// <summary>Programs of views, in-place writes and indexing, longer than the others so that writes reach views.</summary>
    private const int AliasingCases = 8_000;

    /// <summary>A program ends at a result this large (or non-finite): overflow is not what it tests.</summary>
    private const double Overflow = 100;

    private static readonly Gen<int[]> ShapeGen =
        Gen.Frequency((1, Gen.Const(0)), (3, Gen.Const(1)), (4, Gen.Const(2)), (3, Gen.Const(3)))
            .SelectMany(rank => Gen.Frequency((1, Gen.Const(0)), (16, Gen.Int[1, 3]), (1, Gen.Const(4))).Array[rank]);

    /// <summary>
    /// Values are multiples of 1/1024: their products never underflow float32, and exact zeros and ties occur. One in
    /// <paramref name="withoutGrad"/> inputs does not require grad (PyTorch writes in place only to those and to results).
    /// </summary>
    private static Gen<FuzzInput> InputGen(int withoutGrad) => ShapeGen.SelectMany(shape => Gen.Select(
        Gen.Int[-1024, 1024].Select(k => k / 1024.0).Array[RefTensor.CountOf(shape)],
        Gen.Int[1, withoutGrad],
        (values, flag) => new FuzzInput(shape, values, RequiresGrad: flag != 1)));

    private static Gen<FuzzStep> StepGen(Gen<FuzzOp> ops) => Gen.Select(
        ops, Gen.Int[0, 99], Gen.Int[0, 99], Gen.Int[-4, 3], Gen.Int[0, 7], Gen.Bool,
        Gen.Select(Gen.Double[0.5, 2], Gen.Bool, (magnitude, negative) => negative ? -magnitude : magnitude), Gen.Int[0, 1 << 20],
        (op, first, second, dim, variant, keepDim, scalar, seed) => new FuzzStep(op, first, second, dim, variant, keepDim, scalar, seed));

    private static Gen<FuzzProgram> ProgramGen(Gen<FuzzOp> ops, int maxSteps, int withoutGrad) =>
        Gen.Select(InputGen(withoutGrad).Array[1, 3], StepGen(ops).Array[1, maxSteps], (inputs, steps) => new FuzzProgram(inputs, steps));

    private static readonly FuzzOp[] InPlaceOps =
        [FuzzOp.MulInPlace, FuzzOp.AddInPlace, FuzzOp.FillInPlace, FuzzOp.ZeroInPlace, FuzzOp.CopyInPlace, FuzzOp.SetRow, FuzzOp.PutRows, FuzzOp.FillMasked];

    /// <summary>The ops of the aliasing programs: views, in-place writes, indexing, and a few ops that save tensors for backward.</summary>
    private static readonly FuzzOp[] AliasingOps =
    [
        FuzzOp.Select, FuzzOp.Narrow, FuzzOp.Slice, FuzzOp.Expand, FuzzOp.Diagonal, FuzzOp.View, FuzzOp.Reshape, FuzzOp.Transpose,
        FuzzOp.T, FuzzOp.Unsqueeze, FuzzOp.Flatten, FuzzOp.IndexRows, FuzzOp.IndexMask, .. InPlaceOps, .. InPlaceOps,
        FuzzOp.Mul, FuzzOp.Exp, FuzzOp.Tanh, FuzzOp.MatMul, FuzzOp.Sum, FuzzOp.Clone,
    ];

    [Test]
    public void RandomPrograms_MatchTheReference_OrFailWithoutChangingAnything() =>
        Sample(ProgramGen(Gen.Enum<FuzzOp>(), maxSteps: 4, withoutGrad: 5), Cases);

    [Test]
    public void RandomAliasingPrograms_MatchTheReference_OrFailWithoutChangingAnything()
    {
        var counts = Sample(ProgramGen(Gen.Int[0, AliasingOps.Length - 1].Select(i => AliasingOps[i]), maxSteps: 8, withoutGrad: 2), AliasingCases);
        counts.WritesThroughAliases.ShouldBeGreaterThan(AliasingCases / 4);
    }

    private static Counts Sample(Gen<FuzzProgram> programs, int cases)
    {
        var counts = new Counts();
        var watch = Stopwatch.StartNew();
        programs.Sample(program => Check(program, counts), iter: cases, print: p => p.ToString());
        TestContext.Out.WriteLine(
            $"{counts.Programs:N0} programs in {watch.Elapsed.TotalSeconds:F1} s: {counts.ValidSteps:N0} valid steps, " +
            $"{counts.InvalidSteps:N0} rejected steps, {counts.InPlaceWrites:N0} in-place writes ({counts.WritesThroughAliases:N0} " +
            $"to a tensor that shares its storage with another), {counts.GradientChecks:N0} programs gradient-checked, " +
            $"{counts.FailedBackwards:N0} with a Backward that must fail");
        counts.Programs.ShouldBeGreaterThanOrEqualTo(cases);
        counts.ValidSteps.ShouldBeGreaterThan(cases);
        counts.InvalidSteps.ShouldBeGreaterThan(cases / 10);
        counts.GradientChecks.ShouldBeGreaterThan(cases / 3);
        return counts;
    }

    private sealed class Counts
    {
        public int Programs, ValidSteps, InvalidSteps, InPlaceWrites, WritesThroughAliases, GradientChecks, FailedBackwards;
    }

    private static void Check(FuzzProgram program, Counts counts)
    {
        var trace = Replay(program, [.. program.Inputs.Select(x => x.Values)]);
        var inputs32 = Leaves(program, DType.Float32);
        var inputs64 = Leaves(program, DType.Float64);
        var pool32 = Run(trace, inputs32, tolerance: 1e-5);
        var pool64 = Run(trace, inputs64, tolerance: 1e-12);
        Interlocked.Increment(ref counts.Programs);
        Interlocked.Add(ref counts.ValidSteps, trace.Steps.Count(s => s.Result is not null));
        Interlocked.Add(ref counts.InvalidSteps, trace.Steps.Count(s => s.Result is null));
        Interlocked.Add(ref counts.InPlaceWrites, trace.Steps.Count(s => s.Result is not null && InPlaceOps.Contains(s.Step.Op)));
        Interlocked.Add(ref counts.WritesThroughAliases, trace.WritesThroughAliases);
        if (!pool64.Any(r => r.RequiresGrad)) return;

        CheckBackwardMisuse(pool32[^1], inputs32);
        if (trace.BackwardMayFail) return;
        if (trace.BackwardFails)
        {
            Interlocked.Increment(ref counts.FailedBackwards);
            ShouldBeRejected(() => WeightedSum(pool64).Backward(), inputs64);
            return;
        }
        WeightedSum(pool32).Backward();
        WeightedSum(pool64).Backward();
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

    /// <summary>A tensor of its own (not a view of the flat one it is made from, which would take in-place writes for its base's).</summary>
    private static Tensor TensorOf(double[] values, int[] shape, DType dtype) =>
        (dtype == DType.Float32 ? Torch.Tensor(Array.ConvertAll(values, v => (float)v)) : Torch.Tensor(values)).Reshape(shape).Clone();

    /// <summary>A Backward that must fail changes no gradient.</summary>
    private static void CheckBackwardMisuse(Tensor last, Tensor[] inputs)
    {
        if (last.RequiresGrad && last.Count != 1)
            ShouldBeRejected(() => last.Backward(), inputs);
        if (last.RequiresGrad)
            ShouldBeRejected(() => last.Backward(Torch.Zeros([.. last.Shape, 2], last.DType)), inputs);
    }

    /// <summary>Σ_k Σ_i w_ki r_ki over every tensor of the program as it ends, so each one's gradient is checked; the weights break symmetries.</summary>
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

    /// <summary>
    /// One step as the reference ran it: its operands' pool positions (the second one cloned when an in-place write
    /// would read it from the storage it writes, where PyTorch's result depends on its loop order), arguments, result
    /// (null: rejected), and every pool tensor's values and requires-grad flag after it.
    /// </summary>
    private sealed record TracedStep(FuzzStep Step, int First, int Second, bool SecondCloned, Arguments Args, RefTensor? Result, long[]? Indices,
        (double[] Values, bool RequiresGrad)[] Pool);

    /// <summary>
    /// <see cref="BackwardMayFail"/>: an operand of a matmul or a cross-entropy was written in place since. PyTorch's
    /// matmul saves it or a copy of it depending on the shapes and layouts of both, which the reference does not model;
    /// the engine's fused cross-entropy saves its input where PyTorch saves the log-softmax (a known difference).
    /// </summary>
    private sealed record Trace(List<TracedStep> Steps, double Loss, bool Kinked, bool BackwardFails, bool BackwardMayFail, int WritesThroughAliases);

    /// <summary>
    /// Runs the program on the reference; stops after a result past <see cref="Overflow"/>. The loss weighs every pool
    /// tensor as the program leaves it; Backward fails if a tensor saved for backward (see <see cref="Saved"/>) was
    /// written in place since, or on a misshapen src gradient (see <see cref="RefTensor.SrcGradientMisshapen"/>).
    /// </summary>
    private static Trace Replay(FuzzProgram program, double[][] inputValues)
    {
        var pool = program.Inputs.Select((x, i) => RefTensor.Leaf(inputValues[i], x.Shape, x.RequiresGrad)).ToList();
        var steps = new List<TracedStep>();
        var saved = new List<(RefStorage Storage, int Version)>();
        var maybeSaved = new List<(RefStorage Storage, int Version)>();
        bool kinked = false, backwardFails = false;
        int writesThroughAliases = 0;
        foreach (var step in program.Steps)
        {
            int first = step.First % pool.Count, second = step.Second % pool.Count;
            var (a, b) = (pool[first], pool[second]);
            bool inPlace = InPlaceOps.Contains(step.Op), secondCloned = inPlace && b.SharesStorage(a);
            if (secondCloned) b = b.Copy();
            var args = Arguments.For(step, a, b);
            bool aliased = pool.Count(t => t.SharesStorage(a)) > 1;
            var (aRequiresGrad, bRequiresGrad) = (a.RequiresGrad, b.RequiresGrad);
            var (result, indices) = Reference(step, a, b, args);
            if (result is not null && !result.SharesStorage(a)) result.Storage.RequiresGrad = aRequiresGrad || ReadsSecond(step.Op) && bRequiresGrad;
            steps.Add(new TracedStep(step, first, second, secondCloned, args, result, indices, [.. pool.Append(result).OfType<RefTensor>().Select(t => (t.Values, t.RequiresGrad))]));
            if (result is null) continue;
            var (savesFirst, savesSecond, savesResult) = Saved(step.Op, aRequiresGrad, bRequiresGrad);
            if (step.Op == FuzzOp.CrossEntropy && aRequiresGrad) maybeSaved.Add((a.Storage, a.Storage.Version));
            (step.Op == FuzzOp.MatMul ? maybeSaved : saved).AddRange(
                new[] { (savesFirst, a), (savesSecond, b), (savesResult, result) }.Where(s => s.Item1).Select(s => (s.Item2.Storage, s.Item2.Storage.Version)));
            backwardFails |= result.SrcGradientMisshapen && bRequiresGrad;
            writesThroughAliases += inPlace && aliased ? 1 : 0;
            kinked |= result.Kinked;
            if (result.Values.Any(v => !(Math.Abs(v) <= Overflow)))
            {
                kinked |= inPlace; // the write stays in the pool: the loss would weigh values past the overflow
                break;
            }
            pool.Add(result);
        }
        double loss = pool.Select((t, k) => t.Values.Zip(Weights(t.Count, k), (v, w) => v * w).Sum()).Sum();
        backwardFails |= saved.Any(s => s.Storage.Version != s.Version);
        return new Trace(steps, loss, kinked, backwardFails, maybeSaved.Any(s => s.Storage.Version != s.Version), writesThroughAliases);
    }

    /// <summary>
    /// Which operands PyTorch 1.13 saves for backward, so that a later in-place write to their storage makes Backward
    /// fail, given which operands require grad; measured with torch for the formulas <see cref="Apply"/> uses (x² + 0.5
    /// saves x), matmul on 2-D operands. The other ops save nothing of the pool (an index or mask at most).
    /// </summary>
    private static (bool First, bool Second, bool Result) Saved(FuzzOp op, bool a, bool b) => op switch
    {
        FuzzOp.Mul or FuzzOp.MatMul => (b, a, false),
        FuzzOp.Div => (b, b, false),
        FuzzOp.Addcmul => (false, b, false),
        FuzzOp.MulInPlace => (false, a, false),
        FuzzOp.RDivScalar or FuzzOp.Log or FuzzOp.Pow or FuzzOp.Abs or FuzzOp.MeanDim or FuzzOp.Gather => (a, false, false),
        FuzzOp.Sqrt or FuzzOp.Max => (a, false, a),
        FuzzOp.Exp or FuzzOp.Relu or FuzzOp.Tanh or FuzzOp.Sigmoid or FuzzOp.Softmax or FuzzOp.LogSoftmax => (false, false, a),
        _ => default,
    };

    /// <summary>
    /// Runs the traced steps on the engine: rejected steps must throw cleanly and change nothing; after the others,
    /// every pool tensor must match the reference within <paramref name="tolerance"/> times the largest magnitude seen
    /// so far, and require grad as it does. Returns the pool.
    /// </summary>
    private static List<Tensor> Run(Trace trace, Tensor[] inputs, double tolerance)
    {
        var pool = inputs.ToList();
        double scale = 1 + inputs.Select(x => MaxAbs(x.ToArray<double>())).DefaultIfEmpty(0).Max();
        foreach (var traced in trace.Steps)
        {
            var (a, b) = (pool[traced.First], pool[traced.Second]);
            if (traced.SecondCloned) b = b.Clone();
            var index = traced.Args.Index.ToTensor();
            var weight = traced.Args.Weight is { } w ? TensorOf(w, [w.Length], a.DType) : null;
            if (traced.Result is not { } expected)
            {
                ShouldBeRejected(() => Apply(traced.Step, a, b, traced.Args.Shape, index, weight), [.. pool, b, index, .. weight is null ? [] : new[] { weight }]);
                continue;
            }
            var (result, indices) = Apply(traced.Step, a, b, traced.Args.Shape, index, weight);
            string what = $"{traced.Step.Op} of {Shapes.Format(a.Shape)}, {Shapes.Format(b.Shape)}";
            result.Shape.ShouldBe(expected.Shape, what);
            result.DType.ShouldBe(a.DType, what);
            if (!expected.Kinked) indices?.ToArray<long>().ShouldBe(traced.Indices, what); // rounding may reorder near-ties
            // The result's values as the step left them (a later in-place write to its storage shows in expected.Values).
            var resultValues = traced.Pool[^1].Values;
            scale = Math.Max(scale, 1 + MaxAbs(resultValues));
            if (resultValues.Any(v => !(Math.Abs(v) <= Overflow))) break;
            pool.Add(result);
            for (int k = 0; k < pool.Count; k++)
            {
                string which = $"{what}: pool tensor {k}";
                pool[k].RequiresGrad.ShouldBe(traced.Pool[k].RequiresGrad, which);
                if (!(expected.NearJump && result.DType == DType.Float32)) ShouldBeClose(pool[k].ToArray<double>(), traced.Pool[k].Values, tolerance * scale, which);
            }
        }
        return pool;
    }

    private static bool ReadsSecond(FuzzOp op) => op is FuzzOp.Add or FuzzOp.Sub or FuzzOp.Mul or FuzzOp.Div or FuzzOp.AddAlpha or FuzzOp.Addcmul
        or FuzzOp.Where or FuzzOp.MatMul or FuzzOp.ScatterSrc;

    /// <summary>
    /// The step must throw ArgumentException, InvalidOperationException or IndexOutOfRangeException (PyTorch's
    /// IndexError), with a message, and leave every tensor as it was.
    /// </summary>
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
        (error is ArgumentException or InvalidOperationException or IndexOutOfRangeException).ShouldBeTrue($"{error.GetType().Name}: {error.Message}\n{error.StackTrace}");
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
        FuzzOp.Select => (a.Select(step.Dim, step.Variant - 4), null),
        FuzzOp.Narrow => (a.Narrow(step.Dim, step.Variant - 4, step.Seed % 4), null),
        FuzzOp.Slice => (a.Slice(step.Dim & 3, step.Variant - 4, SliceStop(step), SliceStep(step)), null),
        FuzzOp.Expand => (a.Expand(args.Shape), null),
        FuzzOp.Diagonal => (a.Diagonal(step.Variant - 4, step.Dim, DiagonalDim(step)), null),
        FuzzOp.IndexRows => (a.Rows(args.Index), null),
        FuzzOp.IndexMask => (a.Masked(args.Index), null),
        FuzzOp.MulInPlace => (a.Update(b, (x, y) => x * y), null),
        FuzzOp.AddInPlace => (a.Update(b, (x, y) => x + step.Scalar * y), null),
        FuzzOp.FillInPlace => (a.Fill(step.Scalar), null),
        FuzzOp.ZeroInPlace => (a.Fill(0), null),
        FuzzOp.CopyInPlace => (a.Update(b, (_, y) => y), null),
        FuzzOp.SetRow => (a.SetRow(step.Variant - 4, b), null),
        FuzzOp.PutRows => (a.PutRows(args.Index, b), null),
        FuzzOp.FillMasked => (a.FillMasked(args.Index, step.Scalar), null),
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
            FuzzOp.Select => (a.Select(step.Dim, step.Variant - 4), null),
            FuzzOp.Narrow => (a.Narrow(step.Dim, step.Variant - 4, step.Seed % 4), null),
            FuzzOp.Slice => (a[[.. Enumerable.Repeat<TensorIndex>(.., step.Dim & 3), TensorIndex.Slice(step.Variant - 4, SliceStop(step), SliceStep(step))]], null),
            FuzzOp.Expand => (a.Expand(shape), null),
            FuzzOp.Diagonal => (a.Diagonal(step.Variant - 4, step.Dim, DiagonalDim(step)), null),
            FuzzOp.IndexRows => (a[index], null),
            FuzzOp.IndexMask => (a[index.Ne(0)], null),
            FuzzOp.MulInPlace => (a.Mul_(b), null),
            FuzzOp.AddInPlace => (a.Add_(b, step.Scalar), null),
            FuzzOp.FillInPlace => (a.Fill_(step.Scalar), null),
            FuzzOp.ZeroInPlace => (a.Zero_(), null),
            FuzzOp.CopyInPlace => (a.Copy_(b), null),
            FuzzOp.SetRow => Assigned(a, () => a[step.Variant - 4] = b),
            FuzzOp.PutRows => Assigned(a, () => a[index] = b),
            FuzzOp.FillMasked => Assigned(a, () => a[index.Ne(0)] = step.Scalar),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };

    /// <summary>A setitem step's result: the tensor written to.</summary>
    private static (Tensor Result, Tensor? Indices) Assigned(Tensor target, Action write)
    {
        write();
        return (target, null);
    }

    private static int SliceStop(FuzzStep step) => step.Seed % 9 - 4;

    private static int SliceStep(FuzzStep step) => step.Seed / 9 % 3 + 1;

    private static int DiagonalDim(FuzzStep step) => step.Seed % 8 - 4;

    private static Reduction ReductionOf(FuzzStep step) => (Reduction)((step.Dim % 3 + 3) % 3);

    /// <summary>
    /// The non-tensor arguments of a step, derived from its integers and its operands' shapes: a target shape for
    /// View/Reshape or sizes for Expand, an index for gather/scatter, rows or a mask (0 or 1 per element) for
    /// indexing, or a target for cross-entropy, class weights. Each is valid most of
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
                FuzzOp.Expand => new(ExpandSizes(step, a), NoIndex, null),
                FuzzOp.IndexRows => new([], RowIndex(step, a, random, distinct: false), null),
                FuzzOp.PutRows => new([], RowIndex(step, a, random, distinct: true), null),
                FuzzOp.IndexMask or FuzzOp.FillMasked => new([], Mask(step, a, random), null),
                _ => new([], NoIndex, null),
            };
        }

        private static int[] ExpandSizes(FuzzStep step, RefTensor a) => step.Variant switch
        {
            0 => [2, .. a.Shape],
            1 => [.. a.Shape.Select(s => s == 1 ? 3 : s)],
            2 => [.. a.Shape.Select(_ => -1)],
            3 => [0, .. a.Shape.Select(s => s == 1 ? 2 : -1)],
            4 => [.. a.Shape.Select((s, d) => d == 0 ? s + 1 : s)],
            5 => [.. a.Shape.Skip(1)],
            6 => [-1, .. a.Shape],
            _ => [3, 2, .. a.Shape.Select(s => s == 1 ? 2 : s)],
        };

        /// <summary>
        /// A 1-D index of rows (dim 0) of <paramref name="self"/>, some counted from the end; <paramref name="distinct"/>
        /// for a write, where PyTorch leaves open which of two writes to one row wins. Variant 5 puts one out of range.
        /// </summary>
        private static RefIndex RowIndex(FuzzStep step, RefTensor self, Random random, bool distinct)
        {
            int size = self.Rank == 0 ? 1 : self.Shape[0];
            int[] rows = distinct
                ? [.. Enumerable.Range(0, size).OrderBy(_ => random.Next()).Take(random.Next(size + 1))]
                : [.. Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(Math.Max(size, 1)))];
            var values = Array.ConvertAll(rows, r => random.Next(2) == 0 ? (long)r : r - size);
            if (step.Variant == 5 && values.Length > 0) values[random.Next(values.Length)] = random.Next(2) == 0 ? size : -size - 1;
            return new RefIndex(values, [values.Length]);
        }

        /// <summary>A mask of self's shape; variant 5 gives it a dim too many or one element too many in dim 0.</summary>
        private static RefIndex Mask(FuzzStep step, RefTensor self, Random random)
        {
            int[] shape = step.Variant != 5 ? self.Shape : self.Rank == 0 ? [1] : [self.Shape[0] + 1, .. self.Shape[1..]];
            return new RefIndex([.. Enumerable.Range(0, RefTensor.CountOf(shape)).Select(_ => (long)random.Next(2))], shape);
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
