using static Autograd.Differentiable;

namespace Autograd;

public static partial class IndexOps
{
    extension(Tensor self)
    {
        /// <summary>A copy with <paramref name="value"/> where the Bool <paramref name="mask"/> is true (the two broadcast together), as <c>torch.masked_fill</c>.</summary>
        public Tensor MaskedFill(Tensor mask, double value)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(mask);
            if (mask.DType != DType.Bool)
                throw new ArgumentException($"masked_fill_ only supports boolean masks, but got mask with dtype {mask.DType.ScalarName()}");
            var shape = Shapes.Broadcast(mask.Dims, self.Dims);
            var result = Tensor.Uninitialized(self.DType, shape);
            var flags = Comparisons.ExpandedCopy(mask, shape).Values;
            DTypes.Dispatch(self.DType, new FillWhere(Comparisons.ExpandedCopy(self, shape).Values, (bool[])flags, value, result.Storage.Data));
            if (Graph.NeedsGrad(self))
                Graph.Record(result, "MaskedFillBackward0", [self], g => [GradFor(g.MaskedFill(mask, 0), self)], saved: [mask]);
            return result;
        }

        /// <summary>In place <see cref="MaskedFill"/>; the mask broadcasts to this tensor's shape (<c>tensor.masked_fill_</c>).</summary>
        public Tensor MaskedFill_(Tensor mask, double value) => InPlace.Update(Argument.NotNull(self), [], t => t.MaskedFill(Argument.NotNull(mask), value));

        /// <summary>The elements where the Bool <paramref name="mask"/> is true (the two broadcast together), as a 1-D tensor (<c>torch.masked_select</c>).</summary>
        public Tensor MaskedSelect(Tensor mask)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(mask);
            if (mask.DType != DType.Bool) throw new ArgumentException("masked_select: expected BoolTensor or ByteTensor for mask");
            var shape = Shapes.Broadcast(mask.Dims, self.Dims);
            // A 0-d input selects from one element, as a 1-D one.
            int[] work = shape.Length == 0 ? [1] : shape;
            var flags = Comparisons.ExpandedCopy(mask, shape);
            var plan = AdvancedIndex.Create(work, [new Tensor(flags.Values, work)]);
            var strides = new int[work.Length];
            for (int i = shape.Length - 1, d = self.Rank - 1; d >= 0; i--, d--) strides[i] = self.Dims[d] == shape[i] ? self.StrideArray[d] : 0;
            var result = plan.Gather(self.Storage.Data, strides, self.Offset);
            if (Graph.NeedsGrad(self))
            {
                Graph.Record(result, "MaskedSelectBackward0", [self],
                    g => [GradFor(Put(Torch.Zeros(work, g.DType), plan, g, accumulate: false).Reshape(shape), self)], saved: [mask]);
            }
            return result;
        }
    }

    private readonly struct FillWhere(Array source, bool[] mask, double value, Array result) : IElementAction
    {
        public void Invoke<T>() where T : unmanaged
        {
            T[] from = (T[])source, to = (T[])result;
            T fill = Kernels.Number<T>(value);
            for (int i = 0; i < to.Length; i++) to[i] = mask[i] ? fill : from[i];
        }
    }
}
