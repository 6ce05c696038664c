using SharpLM.Kernels;

namespace SharpLM.Formats;

/// <summary>
/// Parses a GGUF header (magic, version, counts, metadata, tensor infos) and checks it as a
/// whole: known types, alignment a power of two, every tensor's data aligned, inside the file
/// and not overlapping another, names unique.
/// </summary>
internal static class GgufHeaderParser
{
    public const string AlignmentKey = "general.alignment";

    public static (uint Version, IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata, IReadOnlyList<GgufTensorInfo> Tensors, int Alignment, long DataOffset)
        Parse(GgufHeaderReader r)
    {
        uint magic = r.U32("magic");
        if (magic != GgufFile.Magic)
            throw r.Fail("magic", $"expected 'GGUF' (0x{GgufFile.Magic:X8}), found 0x{magic:X8}: not a GGUF file");
        uint version = r.U32("version");
        if (version is 0x02000000 or 0x03000000) throw r.Fail("version", "big-endian GGUF files are not supported");
        if (version == 1) throw r.Fail("version", "GGUF v1 (32-bit counts) is not supported; re-convert the model to v3");
        if (version is not (2 or 3)) throw r.Fail("version", $"version {version} is not supported (SharpLM reads 2 and 3)");
        long tensorCount = r.Count("tensor_count", GgufFile.MaxTensors, minBytesEach: 24);
        long kvCount = r.Count("metadata_kv_count", GgufFile.MaxKeyValues, minBytesEach: 12);

        var metadata = new List<KeyValuePair<string, GgufValue>>((int)kvCount);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            string key = r.String($"metadata key #{i}", GgufFile.MaxKeyBytes);
            if (!keys.Add(key)) throw r.Fail(key, "duplicate metadata key");
            metadata.Add(new(key, ReadValue(r, key)));
        }

        int alignment = GgufFile.DefaultAlignment;
        var alignmentValue = metadata.FirstOrDefault(kv => kv.Key == AlignmentKey).Value;
        if (alignmentValue is not null)
        {
            if (alignmentValue.Type != GgufValueType.UInt32) throw r.Fail(AlignmentKey, $"must be a uint32, found {alignmentValue.Describe()}");
            uint a = (uint)alignmentValue.Value;
            if (a == 0 || (a & (a - 1)) != 0 || a > (1u << 30)) throw r.Fail(AlignmentKey, $"must be a power of two (≤ 2^30), found {a}");
            alignment = (int)a;
        }

        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            string name = r.String($"tensor #{i} name", GgufFile.MaxKeyBytes);
            if (System.Text.Encoding.UTF8.GetByteCount(name) > GgufFile.MaxTensorNameBytes)
                throw r.Fail($"tensor #{i} name", $"'{name[..Math.Min(name.Length, 80)]}' is longer than ggml's {GgufFile.MaxTensorNameBytes} bytes");
            if (!names.Add(name)) throw r.Fail(name, "duplicate tensor name");
            uint dimCount = r.U32($"{name}: n_dims");
            if (dimCount > GgufFile.MaxDimensions) throw r.Fail(name, $"has {dimCount} dimensions, more than ggml's {GgufFile.MaxDimensions}");
            var dims = new long[dimCount];
            long elements = 1;
            for (int d = 0; d < dimCount; d++)
            {
                ulong n = r.U64($"{name}: dimension {d}");
                if (n > long.MaxValue) throw r.Fail(name, $"dimension {d} = {n} is negative as int64");
                if (n > int.MaxValue) throw r.Fail(name, $"dimension {d} = {n} overflows a SharpLM tensor dimension (int32, at most {int.MaxValue})");
                dims[d] = (long)n;
                if (n != 0 && elements > long.MaxValue / (long)n) throw r.Fail(name, "element count overflows int64");
                elements *= (long)n;
            }
            uint typeId = r.U32($"{name}: type");
            if (!QuantTypes.IsKnown(typeId) || typeId == (uint)QuantType.Q8_K)
                throw r.Fail(name, $"unknown or unsupported ggml tensor type id {typeId}");
            var type = (QuantType)typeId;
            int block = QuantTypes.BlockElements(type);
            long rowLength = dimCount > 0 ? dims[0] : 1; // a scalar is one row of one element
            if (rowLength % block != 0)
                throw r.Fail(name, $"row length {rowLength} is not a multiple of {QuantTypes.Name(type)}'s block of {block}");
            ulong offset = r.U64($"{name}: offset");
            if (offset > long.MaxValue) throw r.Fail(name, $"data offset {offset} is out of range");
            if ((long)offset % alignment != 0) throw r.Fail(name, $"data offset {offset} is not a multiple of the alignment {alignment} (misaligned)");
            tensors.Add(new GgufTensorInfo(name, dims, type, (long)offset));
        }

        long dataOffset = (r.Position + alignment - 1) / alignment * alignment;
        long dataBytes = r.Position + r.Remaining - dataOffset;
        long end = 0;
        foreach (var t in tensors.OrderBy(t => t.Offset))
        {
            long bytes = ByteCount(r, t);
            if (t.Offset < end) throw r.Fail(t.Name, $"data at offset {t.Offset} overlaps the previous tensor (which ends at {end})");
            if (bytes > dataBytes || t.Offset > dataBytes - bytes)
                throw r.Fail(t.Name, $"data [{t.Offset}, {t.Offset + bytes}) of the data section runs past the end of the file (the section has {Math.Max(0, dataBytes)} bytes; truncated?)");
            end = t.Offset + bytes;
        }
        return (version, metadata, tensors, alignment, dataOffset);
    }

    private static long ByteCount(GgufHeaderReader r, GgufTensorInfo t)
    {
        try { return checked(t.ByteCount); }
        catch (OverflowException) { throw r.Fail(t.Name, "byte size overflows int64"); }
    }

    private static GgufValue ReadValue(GgufHeaderReader r, string key)
    {
        uint typeId = r.U32($"{key}: value type");
        if (typeId > (uint)GgufValueType.Float64) throw r.Fail(key, $"unknown value type id {typeId}");
        var type = (GgufValueType)typeId;
        if (type != GgufValueType.Array) return GgufValue.Scalar(type, ReadScalar(r, type, key));
        uint elementId = r.U32($"{key}: array element type");
        if (elementId > (uint)GgufValueType.Float64) throw r.Fail(key, $"unknown array element type id {elementId}");
        var elementType = (GgufValueType)elementId;
        if (elementType == GgufValueType.Array) throw r.Fail(key, "nested arrays are not supported");
        long count = r.Count($"{key}: array length", GgufFile.MaxArrayLength, MinBytes(elementType));
        var array = System.Array.CreateInstance(GgufValue.ClrType(elementType), count);
        for (long i = 0; i < count; i++) array.SetValue(ReadScalar(r, elementType, key), i);
        return GgufValue.Array(elementType, array);
    }

    private static int MinBytes(GgufValueType t) => t switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        _ => 8, // 64-bit numbers, and a string's length field
    };

    private static object ReadScalar(GgufHeaderReader r, GgufValueType type, string key) => type switch
    {
        GgufValueType.UInt8 => r.U8(key),
        GgufValueType.Int8 => (sbyte)r.U8(key),
        GgufValueType.UInt16 => r.U16(key),
        GgufValueType.Int16 => (short)r.U16(key),
        GgufValueType.UInt32 => r.U32(key),
        GgufValueType.Int32 => (int)r.U32(key),
        GgufValueType.Float32 => BitConverter.UInt32BitsToSingle(r.U32(key)),
        GgufValueType.Bool => r.U8(key) switch { 0 => false, 1 => true, var b => throw r.Fail(key, $"bool byte is {b}, not 0 or 1") },
        GgufValueType.String => r.String(key, GgufFile.MaxStringBytes),
        GgufValueType.UInt64 => r.U64(key),
        GgufValueType.Int64 => (long)r.U64(key),
        GgufValueType.Float64 => BitConverter.UInt64BitsToDouble(r.U64(key)),
        _ => throw r.Fail(key, $"unexpected value type {type}"),
    };
}
