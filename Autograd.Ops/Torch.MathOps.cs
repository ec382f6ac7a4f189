namespace Autograd;

/// <summary>torch.* spellings of the pointwise math, reductions and sorting ops (each forwards to the Tensor member).</summary>
public static partial class Torch
{
    /// <summary>torch.sin.</summary>
    public static Tensor Sin(Tensor input) => Argument.NotNull(input).Sin();
    /// <summary>torch.cos.</summary>
    public static Tensor Cos(Tensor input) => Argument.NotNull(input).Cos();
    /// <summary>torch.tan.</summary>
    public static Tensor Tan(Tensor input) => Argument.NotNull(input).Tan();
    /// <summary>torch.asin.</summary>
    public static Tensor Asin(Tensor input) => Argument.NotNull(input).Asin();
    /// <summary>torch.acos.</summary>
    public static Tensor Acos(Tensor input) => Argument.NotNull(input).Acos();
    /// <summary>torch.atan.</summary>
    public static Tensor Atan(Tensor input) => Argument.NotNull(input).Atan();
    /// <summary>torch.sinh.</summary>
    public static Tensor Sinh(Tensor input) => Argument.NotNull(input).Sinh();
    /// <summary>torch.cosh.</summary>
    public static Tensor Cosh(Tensor input) => Argument.NotNull(input).Cosh();
    /// <summary>torch.log1p.</summary>
    public static Tensor Log1p(Tensor input) => Argument.NotNull(input).Log1p();
    /// <summary>torch.expm1.</summary>
    public static Tensor Expm1(Tensor input) => Argument.NotNull(input).Expm1();
    /// <summary>torch.log2.</summary>
    public static Tensor Log2(Tensor input) => Argument.NotNull(input).Log2();
    /// <summary>torch.log10.</summary>
    public static Tensor Log10(Tensor input) => Argument.NotNull(input).Log10();
    /// <summary>torch.floor.</summary>
    public static Tensor Floor(Tensor input) => Argument.NotNull(input).Floor();
    /// <summary>torch.ceil.</summary>
    public static Tensor Ceil(Tensor input) => Argument.NotNull(input).Ceil();
    /// <summary>torch.round.</summary>
    public static Tensor Round(Tensor input) => Argument.NotNull(input).Round();
    /// <summary>torch.trunc.</summary>
    public static Tensor Trunc(Tensor input) => Argument.NotNull(input).Trunc();
    /// <summary>torch.sign.</summary>
    public static Tensor Sign(Tensor input) => Argument.NotNull(input).Sign();
    /// <summary>torch.rsqrt.</summary>
    public static Tensor Rsqrt(Tensor input) => Argument.NotNull(input).Rsqrt();
    /// <summary>torch.square.</summary>
    public static Tensor Square(Tensor input) => Argument.NotNull(input).Square();
    /// <summary>torch.reciprocal.</summary>
    public static Tensor Reciprocal(Tensor input) => Argument.NotNull(input).Reciprocal();
    /// <summary>torch.erf.</summary>
    public static Tensor Erf(Tensor input) => Argument.NotNull(input).Erf();
    /// <summary>torch.erfc.</summary>
    public static Tensor Erfc(Tensor input) => Argument.NotNull(input).Erfc();
    /// <summary>torch.erfinv.</summary>
    public static Tensor Erfinv(Tensor input) => Argument.NotNull(input).Erfinv();
    /// <summary>torch.lgamma.</summary>
    public static Tensor Lgamma(Tensor input) => Argument.NotNull(input).Lgamma();
    /// <summary>torch.digamma.</summary>
    public static Tensor Digamma(Tensor input) => Argument.NotNull(input).Digamma();
    /// <summary>torch.maximum.</summary>
    public static Tensor Maximum(Tensor input, Tensor other) => Argument.NotNull(input).Maximum(Argument.NotNull(other));
    /// <summary>torch.minimum.</summary>
    public static Tensor Minimum(Tensor input, Tensor other) => Argument.NotNull(input).Minimum(Argument.NotNull(other));
    /// <summary>torch.atan2.</summary>
    public static Tensor Atan2(Tensor input, Tensor other) => Argument.NotNull(input).Atan2(Argument.NotNull(other));
    /// <summary>torch.clamp with scalar bounds.</summary>
    public static Tensor Clamp(Tensor input, double? min = null, double? max = null) => Argument.NotNull(input).Clamp(min, max);
    /// <summary>torch.clamp with tensor bounds.</summary>
    public static Tensor Clamp(Tensor input, Tensor? min, Tensor? max) => Argument.NotNull(input).Clamp(min, max);
    /// <summary>torch.lerp.</summary>
    public static Tensor Lerp(Tensor input, Tensor end, double weight) => Argument.NotNull(input).Lerp(Argument.NotNull(end), weight);
    /// <summary>torch.sum over a list of dims.</summary>
    public static Tensor Sum(Tensor input, int[]? dims, bool keepDim = false) => Argument.NotNull(input).Sum(dims, keepDim);
    /// <summary>torch.mean over a list of dims.</summary>
    public static Tensor Mean(Tensor input, int[]? dims, bool keepDim = false) => Argument.NotNull(input).Mean(dims, keepDim);
    /// <summary>torch.min(x).</summary>
    public static Tensor Min(Tensor input) => Argument.NotNull(input).Min();
    /// <summary>torch.min(x, dim, keepdim).</summary>
    public static (Tensor Values, Tensor Indices) Min(Tensor input, int dim, bool keepDim = false) => Argument.NotNull(input).Min(dim, keepDim);
    /// <summary>torch.argmin.</summary>
    public static Tensor Argmin(Tensor input, int? dim = null, bool keepDim = false) => Argument.NotNull(input).Argmin(dim, keepDim);
    /// <summary>torch.amax.</summary>
    public static Tensor Amax(Tensor input, int[]? dims, bool keepDim = false) => Argument.NotNull(input).Amax(dims, keepDim);
    /// <summary>torch.amin.</summary>
    public static Tensor Amin(Tensor input, int[]? dims, bool keepDim = false) => Argument.NotNull(input).Amin(dims, keepDim);
    /// <summary>torch.prod(x).</summary>
    public static Tensor Prod(Tensor input) => Argument.NotNull(input).Prod();
    /// <summary>torch.prod(x, dim, keepdim).</summary>
    public static Tensor Prod(Tensor input, int dim, bool keepDim = false) => Argument.NotNull(input).Prod(dim, keepDim);
    /// <summary>torch.std.</summary>
    public static Tensor Std(Tensor input, int[]? dims = null, int correction = 1, bool keepDim = false) => Argument.NotNull(input).Std(dims, correction, keepDim);
    /// <summary>torch.var.</summary>
    public static Tensor Var(Tensor input, int[]? dims = null, int correction = 1, bool keepDim = false) => Argument.NotNull(input).Var(dims, correction, keepDim);
    /// <summary>torch.norm.</summary>
    public static Tensor Norm(Tensor input, double p = 2, int[]? dims = null, bool keepDim = false) => Argument.NotNull(input).Norm(p, dims, keepDim);
    /// <summary>torch.logsumexp.</summary>
    public static Tensor LogSumExp(Tensor input, int dim, bool keepDim = false) => Argument.NotNull(input).LogSumExp(dim, keepDim);
    /// <summary>torch.cumsum.</summary>
    public static Tensor Cumsum(Tensor input, int dim) => Argument.NotNull(input).Cumsum(dim);
    /// <summary>torch.cumprod.</summary>
    public static Tensor Cumprod(Tensor input, int dim) => Argument.NotNull(input).Cumprod(dim);
    /// <summary>torch.sort.</summary>
    public static (Tensor Values, Tensor Indices) Sort(Tensor input, int dim = -1, bool descending = false) => Argument.NotNull(input).Sort(dim, descending);
    /// <summary>torch.argsort.</summary>
    public static Tensor Argsort(Tensor input, int dim = -1, bool descending = false) => Argument.NotNull(input).Argsort(dim, descending);
    /// <summary>torch.topk.</summary>
    public static (Tensor Values, Tensor Indices) Topk(Tensor input, int k, int dim = -1, bool largest = true, bool sorted = true) => Argument.NotNull(input).Topk(k, dim, largest, sorted);
    /// <summary>torch.count_nonzero.</summary>
    public static Tensor CountNonzero(Tensor input, int[]? dims = null) => Argument.NotNull(input).CountNonzero(dims);
}
