using System.Numerics;

namespace Autograd;

/// <summary>
/// torch.autograd: gradients returned instead of accumulated, Jacobians and Hessians, and the finite-difference checks
/// GradCheck and GradGradCheck.
/// </summary>
public static class Gradients
{
    private const string UnusedInput =
        "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.";

    /// <summary>
    /// torch.autograd.grad: the gradients of <paramref name="outputs"/>, weighted by <paramref name="gradOutputs"/> (which
    /// single-element outputs may omit), with respect to <paramref name="inputs"/>. No tensor's Grad is touched, and only the
    /// part of the graph that leads to the inputs runs. The graph is kept when <paramref name="retainGraph"/> or
    /// <paramref name="createGraph"/> is set; <paramref name="createGraph"/> also records the gradients' own graph, so they can
    /// be differentiated again. With <paramref name="allowUnused"/>, an input the outputs do not depend on gets a null entry
    /// (PyTorch's None); without it, such an input throws.
    /// </summary>
    public static Tensor[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor[]? gradOutputs = null, bool retainGraph = false,
        bool createGraph = false, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        var grads = GradsOrNull(outputs, inputs, gradOutputs, retainGraph || createGraph, createGraph);
        if (!allowUnused && Array.Exists(grads, g => g is null)) throw new InvalidOperationException(UnusedInput);
        // Null entries remain only under allowUnused, where they stand for PyTorch's None.
        return Array.ConvertAll(grads, g => g!);
    }

    /// <summary>The gradient of a single-element <paramref name="output"/> with respect to <paramref name="input"/>.</summary>
    public static Tensor Grad(Tensor output, Tensor input, bool createGraph = false) =>
        Grad([Argument.NotNull(output)], [Argument.NotNull(input)], createGraph: createGraph)[0];

    /// <summary>
    /// torch.autograd.functional.jacobian: d f(input) / d input, of shape output.Shape + input.Shape, built from one backward
    /// pass per output element. With <paramref name="createGraph"/> the result is differentiable (with respect to
    /// <paramref name="input"/> too, when it requires grad); otherwise it carries no graph.
    /// </summary>
    public static Tensor Jacobian(Func<Tensor, Tensor> f, Tensor input, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        using var gradMode = GradMode.Set(enabled: true);
        // f sees a fresh alias of the input: a view that keeps the input's graph when the result must be differentiable, else a detached leaf.
        var x = createGraph && input.RequiresGrad ? input.View(input.Dims) : RequiringGrad(input.Detach());
        var output = f(x);
        var rows = new Tensor[output.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            var row = output.RequiresGrad
                ? GradsOrNull([output], [x], [UnitAt(output, i)], retainGraph: true, createGraph)[0]
                : null;
            rows[i] = row ?? Kernels.Full(input.DType, input.Dims, 0);
        }
        return Stack(rows, input).View([.. output.Dims, .. input.Dims]);
    }

    /// <summary>
    /// torch.autograd.functional.hessian: the second derivatives of a single-element f, of shape input.Shape + input.Shape
    /// (the Jacobian of f's gradient, which is computed with createGraph).
    /// </summary>
    public static Tensor Hessian(Func<Tensor, Tensor> f, Tensor input, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Jacobian(x => Jacobian(y => SingleElement(f(y)), x, createGraph: true), input, createGraph);
    }

    /// <summary>
    /// torch.autograd.gradcheck: compares, for every input that requires grad, the Jacobian from backward passes with central
    /// differences (f evaluated at each element ± <paramref name="eps"/>). An element passes when
    /// |analytical − numerical| ≤ atol + rtol·|numerical|. Use float64 inputs: float32 rounding swamps the differences.
    /// </summary>
    /// <returns>True; a mismatch throws <see cref="GradCheckException"/>.</returns>
    public static bool GradCheck(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(f);
        return CheckJacobians(x => [f(x)], inputs, eps, atol, rtol);
    }

    /// <summary>
    /// torch.autograd.gradgradcheck: GradCheck of (inputs..., v) → the gradients of f(inputs) weighted by v, taken with
    /// createGraph, so both the second derivatives (columns of the inputs) and the backward pass's dependence on v (the last
    /// input) are checked. v is <paramref name="gradOutput"/> if given, else standard normal from the default generator and
    /// requiring grad, as torch.randn_like.
    /// </summary>
    /// <returns>True; a mismatch throws <see cref="GradCheckException"/>.</returns>
    public static bool GradGradCheck(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3,
        Tensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        var v = gradOutput ?? RandomLike(f(inputs));
        return CheckJacobians(args =>
        {
            var x = args[..^1];
            var grads = GradsOrNull([f(x)], Array.FindAll(x, t => t.RequiresGrad), [args[^1]], retainGraph: true, createGraph: true);
            return [.. grads.OfType<Tensor>()];
        }, [.. inputs, v], eps, atol, rtol);
    }

    /// <summary>torch.autograd.grad with allowUnused: null for an input the outputs do not depend on.</summary>
    private static Tensor?[] GradsOrNull(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs, bool retainGraph, bool createGraph)
    {
        if (inputs.Length == 0) throw new ArgumentException("grad requires non-empty inputs.");
        // Extra gradOutputs are ignored, as PyTorch's zip does.
        if (gradOutputs is not null && gradOutputs.Length < outputs.Length)
            throw new ArgumentException($"got {outputs.Length} tensors and {gradOutputs.Length} gradients");
        if (Array.Exists(inputs, t => !t.RequiresGrad)) throw new InvalidOperationException("One of the differentiated Tensors does not require grad");
        var seeds = new Tensor?[outputs.Length];
        if (gradOutputs is not null) Array.Copy(gradOutputs, seeds, outputs.Length);
        return Engine.Execute(outputs, seeds, retainGraph, createGraph, inputs)!;
    }

    /// <summary>
    /// PyTorch's (slow mode) gradcheck for a function with several outputs. Outputs that do not require grad are skipped,
    /// unless none does: then each is checked against an analytical gradient of zero.
    /// </summary>
    private static bool CheckJacobians(Func<Tensor[], Tensor[]> f, Tensor[] inputs, double eps, double atol, double rtol)
    {
        int[] wrt = [.. Enumerable.Range(0, inputs.Length).Where(i => inputs[i].RequiresGrad)];
        if (wrt.Length == 0)
            throw new ArgumentException("gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.");
        var all = f(inputs);
        int[] picked = [.. Enumerable.Range(0, all.Length).Where(o => all[o].RequiresGrad)];
        if (picked.Length == 0) picked = [.. Enumerable.Range(0, all.Length)];
        var outputs = Array.ConvertAll(picked, o => all[o]);
        var analytical = AnalyticalJacobians(outputs, [.. wrt.Select(i => inputs[i])]);
        var numerical = NumericalJacobians(f, inputs, wrt, picked, Array.ConvertAll(outputs, o => o.Count), eps);
        for (int o = 0; o < outputs.Length; o++)
        {
            for (int k = 0; k < wrt.Length; k++)
            {
                double[] a = analytical[o][k], n = numerical[o][k];
                int columns = outputs[o].Count;
                for (int at = 0; at < a.Length; at++)
                {
                    if (Math.Abs(a[at] - n[at]) <= atol + rtol * Math.Abs(n[at])) continue;
                    int element = at / columns;
                    throw new GradCheckException(
                        $"Jacobian mismatch for output {picked[o]} with respect to input {wrt[k]},\n" +
                        $"at input element {element}, output element {at % columns}: numerical {n[at]:R}, analytical {a[at]:R}\n" +
                        $"numerical:{AsMatrix(n, columns)}\nanalytical:{AsMatrix(a, columns)}\n",
                        wrt[k], element, n[at], a[at]);
                }
            }
        }
        return true;
    }

    /// <summary>For each output and differentiated input, the Jacobian as (input elements × output elements), row-major: one backward pass per output element.</summary>
    private static double[][][] AnalyticalJacobians(Tensor[] outputs, Tensor[] inputs)
    {
        var jacobians = NewJacobians(Array.ConvertAll(outputs, o => o.Count), inputs);
        for (int o = 0; o < outputs.Length; o++)
        {
            var output = outputs[o];
            for (int j = 0; j < output.Count; j++)
            {
                if (!output.RequiresGrad) continue;
                var grads = GradsOrNull([output], inputs, [UnitAt(output, j)], retainGraph: true, createGraph: false);
                for (int k = 0; k < inputs.Length; k++)
                {
                    if (grads[k] is not { } g) continue;
                    var values = g.ToArray<double>();
                    for (int e = 0; e < values.Length; e++) jacobians[o][k][e * output.Count + j] = values[e];
                }
            }
        }
        return jacobians;
    }

    /// <summary>The same Jacobians by central differences, perturbing each input element in place (and restoring it exactly).</summary>
    private static double[][][] NumericalJacobians(Func<Tensor[], Tensor[]> f, Tensor[] inputs, int[] wrt, int[] picked, int[] sizes, double eps)
    {
        var jacobians = NewJacobians(sizes, [.. wrt.Select(i => inputs[i])]);
        for (int k = 0; k < wrt.Length; k++)
        {
            var input = inputs[wrt[k]];
            for (int e = 0; e < input.Count; e++)
            {
                double original = ElementAt(input, e);
                double[][] below, above;
                try
                {
                    SetElement(input, e, original - eps);
                    below = Evaluate();
                    SetElement(input, e, original + eps);
                    above = Evaluate();
                }
                finally
                {
                    SetElement(input, e, original);
                }
                for (int o = 0; o < picked.Length; o++)
                {
                    int columns = sizes[o];
                    for (int j = 0; j < columns; j++) jacobians[o][k][e * columns + j] = (above[o][j] - below[o][j]) / (2 * eps);
                }
            }
        }
        return jacobians;

        double[][] Evaluate()
        {
            var outputs = f(inputs);
            return [.. picked.Select(o => outputs[o].ToArray<double>())];
        }
    }

    private static double[][][] NewJacobians(int[] outputSizes, Tensor[] inputs) =>
        [.. outputSizes.Select(size => inputs.Select(input => new double[input.Count * size]).ToArray())];

    private static Tensor AsMatrix(double[] jacobian, int columns) =>
        new(jacobian, [columns == 0 ? 0 : jacobian.Length / columns, columns]);

    /// <summary>torch.stack along a new first dim; its backward hands each row its slice of the gradient.</summary>
    private static Tensor Stack(Tensor[] rows, Tensor like)
    {
        int size = like.Count;
        var result = Tensor.Empty(like.DType, [rows.Length, .. like.Dims]);
        for (int i = 0; i < rows.Length; i++) Array.Copy(rows[i].Values, 0, result.Storage.Data, i * size, size);
        if (GradMode.IsEnabled && Array.Exists(rows, r => r.RequiresGrad))
        {
            int count = rows.Length;
            int[] rowShape = like.Dims;
            Graph.Record(result, "StackBackward0", rows, g => [.. Enumerable.Range(0, count).Select(i => RowOf(g, i, rowShape))], saved: []);
        }
        return result;
    }

    private static Tensor RowOf(Tensor stacked, int row, int[] shape)
    {
        int size = Shapes.NumElements(shape);
        var index = new Tensor(Enumerable.Repeat((long)row, size).ToArray(), [1, size]);
        return stacked.Reshape(stacked.Dims[0], size).Gather(0, index).Reshape(shape);
    }

    private static Tensor RequiringGrad(Tensor leaf)
    {
        leaf.RequiresGrad = true;
        return leaf;
    }

    private static Tensor SingleElement(Tensor output) => output.Count == 1
        ? output.View()
        : throw new ArgumentException("The Tensor returned by the function given to hessian should contain a single element");

    private static Tensor RandomLike(Tensor output) =>
        Torch.Randn([.. output.Dims], output.DType.IsFloating() ? output.DType : DType.Float64, requiresGrad: true);

    /// <summary>A tensor like <paramref name="like"/> with 1 at flat <paramref name="index"/> and 0 elsewhere.</summary>
    private static Tensor UnitAt(Tensor like, int index)
    {
        var unit = Kernels.Full(like.DType, like.Dims, 0);
        SetElement(unit, index, 1);
        return unit;
    }

    private static double ElementAt(Tensor t, int index) =>
        DTypes.DispatchNumeric<ElementRead, double>(t.DType, new ElementRead(t.Storage.Data, t.StorageIndex(index)), "gradcheck");

    /// <summary>Writes <paramref name="value"/> (rounded to t's dtype) into element <paramref name="index"/> of t's storage, in place.</summary>
    private static void SetElement(Tensor t, int index, double value) =>
        DTypes.DispatchNumeric(t.DType, new ElementWrite(t.Storage.Data, t.StorageIndex(index), value), "gradcheck");

    private readonly struct ElementRead(Array data, int storageIndex) : INumericFunc<double>
    {
        public double Invoke<T>() where T : unmanaged, INumber<T> => double.CreateTruncating(((T[])data)[storageIndex]);
    }

    private readonly struct ElementWrite(Array data, int storageIndex, double value) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => ((T[])data)[storageIndex] = T.CreateTruncating(value);
    }
}

/// <summary>
/// A gradient check found an analytical derivative that differs from its central difference (PyTorch's GradcheckError).
/// The message names the output, the input, the element and both values, then prints both Jacobians.
/// </summary>
public sealed class GradCheckException(string message, int inputIndex, int elementIndex, double numerical, double analytical) : Exception(message)
{
    /// <summary>The position of the input in the inputs given to the check (for GradGradCheck, the last one is the grad output v).</summary>
    public int InputIndex { get; } = inputIndex;

    /// <summary>The flat, row-major index of the element of that input.</summary>
    public int ElementIndex { get; } = elementIndex;

    /// <summary>The central-difference estimate of the Jacobian entry that failed (PyTorch's numerical Jacobian).</summary>
    public double Numerical { get; } = numerical;

    /// <summary>The Jacobian entry Backward computed there (PyTorch's analytical Jacobian).</summary>
    public double Analytical { get; } = analytical;
}
