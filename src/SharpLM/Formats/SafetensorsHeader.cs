using System.Text.Json;

namespace SharpLM.Formats;

/// <summary>
/// Where one tensor sits in a safetensors file: its name, number format, shape and the byte
/// range <c>[Begin, End)</c> of its data, counted from the start of the data section.
/// </summary>
/// <param name="Name">The tensor's name, e.g. <c>h.0.attn.c_attn.weight</c>.</param>
/// <param name="DType">How each element is stored.</param>
/// <param name="Shape">Dimensions, outermost first (row-major).</param>
/// <param name="Begin">First byte of the data, relative to the data section.</param>
/// <param name="End">One past the last byte of the data, relative to the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, int[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (the product of the shape; 1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>
/// The JSON header of a safetensors file, parsed and checked against the spec: every entry
/// has a known dtype, a shape whose size matches its byte range, and the byte ranges tile the
/// data section exactly (no overlap, no gap, nothing past the end). Every length is checked
/// against the file's size and <see cref="MaxHeaderBytes"/> before anything is allocated; bad
/// input throws <see cref="InvalidDataException"/> naming the file and the field.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The spec's upper bound on the header size (100 MB), which also rejects garbage lengths early.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private SafetensorsHeader(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>The tensors, in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The free-form string map stored under <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>File offset of the data section: 8 + the header length.</summary>
    public long DataStart { get; }

    /// <summary>Reads and validates the header from the start of <paramref name="stream"/>; errors name <paramref name="path"/> and the field at fault.</summary>
    public static SafetensorsHeader Read(Stream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw Corrupt(path, $"the file is {fileLength} bytes, shorter than the 8-byte header length field (truncated or not a safetensors file)");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(lengthBytes);
        ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
            throw Corrupt(path, $"header length field is {headerLength}, expected 2..{MaxHeaderBytes} bytes (not a safetensors file?)");
        if ((long)headerLength > fileLength - 8)
            throw Corrupt(path, $"header length field says {headerLength} bytes but only {fileLength - 8} follow (truncated file)");

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        if (json[0] != (byte)'{')
            throw Corrupt(path, "the JSON header does not start with '{'");
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        using (var doc = JsonLimits.Parse(json.AsMemory().TrimEnd((byte)' '), (field, problem) => Corrupt(path, $"the JSON header is not valid JSON at {field}: {problem}")))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Corrupt(path, "the JSON header is not an object");
            var tensors = new List<SafetensorsTensorInfo>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>();
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw Corrupt(path, $"the header names '{property.Name}' twice");
                if (property.Name == "__metadata__")
                    ReadMetadata(property.Value, metadata, path);
                else
                    tensors.Add(ReadEntry(property.Name, property.Value, path));
            }
            CheckLayout(tensors, dataLength, path);
            return new SafetensorsHeader(tensors, metadata, dataStart);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Corrupt(path, "'__metadata__' must be an object of string values");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Corrupt(path, $"'__metadata__' value of '{item.Name}' is {item.Value.ValueKind}, expected a string");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadEntry(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Corrupt(path, $"tensor '{name}': entry is {value.ValueKind}, expected an object with dtype, shape and data_offsets");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Corrupt(path, $"tensor '{name}': missing string field 'dtype'");
        string dtypeText = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeText, out var dtype))
            throw Corrupt(path, $"tensor '{name}': dtype '{dtypeText}' is not a safetensors dtype (expected F32, F16, BF16, F64, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3 or F8_E5M2)");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Corrupt(path, $"tensor '{name}': missing array field 'shape'");
        var shape = new int[shapeElement.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int size) || size < 0)
                throw Corrupt(path, $"tensor '{name}': shape[{i}] is {d.GetRawText()}, expected a non-negative integer");
            shape[i++] = size;
            count *= size;
            if (count > int.MaxValue - 64)
                throw Corrupt(path, $"tensor '{name}': shape has more than {int.MaxValue - 64} elements, too many for one tensor");
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Corrupt(path, $"tensor '{name}': missing field 'data_offsets' (expected [begin, end])");
        long begin = ReadOffset(offsets[0], name, "begin", path);
        long end = ReadOffset(offsets[1], name, "end", path);
        if (end < begin)
            throw Corrupt(path, $"tensor '{name}': data_offsets end {end} is before begin {begin}");
        long expectedBytes = count * SafetensorsDTypes.Size(dtype);
        if (end - begin != expectedBytes)
            throw Corrupt(path, $"tensor '{name}': shape {FormatShape(shape)} of {dtypeText} needs {expectedBytes} bytes but data_offsets [{begin}, {end}] span {end - begin}");

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static long ReadOffset(JsonElement e, string name, string which, string path)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
            throw Corrupt(path, $"tensor '{name}': data_offsets {which} is {e.GetRawText()}, expected a non-negative integer");
        return v;
    }

    /// <summary>Checks that the tensors' byte ranges cover the data section exactly once, as the spec requires.</summary>
    private static void CheckLayout(List<SafetensorsTensorInfo> tensors, long dataLength, string path)
    {
        var sorted = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
        long position = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var t in sorted)
        {
            if (t.End > dataLength)
                throw Corrupt(path, $"tensor '{t.Name}': data_offsets [{t.Begin}, {t.End}] run past the end of the data section ({dataLength} bytes; truncated file?)");
            if (t.Begin < position)
                throw Corrupt(path, $"tensor '{t.Name}': data_offsets [{t.Begin}, {t.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            if (t.Begin > position)
                throw Corrupt(path, $"tensor '{t.Name}': data_offsets begin {t.Begin} leaves a gap after byte {position} (the data section must be tiled without holes)");
            position = t.End;
            previous = t;
        }
        if (position != dataLength)
            throw Corrupt(path, $"the data section is {dataLength} bytes but the tensors cover only {position} (trailing bytes after the last tensor)");
    }

    /// <summary>Formats a shape as <c>[2,3]</c>.</summary>
    internal static string FormatShape(IReadOnlyList<int> shape) => "[" + string.Join(",", shape) + "]";

    /// <summary>An error for a corrupt or truncated file that names the file and what is wrong.</summary>
    internal static InvalidDataException Corrupt(string path, string what) => new($"safetensors file '{path}': {what}.");
}
