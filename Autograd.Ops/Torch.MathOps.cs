namespace Autograd;

/// <summary>torch.* spellings of the pointwise math, reductions and sorting ops (each forwards to the Tensor member).</summary>
public static partial class Torch
{
    /// <summary>torch.sin.</summary>
    public static Tensor Sin(Tensor input) => input.Sin();
    /// <summary>torch.cos.</summary>
    public static Tensor Cos(Tensor input) => input.Cos();
    /// <summary>torch.tan.</summary>
    public static Tensor Tan(Tensor input) => input.Tan();
    /// <summary>torch.asin.</summary>
    public static Tensor Asin(Tensor input) => input.Asin();
    /// <summary>torch.acos.</summary>
    public static Tensor Acos(Tensor input) => input.Acos();
    /// <summary>torch.atan.</summary>
    public static Tensor Atan(Tensor input) => input.Atan();
    /// <summary>torch.sinh.</summary>
    public static Tensor Sinh(Tensor input) => input.Sinh();
    /// <summary>torch.cosh.</summary>
    public static Tensor Cosh(Tensor input) => input.Cosh();
    /// <summary>torch.log1p.</summary>
    public static Tensor Log1p(Tensor input) => input.Log1p();
    /// <summary>torch.expm1.</summary>
    public static Tensor Expm1(Tensor input) => input.Expm1();
    /// <summary>torch.log2.</summary>
    public static Tensor Log2(Tensor input) => input.Log2();
    /// <summary>torch.log10.</summary>
    public static Tensor Log10(Tensor input) => input.Log10();
    /// <summary>torch.floor.</summary>
    public static Tensor Floor(Tensor input) => input.Floor();
    /// <summary>torch.ceil.</summary>
    public static Tensor Ceil(Tensor input) => input.Ceil();
    /// <summary>torch.round.</summary>
    public static Tensor Round(Tensor input) => input.Round();
    /// <summary>torch.trunc.</summary>
    public static Tensor Trunc(Tensor input) => input.Trunc();
    /// <summary>torch.sign.</summary>
    public static Tensor Sign(Tensor input) => input.Sign();
    /// <summary>torch.rsqrt.</summary>
    public static Tensor Rsqrt(Tensor input) => input.Rsqrt();
    /// <summary>torch.square.</summary>
    public static Tensor Square(Tensor input) => input.Square();
    /// <summary>torch.reciprocal.</summary>
    public static Tensor Reciprocal(Tensor input) => input.Reciprocal();
    /// <summary>torch.erf.</summary>
    public static Tensor Erf(Tensor input) => input.Erf();
    /// <summary>torch.erfc.</summary>
    public static Tensor Erfc(Tensor input) => input.Erfc();
    /// <summary>torch.erfinv.</summary>
    public static Tensor Erfinv(Tensor input) => input.Erfinv();
    /// <summary>torch.lgamma.</summary>
    public static Tensor Lgamma(Tensor input) => input.Lgamma();
    /// <summary>torch.digamma.</summary>
    public static Tensor Digamma(Tensor input) => input.Digamma();
    /// <summary>torch.maximum.</summary>
    public static Tensor Maximum(Tensor input, Tensor other) => input.Maximum(other);
    /// <summary>torch.minimum.</summary>
    public static Tensor Minimum(Tensor input, Tensor other) => input.Minimum(other);
    /// <summary>torch.atan2.</summary>
    public static Tensor Atan2(Tensor input, Tensor other) => input.Atan2(other);
    /// <summary>torch.clamp with scalar bounds.</summary>
    public static Tensor Clamp(Tensor input, double? min = null, double? max = null) => input.Clamp(min, max);
    /// <summary>torch.clamp with tensor bounds.</summary>
    public static Tensor Clamp(Tensor input, Tensor? min, Tensor? max) => input.Clamp(min, max);
    /// <summary>torch.lerp.</summary>
    public static Tensor Lerp(Tensor input, Tensor end, double weight) => input.Lerp(end, weight);
    /// <summary>torch.sum over a list of dims.</summary>
    public static Tensor Sum(Tensor input, int[]? dims, bool keepDim = false) => input.Sum(dims, keepDim);
    /// <summary>torch.mean over a list of dims.</summary>
    public static Tensor Mean(Tensor input, int[]? dims, bool keepDim = false) => input.Mean(dims, keepDim);
    /// <summary>torch.min(x).</summary>
    public static Tensor Min(Tensor input) => input.Min();
    /// <summary>torch.min(x, dim, keepdim).</summary>
    public static (Tensor Values, Tensor Indices) Min(Tensor input, int dim, bool keepDim = false) => input.Min(dim, keepDim);
    /// <summary>torch.argmin.</summary>
    public static Tensor Argmin(Tensor input, int? dim = null, bool keepDim = false) => input.Argmin(dim, keepDim);
    /// <summary>torch.amax.</summary>
    public static Tensor Amax(Tensor input, int[]? dims, bool keepDim = false) => input.Amax(dims, keepDim);
    /// <summary>torch.amin.</summary>
    public static Tensor Amin(Tensor input, int[]? dims, bool keepDim = false) => input.Amin(dims, keepDim);
    /// <summary>torch.prod(x).</summary>
    public static Tensor Prod(Tensor input) => input.Prod();
    /// <summary>torch.prod(x, dim, keepdim).</summary>
    public static Tensor Prod(Tensor input, int dim, bool keepDim = false) => input.Prod(dim, keepDim);
    /// <summary>torch.std.</summary>
    public static Tensor Std(Tensor input, int[]? dims = null, int correction = 1, bool keepDim = false) => input.Std(dims, correction, keepDim);
    /// <summary>torch.var.</summary>
    public static Tensor Var(Tensor input, int[]? dims = null, int correction = 1, bool keepDim = false) => input.Var(dims, correction, keepDim);
    /// <summary>torch.norm.</summary>
    public static Tensor Norm(Tensor input, double p = 2, int[]? dims = null, bool keepDim = false) => input.Norm(p, dims, keepDim);
    /// <summary>torch.logsumexp.</summary>
    public static Tensor LogSumExp(Tensor input, int dim, bool keepDim = false) => input.LogSumExp(dim, keepDim);
    /// <summary>torch.cumsum.</summary>
    public static Tensor Cumsum(Tensor input, int dim) => input.Cumsum(dim);
    /// <summary>torch.cumprod.</summary>
    public static Tensor Cumprod(Tensor input, int dim) => input.Cumprod(dim);
    /// <summary>torch.sort.</summary>
    public static (Tensor Values, Tensor Indices) Sort(Tensor input, int dim = -1, bool descending = false) => input.Sort(dim, descending);
    /// <summary>torch.argsort.</summary>
    public static Tensor Argsort(Tensor input, int dim = -1, bool descending = false) => input.Argsort(dim, descending);
    /// <summary>torch.topk.</summary>
    public static (Tensor Values, Tensor Indices) Topk(Tensor input, int k, int dim = -1, bool largest = true, bool sorted = true) => input.Topk(k, dim, largest, sorted);
    /// <summary>torch.count_nonzero.</summary>
    public static Tensor CountNonzero(Tensor input, int[]? dims = null) => input.CountNonzero(dims);
}
