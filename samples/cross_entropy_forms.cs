#:project ../Autograd.Ops/Autograd.Ops.csproj
// Every form of CrossEntropy (and NllLoss) on small data, each next to the same loss written by hand from LogSoftmax:
// loss = -sum(log_softmax(x) * target * weight) / divisor, where the form decides the target matrix and the divisor.
// Each pair prints its loss and its gradient; the numbers agree, only the grad_fn differs.
using Autograd;
using Autograd.NN;

// One-hot rows of the labels along the class dim (dim 1); a label of -100 (ignored) gives a row of zeros.
static Tensor OneHot(Tensor labels, int classes, float[] keep)
{
    var safe = Torch.Tensor(labels.ToArray<long>().Select(l => Math.Max(l, 0)).ToArray());
    int[] shape = [.. labels.Shape];
    int[] column = [shape[0], 1, .. shape[1..]];
    var oneHot = Torch.Zeros([shape[0], classes, .. shape[1..]]).Scatter(1, safe.View(column), 1.0);
    return oneHot * Torch.Tensor(keep).View(column);
}

static void Show(string form, Tensor x, Func<Tensor, Tensor> library, Func<Tensor, Tensor> byHand)
{
    var a = x.Detach();
    var b = x.Detach();
    a.RequiresGrad = true;
    b.RequiresGrad = true;
    var (fromLibrary, fromHand) = (library(a), byHand(b));
    // An unreduced loss has one value per sample; their sum gives each sample's gradient.
    (fromLibrary.Shape.Count == 0 ? fromLibrary : fromLibrary.Sum()).Backward();
    (fromHand.Shape.Count == 0 ? fromHand : fromHand.Sum()).Backward();
    Console.WriteLine($"== {form} ==");
    Console.WriteLine($"library: {fromLibrary}");
    Console.WriteLine($"by hand: {fromHand}");
    Console.WriteLine($"library grad: {a.Grad}");
    Console.WriteLine($"by hand grad: {b.Grad}");
    Console.WriteLine();
}

Torch.ManualSeed(1234);
var x = Torch.Rand(4, 5);                                  // 4 samples, 5 classes
var y = Torch.Tensor([1L, 3, 4, 0]);                       // their labels
var weight = Torch.Tensor([1f, 2f, 0.5f, 1f, 3f]);         // one per class
var oneHot = OneHot(y, 5, [1, 1, 1, 1]);

Show("class indices, mean", x,
    x => Functional.CrossEntropy(x, y),
    x => -(x.LogSoftmax(1) * oneHot).Sum() / 4);

Show("class indices, no reduction (one loss per sample)", x,
    x => Functional.CrossEntropy(x, y, reduction: Reduction.None),
    x => -(x.LogSoftmax(1) * oneHot).Sum(1));

// Mean divides by the summed weight of the targets, not by N.
Show("class weights", x,
    x => Functional.CrossEntropy(x, y, weight),
    x => -(x.LogSoftmax(1) * oneHot * weight).Sum() / (oneHot * weight).Sum());

// An ignored target contributes nothing; Mean divides by the number of targets kept.
var ignored = Torch.Tensor([1L, -100, 4, 0]);
var kept = OneHot(ignored, 5, [1, 0, 1, 1]);
Show("ignoreIndex (-100)", x,
    x => Functional.CrossEntropy(x, ignored),
    x => -(x.LogSoftmax(1) * kept).Sum() / 3);

// Smoothing ε: the target becomes (1 - ε) one-hot + ε / C on every class; with weights Mean still divides by the
// summed weight of the targets.
Show("label smoothing 0.1 with class weights", x,
    x => Functional.CrossEntropy(x, y, weight, labelSmoothing: 0.1),
    x => -(x.LogSoftmax(1) * (oneHot * 0.9 + 0.1 / 5) * weight).Sum() / (oneHot * weight).Sum());

// A floating target shaped like the input holds class probabilities; Mean divides by N.
var probabilities = Torch.Rand(4, 5).Softmax(1);
Show("probability targets", x,
    x => Functional.CrossEntropy(x, probabilities),
    x => -(x.LogSoftmax(1) * probabilities).Sum() / 4);

Show("probability targets, label smoothing 0.2, sum", x,
    x => Functional.CrossEntropy(x, probabilities, reduction: Reduction.Sum, labelSmoothing: 0.2),
    x => -(x.LogSoftmax(1) * (probabilities * 0.8 + 0.2 / 5)).Sum());

// Per-pixel labels: input (N, C, d), target (N, d); the mean runs over every kept pixel.
var pixels = Torch.Rand([2, 3, 4]);
var pixelLabels = Torch.Tensor([0L, 2, 1, 1, 2, 2, 0, 1]).View(2, 4);
Show("spatial (N, C, d)", pixels,
    x => Functional.CrossEntropy(x, pixelLabels),
    x => -(x.LogSoftmax(1) * OneHot(pixelLabels, 3, [1, 1, 1, 1, 1, 1, 1, 1])).Sum() / 8);

// NllLoss takes log-probabilities: NllLoss(LogSoftmax(x)) is CrossEntropy(x), here through LogSoftmax's own backward.
Show("NllLoss of LogSoftmax", x,
    x => Functional.NllLoss(x.LogSoftmax(1), y, weight, reduction: Reduction.Sum),
    x => -(x.LogSoftmax(1) * oneHot * weight).Sum());

// Logits of ±1000: the library's log-sum-exp (and LogSoftmax) stay exact; log(softmax(x)) by hand gives nan here.
var large = Torch.Tensor([1000f, 0f, -1000f]).View(1, 3);
Show("logits of ±1000", large,
    x => Functional.CrossEntropy(x, Torch.Tensor([2L])),
    x => -(x.LogSoftmax(1) * OneHot(Torch.Tensor([2L]), 3, [1])).Sum());
