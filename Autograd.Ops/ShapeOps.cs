namespace Autograd;

/// <summary>Unsqueeze, View, Reshape (sharing storage, as all tensors here are contiguous), Clone, Transpose.</summary>
public static class ShapeOps
{
    extension(Tensor self)
    {
        public Tensor Unsqueeze(int dim)
        {
            int d = Shapes.WrapDim(dim, self.Rank + 1);
            int[] shape = [.. self.Dims[..d], 1, .. self.Dims[d..]];
            var result = new Tensor(self.Storage, shape);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "UnsqueezeBackward0", [self], g => [g.View(self.Dims)], saved: []);
            return result;
        }

        /// <summary>-1 infers one size; no sizes gives a 0-d tensor.</summary>
        public Tensor View(params int[] shape) => Alias(self, InferShape(self, shape), "ViewBackward0");

        public Tensor Reshape(params int[] shape) => Alias(self, InferShape(self, shape), "ReshapeAliasBackward0");

        public Tensor Clone()
        {
            var result = new Tensor((Array)self.Storage.Data.Clone(), self.Dims);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "CloneBackward0", [self], g => [g], saved: []);
            return result;
        }

        /// <summary>Swaps two dims (a copy here, where PyTorch returns a strided view; values and gradients agree).</summary>
        public Tensor Transpose(int dim0, int dim1)
        {
            int a = Shapes.WrapDim(dim0, self.Rank), b = Shapes.WrapDim(dim1, self.Rank);
            var result = Kernels.Transpose(self, a, b);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "TransposeBackward0", [self], g => [g.Transpose(a, b)], saved: []);
            return result;
        }

        /// <summary>Transpose of a tensor of at most 2 dims, as <c>Tensor.t()</c>.</summary>
        public Tensor T()
        {
            if (self.Rank > 2)
                throw new ArgumentException($"t() expects a tensor with <= 2 dimensions, but self is {self.Rank}D");
            var result = self.Rank < 2 ? new Tensor(self.Storage, self.Dims) : Kernels.Transpose(self, 0, 1);
            if (Graph.NeedsGrad(self)) Graph.Record(result, "TBackward0", [self], g => [g.T()], saved: []);
            return result;
        }
    }

    private static Tensor Alias(Tensor self, int[] shape, string name)
    {
        var result = new Tensor(self.Storage, shape);
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
