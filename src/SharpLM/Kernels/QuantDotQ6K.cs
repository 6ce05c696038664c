using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>
/// Dot product of a row of Q6_K super-blocks with Q8_K activations:
/// Σ d·d_a·Σ_g sc_g·(Σ_i q_i·a_i − 32·Σ_i a_i) over the sixteen groups of 16. The 6-bit quants
/// are rebuilt from their low nibble and high bit pair as unsigned bytes 0–63.
/// </summary>
internal static unsafe class QuantDotQ6K
{
    /// <summary>Dot of <paramref name="blocks"/> super-blocks at <paramref name="w"/> with Q8_K activations (quants, scales, sums per 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(QuantKernelPath path, byte* w, sbyte* a, float* ad, int* sums, int blocks) => path switch
    {
        QuantKernelPath.AvxVnni => Simd<VnniByteDot>(w, a, ad, sums, blocks),
        QuantKernelPath.Avx2 => Simd<Avx2ByteDot>(w, a, ad, sums, blocks),
        _ => Scalar(w, a, ad, sums, blocks),
    };

    public static float Scalar(byte* w, sbyte* a, float* ad, int* sums, int blocks)
    {
        float total = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + b * QuantQ6K.BlockBytes;
            sbyte* sc = (sbyte*)(block + QuantQ6K.ScalesOffset);
            sbyte* x = a + b * 256;
            int sum = 0;
            for (int half = 0; half < 2; half++)
            {
                byte* ql = block + 64 * half;
                byte* qh = block + QuantQ6K.HighOffset + 32 * half;
                for (int l = 0; l < 32; l++)
                {
                    int e = 128 * half + l, g = 8 * half + l / 16;
                    sum += sc[g] * ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) * x[e];
                    sum += sc[g + 2] * ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) * x[e + 32];
                    sum += sc[g + 4] * ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) * x[e + 64];
                    sum += sc[g + 6] * ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) * x[e + 96];
                }
            }
            int offset = 0;
            for (int g = 0; g < 16; g++) offset += sc[g] * sums[b * 16 + g];
            total += HalfConversion.HalfToSingle(*(ushort*)(block + QuantQ6K.DOffset)) * ad[b] * (sum - 32 * offset);
        }
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> GroupScales(sbyte* sc, int g) => Vector256.Create(
        Vector128.Create((int)sc[g]), Vector128.Create((int)sc[g + 1]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Simd<TDot>(byte* w, sbyte* a, float* ad, int* sums, int blocks) where TDot : struct, IByteDot
    {
        var acc = Vector256<float>.Zero;
        var low = Vector256.Create((byte)0x0F);
        var two = Vector256.Create((byte)0x03);
        float offsetTotal = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + b * QuantQ6K.BlockBytes;
            sbyte* sc = (sbyte*)(block + QuantQ6K.ScalesOffset);
            sbyte* x = a + b * 256;
            var sum = Vector256<int>.Zero;
            for (int half = 0; half < 2; half++)
            {
                byte* ql = block + 64 * half;
                var lo0 = Avx.LoadVector256(ql);
                var lo1 = Avx.LoadVector256(ql + 32);
                var hi = Avx.LoadVector256(block + QuantQ6K.HighOffset + 32 * half).AsUInt16();
                var q1 = (lo0 & low) | (Vector256.ShiftLeft(hi & two.AsUInt16(), 4).AsByte());
                var q2 = (lo1 & low) | (Vector256.ShiftLeft(Vector256.ShiftRightLogical(hi, 2) & two.AsUInt16(), 4).AsByte());
                var q3 = (Vector256.ShiftRightLogical(lo0.AsUInt16(), 4).AsByte() & low) | (Vector256.ShiftLeft(Vector256.ShiftRightLogical(hi, 4) & two.AsUInt16(), 4).AsByte());
                var q4 = (Vector256.ShiftRightLogical(lo1.AsUInt16(), 4).AsByte() & low) | (Vector256.ShiftLeft(Vector256.ShiftRightLogical(hi, 6) & two.AsUInt16(), 4).AsByte());
                sbyte* xh = x + 128 * half;
                int g = 8 * half;
                sum += Avx2.MultiplyLow(TDot.Dot(q1, Avx.LoadVector256(xh)), GroupScales(sc, g));
                sum += Avx2.MultiplyLow(TDot.Dot(q2, Avx.LoadVector256(xh + 32)), GroupScales(sc, g + 2));
                sum += Avx2.MultiplyLow(TDot.Dot(q3, Avx.LoadVector256(xh + 64)), GroupScales(sc, g + 4));
                sum += Avx2.MultiplyLow(TDot.Dot(q4, Avx.LoadVector256(xh + 96)), GroupScales(sc, g + 6));
            }
            int offset = 0;
            for (int g = 0; g < 16; g++) offset += sc[g] * sums[b * 16 + g];
            float d = HalfConversion.HalfToSingle(*(ushort*)(block + QuantQ6K.DOffset)) * ad[b];
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum), Vector256.Create(d), acc);
            offsetTotal += d * 32 * offset;
        }
        return Vector256.Sum(acc) - offsetTotal;
    }
}
