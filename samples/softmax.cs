#:project ../Autograd.Ops/Autograd.Ops.csproj
// Seed section 1: torch.softmax next to a softmax written by hand (row max subtracted first to avoid overflow).
using Autograd;

static Tensor SoftmaxByHand(Tensor x, int dim)
{
    x = x - Torch.Max(x, dim).Values.Unsqueeze(dim);
    return Torch.Exp(x) / Torch.Sum(Torch.Exp(x), dim).Unsqueeze(dim);
}

Torch.ManualSeed(1234);
var x = Torch.Rand([4, 7], requiresGrad: true);
Console.WriteLine(Torch.Softmax(x, dim: -1));
Console.WriteLine(SoftmaxByHand(x, dim: -1));
