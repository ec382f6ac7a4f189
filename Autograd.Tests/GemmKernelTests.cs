using System.Numerics;
using System.Runtime.Intrinsics;

namespace Autograd.Tests;

/// <summary>
/// The blocked product at every vector width the CPU runs, against a scalar reference that does what the kernel
/// promises: each element one fused multiply-add chain over k in order, so results match bit for bit. The shapes sit
/// just below, on and above the micro-tile's rows (6 or 8) and columns (two vectors), the depth block (320) and the
/// size under which operands are read in place (32 KiB); the operands are padded, transposed or strided views at an
/// offset inside a larger buffer.
/// </summary>
public class GemmKernelTests
{
    /// <summary>How an operand sits in its buffer.</summary>
    public enum Layout { RowMajor, Padded, Transposed, Strided }

    private delegate void Product<T>(Matrix<T> a, Matrix<T> b, T[] c, int cOffset, T[]? rowBias, int rowBiasOffset);

    private static IEnumerable<(string Width, Product<T> Multiply)> Widths<T>() where T : unmanaged
    {
        if (Vector512.IsHardwareAccelerated) yield return ("512", Blocked<T, Vector512<T>, Lanes512<T>>.Multiply);
        if (Vector256.IsHardwareAccelerated) yield return ("256", Blocked<T, Vector256<T>, Lanes256<T>>.Multiply);
        yield return ("128", Blocked<T, Vector128<T>, Lanes128<T>>.Multiply);
    }

    /// <summary>A rows x columns matrix laid out as asked, 3 elements into a buffer of values in [-4, 4) (integers truncated).</summary>
    private static Matrix<T> Operand<T>(Random random, int rows, int columns, Layout layout) where T : unmanaged, INumber<T>
    {
        const int offset = 3;
        var (rowStride, columnStride, extent) = layout switch
        {
            Layout.RowMajor => (columns, 1, rows * columns),
            Layout.Padded => (columns + 5, 1, rows * (columns + 5)),
            Layout.Transposed => (1, rows + 2, columns * (rows + 2)),
            _ => (2 * columns + 1, 2, rows * (2 * columns + 1)),
        };
        var data = new T[offset + extent];
        for (int i = 0; i < data.Length; i++) data[i] = T.CreateTruncating(random.NextDouble() * 8 - 4);
        return new Matrix<T>(data, offset, rows, columns, rowStride, columnStride);
    }

    private static T At<T>(Matrix<T> matrix, int i, int j) => matrix.Data[matrix.Offset + i * matrix.RowStride + j * matrix.ColumnStride];

    /// <summary>Each element's chain of <paramref name="multiplyAdd"/> over k in order, from zero.</summary>
    private static T[] Reference<T>(Matrix<T> a, Matrix<T> b, Func<T, T, T, T> multiplyAdd) where T : unmanaged, INumber<T>
    {
        var c = new T[a.Rows * b.Columns];
        for (int i = 0; i < a.Rows; i++)
        for (int j = 0; j < b.Columns; j++)
        {
            T sum = T.Zero;
            for (int p = 0; p < a.Columns; p++) sum = multiplyAdd(At(a, i, p), At(b, p, j), sum);
            c[i * b.Columns + j] = sum;
        }
        return c;
    }

    private static void Check<T>(int m, int k, int n, Layout aLayout, Layout bLayout, Func<T, T, T, T> multiplyAdd, bool withBias = false) where T : unmanaged, INumber<T>
    {
        var random = new Random(m * 1_000_003 + k * 1009 + n);
        // Full-precision values make every float sum round, so a different order or a split chain would show.
        var a = Operand<T>(random, m, k, aLayout);
        var b = Operand<T>(random, k, n, bLayout);
        var expected = Reference(a, b, multiplyAdd);
        // A row bias at an offset in its buffer: each element is the finished product plus the bias, one rounding each.
        T[]? bias = withBias ? [.. Enumerable.Range(0, n + 2).Select(_ => T.CreateTruncating(random.NextDouble() * 8 - 4))] : null;
        for (int i = 0; bias is not null && i < expected.Length; i++) expected[i] += bias[2 + i % n];
        foreach (var (width, multiply) in Widths<T>())
        {
            // C at an offset inside a larger buffer, whose margins must stay untouched.
            var c = Enumerable.Repeat(T.CreateTruncating(7), m * n + 10).ToArray();
            multiply(a, b, c, 4, bias, 2);
            c[4..(4 + m * n)].ShouldBe(expected, $"{width}-bit vectors");
            var margins = c[..4].Concat(c[(4 + m * n)..]).ToArray();
            margins.ShouldBe(Enumerable.Repeat(T.CreateTruncating(7), 10).ToArray(), $"{width}-bit vectors wrote outside C");
        }
    }

    private static readonly int[][] Shapes =
    [
        [1, 1, 1], [2, 3, 5], [5, 7, 16], [6, 4, 32], [7, 33, 64], [8, 32, 31], [9, 64, 33], [13, 17, 96],
        [16, 320, 32], [17, 321, 65], [24, 64, 64], [64, 32, 64], [64, 64, 32], [45, 300, 40], [130, 700, 33], [300, 40, 70],
    ];

    public static IEnumerable<TestCaseData> Cases() =>
        from shape in Shapes
        from aLayout in Enum.GetValues<Layout>()
        from bLayout in Enum.GetValues<Layout>()
        where aLayout == bLayout || aLayout == Layout.RowMajor || bLayout == Layout.RowMajor
        select new TestCaseData(shape[0], shape[1], shape[2], aLayout, bLayout);

    [TestCaseSource(nameof(Cases))]
    public void Float_IsOneFusedChainPerElement(int m, int k, int n, Layout aLayout, Layout bLayout) =>
        Check<float>(m, k, n, aLayout, bLayout, MathF.FusedMultiplyAdd);

    [TestCaseSource(nameof(Cases))]
    public void Double_IsOneFusedChainPerElement(int m, int k, int n, Layout aLayout, Layout bLayout) =>
        Check<double>(m, k, n, aLayout, bLayout, Math.FusedMultiplyAdd);

    [TestCase(1, 1, 1)]
    [TestCase(7, 5, 3)]
    [TestCase(13, 17, 96)]
    [TestCase(17, 321, 65)]
    [TestCase(130, 700, 33)]
    [TestCase(300, 40, 70)]
    [TestCase(5, 0, 19)]
    public void Float_WithRowBias_IsTheProductThenTheAddition(int m, int k, int n) =>
        Check<float>(m, k, n, Layout.Padded, Layout.Transposed, MathF.FusedMultiplyAdd, withBias: true);

    [TestCase(7, 33, 64)]
    [TestCase(45, 300, 40)]
    public void Double_WithRowBias_IsTheProductThenTheAddition(int m, int k, int n) =>
        Check<double>(m, k, n, Layout.RowMajor, Layout.Strided, Math.FusedMultiplyAdd, withBias: true);

    [TestCase(9, 40, 33)]
    [TestCase(64, 321, 20)]
    public void Int64_IsExact(int m, int k, int n) =>
        Check<long>(m, k, n, Layout.Padded, Layout.Transposed, (x, y, sum) => x * y + sum);
}
