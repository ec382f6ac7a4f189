using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Text;

namespace Autograd;

/// <summary>PyTorch 1.13's <c>str(tensor)</c> with the default print options.</summary>
internal static class TensorFormatter
{
    private const int LineWidth = 80;
    /// <summary>Tensors with more elements than this are summarized with "...".</summary>
    private const int SummarizeThreshold = 1000;
    /// <summary>Items kept at each end of a summarized dim.</summary>
    private const int EdgeItems = 3;
    private const string Prefix = "tensor(";

    public static string Format(Tensor t)
    {
        int indent = Prefix.Length;
        var suffixes = new List<string>();
        string body;
        if (Shapes.NumElements(t.Dims) == 0)
        {
            // An empty tensor shows no values, so PyTorch spells out any shape but (0,) and any dtype but float32.
            if (t.Rank != 1) suffixes.Add("size=" + ShapeTuple(t.Dims));
            if (t.DType != DType.Float32) suffixes.Add("dtype=" + t.DType.TorchName());
            body = "[]";
        }
        else
        {
            // int64 is PyTorch's default integer type, so only float64 gets a dtype suffix.
            if (t.DType == DType.Float64) suffixes.Add("dtype=" + t.DType.TorchName());
            body = new ValuesPrinter(t).Print(indent);
        }
        if (t.GradFn is { } fn) suffixes.Add($"grad_fn=<{fn.Name}>");
        else if (t.RequiresGrad) suffixes.Add("requires_grad=True");
        return AppendSuffixes(Prefix + body, suffixes, indent);
    }

    /// <summary>Python's tuple syntax: "(0,)", "(2, 0)".</summary>
    private static string ShapeTuple(int[] shape) =>
        shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";

    private static string AppendSuffixes(string text, List<string> suffixes, int indent)
    {
        var result = new StringBuilder(text);
        // PyTorch overestimates the last line by 2 characters; copied so suffixes wrap where PyTorch wraps them.
        int lastLineLength = text.Length - text.LastIndexOf('\n') + 1;
        foreach (string suffix in suffixes)
        {
            if (lastLineLength + suffix.Length + 2 > LineWidth)
            {
                result.Append(",\n").Append(' ', indent).Append(suffix);
                lastLineLength = indent + suffix.Length;
            }
            else
            {
                result.Append(", ").Append(suffix);
                lastLineLength += suffix.Length + 2;
            }
        }
        return result.Append(')').ToString();
    }

    /// <summary>Renders the nested brackets of a non-empty tensor, summarizing every dim longer than 2 * EdgeItems when the tensor is big.</summary>
    private sealed class ValuesPrinter
    {
        private readonly Tensor tensor;
        private readonly int[] strides;
        private readonly bool summarize;
        private readonly ElementFormatter formatter;

        public ValuesPrinter(Tensor t)
        {
            tensor = t;
            strides = new int[t.Rank];
            for (int d = t.Rank - 1, stride = 1; d >= 0; d--)
            {
                strides[d] = stride;
                stride *= t.Dims[d];
            }
            summarize = Shapes.NumElements(t.Dims) > SummarizeThreshold;
            var shown = new List<int>();
            CollectShown(0, 0, shown);
            formatter = new ElementFormatter(t, shown);
        }

        public string Print(int indent) => tensor.Rank == 0 ? formatter.Format(0) : Block(0, 0, indent);

        /// <summary>Indices along a dim of the given size that are printed; -1 marks the "..." gap.</summary>
        private IEnumerable<int> ShownIndices(int size)
        {
            if (!summarize || size <= 2 * EdgeItems) return Enumerable.Range(0, size);
            return Enumerable.Range(0, EdgeItems).Append(-1).Concat(Enumerable.Range(size - EdgeItems, EdgeItems));
        }

        /// <summary>The flat indices of the printed elements; only these decide the number format and width.</summary>
        private void CollectShown(int dim, int offset, List<int> shown)
        {
            if (dim == tensor.Rank)
            {
                shown.Add(offset);
                return;
            }
            foreach (int i in ShownIndices(tensor.Dims[dim]))
                if (i >= 0) CollectShown(dim + 1, offset + i * strides[dim], shown);
        }

        private string Block(int dim, int offset, int indent)
        {
            if (dim == tensor.Rank - 1) return Row(offset, indent);
            var slices = ShownIndices(tensor.Dims[dim])
                .Select(i => i < 0 ? "..." : Block(dim + 1, offset + i * strides[dim], indent + 1));
            // Sub-blocks are separated by one blank line less than their own rank.
            string separator = "," + new string('\n', tensor.Rank - 1 - dim) + new string(' ', indent + 1);
            return "[" + string.Join(separator, slices) + "]";
        }

        /// <summary>The innermost dim, wrapped so that each line holds as many elements as fit in the line width.</summary>
        private string Row(int offset, int indent)
        {
            var items = ShownIndices(tensor.Dims[^1]).Select(i => i < 0 ? " ..." : formatter.Format(offset + i)).ToList();
            int itemsPerLine = Math.Max(1, (int)Math.Floor((LineWidth - indent) / (double)(formatter.Width + 2)));
            var lines = items.Chunk(itemsPerLine).Select(line => string.Join(", ", line));
            return "[" + string.Join(",\n" + new string(' ', indent + 1), lines) + "]";
        }
    }

    private enum Notation { Boolean, Integer, IntegralFloat, Fixed, Scientific }

    /// <summary>Picks one notation and width for all elements, from the printed elements only, as PyTorch's _Formatter does.</summary>
    private sealed class ElementFormatter
    {
        private readonly Array data;
        /// <summary>A floating tensor's elements as double (exact for float32); empty for the other dtypes.</summary>
        private readonly double[] floats = [];
        private readonly Notation notation;

        public ElementFormatter(Tensor t, List<int> shown)
        {
            data = t.Values;
            if (!t.DType.IsFloating())
            {
                notation = t.DType == DType.Bool ? Notation.Boolean : Notation.Integer;
                Width = shown.Max(i => Unpadded(i).Length);
                return;
            }
            floats = DTypes.DispatchFloating<Widening, double[]>(t.DType, new Widening(data), "print");
            // Zeros, nan and inf neither pick the notation nor count towards the width.
            var finiteNonzero = shown.Where(i => double.IsFinite(FloatAt(i)) && FloatAt(i) != 0).ToList();
            notation = PickFloatNotation(finiteNonzero.Select(FloatAt).ToList());
            Width = finiteNonzero.Count == 0 ? 1 : finiteNonzero.Max(i => Unpadded(i).Length);
        }

        /// <summary>Characters of the widest printed element (shorter ones are left-padded to it).</summary>
        public int Width { get; }

        public string Format(int index) => Unpadded(index).PadLeft(Width);

        private static Notation PickFloatNotation(List<double> finiteNonzero)
        {
            if (finiteNonzero.Count == 0) return Notation.IntegralFloat;
            double max = finiteNonzero.Max(Math.Abs), min = finiteNonzero.Min(Math.Abs);
            bool integral = finiteNonzero.All(v => v == Math.Ceiling(v));
            bool wideRange = max / min > 1000 || max > 1e8;
            return wideRange || (!integral && min < 1e-4) ? Notation.Scientific
                : integral ? Notation.IntegralFloat
                : Notation.Fixed;
        }

        private double FloatAt(int index) => floats[index];

        private readonly struct Widening(Array data) : IFloatingFunc<double[]>
        {
            public double[] Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
            {
                var wide = new double[data.Length];
                TensorPrimitives.ConvertTruncating<T, double>((T[])data, wide);
                return wide;
            }
        }

        private string Unpadded(int index)
        {
            if (notation == Notation.Boolean) return ((bool[])data)[index] ? "True" : "False";
            if (notation == Notation.Integer) return ((long[])data)[index].ToString(CultureInfo.InvariantCulture);
            double value = FloatAt(index);
            if (double.IsNaN(value)) return "nan";
            if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
            return notation switch
            {
                Notation.IntegralFloat => value.ToString("F0", CultureInfo.InvariantCulture) + ".",
                Notation.Fixed => value.ToString("F4", CultureInfo.InvariantCulture),
                _ => Scientific(value),
            };
        }

        /// <summary>Python's "{:.4e}": .NET rounds the same way but writes at least 3 exponent digits and a capital E.</summary>
        private static string Scientific(double value)
        {
            string dotnet = value.ToString("E4", CultureInfo.InvariantCulture);
            int e = dotnet.IndexOf('E');
            int exponent = int.Parse(dotnet.AsSpan(e + 1), CultureInfo.InvariantCulture);
            return $"{dotnet[..e]}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
        }
    }
}
