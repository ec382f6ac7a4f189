using Autograd.Formats;

namespace Autograd;

public static partial class Torch
{
    /// <summary>
    /// torch.save: writes <paramref name="obj"/> in PyTorch's own file format (the zip of a protocol-2 pickle and raw
    /// storages that torch.save has written since 1.6), so <c>torch.load(path, weights_only=True)</c> reads it. Saves a
    /// Tensor, a state dict (OrderedDictionary&lt;string, Tensor&gt; becomes an OrderedDict, other dictionaries a dict),
    /// lists and arrays (a list), tuples, ints, floats, bools, strings and null, nested. The same Tensor object saved
    /// twice is one tensor in the file. The target is replaced only once the file is complete.
    /// </summary>
    /// <remarks>PyTorch 1.13's weights_only loader cannot read Python floats (doubles); torch.load without it, and 2.x, can.</remarks>
    public static void Save(object obj, string path)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(path);
        FileIO.WriteAtomically(path, stream => TorchZip.Write(obj, stream));
    }

    /// <summary>
    /// torch.load(path, weights_only=True, map_location='cpu'): reads a file written by torch.save (PyTorch 1.6 and
    /// later) or <see cref="Save"/> as <typeparamref name="T"/>: Tensor; Dictionary / OrderedDictionary /
    /// IReadOnlyDictionary&lt;string, ...&gt; (a state dict); List / arrays / IReadOnlyList of ...; long, int, double,
    /// float, bool, string; or object (OrderedDict as OrderedDictionary&lt;string, object?&gt;, dict as
    /// Dictionary&lt;string, object?&gt;, list as List&lt;object?&gt;, tuple as object?[]). Tensors keep their values,
    /// sizes and dtypes whatever the strides and storage offsets of the saved views; a tensor saved on a GPU loads onto
    /// the CPU. The unpickler is restricted like torch's weights_only one: a file that names anything but what a state
    /// dict needs is an <see cref="InvalidDataException"/>, never code run; so is every other problem of the file.
    /// </summary>
    public static T Load<T>(string path)
    {
        using var file = FileIO.OpenRead(path);
        return (T)TorchZip.Convert(TorchZip.Read(file, path), typeof(T), path)!;
    }
}
