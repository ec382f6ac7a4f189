namespace Autograd.Tests;

/// <summary>
/// Column sums (the outer-dim cascade) over shapes that reach every path of the streamed kernel: rows fewer than a
/// group of four, partial and full cascade blocks, strips wider than one buffer, the leftover columns in each vector
/// width and one by one. Integer sums are exact in any order, so each column must equal its plain sum.
/// </summary>
public class ColumnSumTests
{
    private static readonly int[] Rows = [1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 65, 255, 256, 257, 1031];
    private static readonly int[] Columns = [16, 17, 31, 32, 33, 40, 47, 63, 64, 100, 4096 + 37, 8192 + 40, 16384 + 19];

    public static IEnumerable<TestCaseData> Shapes() =>
        from r in Rows from c in Columns where (long)r * c <= 2_000_000 select new TestCaseData(r, c).SetArgDisplayNames($"{r}x{c}");

    [TestCaseSource(nameof(Shapes))]
    public void Int64ColumnSums_EqualThePlainSums(int rows, int columns)
    {
        var generator = new Generator(rows * 10_007 + columns);
        var x = Torch.Randint(-1_000_000, 1_000_000, [rows, columns], generator);
        var values = x.ToArray<long>();
        var expected = new long[columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) expected[j] += values[i * columns + j];
        x.Sum(0).ToArray<long>().ShouldBe(expected);
    }

    [TestCaseSource(nameof(Shapes))]
    public void Float64ColumnSumsOfIntegers_AreExact(int rows, int columns)
    {
        // Integers below 2^20 summed over at most ~2^11 rows stay exact in float64, whatever the order.
        var generator = new Generator(rows * 31 + columns);
        var x = Torch.Randint(-1_000_000, 1_000_000, [rows, columns], generator).To(DType.Float64);
        var values = x.ToArray<double>();
        var expected = new double[columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) expected[j] += values[i * columns + j];
        x.Sum(0).ToArray<double>().ShouldBe(expected);
    }

    [TestCaseSource(nameof(Shapes))]
    public void Float32ColumnSumsOfSmallIntegers_AreExact(int rows, int columns)
    {
        // Integers below 1000 summed over at most 1031 rows stay below 2^24: exact in float32, whatever the order.
        var generator = new Generator(rows * 17 + columns);
        var x = Torch.Randint(-1000, 1000, [rows, columns], generator).To(DType.Float32);
        var values = x.ToArray<float>();
        var expected = new float[columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) expected[j] += values[i * columns + j];
        x.Sum(0).ToArray<float>().ShouldBe(expected);
    }
}
