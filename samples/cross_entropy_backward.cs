#:project ../Autograd.Ops/Autograd.Ops.csproj
// Seed section 3: the cross-entropy gradient three ways — the library's fused loss, the loss built by hand
// from Log and the hand-written softmax, and the derived closed form (softmax - one-hot) / N with no autograd.
using Autograd;
using Autograd.NN;

static Tensor SoftmaxByHand(Tensor x, int dim)
{
    x = x - Torch.Max(x, dim).Values.Unsqueeze(dim);   // avoid overflow
    return Torch.Exp(x) / Torch.Sum(Torch.Exp(x), dim).Unsqueeze(dim);
}

Torch.ManualSeed(1234);
var x = Torch.Rand(4, 7);
var x1 = x.Clone();
var x2 = x.Clone();
x1.RequiresGrad = true;
x2.RequiresGrad = true;
var y = Torch.Tensor([1L, 3, 5, 0]);
var criterion = new CrossEntropyLoss();
var output = criterion.Forward(x1, y);
output.Backward();
Console.WriteLine($"library loss: {output} grad: {x1.Grad}");

var gt = Torch.Zeros(4, 7).Scatter(1, y.View(4, 1), 1);
var loss = -(Torch.Log(SoftmaxByHand(x2, dim: -1)) * gt).Sum() / 4;
loss.Backward();
Console.WriteLine($"manual loss: {loss} grad: {x2.Grad}");

var eta = (Torch.Softmax(x, dim: -1) - gt) / 4;
Console.WriteLine($"direct grad: {eta}");
