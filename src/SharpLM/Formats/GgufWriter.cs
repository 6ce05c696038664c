using System.Buffers.Binary;
using System.Text;
using SharpLM.Kernels;

namespace SharpLM.Formats;

/// <summary>
/// Builds a GGUF v3 file: metadata in the order added, then tensor infos, then each tensor's
/// bytes padded to the alignment (<c>general.alignment</c> when set, else 32), exactly as ggml
/// lays a file out. Written atomically (<see cref="AtomicFile"/>): never half a file.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly List<(GgufTensorInfo Info, Action<Stream> Write)> _tensors = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Alignment of tensor data.</summary>
    public int Alignment { get; private set; } = GgufFile.DefaultAlignment;

    /// <summary>Adds metadata <paramref name="key"/> (unique); <c>general.alignment</c> must be a power-of-two uint32 and sets <see cref="Alignment"/>.</summary>
    public GgufWriter Add(string key, GgufValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (Encoding.UTF8.GetByteCount(key) > GgufFile.MaxKeyBytes) throw new ArgumentException($"GGUF key '{key[..40]}…' is too long", nameof(key));
        if (!_keys.Add(key)) throw new ArgumentException($"GGUF metadata key '{key}' added twice", nameof(key));
        if (key == GgufHeaderParser.AlignmentKey)
        {
            if (value.Type != GgufValueType.UInt32 || (uint)value.Value is var a && (a == 0 || (a & (a - 1)) != 0))
                throw new ArgumentException($"{key} must be a power-of-two uint32, got {value.Describe()}", nameof(value));
            if (_tensors.Count > 0) throw new InvalidOperationException($"set {key} before adding tensors");
            Alignment = (int)(uint)value.Value;
        }
        _metadata.Add(new(key, value));
        return this;
    }

    /// <summary>
    /// Adds a tensor with dimensions in ggml order (row length first); <paramref name="writeData"/> must write
    /// exactly its byte count (checked) when the file is written.
    /// </summary>
    public GgufWriter AddTensor(string name, QuantType type, long[] dimensions, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(writeData);
        if (Encoding.UTF8.GetByteCount(name) > GgufFile.MaxTensorNameBytes) throw new ArgumentException($"tensor name '{name}' is longer than ggml's {GgufFile.MaxTensorNameBytes} bytes", nameof(name));
        if (dimensions.Length is 0 or > GgufFile.MaxDimensions) throw new ArgumentException($"tensor '{name}' needs 1 to {GgufFile.MaxDimensions} dimensions, got {dimensions.Length}", nameof(dimensions));
        if (dimensions.Any(d => d < 0)) throw new ArgumentException($"tensor '{name}' has a negative dimension", nameof(dimensions));
        if (!_names.Add(name)) throw new ArgumentException($"tensor '{name}' added twice", nameof(name));
        if (dimensions[0] % QuantTypes.BlockElements(type) != 0)
            throw new ArgumentException($"tensor '{name}': row length {dimensions[0]} is not a multiple of {QuantTypes.Name(type)}'s block of {QuantTypes.BlockElements(type)}", nameof(dimensions));
        long offset = 0;
        if (_tensors.Count > 0)
        {
            var last = _tensors[^1].Info;
            offset = Pad(last.Offset + last.ByteCount, Alignment);
        }
        _tensors.Add((new GgufTensorInfo(name, (long[])dimensions.Clone(), type, offset), writeData));
        return this;
    }

    /// <summary>Adds a tensor whose bytes are already in memory.</summary>
    public GgufWriter AddTensor(string name, QuantType type, long[] dimensions, ReadOnlyMemory<byte> data) =>
        AddTensor(name, type, dimensions, s => s.Write(data.Span));

    /// <summary>Writes the file atomically.</summary>
    public void Write(string path) => AtomicFile.Write(path, stream => WriteTo(stream, path));

    private void WriteTo(Stream stream, string path)
    {
        var header = new MemoryStream();
        U32(header, GgufFile.Magic);
        U32(header, 3);
        U64(header, (ulong)_tensors.Count);
        U64(header, (ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            Str(header, key);
            U32(header, (uint)value.Type);
            if (value.Type == GgufValueType.Array)
            {
                U32(header, (uint)value.ElementType);
                var array = (Array)value.Value;
                U64(header, (ulong)array.Length);
                foreach (var element in array) Scalar(header, value.ElementType, element!);
            }
            else Scalar(header, value.Type, value.Value);
        }
        foreach (var (info, _) in _tensors)
        {
            Str(header, info.Name);
            U32(header, (uint)info.Dimensions.Length);
            foreach (long d in info.Dimensions) U64(header, (ulong)d);
            U32(header, (uint)info.Type);
            U64(header, (ulong)info.Offset);
        }
        header.Write(new byte[Pad(header.Length, Alignment) - header.Length]);
        header.Position = 0;
        header.CopyTo(stream);
        long dataStart = stream.Position;
        foreach (var (info, write) in _tensors)
        {
            long expectedStart = dataStart + info.Offset;
            if (stream.Position != expectedStart) throw new InvalidOperationException($"GGUF writer: tensor '{info.Name}' would start at {stream.Position - dataStart}, expected {info.Offset}");
            write(stream);
            long written = stream.Position - expectedStart;
            if (written != info.ByteCount)
                throw new GgufFormatException(path, info.Name, $"the writer produced {written} bytes, the tensor needs {info.ByteCount} ({QuantTypes.Name(info.Type)} [{string.Join(", ", info.Dimensions)}])");
            stream.Write(new byte[Pad(stream.Position - dataStart, Alignment) - (stream.Position - dataStart)]);
        }
    }

    private static long Pad(long n, int alignment) => (n + alignment - 1) / alignment * alignment;

    private static void U32(Stream s, uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); s.Write(b); }
    private static void U64(Stream s, ulong v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); s.Write(b); }
    private static void Str(Stream s, string v) { var bytes = Encoding.UTF8.GetBytes(v); U64(s, (ulong)bytes.Length); s.Write(bytes); }

    private static void Scalar(Stream s, GgufValueType type, object v)
    {
        switch (type)
        {
            case GgufValueType.UInt8: s.WriteByte((byte)v); break;
            case GgufValueType.Int8: s.WriteByte((byte)(sbyte)v); break;
            case GgufValueType.UInt16: { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); s.Write(b); break; }
            case GgufValueType.Int16: { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteInt16LittleEndian(b, (short)v); s.Write(b); break; }
            case GgufValueType.UInt32: U32(s, (uint)v); break;
            case GgufValueType.Int32: U32(s, (uint)(int)v); break;
            case GgufValueType.Float32: U32(s, BitConverter.SingleToUInt32Bits((float)v)); break;
            case GgufValueType.Bool: s.WriteByte((bool)v ? (byte)1 : (byte)0); break;
            case GgufValueType.String: Str(s, (string)v); break;
            case GgufValueType.UInt64: U64(s, (ulong)v); break;
            case GgufValueType.Int64: U64(s, (ulong)(long)v); break;
            case GgufValueType.Float64: U64(s, BitConverter.DoubleToUInt64Bits((double)v)); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), $"cannot write GGUF {type}");
        }
    }

    /// <summary>A writer holding everything <paramref name="file"/> holds (metadata and tensor bytes), for editing or a bit-exact copy.</summary>
    public static unsafe GgufWriter CopyOf(GgufFile file)
    {
        var writer = new GgufWriter();
        foreach (var (key, value) in file.Metadata) writer.Add(key, value);
        foreach (var info in file.Tensors)
        {
            var t = info;
            writer.AddTensor(t.Name, t.Type, t.Dimensions, s => s.Write(new ReadOnlySpan<byte>(file.Data(t), checked((int)t.ByteCount))));
        }
        return writer;
    }
}
