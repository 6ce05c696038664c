using System.Buffers.Binary;

namespace SharpLM.Formats;

/// <summary>
/// The number formats a safetensors tensor may be stored in that SharpLM reads. Weights are
/// float32 in memory; half-precision files (F16, BF16) are widened to float32 on read.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>32-bit IEEE float (what SharpLM writes).</summary>
    F32,
    /// <summary>16-bit IEEE half float (1 sign, 5 exponent, 10 mantissa bits).</summary>
    F16,
    /// <summary>bfloat16: the top 16 bits of a float32 (same exponent range, 7 mantissa bits).</summary>
    BF16,
}

/// <summary>Helpers that name, size and widen the number formats of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    /// <summary>Parses the header's <c>dtype</c> string; false for a dtype SharpLM does not read.</summary>
    public static bool TryParse(string text, out SafetensorsDType dtype)
    {
        switch (text)
        {
            case "F32": dtype = SafetensorsDType.F32; return true;
            case "F16": dtype = SafetensorsDType.F16; return true;
            case "BF16": dtype = SafetensorsDType.BF16; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>The header spelling of a dtype (<c>F32</c>, <c>F16</c>, <c>BF16</c>).</summary>
    public static string Name(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => "F32",
        SafetensorsDType.F16 => "F16",
        _ => "BF16",
    };

    /// <summary>Bytes per element of a dtype.</summary>
    public static int Size(SafetensorsDType dtype) => dtype == SafetensorsDType.F32 ? 4 : 2;

    /// <summary>Widens little-endian stored elements to float32 (<paramref name="source"/> holds exactly <c>destination.Length</c> elements).</summary>
    public static void ToFloat32(SafetensorsDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafetensorsDType.F32:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(4 * i, 4));
                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(2 * i, 2));
                break;
            default:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(2 * i, 2)) << 16);
                break;
        }
    }
}
