using System.Numerics;
using static Autograd.Differentiable;
using static Autograd.Reductions;

namespace Autograd;

/// <summary>
/// Reductions beyond Sum/Mean/Max/Min: Argmin, Amax/Amin, Prod, Var/Std, Norm, LogSumExp, CountNonzero; and the scans
/// Cumsum/Cumprod. Gradients are PyTorch 1.13's formulas (ties split evenly for Amax/Amin, zeros handled for Prod and Cumprod).
/// </summary>
public static class Statistics
{
    extension(Tensor self)
    {
        /// <summary>torch.argmin: the index of the smallest element (first on ties; NaN counts as smallest), over all elements (flat index) or along dim.</summary>
        public Tensor Argmin(int? dim = null, bool keepDim = false)
        {
            ArgumentNullException.ThrowIfNull(self);
            using var _ = GradMode.Disable();
            if (dim is { } d) return self.Min(d, keepDim).Indices;
            if (self.Count == 0) throw new ArgumentException("argmin(): Expected reduction dim to be specified for input.numel() == 0.");
            var index = self.Reshape(-1).Min(0).Indices;
            return keepDim ? index.Reshape([.. self.Dims.Select(_ => 1)]) : index;
        }

        /// <summary>torch.amax(x, dims, keepdim): the maxima (NaN if any) over dims (null or empty: all); the gradient is split evenly among ties.</summary>
        public Tensor Amax(int[]? dims, bool keepDim = false) => ExtremeOver(Argument.NotNull(self), dims, keepDim, largest: true);

        /// <summary>torch.amin(x, dims, keepdim).</summary>
        public Tensor Amin(int[]? dims, bool keepDim = false) => ExtremeOver(Argument.NotNull(self), dims, keepDim, largest: false);

        /// <summary>torch.prod(x): the product of all elements.</summary>
        public Tensor Prod()
        {
            ArgumentNullException.ThrowIfNull(self);
            var flat = self.Count == 1 && self.Rank == 0 ? self : self.Detach().Reshape(-1);
            var result = ProdKernel(flat, 0, keepDim: false);
            if (Graph.NeedsGrad(self))
            {
                Graph.Record(result, "ProdBackward0", [self], g =>
                    [ProdGrad(self.Reshape(-1), result, g.Reshape(1), 0).Reshape([.. self.Dims])], saved: [self, result]);
            }
            return result;
        }

        /// <summary>torch.prod(x, dim, keepdim).</summary>
        public Tensor Prod(int dim, bool keepDim = false)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dim, self.Rank);
            var result = ProdKernel(self, d, keepDim);
            if (Graph.NeedsGrad(self))
            {
                var kept = ReducedShape(self.Dims, d, keepDim: true);
                Graph.Record(result, "ProdBackward1", [self], g =>
                    [self.Rank == 0 ? g : ProdGrad(self, result.Reshape(kept), g.Reshape(kept), d)], saved: [self, result]);
            }
            return result;
        }

        /// <summary>torch.var(x, dims, correction, keepdim): sum of squared deviations / (N - correction).</summary>
        public Tensor Var(int[]? dims = null, int correction = 1, bool keepDim = false) => Moment(Argument.NotNull(self), dims, correction, keepDim, std: false);

        /// <summary>torch.std(x, dims, correction, keepdim).</summary>
        public Tensor Std(int[]? dims = null, int correction = 1, bool keepDim = false) => Moment(Argument.NotNull(self), dims, correction, keepDim, std: true);

        /// <summary>torch.norm(x, p, dims, keepdim): the vector p-norm over dims (null: all); p may be 0, ±infinity or any positive number.</summary>
        public Tensor Norm(double p = 2, int[]? dims = null, bool keepDim = false)
        {
            ArgumentNullException.ThrowIfNull(self);
            RequireFloatingInput(self, "linalg.vector_norm");
            var mask = ReduceMask(self.Rank, dims);
            var shape = ReducedShape(self.Dims, mask, keepDim);
            var map = OutputIndex(self.Dims, mask, out int outputs);
            var x = Widen(self);
            var acc = new double[outputs];
            if (double.IsInfinity(p)) Array.Fill(acc, p > 0 ? 0 : double.PositiveInfinity);
            for (int i = 0; i < x.Length; i++)
            {
                double a = Math.Abs(x[i]);
                ref double s = ref acc[map[i]];
                if (double.IsNaN(a)) s = a;
                else if (double.IsNaN(s)) continue;
                else if (double.IsPositiveInfinity(p)) s = Math.Max(s, a);
                else if (double.IsNegativeInfinity(p)) s = Math.Min(s, a);
                else if (p == 0) s += a != 0 ? 1 : 0;
                else if (p == 1) s += a;
                else if (p == 2) s += a * a;
                else s += Math.Pow(a, p);
            }
            if (!double.IsInfinity(p) && p != 0 && p != 1)
                for (int k = 0; k < acc.Length; k++) acc[k] = p == 2 ? Math.Sqrt(acc[k]) : Math.Pow(acc[k], 1 / p);
            var result = Narrow(acc, self.DType, shape);
            if (Graph.NeedsGrad(self))
            {
                var kept = ReducedShape(self.Dims, mask, keepDim: true);
                Graph.Record(result, "NormBackward1", [self], g => [NormGrad(self, result.Reshape(kept), g.Reshape(kept), p, dims)], saved: [self, result]);
            }
            return result;
        }

        /// <summary>torch.logsumexp(x, dim, keepdim): max + log(sum(exp(x - max))), with infinite maxima taken as 0.</summary>
        public Tensor LogSumExp(int dim, bool keepDim = false)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dim, self.Rank);
            Tensor result;
            using (GradMode.Disable())
            {
                var x = self.DType == DType.Int64 ? self.Float() : self;
                var maxes = x.Amax([d], keepDim: true);
                var finite = Comparisons.Where(maxes.Abs().Eq(double.PositiveInfinity), Kernels.Full(x.DType, [], 0), maxes);
                result = (x - finite).Exp().Sum([d], keepDim).Log() + (keepDim ? finite : finite.Reshape(ReducedShape(self.Dims, d, keepDim: false)));
            }
            if (Graph.NeedsGrad(self))
            {
                var kept = ReducedShape(self.Dims, d, keepDim: true);
                Graph.Record(result, "LogsumexpBackward0", [self], g => [g.Reshape(kept) * (self - result.Reshape(kept)).Exp()], saved: [self, result]);
            }
            return result;
        }

        /// <summary>torch.count_nonzero(x, dims): Int64 counts of nonzero elements (NaN counts) over dims (null: all).</summary>
        public Tensor CountNonzero(int[]? dims = null)
        {
            ArgumentNullException.ThrowIfNull(self);
            var mask = ReduceMask(self.Rank, dims);
            var map = OutputIndex(self.Dims, mask, out int outputs);
            var x = Widen(self);
            var counts = new long[outputs];
            for (int i = 0; i < x.Length; i++) if (x[i] != 0) counts[map[i]]++;
            return new Tensor(counts, ReducedShape(self.Dims, mask, keepDim: false));
        }

        /// <summary>torch.cumsum(x, dim): running sums, accumulated in double for float32 as PyTorch's CPU kernel; integers stay Int64.</summary>
        public Tensor Cumsum(int dim) => Scan(Argument.NotNull(self), Shapes.WrapDim(dim, self.Rank), product: false, reverse: false);

        /// <summary>torch.cumprod(x, dim): running products (accumulated in double for float32).</summary>
        public Tensor Cumprod(int dim) => Scan(Argument.NotNull(self), Shapes.WrapDim(dim, self.Rank), product: true, reverse: false);
    }

    private static void RequireFloatingInput(Tensor t, string op)
    {
        if (!t.DType.IsFloating())
            throw new ArgumentException($"{op}: Expected a floating point or complex tensor as input. Got Long");
    }

    /// <summary>For each input element (row-major), the flat index of its output element when the flagged dims are reduced.</summary>
    internal static int[] OutputIndex(int[] shape, bool[] mask, out int outputs)
    {
        var strides = new int[shape.Length];
        outputs = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = mask[d] ? 0 : outputs;
            if (!mask[d]) outputs *= shape[d];
        }
        int count = Shapes.NumElements(shape);
        var map = new int[count];
        var index = new int[shape.Length];
        int o = 0;
        for (int i = 0; i < count; i++)
        {
            map[i] = o;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                o += strides[d];
                if (++index[d] < shape[d]) break;
                o -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return map;
    }

    internal static double[] Widen(Tensor t) => Kernels.Cast(t, DType.Float64) is var w && ReferenceEquals(w, t) ? t.Data<double>() : w.Data<double>();

    internal static Tensor Narrow(double[] values, DType dtype, int[] shape) =>
        Kernels.Cast(new Tensor(values, shape), dtype == DType.Int64 ? DType.Float32 : dtype);

    private static Tensor ExtremeOver(Tensor self, int[]? dims, bool keepDim, bool largest)
    {
        var mask = ReduceMask(self.Rank, dims);
        var shape = ReducedShape(self.Dims, mask, keepDim);
        for (int d = 0; d < self.Rank; d++)
        {
            if (mask[d] && self.Dims[d] == 0)
                throw new ArgumentException($"{(largest ? "amax" : "amin")}(): Expected reduction dim {d} to have non-zero size.");
        }
        var map = OutputIndex(self.Dims, mask, out int outputs);
        var result = Tensor.Uninitialized(self.DType, shape);
        DTypes.DispatchNumeric(self.DType, new ExtremesOver(self, map, result, largest), largest ? "amax" : "amin");
        if (Graph.NeedsGrad(self))
        {
            var kept = ReducedShape(self.Dims, mask, keepDim: true);
            Graph.Record(result, largest ? "AmaxBackward0" : "AminBackward0", [self], g =>
            {
                var ties = Comparisons.Where(self.Eq(result.Reshape(kept)), Kernels.Full(g.DType, [], 1), Kernels.Full(g.DType, [], 0));
                return [g.Reshape(kept) / ties.Sum(dims, keepDim: true) * ties];
            }, saved: [self, result]);
        }
        return result;
    }

    private readonly struct ExtremesOver(Tensor x, int[] map, Tensor result, bool largest) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => Extremes<T>(x.Span<T>(), map, result.Span<T>(), largest);
    }

    private static void Extremes<T>(ReadOnlySpan<T> x, int[] map, Span<T> y, bool largest) where T : INumber<T>
    {
        var seen = new bool[y.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int o = map[i];
            T v = x[i];
            if (!seen[o]) { y[o] = v; seen[o] = true; }
            else if (T.IsNaN(y[o])) continue;
            else if (T.IsNaN(v) || (largest ? v > y[o] : v < y[o])) y[o] = v;
        }
    }

    /// <summary>Products along dim (in the input's dtype, left to right).</summary>
    private static Tensor ProdKernel(Tensor t, int dim, bool keepDim)
    {
        var (outer, size, inner) = Shapes.SplitAt(t.Dims, dim);
        var shape = ReducedShape(t.Dims, dim, keepDim);
        var result = Tensor.Uninitialized(t.DType, shape);
        DTypes.DispatchNumeric(t.DType, new Products(t, result, outer, size, inner), "prod");
        return result;
    }

    private readonly struct Products(Tensor t, Tensor result, int outer, int size, int inner) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            ReadOnlySpan<T> x = t.Span<T>();
            var y = result.Span<T>();
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    T p = T.One;
                    for (int s = 0; s < size; s++) p *= x[(o * size + s) * inner + i];
                    y[o * inner + i] = p;
                }
            }
        }
    }

    /// <summary>
    /// PyTorch's prod_backward along dim (result and g with the dim kept): g * result / x without zeros; with zeros,
    /// g times the product of the other elements of the slice (a constant here, so differentiable in g only).
    /// </summary>
    private static Tensor ProdGrad(Tensor x, Tensor result, Tensor g, int dim)
    {
        if (!HasZero(x)) return g * (result / x);
        var (outer, size, inner) = Shapes.SplitAt(x.Dims, dim);
        var v = Widen(x);
        var others = new double[v.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                // Exclusive products from the left and from the right.
                double left = 1;
                for (int s = 0; s < size; s++) { others[(o * size + s) * inner + i] = left; left *= v[(o * size + s) * inner + i]; }
                double right = 1;
                for (int s = size - 1; s >= 0; s--) { others[(o * size + s) * inner + i] *= right; right *= v[(o * size + s) * inner + i]; }
            }
        }
        return g * Kernels.Cast(new Tensor(others, x.Dims), x.DType);
    }

    private static bool HasZero(Tensor t)
    {
        foreach (double v in Widen(t)) if (v == 0) return true;
        return false;
    }

    private static Tensor Moment(Tensor self, int[]? dims, int correction, bool keepDim, bool std)
    {
        if (!self.DType.IsFloating())
            throw new ArgumentException($"std and var only support floating point and complex dtypes");
        var mask = ReduceMask(self.Rank, dims);
        var shape = ReducedShape(self.Dims, mask, keepDim);
        var map = OutputIndex(self.Dims, mask, out int outputs);
        var x = Widen(self);
        int n = outputs == 0 ? 0 : x.Length / outputs;
        var mean = new double[outputs];
        for (int i = 0; i < x.Length; i++) mean[map[i]] += x[i];
        for (int k = 0; k < outputs; k++) mean[k] /= n;
        var squares = new double[outputs];
        for (int i = 0; i < x.Length; i++) { double dev = x[i] - mean[map[i]]; squares[map[i]] += dev * dev; }
        double dof = Math.Max(0, n - correction);
        for (int k = 0; k < outputs; k++) squares[k] = std ? Math.Sqrt(squares[k] / dof) : squares[k] / dof;
        var result = Narrow(squares, self.DType, shape);
        if (Graph.NeedsGrad(self))
        {
            var kept = ReducedShape(self.Dims, mask, keepDim: true);
            Graph.Record(result, std ? "StdBackward0" : "VarBackward0", [self], g =>
            {
                var grad = g.Reshape(kept);
                if (std) grad = grad / (result.Reshape(kept) * 2);
                // PyTorch 1.13's var_backward counts the elements of the listed dims, so an empty list counts 1.
                double backwardDof = dims is { Length: 0 } ? 1 - correction : dof;
                return [grad * (2.0 / backwardDof) * (self - self.Mean(dims, keepDim: true))];
            }, saved: [self, result]);
        }
        return result;
    }

    /// <summary>PyTorch's norm_backward, with the norm and the gradient shaped with the reduced dims kept.</summary>
    private static Tensor NormGrad(Tensor self, Tensor norm, Tensor g, double p, int[]? dims)
    {
        var zero = Kernels.Full(g.DType, [], 0);
        Tensor ZeroWhereNormIsZero(Tensor t) => Comparisons.Where(norm.Eq(0), zero, t);
        if (p == 0) return self * 0.0;
        if (p == 1) return self.Sign() * g;
        if (p == 2) return self * ZeroWhereNormIsZero(g / norm);
        if (double.IsInfinity(p))
        {
            var ties = Comparisons.Where(self.Abs().Eq(norm), Kernels.Full(g.DType, [], 1), zero);
            return self.Sign() * ties * (g / ties.Sum(dims, keepDim: true));
        }
        var scaled = p < 2 ? self.Sign() * self.Abs().Pow(p - 1) : self * self.Abs().Pow(p - 2);
        if (p < 1) scaled = Comparisons.Where(self.Eq(0), zero, scaled);
        return scaled * ZeroWhereNormIsZero(g / norm.Pow(p - 1));
    }

    /// <summary>Cumsum/Cumprod along dim, or their reversed forms (from the end), accumulated in double for floats as PyTorch.</summary>
    internal static Tensor Scan(Tensor self, int dim, bool product, bool reverse)
    {
        var (outer, size, inner) = Shapes.SplitAt(self.Dims, dim);
        var result = Tensor.Uninitialized(self.DType, self.Dims);
        // Integers accumulate in their own type, floats in double.
        if (self.DType == DType.Int64) ScanEach<long, long>(self.Span<long>(), result.Span<long>(), outer, size, inner, product, reverse);
        else DTypes.DispatchFloating(self.DType, new Scanning(self, result, outer, size, inner, product, reverse), product ? "cumprod" : "cumsum");
        if (Graph.NeedsGrad(self))
        {
            if (!product)
                Graph.Record(result, reverse ? "FlipBackward0" : "CumsumBackward0", [self], g => [Scan(g, dim, product: false, reverse: !reverse)], saved: []);
            else
                Graph.Record(result, "CumprodBackward0", [self], g => [CumprodGrad(self, result, g, dim)], saved: [self, result]);
        }
        return result;
    }

    private readonly struct Scanning(Tensor x, Tensor result, int outer, int size, int inner, bool product, bool reverse) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            ScanEach<T, double>(x.Span<T>(), result.Span<T>(), outer, size, inner, product, reverse);
    }

    private static void ScanEach<T, TAcc>(ReadOnlySpan<T> x, Span<T> y, int outer, int size, int inner, bool product, bool reverse)
        where T : INumber<T> where TAcc : INumber<TAcc>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                TAcc acc = product ? TAcc.One : TAcc.Zero;
                for (int k = 0; k < size; k++)
                {
                    int s = reverse ? size - 1 - k : k, at = (o * size + s) * inner + i;
                    acc = product ? acc * TAcc.CreateTruncating(x[at]) : acc + TAcc.CreateTruncating(x[at]);
                    y[at] = T.CreateTruncating(acc);
                }
            }
        }
    }

    /// <summary>
    /// Cumprod's gradient: reversed cumsum(g * result) / x without zeros (differentiable); with zeros, the exact
    /// derivative per slice: up to the first zero as above, at the first zero the sum of g_k times the products that
    /// skip it, after it zero.
    /// </summary>
    private static Tensor CumprodGrad(Tensor x, Tensor result, Tensor g, int dim)
    {
        if (!HasZero(x)) return Scan(g * result, dim, product: false, reverse: true) / x;
        var (outer, size, inner) = Shapes.SplitAt(x.Dims, dim);
        double[] v = Widen(x), gv = Widen(g), grad = new double[v.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int At(int s) => (o * size + s) * inner + i;
                int zero = 0;
                while (zero < size && v[At(zero)] != 0) zero++;
                // Before the first zero, PyTorch's formula: the reversed cumulative sum of g * output, divided by x.
                double tail = 0;
                var output = new double[size];
                double running0 = 1;
                for (int k = 0; k < size; k++) { running0 *= v[At(k)]; output[k] = running0; }
                for (int k = size - 1; k >= 0; k--)
                {
                    tail += gv[At(k)] * output[k];
                    if (k < zero) grad[At(k)] = tail / v[At(k)];
                }
                if (zero < size)
                {
                    double running = 1;
                    for (int j = 0; j < zero; j++) running *= v[At(j)];
                    double sum = 0;
                    for (int k = zero; k < size; k++)
                    {
                        if (k > zero) running *= v[At(k)];
                        sum += gv[At(k)] * running;
                    }
                    grad[At(zero)] = sum;
                }
            }
        }
        return Kernels.Cast(new Tensor(grad, x.Dims), x.DType);
    }
}
