using System.Buffers.Binary;

namespace SharpLM.Kernels;

/// <summary>
/// ggml's Q6_K super-blocks: 256 elements in 210 bytes — 128 bytes of low 4 bits, 64 bytes of
/// high 2 bits, sixteen int8 scales (one per 16 elements) and an fp16 d. Within each half of
/// 128 elements, element l, l+32, l+64, l+96 share ql[l], ql[l+32] (low/high nibbles) and qh[l]
/// (bit pairs 0,2,4,6). The value is d·sc·(q − 32). The quantizer follows ggml's reference: a
/// symmetric 6-bit fit per 16 elements, the 16 scales quantized to int8 against the largest.
/// </summary>
public static class QuantQ6K
{
    /// <summary>Bytes per super-block.</summary>
    public const int BlockBytes = 210;

    /// <summary>Offset of the high-bit bytes.</summary>
    public const int HighOffset = 128;

    /// <summary>Offset of the sixteen int8 scales.</summary>
    public const int ScalesOffset = 192;

    /// <summary>Offset of the fp16 super-block scale.</summary>
    public const int DOffset = 208;

    private const float GroupMaxEpsilon = 1e-15f;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 256 long) into super-blocks.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = QuantCodec.CheckBlocks(x.Length, blocks.Length, QuantTypes.SuperBlock, BlockBytes, "Q6_K");
        Span<sbyte> levels = stackalloc sbyte[256];
        Span<float> scales = stackalloc float[16];
        for (int b = 0; b < count; b++)
        {
            var v = x.Slice(b * 256, 256);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            block.Clear();
            float maxScale = 0, maxAbsScale = 0;
            for (int g = 0; g < 16; g++)
            {
                float scale = QuantSearch.SymmetricScale(v.Slice(16 * g, 16), 32, levels.Slice(16 * g, 16));
                scales[g] = scale;
                if (MathF.Abs(scale) > maxAbsScale) { maxAbsScale = MathF.Abs(scale); maxScale = scale; }
            }
            if (maxAbsScale < GroupMaxEpsilon) continue; // all zero: d = 0, everything zero
            float iscale = -128f / maxScale;
            ushort dBits = HalfConversion.SingleToHalf(1 / iscale);
            BinaryPrimitives.WriteUInt16LittleEndian(block.Slice(DOffset), dBits);
            float d = HalfConversion.HalfToSingle(dBits);
            for (int g = 0; g < 16; g++)
            {
                sbyte sc = (sbyte)Math.Min(127, QuantSearch.NearestInt(iscale * scales[g]));
                block[ScalesOffset + g] = (byte)sc;
                float ds = d * sc;
                if (ds == 0) continue;
                for (int i = 0; i < 16; i++)
                    levels[16 * g + i] = (sbyte)(Math.Clamp(QuantSearch.NearestInt(v[16 * g + i] / ds), -32, 31) + 32);
            }
            for (int half = 0; half < 2; half++)
            {
                int e = 128 * half;
                var ql = block.Slice(64 * half, 64);
                var qh = block.Slice(HighOffset + 32 * half, 32);
                for (int l = 0; l < 32; l++)
                {
                    int q1 = levels[e + l], q2 = levels[e + l + 32], q3 = levels[e + l + 64], q4 = levels[e + l + 96];
                    ql[l] = (byte)((q1 & 0xF) | ((q3 & 0xF) << 4));
                    ql[l + 32] = (byte)((q2 & 0xF) | ((q4 & 0xF) << 4));
                    qh[l] = (byte)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
                }
            }
        }
    }

    /// <summary>Expands super-blocks back to float32.</summary>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = QuantCodec.CheckBlocks(y.Length, blocks.Length, QuantTypes.SuperBlock, BlockBytes, "Q6_K");
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block.Slice(DOffset)));
            var o = y.Slice(b * 256, 256);
            for (int half = 0; half < 2; half++)
            {
                var ql = block.Slice(64 * half, 64);
                var qh = block.Slice(HighOffset + 32 * half, 32);
                var sc = block.Slice(ScalesOffset + 8 * half, 8);
                for (int l = 0; l < 32; l++)
                {
                    int g = l / 16;
                    int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                    int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    o[128 * half + l] = d * (sbyte)sc[g] * q1;
                    o[128 * half + l + 32] = d * (sbyte)sc[g + 2] * q2;
                    o[128 * half + l + 64] = d * (sbyte)sc[g + 4] * q3;
                    o[128 * half + l + 96] = d * (sbyte)sc[g + 6] * q4;
                }
            }
        }
    }
}
