namespace Autograd;

/// <summary>dtype conversions as <c>tensor.float()</c>, <c>.double()</c>, <c>.long()</c>: the tensor itself when it already has the dtype.</summary>
public static class Conversions
{
    extension(Tensor self)
    {
        public Tensor Float() => self.To(DType.Float32);
        public Tensor Double() => self.To(DType.Float64);
        public Tensor Long() => self.To(DType.Int64);
    }
}
