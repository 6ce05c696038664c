using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>
/// Dot product of a row of Q8_0 weight blocks with Q8_0 activation blocks:
/// Σ_b d_w·d_a·Σ_j w_j·a_j, the int8 products summed exactly in int32 per block. SIMD paths
/// use the sign trick (|w| as unsigned bytes times a carrying w's sign).
/// </summary>
internal static unsafe class QuantDotQ8_0
{
    /// <summary>Dot of <paramref name="blocks"/> weight blocks at <paramref name="w"/> with activations (quants <paramref name="a"/>, scales <paramref name="ad"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(QuantKernelPath path, byte* w, sbyte* a, float* ad, int blocks) => path switch
    {
        QuantKernelPath.AvxVnni => Simd<VnniByteDot>(w, a, ad, blocks),
        QuantKernelPath.Avx2 => Simd<Avx2ByteDot>(w, a, ad, blocks),
        _ => Scalar(w, a, ad, blocks),
    };

    public static float Scalar(byte* w, sbyte* a, float* ad, int blocks)
    {
        float total = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + b * QuantQ8_0.BlockBytes;
            sbyte* q = (sbyte*)(block + 2);
            sbyte* x = a + b * 32;
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += q[j] * x[j];
            total += HalfConversion.HalfToSingle(*(ushort*)block) * ad[b] * sum;
        }
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Simd<TDot>(byte* w, sbyte* a, float* ad, int blocks) where TDot : struct, IByteDot
    {
        // Two blocks per step into two accumulators, so consecutive FMAs do not wait on each other.
        var acc = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            byte* block0 = w + b * QuantQ8_0.BlockBytes, block1 = block0 + QuantQ8_0.BlockBytes;
            var q0 = Avx.LoadVector256((sbyte*)(block0 + 2));
            var q1 = Avx.LoadVector256((sbyte*)(block1 + 2));
            var p0 = TDot.Dot(Avx2.Abs(q0), Avx2.Sign(Avx.LoadVector256(a + b * 32), q0));
            var p1 = TDot.Dot(Avx2.Abs(q1), Avx2.Sign(Avx.LoadVector256(a + b * 32 + 32), q1));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(HalfConversion.HalfToSingle(*(ushort*)block0) * ad[b]), acc);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p1), Vector256.Create(HalfConversion.HalfToSingle(*(ushort*)block1) * ad[b + 1]), acc1);
        }
        for (; b < blocks; b++)
        {
            byte* block = w + b * QuantQ8_0.BlockBytes;
            var q = Avx.LoadVector256((sbyte*)(block + 2));
            var products = TDot.Dot(Avx2.Abs(q), Avx2.Sign(Avx.LoadVector256(a + b * 32), q));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(products), Vector256.Create(HalfConversion.HalfToSingle(*(ushort*)block) * ad[b]), acc);
        }
        acc += acc1;
        return Vector256.Sum(acc);
    }
}
