namespace Autograd.Tests;

/// <summary>
/// Column sums (the outer-dim cascade) over shapes that reach every path of the streamed kernel: rows fewer than a
/// group of four, partial and full cascade blocks, strips wider than one buffer, the leftover columns in each vector
/// width and one by one. The inputs are integers whose sums are exact in the element type whatever the order, so each
/// column must equal its plain sum.
/// </summary>
public class ColumnSumTests
{
    private static readonly int[] Rows = [1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 65, 255, 256, 257, 1031];
    private static readonly int[] Columns = [16, 17, 31, 32, 33, 40, 47, 63, 64, 100, 4096 + 37, 8192 + 40, 16384 + 19];

    // Bounds that keep every partial sum over at most 1031 rows exact: below 2^24 in float32, 2^53 in float64 and int64.
    private static readonly (DType DType, long Bound)[] Types = [(DType.Int64, 1_000_000), (DType.Float64, 1_000_000), (DType.Float32, 1000)];

    public static IEnumerable<TestCaseData> Shapes() =>
        from type in Types from r in Rows from c in Columns where (long)r * c <= 2_000_000
        select new TestCaseData(type.DType, type.Bound, r, c).SetArgDisplayNames($"{type.DType}", $"{r}x{c}");

    [TestCaseSource(nameof(Shapes))]
    public void ColumnSumsOfIntegers_EqualThePlainSums(DType dtype, long bound, int rows, int columns)
    {
        var x = Torch.Randint(-bound, bound, [rows, columns], new Generator(rows * 10_007 + columns)).To(dtype);
        var values = x.ToArray<double>();
        var expected = new double[columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) expected[j] += values[i * columns + j];
        var sums = x.Sum(0);
        sums.DType.ShouldBe(dtype);
        sums.ToArray<double>().ShouldBe(expected);
    }
}
