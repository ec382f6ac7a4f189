namespace Autograd;

/// <summary>
/// PyTorch 1.13's CPU arange and linspace kernels, value for value. Both fill in vectorized blocks (8 float32 or
/// 4 float64/int64 lanes, two blocks per step), each block computed from its own base as base + lane * step,
/// and the elements after the last pair of blocks one by one. GCC fuses the multiply-adds of the bases and
/// of the one-by-one elements, and of the lanes in arange's float64 kernel only, which the FusedMultiplyAdd calls
/// reproduce (found by experiment against PyTorch 1.13: every other choice fails some golden case). PyTorch
/// splits outputs over 32768 elements between its threads, each part starting its own blocks: the results here are a
/// single-threaded PyTorch's (what the Debian build runs), for larger outputs too.
/// </summary>
internal static class RangeFactories
{
    /// <summary>Number of elements of torch.arange over int64 arguments: ceil((end - start) / step), exactly.</summary>
    public static int ArangeCount(long start, long end, long step)
    {
        CheckRange(step != 0, start, end, step > 0 ? end >= start : end <= start);
        Int128 count = ((Int128)end - start + step - Math.Sign(step)) / step;
        return ToSize((double)count);
    }

    /// <summary>Number of elements of torch.arange over floating arguments: ceil((end - start) / step) in double.</summary>
    public static int ArangeCount(double start, double end, double step)
    {
        if (!double.IsFinite(start) || !double.IsFinite(end))
        {
            if (step == 0) throw new ArgumentException("step must be nonzero");
            throw new ArgumentException($"unsupported range: {RandomSampling.CppNumber(start)} -> {RandomSampling.CppNumber(end)}");
        }
        CheckRange(step != 0, start, end, step > 0 ? end >= start : end <= start);
        return ToSize(Math.Ceiling((end - start) / step));
    }

    /// <summary>torch.arange's int64 kernel: start + i * step.</summary>
    public static Tensor Arange(long start, long step, int count)
    {
        var result = Tensor.Uninitialized(DType.Int64, [count]);
        var values = result.Span<long>();
        for (int i = 0; i < count; i++) values[i] = start + step * i;
        return result;
    }

    /// <summary>
    /// torch.arange's float32 kernel: start and step stay double; each block's base fma(step, index, start) is rounded to
    /// float32 and its lanes are base + lane * step computed in double, then rounded to float32.
    /// </summary>
    public static Tensor ArangeSingle(double start, double step, int count)
    {
        var result = Tensor.Uninitialized(DType.Float32, [count]);
        var values = result.Span<float>();
        int i = 0;
        for (; i < count / 16 * 16; i += 8)
        {
            float b = (float)Math.FusedMultiplyAdd(step, i, start);
            values[i] = b;
            values[i + 1] = (float)(b + step);
            for (int lane = 2; lane < 8; lane++) values[i + lane] = (float)(b + lane * step);
        }
        for (; i < count; i++) values[i] = (float)Math.FusedMultiplyAdd(step, i, start);
        return result;
    }

    /// <summary>torch.arange's float64 kernel: blocks of 4 from base fma(step, index, start), lanes fma(lane, step, base).</summary>
    public static Tensor ArangeDouble(double start, double step, int count)
    {
        var result = Tensor.Uninitialized(DType.Float64, [count]);
        var values = result.Span<double>();
        int i = 0;
        for (; i < count / 8 * 8; i += 4)
        {
            double b = Math.FusedMultiplyAdd(step, i, start);
            values[i] = b;
            values[i + 1] = b + step;
            for (int lane = 2; lane < 4; lane++) values[i + lane] = Math.FusedMultiplyAdd(lane, step, b);
        }
        for (; i < count; i++) values[i] = Math.FusedMultiplyAdd(step, i, start);
        return result;
    }

    /// <summary>
    /// torch.linspace's float32 kernel: step = (end - start) / (steps - 1) in float32; a block (or element) before the
    /// halfway index counts up from start, one after it counts down from end, so both ends are exact.
    /// </summary>
    public static Tensor LinspaceSingle(float start, float end, int steps)
    {
        var result = Tensor.Uninitialized(DType.Float32, [steps]);
        var values = result.Span<float>();
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        float At(int index) => index < halfway
            ? MathF.FusedMultiplyAdd(step, index, start)
            : MathF.FusedMultiplyAdd(-step, steps - index - 1, end);
        int i = 0;
        for (; i < steps / 16 * 16; i += 8)
        {
            float b = At(i);
            values[i] = b;
            values[i + 1] = b + step;
            for (int lane = 2; lane < 8; lane++) values[i + lane] = b + lane * step;
        }
        for (; i < steps; i++) values[i] = At(i);
        return result;
    }

    /// <summary>torch.linspace's float64 kernel: as the float32 one, in double with blocks of 4.</summary>
    public static Tensor LinspaceDouble(double start, double end, int steps)
    {
        var result = Tensor.Uninitialized(DType.Float64, [steps]);
        var values = result.Span<double>();
        double step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        double At(int index) => index < halfway
            ? Math.FusedMultiplyAdd(step, index, start)
            : Math.FusedMultiplyAdd(-step, steps - index - 1, end);
        int i = 0;
        for (; i < steps / 8 * 8; i += 4)
        {
            double b = At(i);
            values[i] = b;
            values[i + 1] = b + step;
            for (int lane = 2; lane < 4; lane++) values[i + lane] = b + lane * step;
        }
        for (; i < steps; i++) values[i] = At(i);
        return result;
    }

    /// <summary>
    /// torch.linspace's int64 kernel: a double step; each block's base and each lane is computed in double and
    /// truncated to int64 (lanes from the already truncated base).
    /// </summary>
    public static Tensor LinspaceLong(long start, long end, int steps)
    {
        var result = Tensor.Uninitialized(DType.Int64, [steps]);
        var values = result.Span<long>();
        double step = ((double)end - start) / (steps - 1);
        int halfway = steps / 2;
        long At(int index) => (long)(index < halfway
            ? Math.FusedMultiplyAdd(step, index, start)
            : Math.FusedMultiplyAdd(-step, steps - index - 1, end));
        int i = 0;
        for (; i < steps / 8 * 8; i += 4)
        {
            long b = At(i);
            values[i] = b;
            values[i + 1] = (long)(b + step);
            for (int lane = 2; lane < 4; lane++) values[i + lane] = (long)(b + lane * step);
        }
        for (; i < steps; i++) values[i] = At(i);
        return result;
    }

    private static void CheckRange(bool stepNonzero, double start, double end, bool consistent)
    {
        if (!stepNonzero) throw new ArgumentException("step must be nonzero");
        if (!consistent) throw new ArgumentException("upper bound and larger bound inconsistent with step sign");
    }

    private static int ToSize(double count)
    {
        if (!(count >= 0 && count <= long.MaxValue)) throw new ArgumentException("invalid size, possible overflow?");
        if (count > Array.MaxLength) throw new ArgumentException($"arange of {count} elements is larger than a tensor can hold ({Array.MaxLength})");
        return (int)count;
    }
}
