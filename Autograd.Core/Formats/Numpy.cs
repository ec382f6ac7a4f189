using Autograd.Formats;

namespace Autograd;

/// <summary>
/// NumPy's file formats: <c>np.save</c>/<c>np.load</c> (.npy, one array) and <c>np.savez</c>/<c>np.load</c> (.npz, a zip
/// of named arrays). Files are read as untrusted input: any problem is an <see cref="InvalidDataException"/> naming the
/// file, and nothing is allocated before the file is known to hold it. Saves replace the target only once complete.
/// </summary>
public static class Numpy
{
    /// <summary>Writes <paramref name="tensor"/> as np.save does (format 1.0, little-endian, C order): np.load reads it.</summary>
    public static void Save(Tensor tensor, string path)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        FileIO.WriteAtomically(path, stream => Npy.Write(tensor, stream));
    }

    /// <summary>Reads a .npy file (format 1.0 to 3.0, either byte order, C or Fortran order) into a new tensor, as np.load.</summary>
    public static Tensor Load(string path)
    {
        using var file = FileIO.OpenRead(path);
        return Npy.Read(file, file.Length, path);
    }

    /// <summary>Writes the arrays into one .npz file, each as record "name.npy", as np.savez does: np.load reads it.</summary>
    public static void SaveZ(IReadOnlyDictionary<string, Tensor> arrays, string path)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        foreach (var (name, tensor) in arrays)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(arrays));
            if (tensor is null) throw new ArgumentNullException(nameof(arrays), $"array '{name}' is null");
        }
        FileIO.WriteAtomically(path, stream => Npz.Write(arrays, stream));
    }

    /// <summary>Reads every array of a .npz file (np.savez or np.savez_compressed) by name, as np.load does.</summary>
    public static Dictionary<string, Tensor> LoadZ(string path)
    {
        using var file = FileIO.OpenRead(path);
        return Npz.Read(file, path);
    }
}
