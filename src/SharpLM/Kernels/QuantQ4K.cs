using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpLM.Kernels;

/// <summary>
/// ggml's Q4_K super-blocks: 256 elements in 144 bytes — fp16 d, fp16 dmin, 12 bytes packing
/// eight 6-bit sub-block scales and eight 6-bit mins, then 128 bytes of 4-bit quants (bytes
/// 32c..32c+31 hold elements 64c.. in their low nibbles and 64c+32.. in their high nibbles).
/// Element i of sub-block j is d·sc_j·q − dmin·m_j. The quantizer follows ggml's reference:
/// per 32-element sub-block a weighted least-squares search for scale and minimum, then the
/// scales and mins quantized to 6 bits against the largest, then the quants redone with them.
/// </summary>
public static class QuantQ4K
{
    /// <summary>Bytes per super-block.</summary>
    public const int BlockBytes = 144;

    /// <summary>Offset of the 12 packed scale bytes inside a block.</summary>
    public const int ScalesOffset = 4;

    /// <summary>Offset of the 128 quant bytes inside a block.</summary>
    public const int QuantsOffset = 16;

    /// <summary>The 6-bit scale and min of sub-block <paramref name="j"/> (0–7) from the 12 packed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Scale, int Min) ScaleMin(int j, ReadOnlySpan<byte> packed)
    {
        if (j < 4) return (packed[j] & 63, packed[j + 4] & 63);
        return ((packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4), (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
    }

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 256 long) into super-blocks.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = QuantCodec.CheckBlocks(x.Length, blocks.Length, QuantTypes.SuperBlock, BlockBytes, "Q4_K");
        Span<byte> levels = stackalloc byte[256];
        Span<byte> scratch = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[8];
        Span<float> scales = stackalloc float[8];
        for (int b = 0; b < count; b++)
        {
            var v = x.Slice(b * 256, 256);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            block.Clear();
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 8; j++)
            {
                var sub = v.Slice(32 * j, 32);
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += sub[l] * sub[l];
                float averageX = MathF.Sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) weights[l] = averageX + MathF.Abs(sub[l]);
                scales[j] = QuantSearch.ScaleAndMin(sub, weights, 15, levels.Slice(32 * j, 32), scratch, out mins[j], -1f, 0.1f, 20);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float inverseScale = maxScale > 0 ? 63f / maxScale : 0f;
            float inverseMin = maxMin > 0 ? 63f / maxMin : 0f;
            var packed = block.Slice(ScalesOffset, 12);
            for (int j = 0; j < 8; j++)
            {
                int ls = Math.Min(63, (int)(byte)QuantSearch.NearestInt(inverseScale * scales[j]));
                int lm = Math.Min(63, (int)(byte)QuantSearch.NearestInt(inverseMin * mins[j]));
                if (j < 4)
                {
                    packed[j] = (byte)ls;
                    packed[j + 4] = (byte)lm;
                }
                else
                {
                    packed[j + 4] = (byte)((ls & 0xF) | ((lm & 0xF) << 4));
                    packed[j - 4] |= (byte)((ls >> 4) << 6);
                    packed[j] |= (byte)((lm >> 4) << 6);
                }
            }
            ushort dBits = HalfConversion.SingleToHalf(maxScale / 63f), dminBits = HalfConversion.SingleToHalf(maxMin / 63f);
            BinaryPrimitives.WriteUInt16LittleEndian(block, dBits);
            BinaryPrimitives.WriteUInt16LittleEndian(block.Slice(2), dminBits);
            float d = HalfConversion.HalfToSingle(dBits), dmin = HalfConversion.HalfToSingle(dminBits);
            for (int j = 0; j < 8; j++)
            {
                var (sc, m) = ScaleMin(j, packed);
                float ds = d * sc;
                if (ds == 0) continue;
                float dm = dmin * m;
                for (int i = 0; i < 32; i++)
                    levels[32 * j + i] = (byte)Math.Clamp(QuantSearch.NearestInt((v[32 * j + i] + dm) / ds), 0, 15);
            }
            var q = block.Slice(QuantsOffset, 128);
            for (int c = 0; c < 4; c++)
                for (int l = 0; l < 32; l++)
                    q[32 * c + l] = (byte)(levels[64 * c + l] | (levels[64 * c + 32 + l] << 4));
        }
    }

    /// <summary>Expands super-blocks back to float32.</summary>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = QuantCodec.CheckBlocks(y.Length, blocks.Length, QuantTypes.SuperBlock, BlockBytes, "Q4_K");
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
            float dmin = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block.Slice(2)));
            var packed = block.Slice(ScalesOffset, 12);
            var q = block.Slice(QuantsOffset, 128);
            var o = y.Slice(b * 256, 256);
            for (int c = 0; c < 4; c++)
            {
                var (sc1, m1) = ScaleMin(2 * c, packed);
                var (sc2, m2) = ScaleMin(2 * c + 1, packed);
                float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
                for (int l = 0; l < 32; l++)
                {
                    o[64 * c + l] = d1 * (q[32 * c + l] & 0xF) - min1;
                    o[64 * c + 32 + l] = d2 * (q[32 * c + l] >> 4) - min2;
                }
            }
        }
    }
}
