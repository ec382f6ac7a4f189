using System.Numerics;
using static Autograd.MatrixOps;

namespace Autograd;

/// <summary>The vector norm's kernel (over any set of dims) and PyTorch's norm_backward, for Torch.Linalg.</summary>
internal static class Norms
{
    /// <summary>
    /// ‖x‖_ord over the sorted dims <paramref name="reduced"/>: the reduced dims are moved last (a copy), so each result
    /// element reduces one contiguous run, accumulated in double and rounded once.
    /// </summary>
    public static Tensor Vector(Tensor x, double ord, int[] reduced, bool keepDim)
    {
        int[] kept = [.. Enumerable.Range(0, x.Rank).Where(d => !reduced.Contains(d))];
        int[] shape = keepDim ? [.. x.Dims.Select((size, d) => reduced.Contains(d) ? 1 : size)] : [.. kept.Select(d => x.Dims[d])];
        Tensor grouped;
        using (GradMode.Disable()) grouped = Permute(x, [.. kept, .. reduced]);
        var result = Tensor.Uninitialized(x.DType, shape);
        int outputs = result.Count, run = outputs == 0 ? 0 : x.Count / outputs;
        if (run == 0 && double.IsInfinity(ord) && outputs > 0)
            throw new ArgumentException("linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation does not have an identity");
        DTypes.DispatchFloating(x.DType, new RunNorms(grouped, result, outputs, run, ord), "linalg_vector_norm");
        return result;
    }

    /// <summary>The norm of each contiguous run of <paramref name="run"/> elements of grouped.</summary>
    private readonly struct RunNorms(Tensor grouped, Tensor result, int outputs, int run, double ord) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] source = grouped.Data<T>(), destination = result.Data<T>();
            // A struct's members cannot be captured by the per-row lambda; locals can.
            int length = run;
            double order = ord;
            Decompositions.ForEach(outputs, run, i => destination[i] = T.CreateTruncating(Reduce(source.AsSpan(i * length, length), order)));
        }
    }

    private static double Reduce<T>(ReadOnlySpan<T> values, double ord) where T : INumber<T>
    {
        double accumulator = ord == double.NegativeInfinity ? double.PositiveInfinity : 0;
        foreach (var value in values)
        {
            double v = Math.Abs(double.CreateTruncating(value));
            accumulator = ord switch
            {
                0 => accumulator + (v != 0 ? 1 : 0),
                1 => accumulator + v,
                2 => accumulator + v * v,
                double.PositiveInfinity => double.IsNaN(v) || v > accumulator ? v : accumulator,
                double.NegativeInfinity => double.IsNaN(v) || v < accumulator ? v : accumulator,
                _ => accumulator + Math.Pow(v, ord),
            };
        }
        return ord switch
        {
            0 or 1 or double.PositiveInfinity or double.NegativeInfinity => accumulator,
            2 => Math.Sqrt(accumulator),
            _ => Math.Pow(accumulator, 1 / ord),
        };
    }

    /// <summary>PyTorch's norm_backward, with the reduced dims restored as size 1 so that g and the norm broadcast against x.</summary>
    public static Tensor? VectorBackward(Tensor g, Tensor x, Tensor norm, double ord, int[] reduced, bool keepDim)
    {
        if (!keepDim && x.Rank > 0)
        {
            foreach (int d in reduced)
            {
                g = g.Unsqueeze(d);
                norm = norm.Unsqueeze(d);
            }
        }
        var zero = Kernels.Full(x.DType, [], 0);
        var normIsZero = norm.Eq(0);
        switch (ord)
        {
            case 0: return null;
            case 1: return Sign(x) * g;
            case 2: return g * Comparisons.Where(normIsZero, zero, x / norm);
            case double.PositiveInfinity or double.NegativeInfinity:
            {
                var magnitude = x.Abs();
                var mask = AsConstant(Kernels.Binary(magnitude.Eq(norm), magnitude.Ne(magnitude), BinaryOp.Add), x.DType);
                var counts = Kernels.SumTo(mask, norm.Dims);
                return Sign(x) * (g / counts * mask);
            }
            case < 1:
            {
                var scaled = Sign(x) * Comparisons.Where(x.Eq(0), zero, x.Abs().Pow(ord - 1));
                return scaled * g * norm.Pow(1 - ord);
            }
            case < 2:
            {
                var scaled = Sign(x) * x.Abs().Pow(ord - 1);
                return scaled * Comparisons.Where(normIsZero, zero, g / norm.Pow(ord - 1));
            }
            default:
            {
                var scaled = x * x.Abs().Pow(ord - 2);
                return scaled * Comparisons.Where(normIsZero, zero, g / norm.Pow(ord - 1));
            }
        }
    }
}
