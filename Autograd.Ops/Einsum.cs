namespace Autograd;

/// <summary>
/// <c>torch.einsum</c>: an equation over labelled dims, evaluated with differentiable ops: repeated labels of one
/// operand take the diagonal, labels no one else needs are summed early, and operands are contracted pairwise, left to
/// right, as one batched matrix product each (Bmm), as PyTorch's sumproduct_pair does.
/// </summary>
public static partial class Torch
{
    /// <summary>torch.einsum(equation, *operands): letters label dims, "..." stands for broadcast dims, "->" names the output.</summary>
    public static Tensor Einsum(string equation, params Tensor[] operands)
    {
        ArgumentNullException.ThrowIfNull(equation);
        ArgumentNullException.ThrowIfNull(operands);
        for (int i = 0; i < operands.Length; i++) ArgumentNullException.ThrowIfNull(operands[i], $"{nameof(operands)}[{i}]");
        string text = equation.Replace(" ", "");
        int arrow = text.IndexOf("->", StringComparison.Ordinal);
        var inputs = (arrow < 0 ? text : text[..arrow]).Split(',');
        if (inputs.Length > operands.Length) throw new ArgumentException("einsum(): fewer operands were provided than specified in the equation");
        if (inputs.Length < operands.Length) throw new ArgumentException("einsum(): more operands were provided than specified in the equation");

        // Letters become labels 0..51; the broadcast dims of "..." become labels 52.., aligned from the right.
        const int EllipsisBase = 52;
        var parsed = new List<int>[inputs.Length];
        int ellipsisRank = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            var (letters, hasEllipsis, ellipsisAt) = ParseTerm(inputs[i], i);
            int rank = operands[i].Rank;
            if (!hasEllipsis && letters.Count != rank)
                throw new ArgumentException(
                    $"einsum(): the number of subscripts in the equation ({letters.Count}) does not match the number of dimensions ({rank}) for operand {i} and no ellipsis was given");
            if (hasEllipsis && letters.Count > rank)
                throw new ArgumentException(
                    $"einsum(): the number of subscripts in the equation ({letters.Count}) is more than the number of dimensions ({rank}) for operand {i}");
            int covered = rank - letters.Count;
            if (hasEllipsis) ellipsisRank = Math.Max(ellipsisRank, covered);
            parsed[i] = [.. letters[..ellipsisAt], .. Enumerable.Repeat(-1 - covered, hasEllipsis ? 1 : 0), .. letters[ellipsisAt..]];
        }
        for (int i = 0; i < parsed.Length; i++)
        {
            int marker = parsed[i].FindIndex(label => label < 0);
            if (marker < 0) continue;
            int covered = -1 - parsed[i][marker];
            parsed[i].RemoveAt(marker);
            parsed[i].InsertRange(marker, Enumerable.Range(EllipsisBase + ellipsisRank - covered, covered));
        }

        List<int> output;
        if (arrow >= 0)
        {
            var (letters, hasEllipsis, ellipsisAt) = ParseTerm(text[(arrow + 2)..], -1);
            output = [.. letters[..ellipsisAt], .. hasEllipsis ? Enumerable.Range(EllipsisBase, ellipsisRank) : [], .. letters[ellipsisAt..]];
            foreach (int label in letters)
            {
                if (!parsed.Any(p => p.Contains(label)))
                    throw new ArgumentException($"einsum(): output subscript {LabelName(label)} does not appear in the equation for any input operand");
                if (letters.Count(l => l == label) > 1)
                    throw new ArgumentException($"einsum(): output subscript {LabelName(label)} appears more than once in the output");
            }
        }
        else
        {
            var counts = parsed.SelectMany(p => p).Where(l => l < EllipsisBase).GroupBy(l => l).Where(g => g.Count() == 1).Select(g => g.Key);
            output = [.. Enumerable.Range(EllipsisBase, ellipsisRank), .. counts.Order()];
        }

        // Each operand with one dim per label: repeated labels become their diagonal.
        var terms = new List<(Tensor Tensor, List<int> Labels)>();
        for (int i = 0; i < operands.Length; i++)
        {
            var t = operands[i];
            var labels = new List<int>(parsed[i]);
            for (int a = 0; a < labels.Count; a++)
            {
                for (int b = labels.Count - 1; b > a; b--)
                {
                    if (labels[b] != labels[a]) continue;
                    if (t.Dims[a] != t.Dims[b])
                        throw new ArgumentException(
                            $"einsum(): subscript {LabelName(labels[a])} is repeated for operand {i} but the sizes don't match, {t.Dims[b]} != {t.Dims[a]}");
                    int label = labels[a];
                    t = t.Diagonal(0, a, b);
                    labels.RemoveAt(b);
                    labels.RemoveAt(a);
                    labels.Add(label);
                    a = -1;
                    break;
                }
            }
            terms.Add((t, labels));
        }

        var current = SumUnneeded(terms[0], terms.Skip(1).Select(term => term.Labels), output);
        for (int i = 1; i < terms.Count; i++)
        {
            var later = terms.Skip(i + 1).Select(term => term.Labels).ToList();
            var next = SumUnneeded(terms[i], later.Append(current.Labels), output);
            current = Contract(current, next, later, output);
        }
        current = SumUnneeded(current, [], output);
        var order = output.Select(label => current.Labels.IndexOf(label)).ToArray();
        return order.SequenceEqual(Enumerable.Range(0, order.Length)) && current.Labels.Count == order.Length ? current.Tensor : current.Tensor.Permute(order);
    }

    private static string LabelName(int label) => label < 26 ? ((char)('a' + label)).ToString() : label < 52 ? ((char)('A' + label - 26)).ToString() : "...";

    private static (List<int> Letters, bool HasEllipsis, int EllipsisAt) ParseTerm(string term, int operand)
    {
        var letters = new List<int>();
        bool hasEllipsis = false;
        int ellipsisAt = 0;
        for (int k = 0; k < term.Length; k++)
        {
            char c = term[k];
            if (c == '.')
            {
                if (hasEllipsis || k + 2 >= term.Length || term[k + 1] != '.' || term[k + 2] != '.')
                    throw new ArgumentException(operand < 0
                        ? "einsum(): found '.' for output that is not part of any ellipsis"
                        : $"einsum(): found '.' for operand {operand} that is not part of any ellipsis");
                hasEllipsis = true;
                ellipsisAt = letters.Count;
                k += 2;
            }
            else if (c is >= 'a' and <= 'z') letters.Add(c - 'a');
            else if (c is >= 'A' and <= 'Z') letters.Add(c - 'A' + 26);
            else throw new ArgumentException($"einsum(): invalid subscript given at index {k} in the equation string, subscripts must be in [a-zA-Z]");
        }
        return (letters, hasEllipsis, hasEllipsis ? ellipsisAt : letters.Count);
    }

    /// <summary>Sums the dims whose labels neither the output nor any of <paramref name="others"/> has.</summary>
    private static (Tensor Tensor, List<int> Labels) SumUnneeded((Tensor Tensor, List<int> Labels) term, IEnumerable<List<int>> others, List<int> output)
    {
        var needed = others.SelectMany(l => l).Concat(output).ToHashSet();
        var drop = Enumerable.Range(0, term.Labels.Count).Where(d => !needed.Contains(term.Labels[d])).ToArray();
        if (drop.Length == 0) return term;
        return (term.Tensor.Sum(drop), [.. term.Labels.Where((_, d) => !drop.Contains(d))]);
    }

    /// <summary>
    /// The product of two terms, summed over the labels they share that nothing later needs: a Bmm over [batch, kept of
    /// a, summed] x [batch, summed, kept of b], with size-1 batch dims broadcast.
    /// </summary>
    private static (Tensor Tensor, List<int> Labels) Contract((Tensor Tensor, List<int> Labels) a, (Tensor Tensor, List<int> Labels) b, List<List<int>> later, List<int> output)
    {
        var needed = later.SelectMany(l => l).Concat(output).ToHashSet();
        var shared = a.Labels.Intersect(b.Labels).ToList();
        var batch = shared.Where(needed.Contains).ToList();
        var summed = shared.Where(l => !needed.Contains(l)).ToList();
        var onlyA = a.Labels.Except(shared).ToList();
        var onlyB = b.Labels.Except(shared).ToList();
        int Size((Tensor Tensor, List<int> Labels) t, int label) => t.Tensor.Dims[t.Labels.IndexOf(label)];
        foreach (int label in shared)
        {
            int sa = Size(a, label), sb = Size(b, label);
            if (sa != sb && sa != 1 && sb != 1)
                throw new ArgumentException($"einsum(): operands do not broadcast with remapped shapes (original->remapped): dimension {LabelName(label)} has sizes {sa} and {sb}");
        }
        var batchSizes = batch.Select(l => Math.Max(Size(a, l), Size(b, l))).ToArray();
        // A summed label of size 1 on one side broadcasts: sum the other side first.
        var left = Arrange(a, [.. batch, .. onlyA, .. summed]).Expand([.. batchSizes, .. onlyA.Select(l => Size(a, l)), .. summed.Select(l => Math.Max(Size(a, l), Size(b, l)))]);
        var right = Arrange(b, [.. batch, .. summed, .. onlyB]).Expand([.. batchSizes, .. summed.Select(l => Math.Max(Size(a, l), Size(b, l))), .. onlyB.Select(l => Size(b, l))]);
        int batchCount = batchSizes.Aggregate(1, (x, y) => checked(x * y));
        int m = onlyA.Aggregate(1, (x, l) => checked(x * Size(a, l)));
        int k = summed.Aggregate(1, (x, l) => checked(x * Math.Max(Size(a, l), Size(b, l))));
        int n = onlyB.Aggregate(1, (x, l) => checked(x * Size(b, l)));
        var product = left.Reshape(batchCount, m, k).Bmm(right.Reshape(batchCount, k, n));
        int[] shape = [.. batchSizes, .. onlyA.Select(l => Size(a, l)), .. onlyB.Select(l => Size(b, l))];
        return (product.Reshape(shape), [.. batch, .. onlyA, .. onlyB]);
    }

    private static Tensor Arrange((Tensor Tensor, List<int> Labels) term, List<int> order)
    {
        var permutation = order.Select(label => term.Labels.IndexOf(label)).ToArray();
        return permutation.SequenceEqual(Enumerable.Range(0, permutation.Length)) ? term.Tensor : term.Tensor.Permute(permutation);
    }
}
