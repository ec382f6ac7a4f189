namespace Autograd.Data;

/// <summary>Functions of <c>torch.utils.data</c> that are no classes: <see cref="RandomSplit(Dataset, int[], Generator?)"/>.</summary>
public static class DataUtils
{
    /// <summary>
    /// PyTorch's <c>random_split(dataset, lengths, generator)</c>: non-overlapping <see cref="Subset"/>s of the given
    /// lengths, together a random permutation (<c>randperm</c> of the total, from <paramref name="generator"/> or the
    /// default generator) of the samples. Lengths that sum to exactly 1 are taken as fractions, as PyTorch does.
    /// </summary>
    public static Subset[] RandomSplit(Dataset dataset, int[] lengths, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        return RandomSplit(dataset, Array.ConvertAll(lengths, l => (double)l), generator);
    }

    /// <summary>
    /// <c>random_split</c> with lengths or fractions: fractions that sum to 1 give floor(fraction × Count) samples each,
    /// the remainder handed out one at a time from the first split on; other values must be whole lengths that sum to
    /// the data set's size.
    /// </summary>
    public static Subset[] RandomSplit(Dataset dataset, double[] lengths, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(lengths);
        int count = dataset.Count;
        double total = lengths.Sum();
        int[] sizes;
        if (IsClose(total, 1) && total <= 1)
        {
            sizes = new int[lengths.Length];
            for (int i = 0; i < lengths.Length; i++)
            {
                if (!(lengths[i] >= 0 && lengths[i] <= 1)) throw new ArgumentException($"Fraction at index {i} is not between 0 and 1");
                sizes[i] = (int)Math.Floor(count * lengths[i]);
            }
            int remainder = count - sizes.Sum();
            for (int i = 0; i < remainder; i++) sizes[i % sizes.Length]++;
        }
        else
        {
            sizes = Array.ConvertAll(lengths, l => l >= 0 && l == Math.Floor(l) && l <= int.MaxValue
                ? (int)l
                : throw new ArgumentException($"split lengths must be whole numbers of samples or fractions that sum to 1, got {l}"));
        }
        if (sizes.Sum(s => (long)s) != count) throw new ArgumentException("Sum of input lengths does not equal the length of the input dataset!");

        var order = RandomSampling.Randperm(count, generator ?? Generator.Default).ToArray<long>();
        var subsets = new Subset[sizes.Length];
        for (int i = 0, offset = 0; i < sizes.Length; offset += sizes[i], i++)
            subsets[i] = new Subset(dataset, Array.ConvertAll(order[offset..(offset + sizes[i])], j => (int)j));
        return subsets;
    }

    /// <summary>Python's <c>math.isclose</c> with its default tolerances.</summary>
    private static bool IsClose(double a, double b) => a == b || Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));
}
