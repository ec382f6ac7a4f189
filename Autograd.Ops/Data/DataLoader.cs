using System.Collections;

namespace Autograd.Data;

/// <summary>
/// PyTorch's <c>torch.utils.data.DataLoader</c> (single process): enumerates the data set in batches of
/// <see cref="BatchSize"/> samples, each batch one tensor per field with the samples stacked along a new dim 0
/// (PyTorch's default collate). With <see cref="Shuffle"/> the order is a fresh permutation every pass, the one PyTorch
/// draws for the same seed.
/// </summary>
/// <remarks>
/// Every pass draws from the random generator what PyTorch's does, so the random calls that follow (dropout,
/// initialisation) stay in step with PyTorch: starting a pass (<see cref="GetEnumerator"/>, PyTorch's <c>iter(loader)</c>)
/// draws the workers' base seed, a 64-bit <c>random_()</c>, from <see cref="Generator"/> or the default generator,
/// even without shuffling. With shuffling and no generator, the first batch draws a second 64-bit seed from the default
/// generator and permutes with a fresh generator seeded with it (PyTorch's RandomSampler); with a generator, the
/// permutation comes from that generator, and reaching the end of the pass draws one more permutation from it, which
/// PyTorch's sampler makes and discards.
/// </remarks>
public sealed class DataLoader : IEnumerable<Tensor[]>
{
    /// <summary>Batches of samples of <paramref name="dataset"/>, as <c>DataLoader(dataset, batch_size, shuffle, drop_last=..., generator=...)</c>.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last batch may hold fewer).</param>
    /// <param name="shuffle">Whether each pass visits the samples in a new random order.</param>
    /// <param name="dropLast">Whether a last batch smaller than <paramref name="batchSize"/> is left out.</param>
    /// <param name="generator">The generator the pass's random draws come from; null for the default generator.</param>
    public DataLoader(Dataset dataset, int batchSize = 1, bool shuffle = false, bool dropLast = false, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0) throw new ArgumentException($"batch_size should be a positive integer value, but got batch_size={batchSize}", nameof(batchSize));
        if (shuffle && dataset.Count <= 0)
            throw new ArgumentException($"num_samples should be a positive integer value, but got num_samples={dataset.Count}", nameof(dataset));
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Generator = generator;
    }

    /// <summary>The samples, as <c>loader.dataset</c>.</summary>
    public Dataset Dataset { get; }

    /// <summary>Samples per batch, as <c>loader.batch_size</c>.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each pass draws a new order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a short last batch is left out, as <c>loader.drop_last</c>.</summary>
    public bool DropLast { get; }

    /// <summary>The generator of the pass's draws, as <c>loader.generator</c>; null for the default generator.</summary>
    public Generator? Generator { get; }

    /// <summary>The number of batches in a pass, as <c>len(loader)</c>.</summary>
    public int Count => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>Starts a pass, as <c>iter(loader)</c>: draws the base seed now, the order at the first batch.</summary>
    public IEnumerator<Tensor[]> GetEnumerator()
    {
        // PyTorch's _BaseDataLoaderIter draws _base_seed (for worker processes) as it is made; it is not used here, only drawn.
        RandomSeed(Generator ?? Generator.Default);
        return Batches().GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>PyTorch's BatchSampler over its sampler, each batch collated; lazy, so the sampler draws at the first batch.</summary>
    private IEnumerable<Tensor[]> Batches()
    {
        var batch = new List<int>(BatchSize);
        foreach (int index in Indices())
        {
            batch.Add(index);
            if (batch.Count == BatchSize)
            {
                yield return Collate(batch);
                batch.Clear();
            }
        }
        if (batch.Count > 0 && !DropLast) yield return Collate(batch);
    }

    /// <summary>PyTorch's SequentialSampler, or its RandomSampler (without replacement).</summary>
    private IEnumerable<int> Indices()
    {
        int n = Dataset.Count;
        if (!Shuffle)
        {
            for (int i = 0; i < n; i++) yield return i;
            yield break;
        }
        var generator = Generator ?? new Generator(RandomSeed(Generator.Default));
        foreach (long index in RandomSampling.Randperm(n, generator).ToArray<long>()) yield return (int)index;
        // PyTorch's sampler then takes the first num_samples % n (here none) of one more permutation: a draw only a given generator shows.
        if (Generator is not null) RandomSampling.Randperm(n, generator);
    }

    /// <summary>PyTorch's default collate: the samples' tensors stacked field by field.</summary>
    private Tensor[] Collate(List<int> indices)
    {
        var samples = indices.ConvertAll(i => Dataset[i]);
        int fields = samples[0].Length;
        if (samples.Exists(s => s.Length != fields)) throw new InvalidOperationException("each element in list of batch should be of equal size");
        var batch = new Tensor[fields];
        for (int f = 0; f < fields; f++) batch[f] = Torch.Stack(samples.ConvertAll(s => s[f]).ToArray());
        return batch;
    }

    /// <summary>
    /// <c>int(torch.empty((), dtype=torch.int64).random_(generator=generator))</c>: PyTorch's unbounded int64
    /// <c>random_()</c>, one 64-bit draw (two 32-bit words) reduced modulo 2^63.
    /// </summary>
    internal static long RandomSeed(Generator generator)
    {
        Span<ulong> bits = stackalloc ulong[1];
        generator.FillBits(bits);
        return (long)(bits[0] & long.MaxValue);
    }
}
