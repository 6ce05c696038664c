using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using SharpLM.Tensors;

namespace SharpLM.Formats;

/// <summary>
/// A tensor to be written whose values are produced only when the writer reaches it, so a
/// checkpoint with transformed weights (e.g. transposed) never holds every copy at once.
/// </summary>
/// <param name="Name">The tensor's name in the file.</param>
/// <param name="Shape">Its shape (goes into the header before any data is produced).</param>
/// <param name="Produce">Returns the values, a tensor of exactly <paramref name="Shape"/>.</param>
public sealed record SafetensorsEntry(string Name, int[] Shape, Func<Tensor> Produce);

/// <summary>
/// Hugging Face's safetensors format, the checkpoint format SharpLM uses: an 8-byte
/// little-endian header length, a JSON header <c>{name: {dtype, shape, data_offsets}}</c>
/// with an optional <c>__metadata__</c> string map, padded with spaces to an 8-byte
/// boundary, then every tensor's raw little-endian bytes back to back.
/// </summary>
public static class Safetensors
{
    /// <summary>Writes float32 tensors (and optional metadata) to <paramref name="path"/> atomically: a temporary file, then a rename.</summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors.Select(t => new SafetensorsEntry(t.Name, t.Tensor.ShapeArray, () => t.Tensor)), metadata);

    /// <summary>Writes lazily produced float32 tensors to <paramref name="path"/> atomically, streaming one tensor at a time.</summary>
    public static void Write(string path, IEnumerable<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var list = entries.ToList();
        var header = BuildHeader(list, metadata, path);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var entry in list)
                WriteData(stream, entry, path);
        });
    }

    /// <summary>Reads every tensor and the metadata of <paramref name="path"/> (F32, F16 or BF16 stored; float32 in memory).</summary>
    public static SafetensorsContents Read(string path)
    {
        using var file = SafetensorsFile.Open(path);
        return file.ReadAll();
    }

    private static void WriteData(Stream stream, SafetensorsEntry entry, string path)
    {
        var tensor = entry.Produce();
        if (!tensor.Shape.SequenceEqual(entry.Shape))
            throw new ArgumentException($"safetensors write '{path}': tensor '{entry.Name}' was declared {Tensor.FormatShape(entry.Shape)} but produced {tensor}.");
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(tensor.Span));
            return;
        }
        var buffer = new byte[4];
        foreach (var v in tensor.Span)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer, v);
            stream.Write(buffer);
        }
    }

    /// <summary>The JSON header for <paramref name="entries"/>, padded with spaces so the data starts on an 8-byte boundary.</summary>
    private static byte[] BuildHeader(List<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata, string path)
    {
        var names = new HashSet<string>();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                    json.WriteString(key, value ?? throw new ArgumentException($"safetensors write '{path}': metadata '{key}' is null."));
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var entry in entries)
            {
                if (string.IsNullOrEmpty(entry.Name) || entry.Name == "__metadata__")
                    throw new ArgumentException($"safetensors write '{path}': '{entry.Name}' cannot be a tensor name.");
                if (!names.Add(entry.Name))
                    throw new ArgumentException($"safetensors write '{path}': tensor name '{entry.Name}' appears twice.");
                long count = 1;
                foreach (var d in entry.Shape)
                {
                    if (d < 0) throw new ArgumentException($"safetensors write '{path}': tensor '{entry.Name}' has a negative dimension in {Tensor.FormatShape(entry.Shape)}.");
                    count *= d;
                }
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var d in entry.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + 4 * count);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += 4 * count;
            }
            json.WriteEndObject();
        }
        int unpadded = (int)buffer.Length;
        int padded = (8 + unpadded + 7) / 8 * 8 - 8;
        var header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, unpadded).CopyTo(header);
        header.AsSpan(unpadded).Fill((byte)' ');
        return header;
    }
}
