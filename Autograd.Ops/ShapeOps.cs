namespace Autograd;

/// <summary>
/// Unsqueeze, Squeeze, View, Reshape, Flatten, and T / Transpose of a matrix, which share storage (views); Clone, and
/// Transpose of more dims, which copy.
/// </summary>
public static class ShapeOps
{
    extension(Tensor self)
    {
        public Tensor Unsqueeze(int dim)
        {
            int d = Shapes.WrapDim(dim, self.Rank + 1);
            int[] shape = [.. self.Dims[..d], 1, .. self.Dims[d..]];
            var result = self.ViewAs(shape);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "UnsqueezeBackward0", [self], g => [g.View(self.Dims)], saved: []);
            return result;
        }

        /// <summary>Removes every dim of size 1.</summary>
        public Tensor Squeeze() => Alias(self, [.. self.Dims.Where(size => size != 1)], "SqueezeBackward0");

        /// <summary>Removes <paramref name="dim"/> if its size is 1; otherwise the same shape.</summary>
        public Tensor Squeeze(int dim)
        {
            int d = Shapes.WrapDim(dim, self.Rank);
            int[] shape = self.Rank == 0 || self.Dims[d] != 1 ? self.Dims : [.. self.Dims[..d], .. self.Dims[(d + 1)..]];
            return Alias(self, shape, "SqueezeBackward1");
        }

        /// <summary>Merges dims <paramref name="startDim"/> to <paramref name="endDim"/> into one; a 0-d tensor becomes 1-D.</summary>
        public Tensor Flatten(int startDim = 0, int endDim = -1)
        {
            int start = Shapes.WrapDim(startDim, self.Rank), end = Shapes.WrapDim(endDim, self.Rank);
            if (start > end) throw new ArgumentException("flatten() has invalid args: start_dim cannot come after end_dim");
            if (self.Rank == 0) return self.Reshape(1);
            if (start == end) return self;
            int merged = Shapes.NumElements(self.Dims.AsSpan(start..(end + 1)));
            return self.Reshape([.. self.Dims[..start], merged, .. self.Dims[(end + 1)..]]);
        }

        /// <summary>-1 infers one size; no sizes gives a 0-d tensor.</summary>
        public Tensor View(params int[] shape)
        {
            var dims = InferShape(self, shape);
            // A transposed matrix can be viewed only with dims of 1 added or removed (copied here, not aliased).
            if (self.Transposed && !dims.Where(size => size != 1).SequenceEqual(self.Dims))
                throw new ArgumentException(
                    "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
            return Alias(self, dims, "ViewBackward0");
        }

        public Tensor Reshape(params int[] shape) => Alias(self, InferShape(self, shape), "ReshapeAliasBackward0");

        public Tensor Clone()
        {
            var result = new Tensor(self.CopyOfValues(), self.Dims);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "CloneBackward0", [self], g => [g], saved: []);
            return result;
        }

        /// <summary>
        /// Swaps two dims: a view for a matrix (or fewer dims), as in PyTorch; a copy for more dims, where PyTorch
        /// returns a strided view (values and gradients agree).
        /// </summary>
        public Tensor Transpose(int dim0, int dim1)
        {
            int a = Shapes.WrapDim(dim0, self.Rank), b = Shapes.WrapDim(dim1, self.Rank);
            var result = self.Rank == 2 && a != b ? self.TransposedView() : self.Rank <= 2 ? self.ViewAs(self.Dims) : Kernels.Transpose(self, a, b);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "TransposeBackward0", [self], g => [g.Transpose(a, b)], saved: []);
            return result;
        }

        /// <summary>Transpose of a tensor of at most 2 dims, as <c>Tensor.t()</c>.</summary>
        public Tensor T()
        {
            if (self.Rank > 2)
                throw new ArgumentException($"t() expects a tensor with <= 2 dimensions, but self is {self.Rank}D");
            var result = self.Rank < 2 ? self.ViewAs(self.Dims) : self.TransposedView();
            if (Graph.NeedsGrad(self)) Graph.Record(result, "TBackward0", [self], g => [g.T()], saved: []);
            return result;
        }
    }

    /// <summary>A tensor sharing self's storage with another shape, recorded under <paramref name="name"/>.</summary>
    internal static Tensor Alias(Tensor self, int[] shape, string name)
    {
        var result = self.ViewAs(shape);
        if (Graph.NeedsGrad(self)) Graph.Record(result, name, [self], g => [g.Reshape(self.Dims)], saved: []);
        return result;
    }

    private static int[] InferShape(Tensor self, int[] shape)
    {
        int known = 1, inferred = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (inferred >= 0) throw new ArgumentException("only one dimension can be inferred");
                inferred = i;
            }
            else if (shape[i] < 0) throw new ArgumentException($"invalid shape dimension {shape[i]}");
            else known *= shape[i];
        }
        int count = self.Count;
        var result = (int[])shape.Clone();
        if (inferred >= 0 && known != 0 && count % known == 0) result[inferred] = count / known;
        else if (inferred >= 0 || known != count)
            throw new ArgumentException($"shape '{Shapes.Format(shape)}' is invalid for input of size {count}");
        return result;
    }
}
