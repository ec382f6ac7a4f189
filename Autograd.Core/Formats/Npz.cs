namespace Autograd.Formats;

/// <summary>NumPy's .npz: a zip of one .npy record per array, named "name.npy", as np.savez writes (stored, not compressed).</summary>
internal static class Npz
{
    public static void Write(IReadOnlyDictionary<string, Tensor> arrays, Stream stream)
    {
        var zip = new ZipWriter(stream, alignment: 1);
        foreach (var (name, tensor) in arrays)
        {
            zip.Add(name + ".npy", Npy.Header(tensor), StoredTensors.Elements(tensor), ElementTypes.Of(tensor.DType));
        }
        zip.Finish();
    }

    /// <summary>Every array of the archive, by its record name without ".npy"; compressed archives (np.savez_compressed) too.</summary>
    public static Dictionary<string, Tensor> Read(Stream stream, string source)
    {
        using var zip = new ZipReader(stream, source);
        var arrays = new Dictionary<string, Tensor>();
        foreach (var entry in zip.Entries)
        {
            if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                throw FileIO.Invalid(source, $"zip record '{entry.FullName}' is not a .npy array");
            string name = entry.FullName[..^4];
            if (arrays.ContainsKey(name)) throw FileIO.Invalid(source, $"the archive holds '{entry.FullName}' twice");
            arrays[name] = zip.Read(entry, (record, length) => Npy.Read(record, length, $"{source}: record '{entry.FullName}'"));
        }
        return arrays;
    }
}
