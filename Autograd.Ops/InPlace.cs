using System.Numerics;
using System.Numerics.Tensors;
using static Autograd.Differentiable;

namespace Autograd;

/// <summary>
/// In-place updates with PyTorch's names (Add_, Mul_, Zero_, ...): they write into the tensor's storage, so views and
/// detached aliases of it see the change. Each computes its out-of-place form first, so a failed call changes
/// nothing. Recording a graph, the tensor takes the new node (PyTorch's rebase of its history); a leaf that requires
/// grad may be updated only under <c>Torch.NoGrad()</c>, as in PyTorch. As in PyTorch too, only the fills (Fill_, Zero_) may
/// write to a tensor whose elements share memory (an expanded one); the others refuse it.
/// </summary>
public static class InPlace
{
    extension(Tensor self)
    {
        /// <summary>
        /// In-place <c>self += alpha * other</c>, as <c>Tensor.add_(other, alpha=alpha)</c>; <paramref name="other"/> broadcasts to this shape.
        /// </summary>
        /// <exception cref="ArgumentException">The broadcast result does not have this tensor's shape, or it is floating point and this tensor is not (PyTorch's "result type Float can't be cast to the desired output type Long").</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Add_(Tensor other, double alpha = 1) => AddedInPlace(Argument.NotNull(self), Argument.NotNull(other), alpha) ? self : Update(self, [other], t => t.Add(other, alpha));
        /// <summary>
        /// In-place <c>self += other</c> with a Python-float scalar, as <c>Tensor.add_(other)</c>.
        /// </summary>
        /// <exception cref="ArgumentException">This tensor is not floating point (the floating result can't be cast to it, as in PyTorch).</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Add_(double other) => Update(Argument.NotNull(self), [], t => t + other);
        /// <summary>
        /// In-place <c>self -= alpha * other</c>, as <c>Tensor.sub_(other, alpha=alpha)</c>; <paramref name="other"/> broadcasts to this shape.
        /// </summary>
        /// <exception cref="ArgumentException">The broadcast result does not have this tensor's shape, or it is floating point and this tensor is not (PyTorch's "result type Float can't be cast to the desired output type Long").</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Sub_(Tensor other, double alpha = 1) => Update(Argument.NotNull(self), [Argument.NotNull(other)], t => t.Sub(other, alpha));
        /// <summary>
        /// In-place <c>self -= other</c> with a Python-float scalar, as <c>Tensor.sub_(other)</c>.
        /// </summary>
        /// <exception cref="ArgumentException">This tensor is not floating point (the floating result can't be cast to it, as in PyTorch).</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Sub_(double other) => Update(Argument.NotNull(self), [], t => t - other);
        /// <summary>
        /// In-place <c>self *= other</c>, as <c>Tensor.mul_(other)</c>; <paramref name="other"/> broadcasts to this shape.
        /// </summary>
        /// <exception cref="ArgumentException">The broadcast result does not have this tensor's shape, or it is floating point and this tensor is not (PyTorch's "result type Float can't be cast to the desired output type Long").</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Mul_(Tensor other) => Update(Argument.NotNull(self), [Argument.NotNull(other)], t => t * other);
        /// <summary>
        /// In-place <c>self *= other</c> with a Python-float scalar, as <c>Tensor.mul_(other)</c>.
        /// </summary>
        /// <exception cref="ArgumentException">This tensor is not floating point (the floating result can't be cast to it, as in PyTorch).</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Mul_(double other) => Update(Argument.NotNull(self), [], t => t * other);
        /// <summary>
        /// In-place true division <c>self /= other</c>, as <c>Tensor.div_(other)</c>; <paramref name="other"/> broadcasts to this shape.
        /// </summary>
        /// <exception cref="ArgumentException">The broadcast result does not have this tensor's shape, or it is floating point and this tensor is not (PyTorch's "result type Float can't be cast to the desired output type Long").</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Div_(Tensor other) => Update(Argument.NotNull(self), [Argument.NotNull(other)], t => t / other);
        /// <summary>
        /// In-place <c>self /= other</c> with a Python-float scalar, as <c>Tensor.div_(other)</c>.
        /// </summary>
        /// <exception cref="ArgumentException">This tensor is not floating point (the floating result can't be cast to it, as in PyTorch).</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Div_(double other) => Update(Argument.NotNull(self), [], t => t / other);
        /// <summary>
        /// In-place <c>self += value * tensor1 * tensor2</c>, as <c>Tensor.addcmul_(tensor1, tensor2, value=value)</c>; the operands broadcast to this shape.
        /// </summary>
        /// <exception cref="ArgumentException">The broadcast result does not have this tensor's shape, or it is floating point and this tensor is not (PyTorch's "result type Float can't be cast to the desired output type Long").</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Addcmul_(Tensor tensor1, Tensor tensor2, double value = 1) => Update(Argument.NotNull(self), [Argument.NotNull(tensor1), Argument.NotNull(tensor2)], t => t.Addcmul(tensor1, tensor2, value));
        /// <summary>
        /// In-place <c>self += value * tensor1 / tensor2</c>, as <c>Tensor.addcdiv_(tensor1, tensor2, value=value)</c>; the operands broadcast to this shape.
        /// </summary>
        /// <exception cref="ArgumentException">The broadcast result does not have this tensor's shape, or it is floating point and this tensor is not (PyTorch's "result type Float can't be cast to the desired output type Long").</exception>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Addcdiv_(Tensor tensor1, Tensor tensor2, double value = 1) => Update(Argument.NotNull(self), [Argument.NotNull(tensor1), Argument.NotNull(tensor2)], t => t.Addcdiv(tensor1, tensor2, value));
        /// <summary>
        /// In-place ReLU, as <c>Tensor.relu_()</c> (<c>torch.relu_</c>): negative elements become 0.
        /// </summary>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Relu_() => Update(Argument.NotNull(self), [], t => t.Relu());
        /// <summary>
        /// Sets every element to 0, as <c>Tensor.zero_()</c> (grad_fn <c>ZeroBackward0</c> when recorded).
        /// </summary>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Zero_() => Update(Argument.NotNull(self), [], t => Constant(t, Kernels.Full(t.DType, t.Dims, 0), "ZeroBackward0"), overlapAllowed: true);
        /// <summary>
        /// Sets every element to <paramref name="value"/> (converted to this dtype), as <c>Tensor.fill_(value)</c> (grad_fn <c>FillBackward2</c> when recorded).
        /// </summary>
        /// <exception cref="InvalidOperationException">A graph is being recorded and this tensor is a leaf that requires grad (or a view of one, or an output of a multi-output view op), as PyTorch refuses.</exception>
        /// <returns>This tensor.</returns>
        public Tensor Fill_(double value)
        {
            ArgumentNullException.ThrowIfNull(self);
            Kernels.CheckScalar(self.DType, value);
            return Update(self, [], t => Constant(t, Kernels.Full(t.DType, t.Dims, value), "FillBackward2"), overlapAllowed: true);
        }

        /// <summary>Copies <paramref name="src"/> (broadcast to this shape, converted to this dtype) into this tensor.</summary>
        public Tensor Copy_(Tensor src) => Update(Argument.NotNull(self), [Argument.NotNull(src)], t => CopyOf(t, src));

        /// <summary>Fills with uniform samples in [from, to), drawn as PyTorch's <c>uniform_</c>: u * (to - from) + from, fused as its AVX2 build computes it.</summary>
        public Tensor Uniform_(double from = 0, double to = 1, Generator? generator = null)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (!self.DType.IsFloating()) throw new ArgumentException("\"check_uniform_bounds\" not implemented for 'Long'");
            // PyTorch's check_uniform_bounds: both ends finite in the dtype (NaN fails), ordered, and their distance representable.
            double max = self.DType == DType.Float32 ? float.MaxValue : double.MaxValue;
            string type = self.DType == DType.Float32 ? "float" : "double";
            if (!(from >= -max && from <= max)) throw new ArgumentException($"from is out of bounds for {type}");
            if (!(to >= -max && to <= max)) throw new ArgumentException($"to is out of bounds for {type}");
            if (from > to)
                throw new ArgumentException($"uniform_ expects to return a [from, to) range, but found from={RandomSampling.CppNumber(from)} > to={RandomSampling.CppNumber(to)}");
            if (!(to - from <= max))
                throw new ArgumentException(
                    $"uniform_ expects to-from <= std::numeric_limits<{self.DType.ScalarName()}>::max(), but found to={RandomSampling.CppNumber(to)} and from={RandomSampling.CppNumber(from)} which result in to-from to exceed the limit");
            return Update(self, [], t => Constant(t, Uniform(t, from, to, generator ?? Generator.Default), "UniformBackward0"));
        }

        /// <summary>Fills with samples of N(mean, std²), drawn as PyTorch's <c>normal_</c> fills a contiguous tensor.</summary>
        public Tensor Normal_(double mean = 0, double std = 1, Generator? generator = null)
        {
            ArgumentNullException.ThrowIfNull(self);
            RandomSampling.CheckStd(std);
            if (!self.DType.IsFloating()) throw new ArgumentException("\"normal_kernel_cpu\" not implemented for 'Long'");
            return Update(self, [], t => Constant(t, RandomSampling.Normal(t.DType, t.Dims, mean, std, generator ?? Generator.Default), "NormalBackward0"));
        }
    }

    /// <summary>
    /// The in-place write every op above shares. <paramref name="overlapAllowed"/> is for the fills (fill_, zero_,
    /// index_put_, masked_fill_), which PyTorch lets write to a tensor whose elements share memory (an expanded one);
    /// every other write refuses it, after the autograd checks and before the shape check, as PyTorch does.
    /// <paramref name="write"/>, if given, writes instead of the whole result only the elements the op sets (index_put_:
    /// where they share memory with others, those others must not write their old values back).
    /// </summary>
    internal static Tensor Update(Tensor self, Tensor[] others, Func<Tensor, Tensor> op, bool overlapAllowed = false, Action? write = null)
    {
        bool records = GradMode.IsEnabled && (self.RequiresGrad || others.Any(o => o.RequiresGrad));
        // As PyTorch's check_inplace: a view that requires grad, of a leaf (which itself may not: a view made a leaf with RequiresGrad = true).
        if (records && self.RequiresGrad && self.Base is { IsLeaf: true })
            throw new InvalidOperationException("a view of a leaf Variable that requires grad is being used in an in-place operation.");
        if (records && self.IsLeaf && self.RequiresGrad)
            throw new InvalidOperationException("a leaf Variable that requires grad is being used in an in-place operation.");
        if (records && self.MultiOutputOf is { } producer)
            throw new InvalidOperationException(
                $"Output 0 of {producer} is a view and is being modified inplace. This view is the output of a function that returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.");
        if (!overlapAllowed && HasInternalOverlap(self))
            throw new InvalidOperationException(
                "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.");
        var result = op(records ? Snapshot(self) : self);
        if (!result.Dims.AsSpan().SequenceEqual(self.Dims))
            throw new ArgumentException($"output with shape {Shapes.Format(self.Dims)} doesn't match the broadcast shape {Shapes.Format(result.Dims)}");
        if (!self.DType.IsFloating() && result.DType.IsFloating())
            throw new ArgumentException($"result type {result.DType.ScalarName()} can't be cast to the desired output type {self.DType.ScalarName()}");
        var converted = result.To(self.DType);
        if (write is null) self.SetValues(converted.Values);
        else write();
        self.Storage.BumpVersion();
        if (converted.GradFn is null) return self;
        if (self.Base is { } root) Rebase(root, self, converted);
        else self.SetGradFn(converted.GradFn);
        return self;
    }

    /// <summary>Whether some elements share a memory location: a dim of more than one element with stride 0 (expanded), in a non-empty tensor.</summary>
    private static bool HasInternalOverlap(Tensor t)
    {
        if (t.Count == 0) return false;
        for (int d = 0; d < t.Rank; d++)
        {
            if (t.Dims[d] > 1 && t.StrideArray[d] == 0) return true;
        }
        return false;
    }

    /// <summary>
    /// PyTorch's rebase of history after an in-place write to a view: the base becomes the output of CopySlices, which
    /// passes its gradient through outside the view's elements and into the write's result inside them; the view (and
    /// every other view of the base) then reads its history as AsStridedBackward0 of the base.
    /// </summary>
    private static void Rebase(Tensor root, Tensor view, Tensor written)
    {
        var rootGeometry = StridedGeometry.Of(root);
        var viewGeometry = StridedGeometry.Of(view);
        root.SetGradFn(Graph.Node("CopySlices", root.Dims, [root, written], g =>
        {
            var inside = StridedGeometry.Pick(g, rootGeometry, viewGeometry);
            return [g - StridedGeometry.Embed(inside, rootGeometry, viewGeometry), inside];
        }, saved: []));
    }

    /// <summary>
    /// self += alpha * other as one fused pass into self's storage, when there is no graph to record and nothing to
    /// broadcast or convert (an optimizer's update); the same bits as the general path, without its temporary and copy.
    /// </summary>
    private static bool AddedInPlace(Tensor self, Tensor other, double alpha)
    {
        if (GradMode.IsEnabled && (self.RequiresGrad || other.RequiresGrad) || !self.IsDense || other.DType != self.DType || !other.Dims.AsSpan().SequenceEqual(self.Dims))
            return false;
        if (!self.DType.IsFloating()) return false;
        DTypes.DispatchFloating(self.DType, new FusedAddInto(self, other, alpha), "add_");
        self.Storage.BumpVersion();
        return true;
    }

    private readonly struct FusedAddInto(Tensor self, Tensor other, double alpha) : IFloatingAction
    {
        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            TensorPrimitives.FusedMultiplyAdd(other.Span<T>(), T.CreateTruncating(alpha), self.Span<T>(), self.Span<T>());
    }

    /// <summary>A copy of self's values that carries its place in the graph: nodes saving it must not see the update.</summary>
    private static Tensor Snapshot(Tensor self)
    {
        var copy = new Tensor(self.CopyOfValues(), self.Dims);
        if (self.GradFn is { } node) copy.SetGradFn(node);
        return copy;
    }

    /// <summary>Values that do not depend on <paramref name="input"/>: recorded with a zero gradient for it.</summary>
    private static Tensor Constant(Tensor input, Tensor values, string name)
    {
        if (Graph.NeedsGrad(input)) Graph.Record(values, name, [input], g => [Kernels.Full(g.DType, g.Dims, 0)], saved: []);
        return values;
    }

    private static Tensor CopyOf(Tensor target, Tensor src)
    {
        if (!Shapes.Broadcast(target.Dims, src.Dims).AsSpan().SequenceEqual(target.Dims))
            throw new ArgumentException($"output with shape {Shapes.Format(target.Dims)} doesn't match the broadcast shape {Shapes.Format(Shapes.Broadcast(target.Dims, src.Dims))}");
        var result = Kernels.Cast(Comparisons.ExpandedCopy(src, target.Dims), target.DType);
        if (ReferenceEquals(result, src)) result = new Tensor(src.CopyOfValues(), src.Dims);
        if (Graph.NeedsGrad(target, src))
        {
            int[] targetShape = target.Dims;
            var source = InputMeta.Of(src);
            Graph.Record(result, "CopyBackwards", [target, src], g => [Kernels.Full(g.DType, targetShape, 0), GradFor(g, source)], saved: []);
        }
        return result;
    }

    private static Tensor Uniform(Tensor like, double from, double to, Generator generator)
    {
        var result = Tensor.Empty(like.DType, like.Dims);
        if (like.DType == DType.Float32)
        {
            var values = result.Span<float>();
            generator.FillUniform(values);
            float low = (float)from, width = (float)to - (float)from;
            for (int i = 0; i < values.Length; i++) values[i] = MathF.FusedMultiplyAdd(values[i], width, low);
        }
        else
        {
            var values = result.Span<double>();
            generator.FillUniform(values);
            for (int i = 0; i < values.Length; i++) values[i] = Math.FusedMultiplyAdd(values[i], to - from, from);
        }
        return result;
    }
}
