using Autograd.Formats;

namespace Autograd;

/// <summary>
/// The safetensors format (Hugging Face's <c>safetensors.torch.save_file</c> / <c>load_file</c>), what model hubs ship.
/// Files are written byte for byte as the safetensors package writes them, and read as untrusted input with the
/// package's checks: any problem is an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class SafeTensors
{
    /// <summary>
    /// Writes the tensors, as safetensors.torch.save_file(tensors, path, metadata). <paramref name="metadata"/> (string
    /// to string) goes into the header's "__metadata__"; its keys are written in byte order (the package keeps them in a
    /// hash map, so with several keys its order varies).
    /// </summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var (name, tensor) in tensors)
        {
            if (tensor is null) throw new ArgumentNullException(nameof(tensors), $"tensor '{name}' is null");
        }
        FileIO.WriteAtomically(path, stream => SafeTensorsFormat.Write(tensors, metadata, stream));
    }

    /// <summary>Reads every tensor of a safetensors file by name (in the file's order), as safetensors.torch.load_file.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var file = FileIO.OpenRead(path);
        return SafeTensorsFormat.Read(file, path);
    }
}
