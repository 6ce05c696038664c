using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>
/// Dot product of a row of Q4_0 weight blocks with Q8_0 activation blocks:
/// Σ_b d_w·d_a·(Σ_j q_j·a_j − 8·Σ_j a_j). The nibbles are unsigned bytes, so they multiply the
/// activations directly; the −8 offset is applied once per block with the activation sum.
/// </summary>
internal static unsafe class QuantDotQ4_0
{
    /// <summary>Dot of <paramref name="blocks"/> weight blocks at <paramref name="w"/> with activations (quants, scales, per-block sums).</summary>
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
            byte* block = w + b * QuantQ4_0.BlockBytes;
            sbyte* x = a + b * 32;
            int sum = 0;
            for (int j = 0; j < 16; j++) sum += (block[2 + j] & 0xF) * x[j] + (block[2 + j] >> 4) * x[j + 16];
            total += HalfConversion.HalfToSingle(*(ushort*)block) * ad[b] * (sum - 8 * sums[b]);
        }
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Simd<TDot>(byte* w, sbyte* a, float* ad, int* sums, int blocks) where TDot : struct, IByteDot
    {
        // Two blocks per step into two accumulators, so consecutive FMAs do not wait on each other.
        var acc = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var low = Vector128.Create((byte)0x0F);
        float offset = 0;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            byte* block0 = w + b * QuantQ4_0.BlockBytes, block1 = block0 + QuantQ4_0.BlockBytes;
            var packed0 = Vector128.Load(block0 + 2);
            var packed1 = Vector128.Load(block1 + 2);
            var q0 = Vector256.Create(packed0 & low, Vector128.ShiftRightLogical(packed0.AsUInt16(), 4).AsByte() & low);
            var q1 = Vector256.Create(packed1 & low, Vector128.ShiftRightLogical(packed1.AsUInt16(), 4).AsByte() & low);
            var p0 = TDot.Dot(q0, Avx.LoadVector256(a + b * 32));
            var p1 = TDot.Dot(q1, Avx.LoadVector256(a + b * 32 + 32));
            float s0 = HalfConversion.HalfToSingle(*(ushort*)block0) * ad[b], s1 = HalfConversion.HalfToSingle(*(ushort*)block1) * ad[b + 1];
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(s0), acc);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p1), Vector256.Create(s1), acc1);
            offset += s0 * sums[b] + s1 * sums[b + 1];
        }
        for (; b < blocks; b++)
        {
            byte* block = w + b * QuantQ4_0.BlockBytes;
            var packed = Vector128.Load(block + 2);
            var q = Vector256.Create(packed & low, Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low);
            var products = TDot.Dot(q, Avx.LoadVector256(a + b * 32));
            float scale = HalfConversion.HalfToSingle(*(ushort*)block) * ad[b];
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(products), Vector256.Create(scale), acc);
            offset += scale * sums[b];
        }
        acc += acc1;
        return Vector256.Sum(acc) - 8 * offset;
    }
}
