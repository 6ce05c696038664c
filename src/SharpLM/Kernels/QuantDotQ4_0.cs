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
        // Eight blocks per step: their fp16 scales widened in one vector (times the activation scales),
        // the −8 offset as one multiply-add with the eight activation sums; the blocks alternate two
        // accumulators so consecutive FMAs do not wait on each other.
        var acc = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var offsets = Vector256<float>.Zero;
        float* scale = stackalloc float[8];
        float offset = 0;
        int b = 0;
        for (; b + 8 <= blocks; b += 8)
        {
            byte* block = w + b * QuantQ4_0.BlockBytes;
            var s = QuantBlockScales.Load8(block, QuantQ4_0.BlockBytes) * Vector256.Load(ad + b);
            offsets = Fma.MultiplyAdd(s, Avx.ConvertToVector256Single(Vector256.Load(sums + b)), offsets);
            s.Store(scale);
            sbyte* x = a + b * 32;
            acc = Block<TDot>(block, x, scale[0], acc);
            acc1 = Block<TDot>(block + QuantQ4_0.BlockBytes, x + 32, scale[1], acc1);
            acc = Block<TDot>(block + 2 * QuantQ4_0.BlockBytes, x + 64, scale[2], acc);
            acc1 = Block<TDot>(block + 3 * QuantQ4_0.BlockBytes, x + 96, scale[3], acc1);
            acc = Block<TDot>(block + 4 * QuantQ4_0.BlockBytes, x + 128, scale[4], acc);
            acc1 = Block<TDot>(block + 5 * QuantQ4_0.BlockBytes, x + 160, scale[5], acc1);
            acc = Block<TDot>(block + 6 * QuantQ4_0.BlockBytes, x + 192, scale[6], acc);
            acc1 = Block<TDot>(block + 7 * QuantQ4_0.BlockBytes, x + 224, scale[7], acc1);
        }
        for (; b < blocks; b++)
        {
            byte* block = w + b * QuantQ4_0.BlockBytes;
            float s = HalfConversion.HalfToSingle(*(ushort*)block) * ad[b];
            acc = Block<TDot>(block, a + b * 32, s, acc);
            offset += s * sums[b];
        }
        acc += acc1;
        return Vector256.Sum(acc) - 8 * (offset + Vector256.Sum(offsets));
    }

    // acc += scale · (Σ nibble·activation), lanes of four products each: the low nibbles meet elements 0–15, the high 16–31.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block<TDot>(byte* block, sbyte* x, float scale, Vector256<float> acc) where TDot : struct, IByteDot
    {
        var low = Vector128.Create((byte)0x0F);
        var packed = Vector128.Load(block + 2);
        var q = Vector256.Create(packed & low, Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low);
        var products = TDot.Dot(q, Avx.LoadVector256(x));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(products), Vector256.Create(scale), acc);
    }
}
