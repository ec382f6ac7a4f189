# polynomial_autograd.py from PyTorch's tutorial "Learning PyTorch with Examples", section "PyTorch: Tensors and autograd":
# https://pytorch.org/tutorials/beginner/examples_autograd/polynomial_autograd.html
# (source: https://github.com/pytorch/tutorials/blob/main/beginner_source/examples_autograd/polynomial_autograd.py)
# It fits y = sin(x) on [-pi, pi] with a third-order polynomial a + b x + c x^2 + d x^3, by gradient descent written by
# hand: autograd gives the gradients of the squared error, and the weights are updated in place under no_grad.
# The code is the tutorial's, with its comments shortened and two changes so the C# port's output can be compared:
# torch.manual_seed(0) is added, and the numbers are printed with fewer digits (2 decimals for the loss, 4 for the
# weights) because AutogradMini's float32 sums do not yet add in PyTorch's order, which moves the last bits.
# samples/porting.cs is its line-by-line port to AutogradMini.
import torch
import math

torch.manual_seed(0)  # added: the tutorial draws a, b, c, d unseeded

dtype = torch.float
device = torch.device("cpu")

# The data set: 2000 points of sin(x); neither needs gradients.
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# The four weights, drawn at random; requires_grad=True asks autograd for their gradients.
a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
d = torch.randn((), device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(2000):
    # Forward pass: the prediction and the summed squared error.
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, f"{loss.item():.2f}")  # tutorial: print(t, loss.item())

    # Backward pass: a.grad, b.grad, c.grad and d.grad now hold the gradients of the loss.
    loss.backward()

    # Gradient descent step, in place and outside the graph.
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        # Clear the gradients for the next step.
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

# tutorial: {a.item()}, ...
print(f'Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3')
