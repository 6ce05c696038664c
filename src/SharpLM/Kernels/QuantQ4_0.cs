using System.Buffers.Binary;

namespace SharpLM.Kernels;

/// <summary>
/// ggml's Q4_0 weight blocks: 32 elements in 18 bytes, an fp16 scale d followed by 16 bytes
/// whose low nibbles hold elements 0–15 and high nibbles elements 16–31; the value is
/// (q − 8)·d. As ggml's reference quantizer: d = m/−8 where m is the element of largest
/// magnitude (so m itself maps to q = 0), q = min(15, ⌊x/d + 8.5⌋).
/// </summary>
public static class QuantQ4_0
{
    /// <summary>Bytes per block.</summary>
    public const int BlockBytes = 18;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 32 long) into blocks.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = QuantCodec.CheckBlocks(x.Length, blocks.Length, QuantTypes.Block, BlockBytes, "Q4_0");
        for (int b = 0; b < count; b++)
        {
            var v = x.Slice(b * 32, 32);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float amax = 0, max = 0;
            foreach (float f in v)
                if (amax < MathF.Abs(f)) { amax = MathF.Abs(f); max = f; }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            BinaryPrimitives.WriteUInt16LittleEndian(block, HalfConversion.SingleToHalf(d));
            for (int j = 0; j < 16; j++)
            {
                int lo = Math.Min(15, (int)(v[j] * id + 8.5f));
                int hi = Math.Min(15, (int)(v[j + 16] * id + 8.5f));
                block[2 + j] = (byte)(lo | (hi << 4));
            }
        }
    }

    /// <summary>Expands blocks back to float32 ((q − 8)·d).</summary>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = QuantCodec.CheckBlocks(y.Length, blocks.Length, QuantTypes.Block, BlockBytes, "Q4_0");
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
            for (int j = 0; j < 16; j++)
            {
                y[b * 32 + j] = ((block[2 + j] & 0xF) - 8) * d;
                y[b * 32 + j + 16] = ((block[2 + j] >> 4) - 8) * d;
            }
        }
    }
}
