using System.Buffers.Binary;
using Autograd.Formats;
using CsCheck;

namespace Autograd.Tests;

/// <summary>One change to a valid file: what it does, where, and with which value.</summary>
internal sealed record Mutation(MutationKind Kind, int Position, int Count, ulong Value)
{
    public byte[] Apply(byte[] file)
    {
        int at = file.Length == 0 ? 0 : Position % file.Length;
        var bytes = (byte[])file.Clone();
        switch (Kind)
        {
            case MutationKind.Truncate:
                return bytes[..at];
            case MutationKind.FlipBits:
                for (int i = 0; i < Count && bytes.Length > 0; i++)
                {
                    int bit = (int)((Value >> (i * 8)) % (ulong)(bytes.Length * 8L));
                    bytes[(at + bit / 8) % bytes.Length] ^= (byte)(1 << (bit % 8));
                }
                return bytes;
            case MutationKind.HugeNumber:
                // A claimed size, length or count replaced by an extreme 1-, 2-, 4- or 8-byte value.
                int width = 1 << (Count % 4);
                Span<byte> value = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(value, Interesting[Value % (ulong)Interesting.Length]);
                for (int i = 0; i < width && at + i < bytes.Length; i++) bytes[at + i] = value[i];
                return bytes;
            case MutationKind.Insert:
                var inserted = new byte[Count];
                BinaryPrimitives.WriteUInt64LittleEndian(inserted.AsSpan(0, Math.Min(8, Count)) is var s && s.Length == 8 ? s : new byte[8], Value);
                return [.. bytes[..at], .. inserted, .. bytes[at..]];
            default:
                throw new ArgumentOutOfRangeException(nameof(Kind));
        }
    }

    private static readonly ulong[] Interesting =
        [0, 1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF, ulong.MaxValue, 2_000_000_000, 100_000_001];
}

internal enum MutationKind { Truncate, FlipBits, HugeNumber, Insert }

/// <summary>
/// Property-based fuzzing of every file reader (CsCheck, fixed seed): valid files, truncated, with bits flipped, with
/// extreme numbers written over them or bytes inserted. The only allowed outcomes are a result or an
/// <see cref="InvalidDataException"/>, and no case may allocate far more than the file could hold.
/// </summary>
[Category("Slow")]
public class FormatFuzzTests
{
    private const uint Stream = 7;
    private const ulong Seed = 20251202;
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("AUTOGRAD_FUZZ_ITERATIONS"), out int n) ? n : 4000;
    private static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(Iterations > 4000 ? 3600 : 10);

    /// <summary>Files a case may allocate for: the seeds are under 10 KB, and deflate expands at most 1032-fold.</summary>
    private const long AllocationLimit = 64 << 20;

    private static readonly Gen<Mutation> MutationGen = Gen.Select(Gen.Enum<MutationKind>(), Gen.Int[0, int.MaxValue], Gen.Int[1, 8], Gen.ULong,
        (kind, position, count, value) => new Mutation(kind, position, count, value));

    private static string Fixture(string file) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "formats", file);

    private static byte[] Written(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return stream.ToArray();
    }

    private static Tensor[] SampleTensors()
    {
        Torch.ManualSeed(2);
        return [Torch.Randn(3, 4), Torch.Tensor([1L, -2, 3]), Torch.Scalar(0.5, DType.Float64), Torch.Zeros(0, 2)];
    }

    [Test]
    public void Npy_MutatedFiles_GiveAResultOrInvalidData() => Fuzz(
        [.. SampleTensors().Select(t => Written(s => Npy.Write(t, s))),
         File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "npy", "f32_fortran_3d.npy")),
         File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "npy", "i64_v2.npy"))],
        bytes => Npy.Read(new MemoryStream(bytes), bytes.Length, "fuzz.npy"));

    [Test]
    public void Npz_MutatedFiles_GiveAResultOrInvalidData() => Fuzz(
        [Written(s => Npz.Write(new Dictionary<string, Tensor> { ["a"] = SampleTensors()[0], ["b"] = SampleTensors()[1] }, s)),
         File.ReadAllBytes(Fixture("arrays.npz")), File.ReadAllBytes(Fixture("compressed.npz"))],
        bytes => Npz.Read(new MemoryStream(bytes), "fuzz.npz"));

    [Test]
    public void SafeTensors_MutatedFiles_GiveAResultOrInvalidData() => Fuzz(
        [Written(s => SafeTensorsFormat.Write(SampleTensors().Select((t, i) => (i, t)).ToDictionary(p => $"t{p.i}", p => p.t), new Dictionary<string, string> { ["format"] = "pt" }, s)),
         File.ReadAllBytes(Fixture("model.safetensors"))],
        bytes => SafeTensorsFormat.Read(new MemoryStream(bytes), "fuzz.safetensors"));

    [Test]
    public void TorchFiles_MutatedFiles_GiveAResultOrInvalidData() => Fuzz(
        [Written(s => TorchZip.Write(new List<object> { SampleTensors()[0], SampleTensors()[1], 3L, "x" }, s)),
         File.ReadAllBytes(Fixture("state_dict.pt")), File.ReadAllBytes(Fixture("views.pt")), File.ReadAllBytes(Fixture("mixed.pt"))],
        bytes => TorchZip.Convert(TorchZip.Read(new MemoryStream(bytes), "fuzz.pt"), typeof(object), "fuzz.pt"));

    /// <summary>
    /// Reads <see cref="Iterations"/> mutated seed files, drawn by CsCheck's generators from one fixed PCG seed (so every
    /// run reads the same files), within <see cref="TimeBudget"/>.
    /// </summary>
    private static void Fuzz(byte[][] seeds, Action<byte[]> read)
    {
        foreach (var seed in seeds) read(seed); // the unmutated files are valid
        var cases = Gen.Select(Gen.Int[0, seeds.Length - 1], MutationGen);
        var pcg = new PCG(Stream, Seed);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int results = 0, rejected = 0, iteration = 0;
        for (; iteration < Iterations && watch.Elapsed < TimeBudget; iteration++)
        {
            var (index, mutation) = cases.Generate(pcg, null!, out _);
            var bytes = mutation.Apply(seeds[index]);
            string what = $"case {iteration}: seed file {index}, {mutation}";
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                read(bytes);
                results++;
            }
            catch (InvalidDataException e)
            {
                e.Message.ShouldStartWith("fuzz.", customMessage: what);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{what} threw {e.GetType().Name}: {e}");
            }
            (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(AllocationLimit, $"{what}: allocated for a file of {bytes.Length} bytes");
        }
        TestContext.Out.WriteLine($"{iteration} mutated files in {watch.Elapsed.TotalSeconds:F1} s: {results} read, {rejected} rejected with InvalidDataException");
        iteration.ShouldBeGreaterThan(Iterations / 10);
        rejected.ShouldBeGreaterThan(iteration / 4);
    }
}
