# The forms of x[...] next to their C# spelling (samples/indexing.cs prints the same lines with its own results).
import torch


def show(csharp, python, value):
    print(f"{csharp:<52}# {python}")
    print(value)


x = torch.arange(12.).reshape(3, 4)
show("x[1]", "x[1]", x[1])
show("x[^1]", "x[-1]", x[-1])
show("x[.., 0]", "x[:, 0]", x[:, 0])
show("x[1..3, ^2..]", "x[1:3, -2:]", x[1:3, -2:])
show("x[TensorIndex.Slice(null, null, 2)]", "x[::2]", x[::2])
show("x[^5..]  (slices clamp)", "x[-5:]  (slices clamp)", x[-5:])
show("x[TensorIndex.Ellipsis, 1]", "x[..., 1]", x[..., 1])
show("x[TensorIndex.None, 0].Shape", "x[None, 0].shape", list(x[None, 0].shape))
show("x[Torch.Tensor([2L, 0, 2])]", "x[torch.tensor([2, 0, 2])]", x[torch.tensor([2, 0, 2])])
show("x[Torch.Tensor([0L, 2]), Torch.Tensor([1L, 3])]", "x[torch.tensor([0, 2]), torch.tensor([1, 3])]", x[torch.tensor([0, 2]), torch.tensor([1, 3])])
show("x[x > 5]", "x[x > 5]", x[x > 5])
show("x[1..].Strides, StorageOffset", "x[1:].stride(), storage_offset()", (x[1:].stride(), x[1:].storage_offset()))

x[0, 1:3] = 100
show("x[0, 1..3] = 100  (writes through)", "x[0, 1:3] = 100  (writes through)", x)
x[x > 99] = float("-inf")
show("x[x > 99] = double.NegativeInfinity", "x[x > 99] = float('-inf')", x)
x[torch.tensor([2])] = torch.tensor([1., 2., 3., 4.])
show("x[Torch.Tensor([2L])] = Torch.Tensor([1f, 2, 3, 4])", "x[torch.tensor([2])] = torch.tensor([1., 2., 3., 4.])", x)

w = torch.tensor([1., 2., 3.], requires_grad=True)
picked = w[torch.tensor([0, 0, 2])]
show("var picked = w[Torch.Tensor([0L, 0, 2])]", "picked = w[torch.tensor([0, 0, 2])]", picked)
picked.sum().backward()
show("w.Grad  (repeated indices add up)", "w.grad  (repeated indices add up)", w.grad)

h = w * 2
h[1] = 0
show("h = w * 2; h[1] = 0", "h = w * 2; h[1] = 0", h)

(h * h).sum().backward()
show("h.GradFn, w.Grad  (CopySlices)", "h.grad_fn, w.grad  (CopySlices)", (type(h.grad_fn).__name__, w.grad))

y = torch.arange(6.).reshape(2, 3)
show("y.IndexSelect(1, Torch.Tensor([2L, 0]))", "y.index_select(1, torch.tensor([2, 0]))", y.index_select(1, torch.tensor([2, 0])))
show("y.MaskedFill(y > 2, -1)", "y.masked_fill(y > 2, -1)", y.masked_fill(y > 2, -1))
show("y.Nonzero()", "y.nonzero()", y.nonzero())
