#:project ../Autograd.Ops/Autograd.Ops.csproj
// Seed section 2: the library's cross-entropy next to -sum(log(softmax(x)) * one-hot) / N written by hand.
using Autograd;
using Autograd.NN;

static Tensor SoftmaxByHand(Tensor x, int dim)
{
    x = x - Torch.Max(x, dim).Values.Unsqueeze(dim);
    return Torch.Exp(x) / Torch.Sum(Torch.Exp(x), dim).Unsqueeze(dim);
}

Torch.ManualSeed(1234);
var x = Torch.Rand([4, 7], requiresGrad: true);   // 4 samples, 7 classes
var y = Torch.Tensor([1L, 3, 5, 0]);              // their labels
var criterion = new CrossEntropyLoss();
Console.WriteLine(criterion.Forward(x, y));
var gt = Torch.Zeros(4, 7).Scatter(1, y.View(4, 1), 1);   // one-hot labels
var loss = -(Torch.Log(SoftmaxByHand(x, dim: -1)) * gt).Sum() / 4;
Console.WriteLine(loss);
