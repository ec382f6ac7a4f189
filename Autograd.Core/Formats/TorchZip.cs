using System.Collections;
using System.Globalization;
using System.Text;

namespace Autograd.Formats;

/// <summary>
/// The file torch.save has written since PyTorch 1.6: a zip whose records share one folder name ("archive" when
/// written here) holding <c>data.pkl</c> (the object, pickle protocol 2), <c>data/KEY</c> (each storage's raw
/// little-endian elements), <c>byteorder</c> ("little") and <c>version</c> ("3"). Records are stored uncompressed
/// with their data aligned to 64 bytes, as PyTorch writes them.
/// </summary>
internal static class TorchZip
{
    private const string Archive = "archive";
    private const int Alignment = 64;

    /// <summary>The most bytes data.pkl may take: far beyond any state dict's (about 100 bytes a tensor).</summary>
    private const long MaxPickle = 1L << 30;

    public static void Write(object? value, Stream stream)
    {
        var storages = new List<(string Key, ElementType Type, Array Elements)>();
        var keys = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        var pickle = new PickleWriter(tensor =>
        {
            var type = ElementTypes.Of(tensor.DType);
            if (!keys.TryGetValue(tensor, out var key))
            {
                key = storages.Count.ToString(CultureInfo.InvariantCulture);
                keys[tensor] = key;
                storages.Add((key, type, StoredTensors.Elements(tensor)));
            }
            return (key, type, tensor.Count);
        }).Write(value);

        var zip = new ZipWriter(stream, Alignment);
        zip.Add($"{Archive}/data.pkl", pickle);
        zip.Add($"{Archive}/byteorder", "little"u8.ToArray());
        // torch.save writes the storages in the order of their keys as strings.
        foreach (var (key, type, elements) in storages.OrderBy(s => s.Key, StringComparer.Ordinal))
            zip.Add($"{Archive}/data/{key}", [], elements, type);
        zip.Add($"{Archive}/version", "3\n"u8.ToArray());
        zip.Finish();
    }

    /// <summary>The object of a torch.save file, as the restricted unpickler builds it (see <see cref="PickleReader"/>).</summary>
    public static object? Read(Stream stream, string source)
    {
        using var zip = new ZipReader(stream, source);
        if (zip.Entries.Count == 0) throw FileIO.Invalid(source, "the zip archive is empty");
        string first = zip.Entries[0].FullName;
        int slash = first.IndexOf('/');
        if (slash <= 0) throw FileIO.Invalid(source, $"zip record '{first}' is not inside the archive's folder, as torch.save writes it");
        string prefix = first[..(slash + 1)];
        var records = new Dictionary<string, System.IO.Compression.ZipArchiveEntry>();
        foreach (var entry in zip.Entries)
        {
            if (!entry.FullName.StartsWith(prefix, StringComparison.Ordinal)) throw FileIO.Invalid(source, $"zip record '{entry.FullName}' is outside the folder '{prefix}'");
            if (!records.TryAdd(entry.FullName[prefix.Length..], entry)) throw FileIO.Invalid(source, $"the archive holds '{entry.FullName}' twice");
        }

        if (records.TryGetValue("version", out var versionRecord))
        {
            string text = Encoding.ASCII.GetString(zip.ReadAll(versionRecord, 32)).Trim();
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version is < 1 or > 20)
                throw FileIO.Invalid(source, $"unsupported archive version '{text}'");
        }
        bool bigEndian = false;
        if (records.TryGetValue("byteorder", out var orderRecord))
        {
            string order = Encoding.ASCII.GetString(zip.ReadAll(orderRecord, 16));
            bigEndian = order switch
            {
                "little" => false,
                "big" => true,
                _ => throw FileIO.Invalid(source, $"unknown byteorder '{order}'"),
            };
        }
        if (!records.TryGetValue("data.pkl", out var pickleRecord)) throw FileIO.Invalid(source, $"the archive has no {prefix}data.pkl");
        var pickle = zip.ReadAll(pickleRecord, MaxPickle);

        Array LoadStorage(StorageRef storage)
        {
            if (!records.TryGetValue($"data/{storage.Key}", out var record)) throw FileIO.Invalid(source, $"the archive has no storage record {prefix}data/{storage.Key}");
            long bytes = storage.Count * storage.Type.Size;
            long length = zip.Length(record);
            if (length != bytes) throw FileIO.Invalid(source, $"storage '{storage.Key}' of {storage.Count} {storage.Type.DType} elements needs {bytes} bytes but its record holds {length}");
            var elements = ElementTypes.Allocate(storage.Type, (int)storage.Count);
            zip.Read(record, (data, _) =>
            {
                FileIO.ReadElements(data, elements, storage.Type, source, $"storage '{storage.Key}'");
                return 0;
            });
            if (bigEndian) FileIO.SwapBytes(elements, storage.Type);
            return elements;
        }

        return new PickleReader(pickle, source, LoadStorage, StoredTensors.FromStorage).Load();
    }

    /// <summary>
    /// Converts what the unpickler built into <paramref name="target"/>: Tensor; dictionaries with string keys
    /// (Dictionary, OrderedDictionary, IReadOnlyDictionary, IDictionary of any value type here); lists and arrays
    /// (List, T[], IReadOnlyList, IList); long, int, double, float, bool, string; object for the natural mapping
    /// (OrderedDict to OrderedDictionary&lt;string, object?&gt;, dict to Dictionary&lt;string, object?&gt;, list to
    /// List&lt;object?&gt;, tuple to object?[]).
    /// </summary>
    public static object? Convert(object? value, Type target, string source, int depth = 0)
    {
        if (depth > 1000) throw FileIO.Invalid(source, "the object nests deeper than 1000 levels (or contains itself)");
        var nullable = Nullable.GetUnderlyingType(target);
        if (value is null)
        {
            if (!target.IsValueType || nullable is not null) return null;
            throw Mismatch(value, target, source);
        }
        target = nullable ?? target;
        if (target == typeof(object)) return Natural(value, source, depth);
        if (target.IsInstanceOfType(value) && value is Tensor or string or bool or long or double) return value;
        if (target == typeof(int) && value is long l) return l is >= int.MinValue and <= int.MaxValue ? (int)l : throw Mismatch(value, target, source);
        if (target == typeof(double) && value is long i) return (double)i;
        if (target == typeof(float) && value is double or long) return System.Convert.ToSingle(value, CultureInfo.InvariantCulture);
        if (value is PyDict dict && DictionaryType(target) is { } dictionaryType)
        {
            var valueType = dictionaryType.GetGenericArguments()[1];
            var result = (IDictionary)Activator.CreateInstance(dictionaryType)!;
            foreach (var (key, item) in dict.Items)
            {
                if (key is not string name) throw FileIO.Invalid(source, $"a dict key is {PickleReader.Describe(key)}, not a string");
                result[name] = Convert(item, valueType, source, depth + 1);
            }
            return result;
        }
        if (value is List<object?> or PyTuple && ListElementType(target) is { } elementType)
        {
            var items = value is PyTuple tuple ? tuple.Items : ((List<object?>)value).ToArray();
            if (target.IsArray)
            {
                var array = Array.CreateInstance(elementType, items.Length);
                for (int k = 0; k < items.Length; k++) array.SetValue(Convert(items[k], elementType, source, depth + 1), k);
                return array;
            }
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
            foreach (var item in items) list.Add(Convert(item, elementType, source, depth + 1));
            return list;
        }
        throw Mismatch(value, target, source);
    }

    private static object? Natural(object? value, string source, int depth) => value switch
    {
        PyDict { Ordered: true } => Convert(value, typeof(OrderedDictionary<string, object?>), source, depth),
        PyDict => Convert(value, typeof(Dictionary<string, object?>), source, depth),
        List<object?> => Convert(value, typeof(List<object?>), source, depth),
        PyTuple => Convert(value, typeof(object?[]), source, depth),
        _ => value,
    };

    /// <summary>The dictionary class to build for <paramref name="target"/>, if it is a dictionary with string keys.</summary>
    private static Type? DictionaryType(Type target)
    {
        if (!target.IsGenericType || target.GetGenericArguments() is not [var key, var item] || key != typeof(string)) return null;
        var definition = target.GetGenericTypeDefinition();
        if (definition == typeof(OrderedDictionary<,>)) return target;
        if (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            return typeof(Dictionary<,>).MakeGenericType(key, item);
        return null;
    }

    private static Type? ListElementType(Type target)
    {
        if (target.IsArray && target.GetArrayRank() == 1) return target.GetElementType();
        if (!target.IsGenericType) return null;
        var definition = target.GetGenericTypeDefinition();
        return definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IEnumerable<>)
            ? target.GetGenericArguments()[0]
            : null;
    }

    private static InvalidDataException Mismatch(object? value, Type target, string source) =>
        FileIO.Invalid(source, $"the file holds {PickleReader.Describe(value)} where a {Name(target)} is asked for");

    private static string Name(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>"
        : type.Name;
}
