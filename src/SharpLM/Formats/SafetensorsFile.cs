using System.Runtime.InteropServices;
using SharpLM.Tensors;

namespace SharpLM.Formats;

/// <summary>
/// An open safetensors checkpoint whose header has been read and checked; tensors are read
/// from disk one at a time when asked for, so a loader never holds the file twice in memory.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private readonly FileStream _stream;
    private readonly SafetensorsHeader _header;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsFile(string path, FileStream stream, SafetensorsHeader header)
    {
        Path = path;
        _stream = stream;
        _header = header;
        _byName = header.Tensors.ToDictionary(t => t.Name);
    }

    /// <summary>Opens <paramref name="path"/> and validates its header (throws <see cref="InvalidDataException"/> naming the file and field when it is corrupt).</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file '{path}' does not exist.", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        try
        {
            return new SafetensorsFile(path, stream, SafetensorsHeader.Read(stream, path));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The file this was opened from.</summary>
    public string Path { get; }

    /// <summary>The <c>__metadata__</c> string map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Every tensor's name, dtype, shape and byte range, in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors => _header.Tensors;

    /// <summary>True when the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The description of tensor <paramref name="name"/> (throws naming the file when absent).</summary>
    public SafetensorsTensorInfo Info(string name) =>
        _byName.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException($"safetensors file '{Path}' has no tensor '{name}'.");

    /// <summary>Reads tensor <paramref name="name"/> into a new float32 tensor of its stored shape (any dtype but the 8-bit floats is widened).</summary>
    public Tensor ReadTensor(string name)
    {
        var info = Info(name);
        var tensor = new Tensor(info.Shape);
        ReadInto(info, tensor.Span);
        return tensor;
    }

    /// <summary>Reads tensor <paramref name="name"/> as float32 into <paramref name="destination"/>, which must have exactly its element count.</summary>
    public void ReadInto(string name, Span<float> destination) => ReadInto(Info(name), destination);

    private void ReadInto(SafetensorsTensorInfo info, Span<float> destination)
    {
        if (destination.Length != info.ElementCount)
            throw new ArgumentException($"safetensors file '{Path}': tensor '{info.Name}' has {info.ElementCount} elements, destination has {destination.Length}.", nameof(destination));
        if (!SafetensorsDTypes.CanWiden(info.DType))
            throw new NotSupportedException($"safetensors file '{Path}': tensor '{info.Name}' is stored as {SafetensorsDTypes.Name(info.DType)}, which SharpLM cannot convert to float32.");
        _stream.Position = _header.DataStart + info.Begin;
        try
        {
            if (info.DType == SafetensorsDType.F32 && BitConverter.IsLittleEndian)
            {
                _stream.ReadExactly(MemoryMarshal.AsBytes(destination));
                return;
            }
            int size = SafetensorsDTypes.Size(info.DType);
            var buffer = new byte[Math.Min(ChunkBytes, Math.Max(size, destination.Length * size))];
            int perChunk = buffer.Length / size;
            for (int done = 0; done < destination.Length; done += perChunk)
            {
                int n = Math.Min(perChunk, destination.Length - done);
                _stream.ReadExactly(buffer, 0, n * size);
                SafetensorsDTypes.ToFloat32(info.DType, buffer.AsSpan(0, n * size), destination.Slice(done, n));
            }
        }
        catch (EndOfStreamException)
        {
            throw SafetensorsHeader.Corrupt(Path, $"tensor '{info.Name}': the file ended while reading its data (truncated)");
        }
    }

    /// <summary>Reads every tensor (in file order, so the disk is read sequentially) and the metadata.</summary>
    public SafetensorsContents ReadAll()
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var info in _header.Tensors.OrderBy(t => t.Begin))
        {
            var tensor = new Tensor(info.Shape);
            ReadInto(info, tensor.Span);
            tensors[info.Name] = tensor;
        }
        var ordered = _header.Tensors.Select(t => (t.Name, tensors[t.Name])).ToList();
        return new SafetensorsContents(new Dictionary<string, string>(_header.Metadata), ordered);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
