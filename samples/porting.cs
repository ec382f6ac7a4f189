#:project ../Autograd.Ops/Autograd.Ops.csproj
// polynomial_autograd.py from PyTorch's tutorial "Learning PyTorch with Examples" ("PyTorch: Tensors and autograd"),
// https://pytorch.org/tutorials/beginner/examples_autograd/polynomial_autograd.html, ported line by line. The Python
// program is tools/seed_programs/porting.py (with torch.manual_seed(0) added); the test compares what both print.
// It fits y = sin(x) on [-pi, pi] with a + b x + c x^2 + d x^3: autograd gives the gradients of the squared error and the
// weights are updated in place under NoGrad, as in the tutorial. The README's "Porting from PyTorch" explains each
// spelling. Both programs print the numbers with fewer digits than the tutorial (2 decimals for the loss, 4 for the
// weights): at full precision 17 of the 20 printed losses are PyTorch's bits and 3 differ in the last bit (not traced;
// Sin is within 1 ulp of PyTorch's rather than bit-identical), so the shorter print is the one both agree on.
using Autograd;

Torch.ManualSeed(0);  // added in both programs: the tutorial draws a, b, c, d unseeded

var dtype = DType.Float32;

// The data set: 2000 points of sin(x); neither needs gradients.
var x = Torch.Linspace(-Math.PI, Math.PI, 2000, dtype: dtype);
var y = x.Sin();

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
