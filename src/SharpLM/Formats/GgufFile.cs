using System.IO.MemoryMappedFiles;
using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Formats;

/// <summary>
/// An open GGUF file (llama.cpp's model format, versions 2 and 3): header, typed metadata and
/// tensor infos parsed and checked; tensor data stays in a read-only memory map, so a large
/// model is paged in from disk on use rather than copied onto the heap. Every count and length
/// is checked against the file size and the limits below before anything is allocated.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;
    /// <summary>Alignment of tensor data when <c>general.alignment</c> is absent.</summary>
    public const int DefaultAlignment = 32;
    /// <summary>Limit on metadata entries.</summary>
    public const long MaxKeyValues = 1 << 20;
    /// <summary>Limit on tensors.</summary>
    public const long MaxTensors = 1 << 20;
    /// <summary>Limit on a key's length in bytes.</summary>
    public const long MaxKeyBytes = 65535;
    /// <summary>Limit on a string value's length in bytes (chat templates are kilobytes).</summary>
    public const long MaxStringBytes = 64 << 20;
    /// <summary>Limit on an array's element count (vocabularies and merge lists are a few hundred thousand).</summary>
    public const long MaxArrayLength = 1 << 26;
    /// <summary>Limit on a tensor name's length in bytes (ggml's GGML_MAX_NAME − 1).</summary>
    public const int MaxTensorNameBytes = 63;
    /// <summary>Limit on a tensor's dimension count (ggml's GGML_MAX_DIMS).</summary>
    public const int MaxDimensions = 4;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;
    private readonly Dictionary<string, GgufValue> _byKey;
    private readonly Dictionary<string, GgufTensorInfo> _byName;

    private GgufFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePointer;
        Length = length;
        var reader = new GgufHeaderReader(basePointer, length, path);
        (Version, Metadata, Tensors, Alignment, DataOffset) = GgufHeaderParser.Parse(reader);
        _byKey = Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        _byName = Tensors.ToDictionary(t => t.Name);
    }

    /// <summary>Opens and checks <paramref name="path"/>; throws <see cref="GgufFormatException"/> naming the field when it is malformed.</summary>
    public static GgufFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"GGUF file '{path}' does not exist.", path);
        long length = new FileInfo(path).Length;
        if (length < 24) throw new GgufFormatException(path, "header", $"the file has {length} bytes, fewer than a GGUF header's 24 (truncated or not GGUF)");
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            try
            {
                return new GgufFile(path, map, view, p + view.PointerOffset, length);
            }
            catch
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
                throw;
            }
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>The file this was opened from.</summary>
    public string Path { get; }

    /// <summary>File size in bytes.</summary>
    public long Length { get; }

    /// <summary>GGUF version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>Metadata in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata { get; }

    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Alignment of tensor data (general.alignment, default 32).</summary>
    public int Alignment { get; }

    /// <summary>Where the tensor data section starts in the file.</summary>
    public long DataOffset { get; }

    /// <summary>True when metadata key <paramref name="key"/> is present.</summary>
    public bool Has(string key) => _byKey.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public GgufValue? Get(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>The value of <paramref name="key"/>, or a <see cref="GgufFormatException"/> naming it.</summary>
    public GgufValue Require(string key) => _byKey.TryGetValue(key, out var v) ? v : throw new GgufFormatException(Path, key, "required metadata key is missing");

    /// <summary>True when the file has tensor <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The info of tensor <paramref name="name"/> (throws naming the file when absent).</summary>
    public GgufTensorInfo Info(string name) =>
        _byName.TryGetValue(name, out var info) ? info : throw new GgufFormatException(Path, name, "tensor is missing");

    /// <summary>Pointer to a tensor's bytes inside the map (valid until <see cref="Dispose"/>).</summary>
    public byte* Data(GgufTensorInfo info)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _base + DataOffset + info.Offset;
    }

    /// <summary>A tensor's bytes as a span (tensors over 2 GiB must use <see cref="Data"/>).</summary>
    public ReadOnlySpan<byte> Bytes(GgufTensorInfo info) => new(Data(info), checked((int)info.ByteCount));

    /// <summary>A 2-D tensor as a <see cref="QuantMatrix"/> pointing into the map (no copy); the matrix keeps this file open.</summary>
    public QuantMatrix Matrix(GgufTensorInfo info)
    {
        if (info.Dimensions.Length is < 1 or > 2) throw new GgufFormatException(Path, info.Name, $"expected a matrix, the tensor has {info.Dimensions.Length} dimensions");
        int columns = checked((int)info.Dimensions[0]);
        int rows = info.Dimensions.Length == 2 ? checked((int)info.Dimensions[1]) : 1;
        return new QuantMatrix(info.Type, rows, columns, Data(info), this);
    }

    /// <summary>Reads tensor <paramref name="name"/> into a new float32 tensor of its shape (outermost first), dequantizing.</summary>
    public Tensor ReadTensor(string name)
    {
        var info = Info(name);
        if (!QuantTypes.IsComputable(info.Type))
            throw new GgufFormatException(Path, name, $"tensor type {QuantTypes.Name(info.Type)} cannot be read by SharpLM (it reads f32, f16, bf16, q8_0, q4_0, q4_k, q6_k)");
        var tensor = new Tensor(info.Shape.Length == 0 ? [1] : info.Shape);
        long row = info.Dimensions.Length == 0 ? 1 : info.Dimensions[0];
        long rowBytes = QuantTypes.RowBytes(info.Type, row);
        byte* p = Data(info);
        var span = tensor.Span;
        for (long r = 0; r < info.ElementCount / Math.Max(1, row); r++)
            QuantCodec.Dequantize(info.Type, new ReadOnlySpan<byte>(p + r * rowBytes, (int)rowBytes), span.Slice((int)(r * row), (int)row));
        return tensor;
    }

    /// <summary>Unmaps the file.</summary>
    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
