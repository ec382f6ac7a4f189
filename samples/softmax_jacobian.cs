#:project ../Autograd.Ops/Autograd.Ops.csproj
// The seed's derivations checked by autograd: the Jacobian of softmax for one row of x is diag(Y) - Y^T Y, and the
// Hessian of the mean cross-entropy with respect to that row is the same matrix divided by the batch size 4.
using Autograd;
using Autograd.NN;

static bool AllClose(Tensor a, Tensor b) =>
    a.ToArray<float>().Zip(b.ToArray<float>()).All(pair => Math.Abs(pair.First - pair.Second) <= 1e-7);

Torch.ManualSeed(1234);
var x = Torch.Rand(4, 7);
var y = Torch.Tensor([1L, 3, 5, 0]);

var row = Torch.Tensor(x.ToArray<float>()[..7]);
var Y = Torch.Softmax(row, dim: 0);
var J = Gradients.Jacobian(r => Torch.Softmax(r, dim: 0), row);
Console.WriteLine($"softmax of row 0: {Y}");
Console.WriteLine($"Jacobian of softmax: {J}");
var diagonal = Torch.Zeros(7, 7).Scatter(1, Torch.Tensor([0L, 1, 2, 3, 4, 5, 6]).View(7, 1), Y.View(7, 1));
var derived = diagonal - Y.View(7, 1).MatMul(Y.View(1, 7));
Console.WriteLine($"equals diag(Y) - Y^T Y: {AllClose(J, derived)}");

// The seed's loss with row 0 of x replaced by r.
Tensor LossOfRow(Tensor r) =>
    new CrossEntropyLoss().Forward(x.Scatter(0, Torch.Zeros([1, 7], DType.Int64), r.View(1, 7)), y);

var H = Gradients.Hessian(LossOfRow, row);
Console.WriteLine($"Hessian of the loss with respect to row 0: {H}");
Console.WriteLine($"equals (diag(Y) - Y^T Y) / 4: {AllClose(H, derived / 4)}");
