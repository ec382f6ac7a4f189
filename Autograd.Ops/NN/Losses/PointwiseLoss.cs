using System.Numerics;
using static Autograd.Differentiable;

namespace Autograd.NN;

/// <summary>
/// One elementwise loss: its value at an element and the gradients of that value, each written in the order of float
/// operations of PyTorch's CPU kernel, plus the same gradients composed of differentiable ops for double backward.
/// The operands of an element are the input x, the target y, the weight w (1 when there is none) and the positive-class
/// weight pw (1 when there is none).
/// </summary>
internal interface IPointwiseLoss
{
    T Loss<T>(T x, T y, T w, T pw) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>d loss / d x times the upstream gradient g; <paramref name="count"/> is the element count under Mean, else 0.</summary>
    T InputGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>d loss / d y times the upstream gradient g, as <see cref="InputGrad"/>.</summary>
    T TargetGrad<T>(T x, T y, T w, T pw, T g, int count) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Both gradients from ops, for <paramref name="gs"/>: the upstream gradient of every element, already divided under Mean.</summary>
    (Tensor Input, Tensor Target) Composed(Tensor x, Tensor y, Tensor? w, Tensor? pw, Tensor gs);
}

/// <summary>
/// Runs an <see cref="IPointwiseLoss"/>: one pass computes every element's loss, the existing Sum or Mean reduces it,
/// and one node records the closed-form gradients (a direct kernel, or the composed form when a graph of the
/// gradient is being built).
/// </summary>
internal static class PointwiseLoss
{
    public static Tensor Run<TLoss>(TLoss loss, string gradFn, Tensor input, Tensor target, Tensor? weight, Tensor? posWeight,
        Reduction reduction, DType dtype, int[] shape) where TLoss : IPointwiseLoss
    {
        var perElement = Tensor.Uninitialized(dtype, shape);
        DTypes.DispatchFloating(dtype, new ForwardKernel<TLoss>(loss, input, target, weight, posWeight, perElement), "pointwise_loss");
        // The batch size that "batchmean" divides by; a 0-d input is not divided.
        int batch = shape.Length == 0 ? 1 : shape[0];
        var result = reduction switch
        {
            Reduction.None => perElement,
            Reduction.Sum => perElement.Sum(),
            Reduction.Mean => perElement.Mean(),
            Reduction.BatchMean => input.Rank == 0 ? perElement.Sum() : perElement.Sum() / batch,
            _ => throw LossReduction.Invalid(reduction),
        };
        if (Graph.NeedsGrad(input, target))
        {
            Graph.Record(result, gradFn, [input, target],
                g => Backward(loss, g, input, target, weight, posWeight, reduction, dtype, shape, input.Rank == 0 ? 1 : batch),
                saved: [input, target, weight, posWeight]);
        }
        return result;
    }

    private static Tensor?[] Backward<TLoss>(TLoss loss, Tensor g, Tensor input, Tensor target, Tensor? weight, Tensor? posWeight,
        Reduction reduction, DType dtype, int[] shape, int batch) where TLoss : IPointwiseLoss
    {
        int count = Shapes.NumElements(shape);
        if (GradMode.IsEnabled)
        {
            var gs = reduction switch
            {
                Reduction.Mean => g / count,
                Reduction.BatchMean => g / batch,
                _ => g,
            };
            var (dx, dy) = loss.Composed(ExpandTo(input.To(dtype), shape), ExpandTo(target.To(dtype), shape),
                weight is null ? null : ExpandTo(weight.To(dtype), shape), posWeight is null ? null : ExpandTo(posWeight.To(dtype), shape),
                ExpandTo(gs, shape));
            return [input.RequiresGrad ? GradFor(dx, input) : null, target.RequiresGrad ? GradFor(dy, target) : null];
        }
        var (gradInput, gradTarget) = DTypes.DispatchFloating<GradientKernel<TLoss>, (Tensor?, Tensor?)>(dtype,
            new GradientKernel<TLoss>(loss, g, input, target, weight, posWeight, reduction, shape, batch), "pointwise_loss_backward");
        return [gradInput is null ? null : GradFor(gradInput, input), gradTarget is null ? null : GradFor(gradTarget, target)];
    }

    private readonly struct ForwardKernel<TLoss>(TLoss loss, Tensor input, Tensor target, Tensor? weight, Tensor? posWeight, Tensor result)
        : IFloatingAction where TLoss : IPointwiseLoss
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => Forward<T, TLoss>(loss, input, target, weight, posWeight, result);
    }

    private readonly struct GradientKernel<TLoss>(TLoss loss, Tensor g, Tensor input, Tensor target, Tensor? weight, Tensor? posWeight,
        Reduction reduction, int[] shape, int batch) : IFloatingFunc<(Tensor?, Tensor?)> where TLoss : IPointwiseLoss
    {
        public (Tensor?, Tensor?) Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Gradients<T, TLoss>(loss, g, input, target, weight, posWeight, reduction, shape, batch);
    }

    private static void Forward<T, TLoss>(TLoss loss, Tensor input, Tensor target, Tensor? weight, Tensor? posWeight, Tensor result)
        where T : unmanaged, IFloatingPointIeee754<T> where TLoss : IPointwiseLoss
    {
        var shape = result.Dims;
        ReadOnlySpan<T> x = Broadcasting.Read<T>(input, shape), y = Broadcasting.Read<T>(target, shape);
        var w = weight is null ? null : Broadcasting.Read<T>(weight, shape);
        var pw = posWeight is null ? null : Broadcasting.Read<T>(posWeight, shape);
        var l = result.Span<T>();
        for (int i = 0; i < l.Length; i++) l[i] = loss.Loss(x[i], y[i], w is null ? T.One : w[i], pw is null ? T.One : pw[i]);
    }

    private static (Tensor? Input, Tensor? Target) Gradients<T, TLoss>(TLoss loss, Tensor g, Tensor input, Tensor target, Tensor? weight,
        Tensor? posWeight, Reduction reduction, int[] shape, int batch)
        where T : unmanaged, IFloatingPointIeee754<T> where TLoss : IPointwiseLoss
    {
        ReadOnlySpan<T> x = Broadcasting.Read<T>(input, shape), y = Broadcasting.Read<T>(target, shape);
        var w = weight is null ? null : Broadcasting.Read<T>(weight, shape);
        var pw = posWeight is null ? null : Broadcasting.Read<T>(posWeight, shape);
        // Unreduced, every element has its own upstream gradient; reduced, all share the one value (divided by the
        // batch size first for batchmean, as PyTorch's division node does).
        var upstream = reduction == Reduction.None ? Broadcasting.Read<T>(g, shape) : null;
        T shared = upstream is null ? T.CreateTruncating(g.Item<double>()) : T.Zero;
        if (reduction == Reduction.BatchMean) shared /= T.CreateTruncating(batch);
        int count = reduction == Reduction.Mean ? Shapes.NumElements(shape) : 0;
        Tensor? dx = input.RequiresGrad ? Tensor.Uninitialized(DTypes.Of<T>(), shape) : null;
        Tensor? dy = target.RequiresGrad ? Tensor.Uninitialized(DTypes.Of<T>(), shape) : null;
        var dxs = dx is null ? [] : dx.Span<T>();
        var dys = dy is null ? [] : dy.Span<T>();
        for (int i = 0; i < x.Length; i++)
        {
            T gi = upstream is null ? shared : upstream[i], wi = w is null ? T.One : w[i], pwi = pw is null ? T.One : pw[i];
            if (dx is not null) dxs[i] = loss.InputGrad(x[i], y[i], wi, pwi, gi, count);
            if (dy is not null) dys[i] = loss.TargetGrad(x[i], y[i], wi, pwi, gi, count);
        }
        return (dx, dy);
    }
}

/// <summary>Reading a tensor's elements broadcast to a shape, converted to an element type, without rounding the values twice.</summary>
internal static class Broadcasting
{
    /// <summary>The row-major elements of <paramref name="t"/> broadcast to <paramref name="shape"/> as <typeparamref name="T"/>; read only.</summary>
    public static T[] Read<T>(Tensor t, int[] shape) where T : unmanaged, INumber<T>
    {
        var cast = Kernels.Cast(t, DTypes.Of<T>());
        var source = cast.Data<T>();
        if (cast.Dims.AsSpan().SequenceEqual(shape)) return source;
        var strides = Shapes.BroadcastStrides(cast.Dims, shape);
        var result = new T[Shapes.NumElements(shape)];
        var index = new int[shape.Length];
        int offset = 0;
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = source[offset];
            // Advance the odometer over the target shape, moving the source offset by each dim's stride.
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                offset += strides[d];
                if (++index[d] < shape[d]) break;
                offset -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return result;
    }
}

/// <summary>The reduction checks PyTorch's _Reduction.get_enum makes.</summary>
internal static class LossReduction
{
    /// <summary>Throws for "batchmean", which only KL divergence takes, and for values outside the enum.</summary>
    public static void RequireStandard(Reduction reduction)
    {
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum)) throw Invalid(reduction);
    }

    public static ArgumentException Invalid(Reduction reduction) => new($"{Name(reduction)} is not a valid value for reduction");

    private static string Name(Reduction reduction) => reduction switch
    {
        Reduction.BatchMean => "batchmean",
        _ => reduction.ToString().ToLowerInvariant(),
    };
}
