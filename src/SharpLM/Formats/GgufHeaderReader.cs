using System.Buffers.Binary;
using System.Text;

namespace SharpLM.Formats;

/// <summary>
/// Reads a GGUF header's little-endian fields from mapped memory with every read checked
/// against the end of the file, so a truncated or hostile file fails with a
/// <see cref="GgufFormatException"/> naming the field instead of reading past the mapping.
/// </summary>
internal sealed unsafe class GgufHeaderReader(byte* start, long length, string path)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Current position from the file's start.</summary>
    public long Position { get; private set; }

    /// <summary>Bytes left after <see cref="Position"/>.</summary>
    public long Remaining => length - Position;

    /// <summary>The file being read.</summary>
    public string Path => path;

    /// <summary>Throws naming <paramref name="field"/>.</summary>
    public GgufFormatException Fail(string field, string problem) => new(path, field, problem);

    private byte* Take(long count, string field)
    {
        if (count < 0 || count > Remaining)
            throw Fail(field, $"needs {count} bytes at offset {Position} but the file has {Remaining} left (truncated or corrupt)");
        byte* p = start + Position;
        Position += count;
        return p;
    }

    public byte U8(string field) => *Take(1, field);
    public ushort U16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(Take(2, field), 2));
    public uint U32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(Take(4, field), 4));
    public ulong U64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(Take(8, field), 8));

    /// <summary>A count (uint64) that must be at most <paramref name="limit"/> and leave room for <paramref name="minBytesEach"/> bytes per item.</summary>
    public long Count(string field, long limit, long minBytesEach)
    {
        ulong n = U64(field);
        if (n > (ulong)limit)
            throw Fail(field, $"count {n} exceeds SharpLM's limit of {limit}");
        if (minBytesEach > 0 && (long)n > Remaining / minBytesEach)
            throw Fail(field, $"count {n} needs at least {(long)n * minBytesEach} bytes but the file has {Remaining} left");
        return (long)n;
    }

    /// <summary>A GGUF string: uint64 byte length (≤ <paramref name="limit"/> and ≤ what is left), then UTF-8 bytes.</summary>
    public string String(string field, long limit)
    {
        ulong n = U64(field + " (string length)");
        if (n > (ulong)limit) throw Fail(field, $"string length {n} exceeds SharpLM's limit of {limit} bytes");
        if ((long)n > Remaining) throw Fail(field, $"string length {n} runs past the end of the file ({Remaining} bytes left)");
        return Utf8.GetString(Take((long)n, field), (int)n);
    }
}
