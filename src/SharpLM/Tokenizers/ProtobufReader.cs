using System.Buffers.Binary;
using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// A minimal reader of the protocol-buffers wire format (varints, 32/64-bit and length-delimited
/// fields), enough for SentencePiece's <c>ModelProto</c>. Every malformed or truncated field is
/// reported with the file and the message path being read.
/// </summary>
internal ref struct ProtobufReader
{
    /// <summary>Wire type 0: a varint.</summary>
    public const int Varint = 0;
    /// <summary>Wire type 1: eight little-endian bytes.</summary>
    public const int Fixed64 = 1;
    /// <summary>Wire type 2: a length, then that many bytes (strings, bytes, sub-messages).</summary>
    public const int LengthDelimited = 2;
    /// <summary>Wire type 5: four little-endian bytes (float, fixed32).</summary>
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _path;
    private readonly string _where;
    private int _pos;

    /// <summary>Reads <paramref name="data"/>, the message at <paramref name="where"/> inside file <paramref name="path"/>.</summary>
    public ProtobufReader(ReadOnlySpan<byte> data, string path, string where)
    {
        _data = data;
        _path = path;
        _where = where;
        _pos = 0;
    }

    /// <summary>True while fields remain.</summary>
    public readonly bool HasMore => _pos < _data.Length;

    /// <summary>Where the reader is (byte offset inside this message).</summary>
    public readonly int Position => _pos;

    /// <summary>Reads the next field's tag: its number and wire type.</summary>
    public (int Field, int WireType) ReadTag()
    {
        ulong tag = ReadVarint("tag");
        int field = (int)(tag >> 3), wire = (int)(tag & 7);
        if (field == 0 || tag >> 3 > int.MaxValue) Fail($"invalid field number {tag >> 3} at byte {_pos}");
        if (wire is not (Varint or Fixed64 or LengthDelimited or Fixed32)) Fail($"field {field}: unsupported wire type {wire} at byte {_pos}");
        return (field, wire);
    }

    /// <summary>Reads a base-128 varint (at most ten bytes).</summary>
    public ulong ReadVarint(string what)
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= _data.Length) Fail($"{what}: truncated varint (file ends inside it)");
            byte b = _data[_pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        Fail($"{what}: varint longer than ten bytes");
        return 0;
    }

    /// <summary>Reads a varint-encoded int32 (negative values take ten bytes, as protobuf writes them).</summary>
    public int ReadInt32(string what) => unchecked((int)ReadVarint(what));

    /// <summary>Reads a varint-encoded bool.</summary>
    public bool ReadBool(string what) => ReadVarint(what) != 0;

    /// <summary>Reads a little-endian 32-bit float.</summary>
    public float ReadFloat(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));

    /// <summary>Reads a length-delimited field's bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes(string what)
    {
        ulong length = ReadVarint(what + " length");
        if (length > (ulong)(_data.Length - _pos)) Fail($"{what}: length {length} runs past the end of the data ({_data.Length - _pos} bytes left; the file is truncated or corrupt)");
        return Take((int)length, what);
    }

    /// <summary>Reads a length-delimited field as UTF-8 text (invalid UTF-8 is an error).</summary>
    public string ReadString(string what)
    {
        var bytes = ReadBytes(what);
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { Fail($"{what}: not valid UTF-8"); return ""; }
    }

    /// <summary>Skips a field of <paramref name="wireType"/> and returns its raw payload (for keeping unknown fields).</summary>
    public ReadOnlySpan<byte> Skip(int field, int wireType)
    {
        int start = _pos;
        switch (wireType)
        {
            case Varint: ReadVarint($"field {field}"); return _data[start.._pos];
            case Fixed64: return Take(8, $"field {field}");
            case Fixed32: return Take(4, $"field {field}");
            default: return ReadBytes($"field {field}");
        }
    }

    /// <summary>Fails unless <paramref name="actual"/> is the wire type <paramref name="expected"/> for <paramref name="name"/>.</summary>
    public readonly void Expect(int actual, int expected, string name)
    {
        if (actual != expected) Fail($"{name}: wire type {actual}, expected {expected}");
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (_data.Length - _pos < count) Fail($"{what}: needs {count} bytes but only {_data.Length - _pos} remain (the file is truncated)");
        var span = _data.Slice(_pos, count);
        _pos += count;
        return span;
    }

    private readonly void Fail(string problem) => throw new TokenizerFormatException(_path, _where, problem);
}
