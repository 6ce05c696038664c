using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>
/// Dot product of a row of Q4_K super-blocks with Q8_K activations:
/// Σ d·d_a·Σ_j sc_j·Σ_i q_i·a_i − dmin·d_a·Σ_j m_j·(sum of a over sub-block j). The minimum term
/// comes from the activation sums per 16, so only the scale term touches every element.
/// </summary>
internal static unsafe class QuantDotQ4K
{
    /// <summary>Dot of <paramref name="blocks"/> super-blocks at <paramref name="w"/> with Q8_K activations (quants, scales, sums per 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(QuantKernelPath path, byte* w, sbyte* a, float* ad, int* sums, int blocks) => path switch
    {
        QuantKernelPath.AvxVnni => Simd<VnniByteDot>(w, a, ad, sums, blocks),
        QuantKernelPath.Avx2 => Simd<Avx2ByteDot>(w, a, ad, sums, blocks),
        _ => Scalar(w, a, ad, sums, blocks),
    };

    // The eight 6-bit scales (returned) and the min term Σ m_j·(activation sum of sub-block j), unpacked straight from the 12 bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MinTerm(byte* p, int* sums, out int scale0, out int scale1, out int scale2, out int scale3,
        out int scale4, out int scale5, out int scale6, out int scale7)
    {
        scale0 = p[0] & 63; scale1 = p[1] & 63; scale2 = p[2] & 63; scale3 = p[3] & 63;
        scale4 = (p[8] & 0xF) | ((p[0] >> 6) << 4);
        scale5 = (p[9] & 0xF) | ((p[1] >> 6) << 4);
        scale6 = (p[10] & 0xF) | ((p[2] >> 6) << 4);
        scale7 = (p[11] & 0xF) | ((p[3] >> 6) << 4);
        int m0 = p[4] & 63, m1 = p[5] & 63, m2 = p[6] & 63, m3 = p[7] & 63;
        int m4 = (p[8] >> 4) | ((p[4] >> 6) << 4), m5 = (p[9] >> 4) | ((p[5] >> 6) << 4);
        int m6 = (p[10] >> 4) | ((p[6] >> 6) << 4), m7 = (p[11] >> 4) | ((p[7] >> 6) << 4);
        return m0 * (sums[0] + sums[1]) + m1 * (sums[2] + sums[3]) + m2 * (sums[4] + sums[5]) + m3 * (sums[6] + sums[7])
            + m4 * (sums[8] + sums[9]) + m5 * (sums[10] + sums[11]) + m6 * (sums[12] + sums[13]) + m7 * (sums[14] + sums[15]);
    }

    public static float Scalar(byte* w, sbyte* a, float* ad, int* sums, int blocks)
    {
        float total = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + b * QuantQ4K.BlockBytes;
            byte* q = block + QuantQ4K.QuantsOffset;
            sbyte* x = a + b * 256;
            var packed = new ReadOnlySpan<byte>(block + QuantQ4K.ScalesOffset, 12);
            int scaled = 0, minSum = 0;
            for (int j = 0; j < 8; j++)
            {
                var (sc, m) = QuantQ4K.ScaleMin(j, packed);
                int c = j / 2, shift = (j & 1) * 4, sum = 0;
                for (int l = 0; l < 32; l++) sum += ((q[32 * c + l] >> shift) & 0xF) * x[32 * j + l];
                scaled += sc * sum;
                minSum += m * (sums[b * 16 + 2 * j] + sums[b * 16 + 2 * j + 1]);
            }
            float d = HalfConversion.HalfToSingle(*(ushort*)block) * ad[b];
            float dmin = HalfConversion.HalfToSingle(*(ushort*)(block + 2)) * ad[b];
            total += d * scaled - dmin * minSum;
        }
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Simd<TDot>(byte* w, sbyte* a, float* ad, int* sums, int blocks) where TDot : struct, IByteDot
    {
        var acc = Vector256<float>.Zero;
        var low = Vector256.Create((byte)0x0F);
        float minTotal = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + b * QuantQ4K.BlockBytes;
            byte* q = block + QuantQ4K.QuantsOffset;
            sbyte* x = a + b * 256;
            int minSum = MinTerm(block + QuantQ4K.ScalesOffset, sums + b * 16, out int s0, out int s1, out int s2, out int s3, out int s4, out int s5, out int s6, out int s7);
            var packed0 = Avx.LoadVector256(q);
            var packed1 = Avx.LoadVector256(q + 32);
            var packed2 = Avx.LoadVector256(q + 64);
            var packed3 = Avx.LoadVector256(q + 96);
            var sum = Avx2.MultiplyLow(TDot.Dot(packed0 & low, Avx.LoadVector256(x)), Vector256.Create(s0));
            sum += Avx2.MultiplyLow(TDot.Dot(Vector256.ShiftRightLogical(packed0.AsUInt16(), 4).AsByte() & low, Avx.LoadVector256(x + 32)), Vector256.Create(s1));
            sum += Avx2.MultiplyLow(TDot.Dot(packed1 & low, Avx.LoadVector256(x + 64)), Vector256.Create(s2));
            sum += Avx2.MultiplyLow(TDot.Dot(Vector256.ShiftRightLogical(packed1.AsUInt16(), 4).AsByte() & low, Avx.LoadVector256(x + 96)), Vector256.Create(s3));
            sum += Avx2.MultiplyLow(TDot.Dot(packed2 & low, Avx.LoadVector256(x + 128)), Vector256.Create(s4));
            sum += Avx2.MultiplyLow(TDot.Dot(Vector256.ShiftRightLogical(packed2.AsUInt16(), 4).AsByte() & low, Avx.LoadVector256(x + 160)), Vector256.Create(s5));
            sum += Avx2.MultiplyLow(TDot.Dot(packed3 & low, Avx.LoadVector256(x + 192)), Vector256.Create(s6));
            sum += Avx2.MultiplyLow(TDot.Dot(Vector256.ShiftRightLogical(packed3.AsUInt16(), 4).AsByte() & low, Avx.LoadVector256(x + 224)), Vector256.Create(s7));
            float d = HalfConversion.HalfToSingle(*(ushort*)block) * ad[b];
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum), Vector256.Create(d), acc);
            minTotal += HalfConversion.HalfToSingle(*(ushort*)(block + 2)) * ad[b] * minSum;
        }
        return Vector256.Sum(acc) - minTotal;
    }
}
