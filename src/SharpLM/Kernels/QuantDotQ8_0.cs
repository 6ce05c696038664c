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
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + b * QuantQ8_0.BlockBytes;
            var q = Avx.LoadVector256((sbyte*)(block + 2));
            var x = Avx.LoadVector256(a + b * 32);
            var products = TDot.Dot(Avx2.Abs(q), Avx2.Sign(x, q));
            float scale = HalfConversion.HalfToSingle(*(ushort*)block) * ad[b];
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(products), Vector256.Create(scale), acc);
        }
        return Vector256.Sum(acc);
    }
}
