using SharpLM.Tensors;

namespace SharpLM.Formats;

/// <summary>Everything a safetensors file holds, loaded into memory: the metadata map and the named float32 tensors.</summary>
public sealed class SafetensorsContents
{
    private readonly Dictionary<string, Tensor> _byName;

    /// <summary>Wraps the metadata and the tensors (names must be unique).</summary>
    public SafetensorsContents(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name, t => t.Tensor);
    }

    /// <summary>The <c>__metadata__</c> string map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors with their names, in header order.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Tensors { get; }

    /// <summary>The tensor called <paramref name="name"/> (throws when absent).</summary>
    public Tensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"safetensors contents have no tensor '{name}'.");

    /// <summary>True when a tensor called <paramref name="name"/> was read.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);
}
