using System.Collections;
using System.Runtime.CompilerServices;

namespace Autograd;

/// <summary>
/// PyTorch's <c>torch.Size</c>: the sizes of a tensor's dims, as <c>tensor.shape</c> gives them. It reads as a list of
/// ints (<c>shape[0]</c>, <c>shape[^1]</c>, <c>shape[1..]</c>, <c>foreach</c>, list patterns), compares by value with
/// other sizes and int arrays, and prints as PyTorch prints it: <c>torch.Size([4, 7])</c>.
/// </summary>
[CollectionBuilder(typeof(Size), nameof(Create))]
public sealed class Size : IReadOnlyList<int>, IEquatable<Size>
{
    private readonly int[] sizes;

    /// <summary>A size holding a copy of <paramref name="sizes"/>, as <c>torch.Size([4, 7])</c>.</summary>
    public Size(params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        this.sizes = (int[])sizes.Clone();
    }

    /// <summary>Takes <paramref name="sizes"/> without copying: for arrays no one writes to, as a tensor's dims.</summary>
    private Size(int[] sizes, bool owned) => this.sizes = sizes;

    internal static Size Wrap(int[] sizes) => new(sizes, owned: true);

    /// <summary>Builds a size from a collection expression: <c>Size s = [4, 7];</c>.</summary>
    public static Size Create(ReadOnlySpan<int> sizes) => Wrap(sizes.ToArray());

    /// <summary>The size of dim <paramref name="index"/>, as <c>shape[i]</c> (from the end with <c>^i</c>, as Python's <c>shape[-i]</c>).</summary>
    public int this[int index] => sizes[index];

    /// <summary>The number of dims, as <c>len(shape)</c>.</summary>
    public int Count => sizes.Length;

    /// <summary>The sizes of dims <paramref name="start"/> to <paramref name="start"/> + <paramref name="length"/>, so <c>shape[1..]</c> is Python's <c>shape[1:]</c>.</summary>
    public Size Slice(int start, int length) => Wrap(sizes.AsSpan(start, length).ToArray());

    /// <summary>The number of elements a tensor of this size holds, as <c>torch.Size.numel()</c>.</summary>
    public int Numel() => Shapes.NumElements(sizes);

    /// <summary>A copy of the sizes.</summary>
    public int[] ToArray() => (int[])sizes.Clone();

    /// <summary>A size holding a copy of <paramref name="sizes"/>, so <c>x.Shape == new[] { 4, 7 }</c> compares values, as Python's <c>x.shape == (4, 7)</c>.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(sizes))]
    public static implicit operator Size?(int[]? sizes) => sizes is null ? null : new(sizes);

    /// <summary>Whether both have the same sizes, as <c>==</c> of two <c>torch.Size</c>.</summary>
    public bool Equals(Size? other) => other is not null && sizes.AsSpan().SequenceEqual(other.sizes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Size other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int size in sizes) hash.Add(size);
        return hash.ToHashCode();
    }

    /// <summary>Value equality, as <c>==</c> of two <c>torch.Size</c> (also <c>x.Shape == [4, 7]</c> and <c>x.Shape == new[] { 4, 7 }</c>).</summary>
    public static bool operator ==(Size? left, Size? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Size? left, Size? right) => !(left == right);

    /// <summary>PyTorch's <c>str(torch.Size)</c>: <c>torch.Size([4, 7])</c>.</summary>
    public override string ToString() => "torch.Size([" + string.Join(", ", sizes) + "])";

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)sizes).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
