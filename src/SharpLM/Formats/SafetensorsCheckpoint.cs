using System.Text.Json;
using SharpLM.Tensors;

namespace SharpLM.Formats;

/// <summary>
/// The weights of a Hugging Face model folder, in one <c>model.safetensors</c> or sharded across
/// several files listed by <c>model.safetensors.index.json</c> (<c>{"weight_map": {tensor: file}}</c>),
/// as large checkpoints ship. Tensors are looked up by name across the shards and read on
/// demand (any stored float format widened to float32).
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>File name of a single-file checkpoint.</summary>
    public const string SingleFile = "model.safetensors";

    /// <summary>File name of the index of a sharded checkpoint.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, (SafetensorsFile File, SafetensorsTensorInfo Info)> _byName = new();

    private SafetensorsCheckpoint(string path, List<SafetensorsFile> files)
    {
        Path = path;
        _files = files;
        foreach (var file in files)
            foreach (var info in file.Tensors)
                if (!_byName.TryAdd(info.Name, (file, info)))
                    throw new InvalidDataException($"checkpoint '{path}': tensor '{info.Name}' is in both '{_byName[info.Name].File.Path}' and '{file.Path}'.");
    }

    /// <summary>True when <paramref name="directory"/> holds a single-file or an indexed sharded checkpoint.</summary>
    public static bool Exists(string directory) =>
        File.Exists(System.IO.Path.Combine(directory, SingleFile)) || File.Exists(System.IO.Path.Combine(directory, IndexFile));

    /// <summary>Opens the checkpoint of a model folder: <c>model.safetensors</c> if present, else the shards its index names.</summary>
    public static SafetensorsCheckpoint Open(string directory)
    {
        string single = System.IO.Path.Combine(directory, SingleFile);
        if (File.Exists(single)) return new SafetensorsCheckpoint(single, [SafetensorsFile.Open(single)]);
        string index = System.IO.Path.Combine(directory, IndexFile);
        if (!File.Exists(index))
            throw new FileNotFoundException($"model folder '{directory}' has no {SingleFile} and no {IndexFile} (the weights).", single);
        var (shards, map) = ReadIndex(index);
        var files = new List<SafetensorsFile>();
        try
        {
            foreach (var shard in shards)
            {
                string shardPath = System.IO.Path.Combine(directory, shard);
                if (!File.Exists(shardPath)) throw new FileNotFoundException($"'{index}' names shard '{shard}', which is not in '{directory}'.", shardPath);
                files.Add(SafetensorsFile.Open(shardPath));
            }
            var checkpoint = new SafetensorsCheckpoint(index, files);
            foreach (var (tensor, shard) in map)
            {
                if (!checkpoint._byName.TryGetValue(tensor, out var where))
                    throw new InvalidDataException($"'{index}' maps tensor '{tensor}' to '{shard}', but no shard holds it.");
                if (System.IO.Path.GetFileName(where.File.Path) != shard)
                    throw new InvalidDataException($"'{index}' maps tensor '{tensor}' to '{shard}', but it is in '{System.IO.Path.GetFileName(where.File.Path)}'.");
            }
            foreach (var name in checkpoint._byName.Keys)
                if (!map.ContainsKey(name)) throw new InvalidDataException($"'{index}' does not list tensor '{name}' found in '{checkpoint._byName[name].File.Path}'.");
            return checkpoint;
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    /// <summary>Wraps one already open file (the caller keeps ownership only if it does not dispose this).</summary>
    public static SafetensorsCheckpoint FromFile(SafetensorsFile file) => new(file.Path, [file]);

    /// <summary>The file (or index) this was opened from, for messages.</summary>
    public string Path { get; }

    /// <summary>Every tensor across the shards, in shard then header order.</summary>
    public IEnumerable<SafetensorsTensorInfo> Tensors => _files.SelectMany(f => f.Tensors);

    /// <summary>True when some shard holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The description of tensor <paramref name="name"/> (throws naming the checkpoint when absent).</summary>
    public SafetensorsTensorInfo Info(string name) =>
        _byName.TryGetValue(name, out var e) ? e.Info : throw new KeyNotFoundException($"checkpoint '{Path}' has no tensor '{name}'.");

    /// <summary>Reads tensor <paramref name="name"/> into a new float32 tensor of its stored shape.</summary>
    public Tensor ReadTensor(string name) => FileOf(name).ReadTensor(name);

    /// <summary>Reads tensor <paramref name="name"/> as float32 into <paramref name="destination"/> (exactly its element count).</summary>
    public void ReadInto(string name, Span<float> destination) => FileOf(name).ReadInto(name, destination);

    private SafetensorsFile FileOf(string name) =>
        _byName.TryGetValue(name, out var e) ? e.File : throw new KeyNotFoundException($"checkpoint '{Path}' has no tensor '{name}'.");

    private static (List<string> Shards, Dictionary<string, string> Map) ReadIndex(string path)
    {
        using (var doc = JsonLimits.ParseFile(path, JsonLimits.MaxSmallFileBytes, (field, problem) => new InvalidDataException($"safetensors index '{path}' is not valid JSON at {field} ({problem}).")))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"safetensors index '{path}' has no 'weight_map' object.");
            var result = new Dictionary<string, string>();
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String) throw new InvalidDataException($"safetensors index '{path}': weight_map['{p.Name}'] is {p.Value.GetRawText()}, expected a file name.");
                string shard = p.Value.GetString()!;
                if (shard.Contains('/') || shard.Contains('\\') || shard is "." or "..")
                    throw new InvalidDataException($"safetensors index '{path}': weight_map['{p.Name}'] is '{shard}', expected a file name in the same folder.");
                result[p.Name] = shard;
            }
            if (result.Count == 0) throw new InvalidDataException($"safetensors index '{path}' maps no tensors.");
            return (result.Values.Distinct().Order(StringComparer.Ordinal).ToList(), result);
        }
    }

    /// <summary>Closes every shard.</summary>
    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
