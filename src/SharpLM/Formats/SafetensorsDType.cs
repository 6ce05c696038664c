using System.Buffers.Binary;

namespace SharpLM.Formats;

/// <summary>
/// The number formats the safetensors spec defines for a tensor's elements. SharpLM writes
/// F32; on read every format but the two 8-bit floats is widened to float32 (weights are
/// float32 in memory), so half-precision checkpoints and integer buffers load too.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>32-bit IEEE float (what SharpLM writes).</summary>
    F32,
    /// <summary>16-bit IEEE half float (1 sign, 5 exponent, 10 mantissa bits).</summary>
    F16,
    /// <summary>bfloat16: the top 16 bits of a float32 (same exponent range, 7 mantissa bits).</summary>
    BF16,
    /// <summary>64-bit IEEE double.</summary>
    F64,
    /// <summary>8-bit float with 4 exponent and 3 mantissa bits (recognised, not converted).</summary>
    F8_E4M3,
    /// <summary>8-bit float with 5 exponent and 2 mantissa bits (recognised, not converted).</summary>
    F8_E5M2,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Boolean stored as one byte (0 or 1).</summary>
    BOOL,
}

/// <summary>Helpers that name, size and widen the number formats of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    /// <summary>Parses the header's <c>dtype</c> string; false for a name the spec does not define.</summary>
    public static bool TryParse(string text, out SafetensorsDType dtype) =>
        Enum.TryParse(text, ignoreCase: false, out dtype) && Enum.IsDefined(dtype) && Name(dtype) == text;

    /// <summary>The header spelling of a dtype (<c>F32</c>, <c>BF16</c>, …).</summary>
    public static string Name(SafetensorsDType dtype) => dtype.ToString();

    /// <summary>Bytes per element of a dtype.</summary>
    public static int Size(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 or SafetensorsDType.U32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 or SafetensorsDType.U16 => 2,
        _ => 1,
    };

    /// <summary>True when <see cref="ToFloat32"/> can convert this dtype (all but the 8-bit floats).</summary>
    public static bool CanWiden(SafetensorsDType dtype) => dtype is not (SafetensorsDType.F8_E4M3 or SafetensorsDType.F8_E5M2);

    /// <summary>Widens little-endian stored elements to float32 (<paramref name="source"/> holds exactly <c>destination.Length</c> elements).</summary>
    public static void ToFloat32(SafetensorsDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        int n = destination.Length;
        switch (dtype)
        {
            case SafetensorsDType.F32:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < n; i++) destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                break;
            case SafetensorsDType.BF16:
                for (int i = 0; i < n; i++) destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                break;
            case SafetensorsDType.F64:
                for (int i = 0; i < n; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
                break;
            case SafetensorsDType.I64:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadInt64LittleEndian(source[(8 * i)..]);
                break;
            case SafetensorsDType.U64:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[(8 * i)..]);
                break;
            case SafetensorsDType.I32:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadInt32LittleEndian(source[(4 * i)..]);
                break;
            case SafetensorsDType.U32:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadUInt32LittleEndian(source[(4 * i)..]);
                break;
            case SafetensorsDType.I16:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadInt16LittleEndian(source[(2 * i)..]);
                break;
            case SafetensorsDType.U16:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]);
                break;
            case SafetensorsDType.I8:
                for (int i = 0; i < n; i++) destination[i] = (sbyte)source[i];
                break;
            case SafetensorsDType.U8:
            case SafetensorsDType.BOOL:
                for (int i = 0; i < n; i++) destination[i] = source[i];
                break;
            default:
                throw new NotSupportedException($"safetensors dtype {Name(dtype)} cannot be widened to float32.");
        }
    }
}
