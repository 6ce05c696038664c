using System.Buffers.Binary;

namespace SharpLM.Kernels;

/// <summary>
/// ggml's Q8_0 weight blocks: 32 elements in 34 bytes, an fp16 scale d = max|x|/127 followed
/// by 32 signed bytes q = round(x/d) (half away from zero, as ggml's reference quantizer);
/// the value is q·d.
/// </summary>
public static class QuantQ8_0
{
    /// <summary>Bytes per block.</summary>
    public const int BlockBytes = 34;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 32 long) into blocks.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = QuantCodec.CheckBlocks(x.Length, blocks.Length, QuantTypes.Block, BlockBytes, "Q8_0");
        for (int b = 0; b < count; b++)
        {
            var v = x.Slice(b * 32, 32);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float amax = 0;
            foreach (float f in v) amax = MathF.Max(amax, MathF.Abs(f));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            BinaryPrimitives.WriteUInt16LittleEndian(block, HalfConversion.SingleToHalf(d));
            for (int j = 0; j < 32; j++) block[2 + j] = (byte)(sbyte)MathF.Round(v[j] * id, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>Expands blocks back to float32 (q·d).</summary>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = QuantCodec.CheckBlocks(y.Length, blocks.Length, QuantTypes.Block, BlockBytes, "Q8_0");
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
            for (int j = 0; j < 32; j++) y[b * 32 + j] = (sbyte)block[2 + j] * d;
        }
    }
}
