namespace Autograd;

/// <summary>dtype conversions as <c>tensor.to(dtype)</c>, <c>.float()</c>, <c>.double()</c>, <c>.long()</c>, <c>.bool()</c>: the tensor itself when it already has the dtype.</summary>
public static class Conversions
{
    extension(Tensor self)
    {
        /// <summary>A copy converted to <paramref name="dtype"/> (self when it has it), as <c>tensor.to(dtype)</c>; differentiable between floating dtypes.</summary>
        public Tensor To(DType dtype)
        {
            ArgumentNullException.ThrowIfNull(self);
            dtype.Validate();
            if (self.DType == dtype) return self;
            var result = Kernels.Cast(self, dtype);
            var from = self.DType;
            if (Graph.NeedsGrad(self) && dtype.IsFloating()) Graph.Record(result, "ToCopyBackward0", [self], g => [g.To(from)], saved: []);
            return result;
        }

        /// <summary><c>tensor.float()</c>.</summary>
        public Tensor Float() => Argument.NotNull(self).To(DType.Float32);

        /// <summary><c>tensor.double()</c>.</summary>
        public Tensor Double() => Argument.NotNull(self).To(DType.Float64);

        /// <summary><c>tensor.long()</c>.</summary>
        public Tensor Long() => Argument.NotNull(self).To(DType.Int64);

        /// <summary><c>tensor.bool()</c>: nonzero elements are true.</summary>
        public Tensor Bool() => Argument.NotNull(self).To(DType.Bool);
    }
}
