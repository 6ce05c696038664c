using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SharpLM.Formats;

/// <summary>
/// llm.c's token file (<c>tiny_shakespeare_val.bin</c> …): an int32[256] header (magic
/// 20240520, version 1, token count) followed by the token ids as little-endian uint16. It
/// is text already turned into ids by a tokenizer, ready to be cut into training batches.
/// The token count is checked against the file's size before anything is allocated; bad input
/// throws <see cref="InvalidDataException"/> naming the file and field.
/// </summary>
public static class LlmcTokens
{
    /// <summary>The number llm.c puts first in a token file.</summary>
    public const int Magic = 20240520;
    /// <summary>The only version of the format.</summary>
    public const int Version = 1;
    /// <summary>Size of the header: 256 int32 values.</summary>
    public const int HeaderBytes = 256 * 4;

    /// <summary>True when <paramref name="path"/> starts with the llm.c token file magic (so callers can tell it from text).</summary>
    public static bool IsTokenFile(string path)
    {
        if (!File.Exists(path)) return false;
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return stream.Length >= HeaderBytes && stream.Read(head) == 4 && BinaryPrimitives.ReadInt32LittleEndian(head) == Magic;
    }

    /// <summary>Reads every token id; errors name the file and what is wrong (magic, version, count, size).</summary>
    public static int[] Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"llm.c token file '{path}' does not exist.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        if (stream.Length < HeaderBytes)
            throw Bad(path, $"is {stream.Length} bytes, shorter than the {HeaderBytes}-byte header (truncated or not an llm.c token file)");
        var header = new byte[HeaderBytes];
        stream.ReadExactly(header);
        int magic = BinaryPrimitives.ReadInt32LittleEndian(header);
        int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
        int count = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        if (magic != Magic) throw Bad(path, $"header[0] (magic) is {magic}, expected {Magic} (not an llm.c token file)");
        if (version != Version) throw Bad(path, $"header[1] (version) is {version}, expected {Version}");
        if (count < 0) throw Bad(path, $"header[2] (token count) is {count}, expected ≥ 0");
        long expected = HeaderBytes + 2L * count;
        if (stream.Length != expected)
            throw Bad(path, $"is {stream.Length} bytes but holds {count} tokens per its header, which need {expected} ({(stream.Length < expected ? "truncated" : "trailing bytes")})");
        var raw = new ushort[count];
        stream.ReadExactly(MemoryMarshal.AsBytes(raw.AsSpan()));
        var ids = new int[count];
        for (int i = 0; i < count; i++)
            ids[i] = BitConverter.IsLittleEndian ? raw[i] : BinaryPrimitives.ReverseEndianness(raw[i]);
        return ids;
    }

    /// <summary>Writes token ids (each 0..65535) as an llm.c token file, atomically.</summary>
    public static void Write(string path, ReadOnlySpan<int> ids)
    {
        var raw = new ushort[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] > ushort.MaxValue) throw new ArgumentException($"llm.c token write '{path}': id {ids[i]} at position {i} does not fit in uint16.", nameof(ids));
            raw[i] = BitConverter.IsLittleEndian ? (ushort)ids[i] : BinaryPrimitives.ReverseEndianness((ushort)ids[i]);
        }
        AtomicFile.Write(path, stream =>
        {
            var header = new byte[HeaderBytes];
            BinaryPrimitives.WriteInt32LittleEndian(header, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), Version);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), raw.Length);
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(raw.AsSpan()));
        });
    }

    private static InvalidDataException Bad(string path, string what) => new($"llm.c token file '{path}' {what}.");
}
