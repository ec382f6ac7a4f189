namespace Autograd;

/// <summary>
/// One entry of <c>x[...]</c>, as an element of a Python index tuple: an integer (<c>x[1]</c>, <c>x[^1]</c>), a slice
/// (<c>x[1..3]</c>, <c>x[..]</c>, <see cref="Slice"/> with a step), <see cref="Ellipsis"/>, <see cref="None"/>, or a
/// tensor (Int64: advanced indexing; Bool: a mask).
/// </summary>
public readonly struct TensorIndex
{
    internal enum Kinds { Integer, Slice, Tensor, Ellipsis, None }

    internal Kinds Kind { get; }

    /// <summary>The integer, or a slice's start, as a System.Index (from the end = Python's negative numbers); a null slice start is Python's omitted one.</summary>
    internal Index? Start { get; }

    /// <summary>A slice's stop; null when omitted.</summary>
    internal Index? Stop { get; }

    internal int Step { get; }

    internal Tensor? Tensor { get; }

    private TensorIndex(Kinds kind, Index? start = null, Index? stop = null, int step = 1, Tensor? tensor = null)
    {
        Kind = kind;
        Start = start;
        Stop = stop;
        Step = step;
        Tensor = tensor;
    }

    /// <summary>Python's <c>...</c>: as many full slices as the other entries leave dims.</summary>
    public static TensorIndex Ellipsis { get; } = new(Kinds.Ellipsis);

    /// <summary>Python's <c>None</c> (<c>np.newaxis</c>): a new dim of size 1.</summary>
    public static TensorIndex None { get; } = new(Kinds.None);

    /// <summary>
    /// Python's slice <c>start:stop:step</c>: negative numbers count from the end, out-of-range bounds clamp, omitted
    /// ones (null) mean the whole dim. The step must be positive, as in PyTorch.
    /// </summary>
    public static TensorIndex Slice(int? start = null, int? stop = null, int step = 1)
    {
        if (step == 0) throw new ArgumentException("slice step cannot be zero");
        if (step < 0) throw new ArgumentException("step must be greater than zero");
        return new(Kinds.Slice, FromPython(start), FromPython(stop), step);
    }

    private static Index? FromPython(int? value) => value switch
    {
        null => null,
        < 0 => Index.FromEnd(-value.Value),
        _ => Index.FromStart(value.Value),
    };

    /// <summary>An integer index: selects (and removes) one position of a dim; negative counts from the end.</summary>
    public static implicit operator TensorIndex(int index) => new(Kinds.Integer, FromPython(index));

    /// <summary>An integer index; values outside the int range are out of bounds of every dim.</summary>
    public static implicit operator TensorIndex(long index) => index is >= int.MinValue + 1 and <= int.MaxValue
        ? new(Kinds.Integer, FromPython((int)index))
        : throw new IndexOutOfRangeException($"index {index} is out of bounds");

    /// <summary>An integer index written as a System.Index: <c>x[^1]</c> is Python's <c>x[-1]</c>.</summary>
    public static implicit operator TensorIndex(Index index) => new(Kinds.Integer, index);

    /// <summary>A slice written as a System.Range: <c>x[1..3]</c> is Python's <c>x[1:3]</c>, <c>x[^2..]</c> is <c>x[-2:]</c>, <c>x[..]</c> is <c>x[:]</c>.</summary>
    public static implicit operator TensorIndex(Range range) =>
        new(Kinds.Slice, range.Start.Equals(Index.Start) ? null : range.Start, range.End.Equals(Index.End) ? null : range.End);

    /// <summary>A tensor index: Int64 for advanced (integer array) indexing, Bool for a mask; a 0-d Int64 tensor acts as an integer.</summary>
    public static implicit operator TensorIndex(Tensor tensor) =>
        new(Kinds.Tensor, tensor: tensor ?? throw new ArgumentNullException(nameof(tensor)));

    /// <summary>Python's spelling of the entry (<c>1:3</c>, <c>-1</c>, <c>...</c>, <c>None</c>, <c>tensor</c>).</summary>
    public override string ToString() => Kind switch
    {
        Kinds.Integer => Python(Start!.Value),
        Kinds.Slice => $"{(Start is { } s ? Python(s) : "")}:{(Stop is { } e ? Python(e) : "")}{(Step == 1 ? "" : $":{Step}")}",
        Kinds.Ellipsis => "...",
        Kinds.None => "None",
        _ => "tensor",
    };

    private static string Python(Index index) => index.IsFromEnd ? (index.Value == 0 ? "^0" : $"-{index.Value}") : $"{index.Value}";
}
