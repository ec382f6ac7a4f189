using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Autograd.Formats;

/// <summary>A Python tuple read from a pickle.</summary>
internal sealed record PyTuple(object?[] Items);

/// <summary>A Python dict (or collections.OrderedDict) read from a pickle, in insertion order.</summary>
internal sealed class PyDict(bool ordered)
{
    private readonly Dictionary<object, int> index = [];

    public bool Ordered { get; } = ordered;
    public List<KeyValuePair<object?, object?>> Items { get; } = [];

    public void Set(object? key, object? value)
    {
        if (key is string or long or bool or double && index.TryGetValue(key, out int at))
        {
            Items[at] = new(key, value);
            return;
        }
        if (key is string or long or bool or double) index[key] = Items.Count;
        Items.Add(new(key, value));
    }
}

/// <summary>A global that a pickle may name: the ones a state dict needs, and nothing else.</summary>
internal sealed record PyGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>
/// PyTorch's persistent id for a storage: ('storage', storage type, key, location, numel). The location ('cpu',
/// 'cuda:0', ...) is accepted and ignored: every tensor loads onto the CPU, as torch.load with map_location='cpu'.
/// </summary>
internal sealed record StorageRef(ElementType Type, string Key, string Location, long Count);

/// <summary>
/// A restricted unpickler for the pickles torch.save writes, like torch's weights_only unpickler: protocol 2 opcodes,
/// the globals <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>,
/// <c>torch._utils._rebuild_parameter</c> and the storage classes of the supported dtypes; any other global, any call
/// of something else and any unknown opcode is an <see cref="InvalidDataException"/>. Nothing is ever executed. The
/// pickle is a byte array already in memory, so every read is bounds-checked against it; the stack, the mark stack and
/// the memo are bounded as well.
/// </summary>
internal sealed class PickleReader
{
    public const int MaxStack = 1 << 22;
    public const int MaxMemo = 1 << 22;

    private readonly byte[] data;
    private readonly string source;
    private readonly Func<StorageRef, Array> loadStorage;
    private readonly Func<Array, int[], long[], long, Tensor> makeTensor;
    private int position;
    private List<object?> stack = [];
    private readonly Stack<List<object?>> marks = new();
    private readonly Dictionary<uint, object?> memo = [];

    private static readonly PyGlobal OrderedDict = new("collections", "OrderedDict");
    private static readonly PyGlobal RebuildTensor = new("torch._utils", "_rebuild_tensor_v2");
    private static readonly PyGlobal RebuildParameter = new("torch._utils", "_rebuild_parameter");

    /// <param name="data">The whole pickle.</param>
    /// <param name="source">The file, for error messages.</param>
    /// <param name="loadStorage">Returns the elements of a storage (called once per key).</param>
    /// <param name="makeTensor">Builds a tensor from a storage, size, stride and offset already checked to fit.</param>
    public PickleReader(byte[] data, string source, Func<StorageRef, Array> loadStorage, Func<Array, int[], long[], long, Tensor> makeTensor)
    {
        this.data = data;
        this.source = source;
        this.loadStorage = loadStorage;
        this.makeTensor = makeTensor;
    }

    public object? Load()
    {
        var storages = new Dictionary<string, (StorageRef Ref, Array? Data)>();
        while (true)
        {
            byte opcode = Byte();
            switch (opcode)
            {
                case 0x80: // PROTO
                    if (Byte() > 5) throw Invalid("pickle protocol above 5");
                    break;
                case (byte)'c': // GLOBAL
                    Push(Global(Line(), Line()));
                    break;
                case (byte)'R': // REDUCE
                {
                    var args = Pop() as PyTuple ?? throw Invalid("REDUCE without an argument tuple");
                    var callable = Pop();
                    Push(Reduce(callable, args, storages));
                    break;
                }
                case (byte)'b': // BUILD
                {
                    var state = Pop();
                    var target = Peek();
                    // OrderedDict state is its __dict__ (a state dict's _metadata): kept out of the result.
                    if (target is not PyDict { Ordered: true } || state is not PyDict)
                        throw Invalid($"BUILD is only allowed to set an OrderedDict's attributes, not {Describe(target)}'s");
                    break;
                }
                case (byte)'Q': // BINPERSID
                    Push(PersistentId(Pop(), storages));
                    break;
                case (byte)'(': // MARK
                    if (marks.Count >= MaxStack) throw Invalid("too many nested marks");
                    marks.Push(stack);
                    stack = [];
                    break;
                case (byte)'t': Push(new PyTuple([.. PopMark()])); break;
                case (byte)')': Push(new PyTuple([])); break;
                case 0x85: Push(new PyTuple([Pop()])); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PyTuple([a, b])); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PyTuple([a, b, c])); break; }
                case (byte)']': Push(new List<object?>()); break;
                case (byte)'}': Push(new PyDict(ordered: false)); break;
                case (byte)'a': // APPEND
                {
                    var item = Pop();
                    ListOnTop().Add(item);
                    break;
                }
                case (byte)'e': // APPENDS
                {
                    var items = PopMark();
                    ListOnTop().AddRange(items);
                    break;
                }
                case (byte)'s': // SETITEM
                {
                    var value = Pop();
                    var key = Pop();
                    DictOnTop().Set(key, value);
                    break;
                }
                case (byte)'u': // SETITEMS
                {
                    var items = PopMark();
                    if (items.Count % 2 != 0) throw Invalid("SETITEMS with an odd number of items");
                    var dict = DictOnTop();
                    for (int i = 0; i < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
                    break;
                }
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;
                case (byte)'K': Push((long)Byte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break;
                case 0x8a: Push(Long(Bytes(Byte()))); break; // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break; // BINFLOAT
                case (byte)'X': // BINUNICODE
                    Push(Utf8(Bytes(Length(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))))));
                    break;
                case 0x8c: Push(Utf8(Bytes(Byte()))); break; // SHORT_BINUNICODE (protocol 4)
                case (byte)'U': Push(Encoding.Latin1.GetString(Bytes(Byte()))); break; // SHORT_BINSTRING
                case (byte)'h': Push(Memo(Byte())); break; // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break; // LONG_BINGET
                case (byte)'q': Remember(Byte()); break; // BINPUT
                case (byte)'r': Remember(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))); break; // LONG_BINPUT
                case 0x94: Remember((uint)memo.Count); break; // MEMOIZE (protocol 4)
                case (byte)'.': // STOP
                    if (stack.Count != 1 || marks.Count != 0) throw Invalid($"STOP with {stack.Count} objects on the stack and {marks.Count} open marks");
                    return stack[0];
                default:
                    throw Invalid($"unsupported pickle opcode 0x{opcode:x2} at byte {position - 1}");
            }
        }
    }

    private object Global(string module, string name)
    {
        var global = new PyGlobal(module, name);
        if (global == OrderedDict || global == RebuildTensor || global == RebuildParameter) return global;
        if (module == "torch" && ElementTypes.ByTorchStorage(name) is { } type) return type;
        if (module == "torch" && name.EndsWith("Storage", StringComparison.Ordinal))
            throw Invalid($"storage type torch.{name} is not supported; supported are {string.Join(", ", ElementTypes.All.Select(t => "torch." + t.TorchStorage))}");
        throw Invalid($"the pickle names the global '{global.FullName}', which is not allowed (only what a state dict needs is)");
    }

    private object Reduce(object? callable, PyTuple args, Dictionary<string, (StorageRef Ref, Array? Data)> storages)
    {
        var a = args.Items;
        if (OrderedDict.Equals(callable))
        {
            if (a.Length != 0) throw Invalid("OrderedDict called with arguments");
            return new PyDict(ordered: true);
        }
        if (RebuildTensor.Equals(callable))
        {
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            if (a.Length is not (6 or 7)) throw Invalid($"_rebuild_tensor_v2 takes 6 or 7 arguments, not {a.Length}");
            var storage = a[0] as StorageRef ?? throw Invalid($"_rebuild_tensor_v2's storage is {Describe(a[0])}");
            long offset = a[1] as long? ?? throw Invalid($"_rebuild_tensor_v2's storage_offset is {Describe(a[1])}");
            long[] size = Longs(a[2], "size"), stride = Longs(a[3], "stride");
            bool requiresGrad = a[4] as bool? ?? throw Invalid($"_rebuild_tensor_v2's requires_grad is {Describe(a[4])}");
            if (a[5] is not PyDict { Items.Count: 0 }) throw Invalid("_rebuild_tensor_v2's backward_hooks must be an empty OrderedDict");
            if (a.Length == 7 && a[6] is not (null or PyDict { Items.Count: 0 })) throw Invalid("_rebuild_tensor_v2's metadata must be empty");
            int[] dims = FileIO.ToDims(size, source);
            StoredTensors.CheckExtent(dims, stride, offset, storage.Count, source);
            var (reference, elements) = storages[storage.Key];
            if (elements is null)
            {
                elements = loadStorage(reference);
                storages[storage.Key] = (reference, elements);
            }
            var tensor = makeTensor(elements, dims, stride, offset);
            if (requiresGrad) RequireGrad(tensor);
            return tensor;
        }
        if (RebuildParameter.Equals(callable))
        {
            // (data, requires_grad, backward_hooks)
            if (a.Length != 3) throw Invalid($"_rebuild_parameter takes 3 arguments, not {a.Length}");
            var tensor = a[0] as Tensor ?? throw Invalid($"_rebuild_parameter's data is {Describe(a[0])}");
            bool requiresGrad = a[1] as bool? ?? throw Invalid($"_rebuild_parameter's requires_grad is {Describe(a[1])}");
            if (a[2] is not PyDict { Items.Count: 0 }) throw Invalid("_rebuild_parameter's backward_hooks must be an empty OrderedDict");
            if (requiresGrad) RequireGrad(tensor);
            return tensor;
        }
        throw Invalid($"the pickle calls {Describe(callable)}, which is not allowed");
    }

    private void RequireGrad(Tensor tensor)
    {
        if (!tensor.DType.IsFloating()) throw Invalid($"a {tensor.DType} tensor cannot require grad");
        tensor.RequiresGrad = true;
    }

    private StorageRef PersistentId(object? id, Dictionary<string, (StorageRef Ref, Array? Data)> storages)
    {
        if (id is not PyTuple { Items: [string tag, ElementType type, string key, string location, long count] } || tag != "storage")
            throw Invalid($"persistent id {Describe(id)} is not ('storage', type, key, location, numel)");
        if (count < 0 || count > FileIO.MaxElements) throw Invalid($"storage '{key}' claims {count} elements");
        var reference = new StorageRef(type, key, location, count);
        if (storages.TryGetValue(key, out var known))
        {
            if (known.Ref.Type != type || known.Ref.Count != count)
                throw Invalid($"storage '{key}' is named with two different types or sizes");
            return known.Ref;
        }
        storages[key] = (reference, null);
        return reference;
    }

    private long[] Longs(object? value, string what)
    {
        if (value is not PyTuple tuple) throw Invalid($"_rebuild_tensor_v2's {what} is {Describe(value)}");
        if (tuple.Items.Length > FileIO.MaxDims) throw Invalid($"a {what} of {tuple.Items.Length} dims exceeds the limit of {FileIO.MaxDims}");
        return tuple.Items.Select(item => item as long? ?? throw Invalid($"_rebuild_tensor_v2's {what} holds {Describe(item)}")).ToArray();
    }

    private List<object?> ListOnTop() => Peek() as List<object?> ?? throw Invalid($"APPEND to {Describe(Peek())}");

    private PyDict DictOnTop() => Peek() as PyDict ?? throw Invalid($"SETITEM on {Describe(Peek())}");

    private void Push(object? value)
    {
        if (stack.Count >= MaxStack) throw Invalid("the pickle's stack grows beyond its limit");
        stack.Add(value);
    }

    private object? Pop()
    {
        if (stack.Count == 0) throw Invalid($"the pickle pops an empty stack at byte {position - 1}");
        var value = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private object? Peek() => stack.Count > 0 ? stack[^1] : throw Invalid($"the pickle reads an empty stack at byte {position - 1}");

    private List<object?> PopMark()
    {
        if (marks.Count == 0) throw Invalid($"the pickle closes a mark it did not open at byte {position - 1}");
        var items = stack;
        stack = marks.Pop();
        return items;
    }

    private object? Memo(uint key) => memo.TryGetValue(key, out var value) ? value : throw Invalid($"the pickle gets memo {key}, which was never put");

    private void Remember(uint key)
    {
        if (memo.Count >= MaxMemo && !memo.ContainsKey(key)) throw Invalid("the pickle's memo grows beyond its limit");
        memo[key] = Peek();
    }

    private byte Byte() => position < data.Length ? data[position++] : throw Invalid("the pickle ends without STOP");

    private ReadOnlySpan<byte> Bytes(int count)
    {
        if (count > data.Length - position) throw Invalid($"the pickle ends inside an argument of {count} bytes");
        var span = data.AsSpan(position, count);
        position += count;
        return span;
    }

    private int Length(uint length) => length <= int.MaxValue ? (int)length : throw Invalid($"a string of {length} bytes");

    private string Line()
    {
        int end = Array.IndexOf(data, (byte)'\n', position);
        if (end < 0) throw Invalid("the pickle ends inside a GLOBAL name");
        string line = Utf8(data.AsSpan(position, end - position));
        position = end + 1;
        return line;
    }

    private string Utf8(ReadOnlySpan<byte> bytes)
    {
        try { return Strict.GetString(bytes); }
        catch (DecoderFallbackException e) { throw FileIO.Invalid(source, "the pickle holds a string that is not UTF-8", e); }
    }

    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    private object Long(ReadOnlySpan<byte> bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : throw Invalid($"integer {value} does not fit in 64 bits");
    }

    private InvalidDataException Invalid(string problem) => FileIO.Invalid(source, problem);

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        PyGlobal global => global.FullName,
        ElementType type => "torch." + type.TorchStorage,
        PyTuple => "a tuple",
        PyDict { Ordered: true } => "an OrderedDict",
        PyDict => "a dict",
        List<object?> => "a list",
        string => "a string",
        long => "an int",
        double => "a float",
        bool => "a bool",
        Tensor => "a tensor",
        StorageRef => "a storage",
        _ => value.GetType().Name,
    };
}

/// <summary>
/// Writes the pickle torch.save writes (protocol 2): tensors as <c>torch._utils._rebuild_tensor_v2</c> of a
/// persistent storage id, dicts, OrderedDicts, lists, tuples, ints, floats, bools, strings and None.
/// </summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream output = new();
    private readonly Dictionary<string, uint> memo = [];
    private readonly Dictionary<Tensor, uint> tensorMemo = new(ReferenceEqualityComparer.Instance);
    private readonly Func<Tensor, (string Key, ElementType Type, long Count)> storageOf;
    private int depth;

    /// <param name="storageOf">The storage key, type and element count of a tensor (the caller collects the storages).</param>
    public PickleWriter(Func<Tensor, (string Key, ElementType Type, long Count)> storageOf) => this.storageOf = storageOf;

    public byte[] Write(object? value)
    {
        output.Write([0x80, 2]);
        Value(value);
        output.WriteByte((byte)'.');
        return output.ToArray();
    }

    private void Value(object? value)
    {
        if (++depth > 1000) throw new ArgumentException("the object nests deeper than 1000 levels (or contains itself)");
        switch (value)
        {
            case null: Op('N'); break;
            case Tensor tensor: Tensor(tensor); break;
            case string text: String(text); break;
            case bool flag: output.WriteByte(flag ? (byte)0x88 : (byte)0x89); break;
            case long or int or short or sbyte or byte or ushort or uint: Int(Convert.ToInt64(value)); break;
            case double or float: Float(Convert.ToDouble(value)); break;
            case ITuple tuple: Tuple(Enumerable.Range(0, tuple.Length).Select(i => tuple[i]).ToArray()); break;
            case IDictionary dictionary: Dict(dictionary, value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(OrderedDictionary<,>)); break;
            case IEnumerable<KeyValuePair<string, Tensor>> pairs: Dict(pairs.ToDictionary(p => p.Key, p => p.Value), ordered: false); break;
            case IList list: List(list); break;
            default: throw new ArgumentException($"Torch.Save cannot save a {value.GetType().Name}: it saves tensors, dicts, lists and tuples of them, numbers, strings, bools and null");
        }
        depth--;
    }

    private void Tensor(Tensor tensor)
    {
        if (tensorMemo.TryGetValue(tensor, out uint known))
        {
            Get(known);
            return;
        }
        var (key, type, count) = storageOf(tensor);
        Global("torch._utils", "_rebuild_tensor_v2");
        Op('(');
        Op('(');
        String("storage");
        Global("torch", type.TorchStorage);
        String(key);
        String("cpu");
        Int(count);
        Op('t');
        Op('Q');
        Int(0);
        Tuple(tensor.Dims.Select(d => (object?)(long)d).ToArray());
        Tuple(StoredTensors.ContiguousStrides(tensor.Dims).Select(s => (object?)s).ToArray());
        output.WriteByte(tensor.RequiresGrad ? (byte)0x88 : (byte)0x89);
        Global("collections", "OrderedDict");
        Op(')');
        Op('R');
        Op('t');
        Op('R');
        tensorMemo[tensor] = Put();
    }

    private void Dict(IDictionary dictionary, bool ordered)
    {
        if (ordered)
        {
            Global("collections", "OrderedDict");
            Op(')');
            Op('R');
        }
        else Op('}');
        var entries = new List<(object Key, object? Value)>();
        for (var enumerator = dictionary.GetEnumerator(); enumerator.MoveNext();) entries.Add((enumerator.Key, enumerator.Value));
        // Python's pickler writes items in batches of 1000, each between MARK and SETITEMS.
        for (int start = 0; start < entries.Count; start += 1000)
        {
            Op('(');
            foreach (var entry in entries.Skip(start).Take(1000))
            {
                Value(entry.Key);
                Value(entry.Value);
            }
            Op('u');
        }
    }

    private void List(IList list)
    {
        Op(']');
        var items = list.Cast<object?>().ToList();
        for (int start = 0; start < items.Count; start += 1000)
        {
            Op('(');
            foreach (var item in items.Skip(start).Take(1000)) Value(item);
            Op('e');
        }
    }

    private void Tuple(object?[] items)
    {
        switch (items.Length)
        {
            case 0: Op(')'); return;
            case <= 3:
                foreach (var item in items) Value(item);
                output.WriteByte((byte)(0x84 + items.Length)); // TUPLE1, TUPLE2, TUPLE3
                return;
            default:
                Op('(');
                foreach (var item in items) Value(item);
                Op('t');
                return;
        }
    }

    private void Int(long value)
    {
        if (value is >= 0 and < 256) { Op('K'); output.WriteByte((byte)value); }
        else if (value is >= 0 and < 65536) { Op('M'); Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value); output.Write(b); }
        else if (value is >= int.MinValue and <= int.MaxValue) { Op('J'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, (int)value); output.Write(b); }
        else
        {
            var bytes = new BigInteger(value).ToByteArray(); // little-endian two's complement, shortest
            Op((char)0x8a);
            output.WriteByte((byte)bytes.Length);
            output.Write(bytes);
        }
    }

    private void Float(double value)
    {
        Op('G');
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, value);
        output.Write(b);
    }

    private void String(string text)
    {
        if (memo.TryGetValue("s:" + text, out uint known)) { Get(known); return; }
        var bytes = Encoding.UTF8.GetBytes(text);
        Op('X');
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)bytes.Length);
        output.Write(length);
        output.Write(bytes);
        memo["s:" + text] = Put();
    }

    private void Global(string module, string name)
    {
        if (memo.TryGetValue($"g:{module}\n{name}", out uint known)) { Get(known); return; }
        Op('c');
        output.Write(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
        memo[$"g:{module}\n{name}"] = Put();
    }

    private uint nextMemo;

    private uint Put()
    {
        uint key = nextMemo++;
        if (key < 256) { Op('q'); output.WriteByte((byte)key); }
        else { Op('r'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, key); output.Write(b); }
        return key;
    }

    private void Get(uint key)
    {
        if (key < 256) { Op('h'); output.WriteByte((byte)key); }
        else { Op('j'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, key); output.Write(b); }
    }

    private void Op(char opcode) => output.WriteByte((byte)opcode);
}
