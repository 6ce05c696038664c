using System.Buffers.Binary;
using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>Writes the protocol-buffers wire format (the inverse of <see cref="ProtobufReader"/>) into a growing buffer.</summary>
internal sealed class ProtobufWriter
{
    private readonly MemoryStream _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>Writes a field tag.</summary>
    public void Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

    /// <summary>Writes a raw varint.</summary>
    public void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }

    /// <summary>Writes an int32/enum field (negative numbers sign-extended to ten bytes, as protobuf does).</summary>
    public void Int32(int field, int value)
    {
        Tag(field, ProtobufReader.Varint);
        Varint(unchecked((ulong)(long)value));
    }

    /// <summary>Writes a uint64 field.</summary>
    public void UInt64(int field, ulong value)
    {
        Tag(field, ProtobufReader.Varint);
        Varint(value);
    }

    /// <summary>Writes a bool field.</summary>
    public void Bool(int field, bool value) => Int32(field, value ? 1 : 0);

    /// <summary>Writes a float field.</summary>
    public void Float(int field, float value)
    {
        Tag(field, ProtobufReader.Fixed32);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        _buffer.Write(b);
    }

    /// <summary>Writes a string field as UTF-8.</summary>
    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>Writes a bytes (or sub-message) field.</summary>
    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, ProtobufReader.LengthDelimited);
        Varint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>Re-emits a field kept verbatim from a file we read (its payload as <see cref="ProtobufReader.Skip"/> returned it).</summary>
    public void Raw(ProtobufField field)
    {
        if (field.WireType == ProtobufReader.LengthDelimited) Bytes(field.Number, field.Payload);
        else
        {
            Tag(field.Number, field.WireType);
            _buffer.Write(field.Payload);
        }
    }
}

/// <summary>A protobuf field we do not interpret, kept so that saving a loaded model loses nothing.</summary>
internal sealed record ProtobufField(int Number, int WireType, byte[] Payload);
