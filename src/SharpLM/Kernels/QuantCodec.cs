using System.Runtime.InteropServices;

namespace SharpLM.Kernels;

/// <summary>
/// Converts float32 rows to and from any computable <see cref="QuantType"/> in ggml's exact
/// byte layout (the reference quantizers and dequantizers; the fast paths are the dot kernels).
/// </summary>
public static class QuantCodec
{
    /// <summary>Writes <paramref name="x"/> as <paramref name="type"/> into <paramref name="destination"/> (exactly <see cref="QuantTypes.RowBytes"/> long).</summary>
    public static void Quantize(QuantType type, ReadOnlySpan<float> x, Span<byte> destination)
    {
        switch (type)
        {
            case QuantType.F32:
                CheckBytes(x.Length * 4L, destination.Length, type);
                MemoryMarshal.AsBytes(x).CopyTo(destination);
                break;
            case QuantType.F16:
                CheckBytes(x.Length * 2L, destination.Length, type);
                HalfConversion.SingleToHalf(x, MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            case QuantType.BF16:
                CheckBytes(x.Length * 2L, destination.Length, type);
                HalfConversion.SingleToBFloat16(x, MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            case QuantType.Q8_0: QuantQ8_0.Quantize(x, destination); break;
            case QuantType.Q4_0: QuantQ4_0.Quantize(x, destination); break;
            case QuantType.Q4_K: QuantQ4K.Quantize(x, destination); break;
            case QuantType.Q6_K: QuantQ6K.Quantize(x, destination); break;
            default: throw new NotSupportedException($"SharpLM cannot quantize to ggml type {QuantTypes.Name(type)}");
        }
    }

    /// <summary>Expands <paramref name="source"/> of <paramref name="type"/> into float32 <paramref name="y"/>.</summary>
    public static void Dequantize(QuantType type, ReadOnlySpan<byte> source, Span<float> y)
    {
        switch (type)
        {
            case QuantType.F32:
                CheckBytes(y.Length * 4L, source.Length, type);
                source.CopyTo(MemoryMarshal.AsBytes(y));
                break;
            case QuantType.F16:
                CheckBytes(y.Length * 2L, source.Length, type);
                HalfConversion.HalfToSingle(MemoryMarshal.Cast<byte, ushort>(source), y);
                break;
            case QuantType.BF16:
                CheckBytes(y.Length * 2L, source.Length, type);
                HalfConversion.BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(source), y);
                break;
            case QuantType.Q8_0: QuantQ8_0.Dequantize(source, y); break;
            case QuantType.Q4_0: QuantQ4_0.Dequantize(source, y); break;
            case QuantType.Q4_K: QuantQ4K.Dequantize(source, y); break;
            case QuantType.Q6_K: QuantQ6K.Dequantize(source, y); break;
            default: throw new NotSupportedException($"SharpLM cannot dequantize ggml type {QuantTypes.Name(type)}");
        }
    }

    /// <summary>Quantizes a whole float32 array into a new byte array of <paramref name="type"/>.</summary>
    public static byte[] Quantize(QuantType type, ReadOnlySpan<float> x)
    {
        var bytes = new byte[QuantTypes.RowBytes(type, x.Length)];
        Quantize(type, x, bytes);
        return bytes;
    }

    /// <summary>Checks that <paramref name="elements"/> fill whole blocks and <paramref name="bytes"/> hold exactly them; returns the block count.</summary>
    internal static int CheckBlocks(int elements, int bytes, int blockElements, int blockBytes, string name)
    {
        if (elements % blockElements != 0)
            throw new ArgumentException($"{name} needs a multiple of {blockElements} elements, got {elements}");
        int blocks = elements / blockElements;
        if ((long)blocks * blockBytes != bytes)
            throw new ArgumentException($"{name}: {elements} elements need {(long)blocks * blockBytes} bytes, the buffer has {bytes}");
        return blocks;
    }

    private static void CheckBytes(long needed, int have, QuantType type)
    {
        if (needed != have) throw new ArgumentException($"{QuantTypes.Name(type)}: needs {needed} bytes, the buffer has {have}");
    }
}
