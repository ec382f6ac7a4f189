using System.Numerics;
using static Autograd.Differentiable;

namespace Autograd;

/// <summary>
/// Comparisons, Where and Argmax. A comparison returns a Bool mask, as in PyTorch; a mask is Where's condition and
/// sums to a count.
/// </summary>
public static class Comparisons
{
    private enum Comparison { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual }

    extension(Tensor self)
    {
        /// <summary>
        /// The Bool mask of <c>self == other</c>, as <c>torch.eq</c>; the operands broadcast and compare in their promoted dtype. C#'s <c>==</c> on tensors stays reference equality: use this for the elementwise mask.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor Eq(Tensor other) => Compare(Argument.NotNull(self), Argument.NotNull(other), Comparison.Equal);
        /// <summary>The Bool mask of <c>self == other</c> against a Python number, as <c>torch.eq(self, other)</c>; a fractional number next to an integer tensor compares in float32.</summary>
        public Tensor Eq(double other) => Compare(Argument.NotNull(self), ScalarFor(self, other), Comparison.Equal);
        /// <summary>
        /// The Bool mask of <c>self != other</c>, as <c>torch.ne</c>; the operands broadcast and compare in their promoted dtype. C#'s <c>!=</c> on tensors stays reference inequality: use this for the elementwise mask.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor Ne(Tensor other) => Compare(Argument.NotNull(self), Argument.NotNull(other), Comparison.NotEqual);
        /// <summary>The Bool mask of <c>self != other</c> against a Python number, as <c>torch.ne(self, other)</c>; a fractional number next to an integer tensor compares in float32.</summary>
        public Tensor Ne(double other) => Compare(Argument.NotNull(self), ScalarFor(self, other), Comparison.NotEqual);
        /// <summary>
        /// The Bool mask of <c>self &lt; other</c>, as <c>torch.lt</c>; the operands broadcast and compare in their promoted dtype.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor Lt(Tensor other) => Compare(Argument.NotNull(self), Argument.NotNull(other), Comparison.Less);
        /// <summary>The Bool mask of <c>self &lt; other</c> against a Python number, as <c>torch.lt(self, other)</c>; a fractional number next to an integer tensor compares in float32.</summary>
        public Tensor Lt(double other) => Compare(Argument.NotNull(self), ScalarFor(self, other), Comparison.Less);
        /// <summary>
        /// The Bool mask of <c>self &lt;= other</c>, as <c>torch.le</c>; the operands broadcast and compare in their promoted dtype.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor Le(Tensor other) => Compare(Argument.NotNull(self), Argument.NotNull(other), Comparison.LessOrEqual);
        /// <summary>The Bool mask of <c>self &lt;= other</c> against a Python number, as <c>torch.le(self, other)</c>; a fractional number next to an integer tensor compares in float32.</summary>
        public Tensor Le(double other) => Compare(Argument.NotNull(self), ScalarFor(self, other), Comparison.LessOrEqual);
        /// <summary>
        /// The Bool mask of <c>self &gt; other</c>, as <c>torch.gt</c>; the operands broadcast and compare in their promoted dtype.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor Gt(Tensor other) => Compare(Argument.NotNull(self), Argument.NotNull(other), Comparison.Greater);
        /// <summary>The Bool mask of <c>self &gt; other</c> against a Python number, as <c>torch.gt(self, other)</c>; a fractional number next to an integer tensor compares in float32.</summary>
        public Tensor Gt(double other) => Compare(Argument.NotNull(self), ScalarFor(self, other), Comparison.Greater);
        /// <summary>
        /// The Bool mask of <c>self &gt;= other</c>, as <c>torch.ge</c>; the operands broadcast and compare in their promoted dtype.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor Ge(Tensor other) => Compare(Argument.NotNull(self), Argument.NotNull(other), Comparison.GreaterOrEqual);
        /// <summary>The Bool mask of <c>self &gt;= other</c> against a Python number, as <c>torch.ge(self, other)</c>; a fractional number next to an integer tensor compares in float32.</summary>
        public Tensor Ge(double other) => Compare(Argument.NotNull(self), ScalarFor(self, other), Comparison.GreaterOrEqual);

        // == and != keep C#'s reference equality on tensors; use Eq and Ne for elementwise masks.
        /// <summary>
        /// The Bool mask of <c>a &lt; b</c>, as <c>torch.lt</c> (the same as <c>a.Lt(b)</c>); the operands broadcast.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public static Tensor operator <(Tensor a, Tensor b) => Argument.NotNull(a).Lt(Argument.NotNull(b));
        /// <summary>
        /// The Bool mask of <c>a &gt; b</c>, as <c>torch.gt</c> (the same as <c>a.Gt(b)</c>); the operands broadcast.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public static Tensor operator >(Tensor a, Tensor b) => Argument.NotNull(a).Gt(Argument.NotNull(b));
        /// <summary>
        /// The Bool mask of <c>a &lt;= b</c>, as <c>torch.le</c> (the same as <c>a.Le(b)</c>); the operands broadcast.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public static Tensor operator <=(Tensor a, Tensor b) => Argument.NotNull(a).Le(Argument.NotNull(b));
        /// <summary>
        /// The Bool mask of <c>a &gt;= b</c>, as <c>torch.ge</c> (the same as <c>a.Ge(b)</c>); the operands broadcast.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public static Tensor operator >=(Tensor a, Tensor b) => Argument.NotNull(a).Ge(Argument.NotNull(b));
        /// <summary>The Bool mask of <c>a &lt; b</c> against a Python number, as <c>torch.lt(a, b)</c> (the same as <c>a.Lt(b)</c>).</summary>
        public static Tensor operator <(Tensor a, double b) => Argument.NotNull(a).Lt(b);
        /// <summary>The Bool mask of <c>a &gt; b</c> against a Python number, as <c>torch.gt(a, b)</c> (the same as <c>a.Gt(b)</c>).</summary>
        public static Tensor operator >(Tensor a, double b) => Argument.NotNull(a).Gt(b);
        /// <summary>The Bool mask of <c>a &lt;= b</c> against a Python number, as <c>torch.le(a, b)</c> (the same as <c>a.Le(b)</c>).</summary>
        public static Tensor operator <=(Tensor a, double b) => Argument.NotNull(a).Le(b);
        /// <summary>The Bool mask of <c>a &gt;= b</c> against a Python number, as <c>torch.ge(a, b)</c> (the same as <c>a.Ge(b)</c>).</summary>
        public static Tensor operator >=(Tensor a, double b) => Argument.NotNull(a).Ge(b);

        /// <summary>The flat index of the largest element (the first one on ties; a NaN counts as the largest).</summary>
        public Tensor Argmax()
        {
            ArgumentNullException.ThrowIfNull(self);
            RequireOrdered(self);
            if (self.Count == 0)
                throw new ArgumentException("argmax(): Expected reduction dim to be specified for input.numel() == 0.");
            using (GradMode.Disable()) return self.Reshape(-1).Max(0).Indices;
        }

        /// <summary>Indices of the largest elements along <paramref name="dim"/>.</summary>
        public Tensor Argmax(int dim, bool keepDim = false)
        {
            ArgumentNullException.ThrowIfNull(self);
            RequireOrdered(self);
            using (GradMode.Disable()) return self.Max(dim, keepDim).Indices;
        }
    }

    /// <summary>PyTorch has no argmax kernel for Bool.</summary>
    private static void RequireOrdered(Tensor t)
    {
        if (t.DType == DType.Bool) throw new ArgumentException("\"argmax_cpu\" not implemented for 'Bool'");
    }

    /// <summary>Elements of <paramref name="x"/> where <paramref name="condition"/> is true, else of <paramref name="y"/>, broadcast together.</summary>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (condition.DType != DType.Bool)
            throw new ArgumentException($"where expected condition to be a boolean tensor, but got a tensor with dtype {ScalarName(condition.DType)}");
        var shape = Shapes.Broadcast(Shapes.Broadcast(condition.Dims, x.Dims), y.Dims);
        var dtype = DTypes.Promote(x.DType, y.DType);
        var mask = ExpandedCopy(condition, shape);
        Tensor a = ExpandedCopy(Kernels.Cast(x, dtype), shape), b = ExpandedCopy(Kernels.Cast(y, dtype), shape);
        var result = Tensor.Empty(dtype, shape);
        DTypes.Dispatch(dtype, new Select(mask, a, b, result));
        if (Graph.NeedsGrad(x, y))
        {
            Graph.Record(result, "WhereBackward0", [x, y], g =>
            {
                var zero = Kernels.Full(g.DType, [], 0);
                return [GradFor(Where(condition, g, zero), x), GradFor(Where(condition, zero, g), y)];
            }, saved: [condition]);
        }
        return result;
    }

    internal static string ScalarName(DType dtype) => dtype.ScalarName();

    /// <summary>The mask t &gt; value, unrecorded (comparisons have no gradient).</summary>
    internal static Tensor Greater(Tensor t, double value) => Compare(t, ScalarFor(t, value), Comparison.Greater);

    /// <summary>The mask t &lt; value.</summary>
    internal static Tensor Less(Tensor t, double value) => Compare(t, ScalarFor(t, value), Comparison.Less);

    /// <summary>A broadcast copy, or the tensor itself when it already has the shape.</summary>
    internal static Tensor ExpandedCopy(Tensor t, int[] shape) => t.Dims.AsSpan().SequenceEqual(shape) ? t : Kernels.Expand(t, shape);

    /// <summary>A Python number next to a tensor takes the tensor's dtype; a fractional one next to integers is float32, as in PyTorch.</summary>
    internal static Tensor ScalarFor(Tensor t, double value)
    {
        var dtype = t.DType.IsFloating() || double.IsInteger(value) ? t.DType : DType.Float32;
        return Kernels.Full(dtype, [], value);
    }

    private static Tensor Compare(Tensor a, Tensor b, Comparison op)
    {
        var shape = Shapes.Broadcast(a.Dims, b.Dims);
        var dtype = DTypes.Promote(a.DType, b.DType);
        // Bools compare as the integers 0 and 1.
        if (dtype == DType.Bool) dtype = DType.Int64;
        Tensor x = ExpandedCopy(Kernels.Cast(a, dtype), shape), y = ExpandedCopy(Kernels.Cast(b, dtype), shape);
        var mask = Tensor.Empty(DType.Bool, shape);
        DTypes.DispatchNumeric(dtype, new Comparing(x, y, mask, op), "compare");
        return mask;
    }

    private readonly struct Comparing(Tensor x, Tensor y, Tensor mask, Comparison op) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => Fill<T>(x.Span<T>(), y.Span<T>(), mask.Span<bool>(), op);
    }

    /// <summary>IEEE comparisons: anything against NaN is false, except not-equal.</summary>
    private static void Fill<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> mask, Comparison op) where T : INumber<T>
    {
        for (int i = 0; i < mask.Length; i++)
        {
            bool holds = op switch
            {
                Comparison.Equal => x[i] == y[i],
                Comparison.NotEqual => x[i] != y[i],
                Comparison.Less => x[i] < y[i],
                Comparison.LessOrEqual => x[i] <= y[i],
                Comparison.Greater => x[i] > y[i],
                _ => x[i] >= y[i],
            };
            mask[i] = holds;
        }
    }

    private readonly struct Select(Tensor condition, Tensor a, Tensor b, Tensor result) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            ReadOnlySpan<bool> mask = condition.Span<bool>();
            ReadOnlySpan<T> x = a.Span<T>(), y = b.Span<T>();
            var d = result.Span<T>();
            for (int i = 0; i < d.Length; i++) d[i] = mask[i] ? x[i] : y[i];
        }
    }
}
