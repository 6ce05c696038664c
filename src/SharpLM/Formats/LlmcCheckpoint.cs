using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SharpLM.Tensors;

namespace SharpLM.Formats;

/// <summary>
/// The shape of a GPT-2 stored in llm.c's checkpoint format (<c>gpt2_124M.bin</c>): context
/// length, vocabulary (real V and padded Vp), layers, heads and width, and the storage
/// version (3 = float32, 5 = bfloat16).
/// </summary>
/// <param name="Version">3 for float32 parameters, 5 for bfloat16.</param>
/// <param name="MaxT">Context length (rows of <c>wpe</c>).</param>
/// <param name="V">Real vocabulary size; the softmax covers only these.</param>
/// <param name="L">Number of layers.</param>
/// <param name="NH">Number of attention heads.</param>
/// <param name="C">Model width (channels).</param>
/// <param name="Vp">Padded vocabulary size (rows of <c>wte</c>); rows V..Vp-1 are padding.</param>
public sealed record LlmcHeader(int Version, int MaxT, int V, int L, int NH, int C, int Vp)
{
    /// <summary>Bytes per stored parameter: 4 for version 3, 2 for version 5.</summary>
    public int ElementSize => Version == LlmcCheckpoint.VersionBf16 ? 2 : 4;

    /// <summary>The 16 parameter tensors in file order, each with its llm.c name and shape (layer-stacked ones lead with L).</summary>
    public IReadOnlyList<(string Name, int[] Shape)> Layout() =>
    [
        ("wte", [Vp, C]), ("wpe", [MaxT, C]),
        ("ln1w", [L, C]), ("ln1b", [L, C]),
        ("qkvw", [L, 3 * C, C]), ("qkvb", [L, 3 * C]),
        ("attprojw", [L, C, C]), ("attprojb", [L, C]),
        ("ln2w", [L, C]), ("ln2b", [L, C]),
        ("fcw", [L, 4 * C, C]), ("fcb", [L, 4 * C]),
        ("fcprojw", [L, C, 4 * C]), ("fcprojb", [L, C]),
        ("lnfw", [C]), ("lnfb", [C]),
    ];

    /// <summary>Total number of stored parameters (llm.c's <c>num_parameters</c>, counting the Vp padded rows).</summary>
    public long ParameterCount => Layout().Sum(t => t.Shape.Aggregate(1L, (a, d) => a * d));
}

/// <summary>
/// Reads and writes llm.c's GPT-2 checkpoint format (karpathy/llm.c <c>train_gpt2.c</c>): an
/// int32[256] header (magic 20240326, version, maxT, V, L, NH, C, Vp) and then every
/// parameter back to back, little-endian, in the order of <see cref="LlmcHeader.Layout"/>.
/// Matmul weights are <c>[out, in]</c>, like SharpLM's. Tensors are read on demand (one layer
/// at a time if wanted), so importing GPT-2 124M never holds the file twice in memory. The header's
/// dimensions are checked against <see cref="MaxDimension"/> and the file's exact size before any
/// tensor is allocated; bad input throws <see cref="InvalidDataException"/> naming the file and field.
/// </summary>
public sealed class LlmcCheckpoint : IDisposable
{
    /// <summary>The number llm.c puts first in a model file.</summary>
    public const int Magic = 20240326;
    /// <summary>Version of a float32 checkpoint.</summary>
    public const int VersionFp32 = 3;
    /// <summary>Version of a bfloat16 checkpoint.</summary>
    public const int VersionBf16 = 5;
    /// <summary>Size of the header: 256 int32 values.</summary>
    public const int HeaderBytes = 256 * 4;
    /// <summary>Largest header dimension accepted (2^24), so shapes like 4·C cannot overflow; the file size must then match the header exactly.</summary>
    public const int MaxDimension = 1 << 24;

    private readonly FileStream _stream;
    private readonly Dictionary<string, (int[] Shape, long Offset)> _tensors = new();

    private LlmcCheckpoint(string path, FileStream stream, LlmcHeader header)
    {
        Path = path;
        _stream = stream;
        Header = header;
        long offset = HeaderBytes;
        foreach (var (name, shape) in header.Layout())
        {
            _tensors[name] = (shape, offset);
            offset += shape.Aggregate(1L, (a, d) => a * d) * header.ElementSize;
        }
    }

    /// <summary>The file this checkpoint was opened from.</summary>
    public string Path { get; }

    /// <summary>The model's shape as the header states it.</summary>
    public LlmcHeader Header { get; }

    /// <summary>Opens <paramref name="path"/> and checks its header and size; errors name the file and the field.</summary>
    public static LlmcCheckpoint Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"llm.c checkpoint '{path}' does not exist.", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        try
        {
            return new LlmcCheckpoint(path, stream, ReadHeader(stream, path));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static LlmcHeader ReadHeader(FileStream stream, string path)
    {
        if (stream.Length < HeaderBytes)
            throw Bad(path, $"is {stream.Length} bytes, shorter than the {HeaderBytes}-byte header (truncated or not an llm.c checkpoint)");
        var bytes = new byte[HeaderBytes];
        stream.ReadExactly(bytes);
        int Field(int i) => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
        if (Field(0) != Magic)
            throw Bad(path, $"header[0] (magic) is {Field(0)}, expected {Magic} (not an llm.c GPT-2 checkpoint)");
        int version = Field(1);
        if (version is not (VersionFp32 or VersionBf16))
            throw Bad(path, $"header[1] (version) is {version}, expected {VersionFp32} (float32) or {VersionBf16} (bfloat16)");
        string[] names = ["maxT", "V", "L", "NH", "C", "Vp"];
        for (int i = 0; i < names.Length; i++)
            if (Field(2 + i) is <= 0 or > MaxDimension) throw Bad(path, $"header[{2 + i}] ({names[i]}) is {Field(2 + i)}, expected 1..{MaxDimension}");
        var header = new LlmcHeader(version, Field(2), Field(3), Field(4), Field(5), Field(6), Field(7));
        if (header.C % header.NH != 0) throw Bad(path, $"width C={header.C} is not divisible by the head count NH={header.NH}");
        if (header.Vp < header.V) throw Bad(path, $"padded vocabulary Vp={header.Vp} is smaller than V={header.V}");
        foreach (var (name, shape) in header.Layout())
            if (shape.Aggregate(1L, (a, d) => a * d) > int.MaxValue - 64)
                throw Bad(path, $"tensor '{name}' {Tensor.FormatShape(shape)} is too large for one tensor");
        long expected = HeaderBytes + header.ParameterCount * header.ElementSize;
        if (stream.Length != expected)
            throw Bad(path, $"is {stream.Length} bytes but its header (maxT={header.MaxT}, V={header.V}, L={header.L}, NH={header.NH}, C={header.C}, Vp={header.Vp}, version {version}) needs {expected} ({(stream.Length < expected ? "truncated" : "trailing bytes")})");
        return header;
    }

    /// <summary>Shape of the llm.c tensor <paramref name="name"/> (e.g. <c>qkvw</c> is <c>[L, 3C, C]</c>).</summary>
    public int[] ShapeOf(string name) => (int[])Find(name).Shape.Clone();

    /// <summary>Reads a whole llm.c tensor (all layers for the layer-stacked ones) as float32.</summary>
    public Tensor ReadTensor(string name)
    {
        var (shape, offset) = Find(name);
        var t = new Tensor(shape);
        ReadAt(offset, t.Span, name);
        return t;
    }

    /// <summary>Reads a whole llm.c tensor as float32 into <paramref name="destination"/>, which must have exactly its element count.</summary>
    public void ReadInto(string name, Span<float> destination)
    {
        var (shape, offset) = Find(name);
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (destination.Length != count)
            throw new ArgumentException($"llm.c tensor '{name}' has {count} values, destination has {destination.Length}.", nameof(destination));
        ReadAt(offset, destination, name);
    }

    /// <summary>Reads layer <paramref name="layer"/> of a layer-stacked tensor (e.g. <c>qkvw</c> → <c>[3C, C]</c>) into <paramref name="destination"/>.</summary>
    public void ReadLayer(string name, int layer, Span<float> destination)
    {
        var (shape, offset) = Find(name);
        if (name is "wte" or "wpe" or "lnfw" or "lnfb")
            throw new ArgumentException($"llm.c tensor '{name}' is not stacked by layer.", nameof(name));
        if ((uint)layer >= (uint)Header.L)
            throw new ArgumentOutOfRangeException(nameof(layer), $"layer {layer} is outside 0..{Header.L - 1}.");
        long perLayer = shape[1..].Aggregate(1L, (a, d) => a * d);
        if (destination.Length != perLayer)
            throw new ArgumentException($"llm.c tensor '{name}' has {perLayer} values per layer, destination has {destination.Length}.", nameof(destination));
        ReadAt(offset + layer * perLayer * Header.ElementSize, destination, name);
    }

    private (int[] Shape, long Offset) Find(string name) =>
        _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"llm.c checkpoint has no tensor '{name}' (known: {string.Join(", ", _tensors.Keys)}).");

    private void ReadAt(long offset, Span<float> destination, string name)
    {
        _stream.Position = offset;
        try
        {
            if (Header.Version == VersionFp32 && BitConverter.IsLittleEndian)
            {
                _stream.ReadExactly(MemoryMarshal.AsBytes(destination));
                return;
            }
            var dtype = Header.Version == VersionFp32 ? SafetensorsDType.F32 : SafetensorsDType.BF16;
            int size = Header.ElementSize;
            var buffer = new byte[Math.Min(1 << 20, Math.Max(size, destination.Length * size))];
            int perChunk = buffer.Length / size;
            for (int done = 0; done < destination.Length; done += perChunk)
            {
                int n = Math.Min(perChunk, destination.Length - done);
                _stream.ReadExactly(buffer, 0, n * size);
                SafetensorsDTypes.ToFloat32(dtype, buffer.AsSpan(0, n * size), destination.Slice(done, n));
            }
        }
        catch (EndOfStreamException)
        {
            throw Bad(Path, $"ended while reading tensor '{name}' (truncated)");
        }
    }

    /// <summary>Writes a float32 (version 3) checkpoint atomically; <paramref name="tensors"/> are in <see cref="LlmcHeader.Layout"/> order and shapes.</summary>
    public static void Write(string path, LlmcHeader header, IReadOnlyList<Tensor> tensors)
    {
        if (header.Version != VersionFp32) throw new ArgumentException($"llm.c write '{path}': only version {VersionFp32} (float32) is written, got {header.Version}.", nameof(header));
        var layout = header.Layout();
        if (tensors.Count != layout.Count) throw new ArgumentException($"llm.c write '{path}': {layout.Count} tensors expected, got {tensors.Count}.", nameof(tensors));
        for (int i = 0; i < layout.Count; i++)
            if (!tensors[i].Shape.SequenceEqual(layout[i].Shape))
                throw new ArgumentException($"llm.c write '{path}': tensor '{layout[i].Name}' must be {Tensor.FormatShape(layout[i].Shape)}, got {tensors[i]}.", nameof(tensors));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("llm.c files are little-endian; writing them on a big-endian machine is not supported.");
        AtomicFile.Write(path, stream =>
        {
            var h = new byte[HeaderBytes];
            int[] fields = [Magic, header.Version, header.MaxT, header.V, header.L, header.NH, header.C, header.Vp];
            for (int i = 0; i < fields.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(4 * i), fields[i]);
            stream.Write(h);
            foreach (var t in tensors) stream.Write(MemoryMarshal.AsBytes(t.Span));
        });
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();

    private static InvalidDataException Bad(string path, string what) => new($"llm.c checkpoint '{path}' {what}.");
}
