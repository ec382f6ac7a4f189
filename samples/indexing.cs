#:project ../Autograd.Ops/Autograd.Ops.csproj
// x[...] in C#, next to the Python it stands for: each line prints the C# form, the PyTorch form, and the result
// (the same text PyTorch prints for tools/seed_programs/indexing.py).
using Autograd;

static void Show(string csharp, string python, object value)
{
    Console.WriteLine($"{csharp,-52}# {python}");
    Console.WriteLine(value);
}

// torch.arange(n.) as float32
static Tensor Arange(int n) => Torch.Tensor(Enumerable.Range(0, n).Select(i => (float)i).ToArray());

var x = Arange(12).Reshape(3, 4);
Show("x[1]", "x[1]", x[1]);
Show("x[^1]", "x[-1]", x[^1]);
Show("x[.., 0]", "x[:, 0]", x[.., 0]);
Show("x[1..3, ^2..]", "x[1:3, -2:]", x[1..3, ^2..]);
Show("x[TensorIndex.Slice(null, null, 2)]", "x[::2]", x[TensorIndex.Slice(null, null, 2)]);
Show("x[^5..]  (slices clamp)", "x[-5:]  (slices clamp)", x[^5..]);
Show("x[TensorIndex.Ellipsis, 1]", "x[..., 1]", x[TensorIndex.Ellipsis, 1]);
Show("x[TensorIndex.None, 0].Shape", "x[None, 0].shape", $"[{string.Join(", ", x[TensorIndex.None, 0].Shape)}]");
Show("x[Torch.Tensor([2L, 0, 2])]", "x[torch.tensor([2, 0, 2])]", x[Torch.Tensor([2L, 0, 2])]);
Show("x[Torch.Tensor([0L, 2]), Torch.Tensor([1L, 3])]", "x[torch.tensor([0, 2]), torch.tensor([1, 3])]", x[Torch.Tensor([0L, 2]), Torch.Tensor([1L, 3])]);
Show("x[x > 5]", "x[x > 5]", x[x > 5]);
var rows = x[1..];
Show("x[1..].Strides, StorageOffset", "x[1:].stride(), storage_offset()", $"(({string.Join(", ", rows.Strides)}), {rows.StorageOffset})");

x[0, 1..3] = 100;
Show("x[0, 1..3] = 100  (writes through)", "x[0, 1:3] = 100  (writes through)", x);
x[x > 99] = double.NegativeInfinity;
Show("x[x > 99] = double.NegativeInfinity", "x[x > 99] = float('-inf')", x);
x[Torch.Tensor([2L])] = Torch.Tensor([1f, 2, 3, 4]);
Show("x[Torch.Tensor([2L])] = Torch.Tensor([1f, 2, 3, 4])", "x[torch.tensor([2])] = torch.tensor([1., 2., 3., 4.])", x);

var w = Torch.Tensor([1f, 2, 3], requiresGrad: true);
var picked = w[Torch.Tensor([0L, 0, 2])];
Show("var picked = w[Torch.Tensor([0L, 0, 2])]", "picked = w[torch.tensor([0, 0, 2])]", picked);
picked.Sum().Backward();
Show("w.Grad  (repeated indices add up)", "w.grad  (repeated indices add up)", w.Grad!);

var h = w * 2;
h[1] = 0;
Show("h = w * 2; h[1] = 0", "h = w * 2; h[1] = 0", h);
(h * h).Sum().Backward();
Show("h.GradFn, w.Grad  (CopySlices)", "h.grad_fn, w.grad  (CopySlices)", $"('{h.GradFn!.Name}', {w.Grad})");

var y = Arange(6).Reshape(2, 3);
Show("y.IndexSelect(1, Torch.Tensor([2L, 0]))", "y.index_select(1, torch.tensor([2, 0]))", y.IndexSelect(1, Torch.Tensor([2L, 0])));
Show("y.MaskedFill(y > 2, -1)", "y.masked_fill(y > 2, -1)", y.MaskedFill(y > 2, -1));
Show("y.Nonzero()", "y.nonzero()", y.Nonzero());
