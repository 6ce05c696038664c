using System.Buffers.Binary;
using SharpLM.Kernels;

namespace SharpLM.Tests.Kernels;

public class QuantCodecTests
{
    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new System.Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return x;
    }

    [Fact]
    public void Q8_0_block_matches_hand_computation()
    {
        var x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = (i - 16) * 0.25f; // max |x| = 4 at i = 0
        var block = QuantCodec.Quantize(QuantType.Q8_0, x);
        Assert.Equal(34, block.Length);
        float d = 4f / 127;
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)d), BinaryPrimitives.ReadUInt16LittleEndian(block));
        for (int i = 0; i < 32; i++)
            Assert.Equal((sbyte)MathF.Round(x[i] / d, MidpointRounding.AwayFromZero), (sbyte)block[2 + i]);
        Assert.Equal(-127, (sbyte)block[2]);
        // 0.5 ties round away from zero like C's roundf: x = 0.5·d → 1, not 0.
        var tie = new float[32];
        tie[0] = 127; tie[1] = 0.5f; tie[2] = -2.5f;
        var t = QuantCodec.Quantize(QuantType.Q8_0, tie);
        Assert.Equal(1, (sbyte)t[3]);
        Assert.Equal(-3, (sbyte)t[4]);
    }

    [Fact]
    public void Q4_0_block_matches_hand_computation()
    {
        var x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = i - 16; // element of largest magnitude: -16 at i = 0
        var block = QuantCodec.Quantize(QuantType.Q4_0, x);
        Assert.Equal(18, block.Length);
        float d = -16f / -8; // = 2
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)d), BinaryPrimitives.ReadUInt16LittleEndian(block));
        for (int j = 0; j < 16; j++)
        {
            int lo = Math.Min(15, (int)(x[j] / d + 8.5f)), hi = Math.Min(15, (int)(x[j + 16] / d + 8.5f));
            Assert.Equal((byte)(lo | (hi << 4)), block[2 + j]);
        }
        Assert.Equal(0, block[2] & 0xF); // -16 → q = 0 → value (0 − 8)·2 = −16 exactly
        var y = new float[32];
        QuantCodec.Dequantize(QuantType.Q4_0, block, y);
        Assert.Equal(-16f, y[0]);
        Assert.Equal(14f, y[31]); // 15 → q = min(15, 16) = 15 → 7·2
    }

    [Fact]
    public void Q4_K_scale_packing_round_trips_every_6_bit_pair()
    {
        // The 12-byte packing of eight 6-bit scales and mins: write with the quantizer's layout, read with ScaleMin.
        var rng = new System.Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            var sc = new int[8];
            var m = new int[8];
            var packed = new byte[12];
            for (int j = 0; j < 8; j++) { sc[j] = rng.Next(64); m[j] = rng.Next(64); }
            for (int j = 0; j < 8; j++)
            {
                if (j < 4) { packed[j] = (byte)sc[j]; packed[j + 4] = (byte)m[j]; }
                else
                {
                    packed[j + 4] = (byte)((sc[j] & 0xF) | ((m[j] & 0xF) << 4));
                    packed[j - 4] |= (byte)((sc[j] >> 4) << 6);
                    packed[j] |= (byte)((m[j] >> 4) << 6);
                }
            }
            for (int j = 0; j < 8; j++) Assert.Equal((sc[j], m[j]), QuantQ4K.ScaleMin(j, packed));
        }
    }

    [Fact]
    public void Q4_K_dequantizes_a_hand_built_block()
    {
        var block = new byte[144];
        BinaryPrimitives.WriteUInt16LittleEndian(block, BitConverter.HalfToUInt16Bits((Half)0.5f));
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(2), BitConverter.HalfToUInt16Bits((Half)0.25f));
        for (int j = 0; j < 4; j++) { block[4 + j] = (byte)(j + 1); block[8 + j] = (byte)(2 * j); } // sc 1..4, m 0,2,4,6
        for (int j = 4; j < 8; j++) block[8 + j] = (byte)(3 | (1 << 4));                        // sc 3, m 1
        for (int i = 0; i < 128; i++) block[16 + i] = (byte)((i % 16) | ((15 - i % 16) << 4));
        var y = new float[256];
        QuantCodec.Dequantize(QuantType.Q4_K, block, y);
        int[] scales = [1, 2, 3, 4, 3, 3, 3, 3], mins = [0, 2, 4, 6, 1, 1, 1, 1];
        for (int e = 0; e < 256; e++)
        {
            int sub = e / 32, chunk = e / 64, l = e % 32;
            int packedByte = block[16 + 32 * chunk + l];
            int q = e % 64 < 32 ? packedByte & 0xF : packedByte >> 4;
            Assert.Equal(0.5f * scales[sub] * q - 0.25f * mins[sub], y[e]);
        }
    }

    [Fact]
    public void Q6_K_dequantizes_a_hand_built_block()
    {
        var block = new byte[210];
        for (int i = 0; i < 128; i++) block[i] = (byte)(i * 7);
        for (int i = 0; i < 64; i++) block[128 + i] = (byte)(i * 13);
        for (int g = 0; g < 16; g++) block[192 + g] = (byte)(sbyte)(g - 8);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(208), BitConverter.HalfToUInt16Bits((Half)0.125f));
        var y = new float[256];
        QuantCodec.Dequantize(QuantType.Q6_K, block, y);
        for (int e = 0; e < 256; e++)
        {
            int half = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
            int low = block[64 * half + l + (quarter % 2) * 32];
            low = quarter < 2 ? low & 0xF : low >> 4;
            int high = (block[128 + 32 * half + l] >> (2 * quarter)) & 3;
            int q = (low | (high << 4)) - 32;
            Assert.Equal(0.125f * (e / 16 - 8) * q, y[e]);
        }
    }

    [Theory]
    [InlineData(QuantType.Q8_0, 0.005)]
    [InlineData(QuantType.Q4_0, 0.09)]
    [InlineData(QuantType.Q4_K, 0.06)]
    [InlineData(QuantType.Q6_K, 0.015)]
    [InlineData(QuantType.F16, 0.0005)]
    [InlineData(QuantType.BF16, 0.004)]
    public void Quantize_then_dequantize_keeps_the_values_within_the_types_precision(QuantType type, double relativeRms)
    {
        var x = Random(256 * 6, 11, 0.3f);
        var bytes = QuantCodec.Quantize(type, x);
        Assert.Equal(QuantTypes.RowBytes(type, x.Length), bytes.Length);
        var y = new float[x.Length];
        QuantCodec.Dequantize(type, bytes, y);
        double err = 0, norm = 0;
        for (int i = 0; i < x.Length; i++) { err += (x[i] - y[i]) * (double)(x[i] - y[i]); norm += x[i] * (double)x[i]; }
        Assert.True(Math.Sqrt(err / norm) < relativeRms, $"{type}: relative RMS error {Math.Sqrt(err / norm):F5}");
        // Re-quantizing the dequantized values is stable (a fixed point) for the block types with plain scales.
        if (type is QuantType.Q8_0 or QuantType.F16 or QuantType.BF16)
            Assert.Equal(bytes, QuantCodec.Quantize(type, y));
    }

    [Fact]
    public void All_zero_blocks_quantize_to_zero()
    {
        foreach (var type in new[] { QuantType.Q8_0, QuantType.Q4_0, QuantType.Q4_K, QuantType.Q6_K })
        {
            var y = new float[512];
            QuantCodec.Dequantize(type, QuantCodec.Quantize(type, new float[512]), y);
            Assert.All(y, v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void Half_and_bfloat16_conversions_round_to_nearest_even()
    {
        Assert.Equal(0x3C00, HalfConversion.SingleToHalf(1f));
        Assert.Equal(0x7BFF, HalfConversion.SingleToHalf(65504f));
        Assert.Equal(0x0001, HalfConversion.SingleToHalf(5.9604645e-8f)); // smallest subnormal
        Assert.Equal(0x3F80, HalfConversion.SingleToBFloat16(1f));
        // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties to even → 1.0; a bit more rounds up.
        Assert.Equal(0x3F80, HalfConversion.SingleToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808000)));
        Assert.Equal(0x3F81, HalfConversion.SingleToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808001)));
        Assert.Equal(0x3F82, HalfConversion.SingleToBFloat16(BitConverter.UInt32BitsToSingle(0x3F818000))); // odd → up
        Assert.True(float.IsNaN(HalfConversion.BFloat16ToSingle(HalfConversion.SingleToBFloat16(float.NaN))));
    }

    [Fact]
    public void Half_widening_in_register_and_scalar_equals_dotnets_conversion_for_every_bit_pattern()
    {
        for (int start = 0; start < 65536; start += 8)
        {
            var bits = System.Runtime.Intrinsics.Vector128.Create((ushort)start, (ushort)(start + 1), (ushort)(start + 2), (ushort)(start + 3),
                (ushort)(start + 4), (ushort)(start + 5), (ushort)(start + 6), (ushort)(start + 7));
            var wide = HalfConversion.HalfToSingle(bits);
            for (int i = 0; i < 8; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf((ushort)(start + i)); // .NET's own conversion is the reference
                float scalar = HalfConversion.HalfToSingle((ushort)(start + i));
                if (float.IsNaN(expected)) { Assert.True(float.IsNaN(wide[i])); Assert.True(float.IsNaN(scalar)); }
                else
                {
                    Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(wide[i]));
                    Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(scalar));
                }
            }
        }
    }

    [Fact]
    public void Wrong_lengths_are_refused_with_the_type_named()
    {
        var e = Assert.Throws<ArgumentException>(() => QuantCodec.Quantize(QuantType.Q4_K, new float[100]));
        Assert.Contains("q4_k", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => QuantCodec.Dequantize(QuantType.Q8_0, new byte[33], new float[32]));
        Assert.Contains("Q8_0", e2.Message);
    }
}
