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
        // Eight blocks per step, their fp16 scales widened in one vector; the blocks alternate two
        // accumulators so consecutive FMAs do not wait on each other.
        var acc = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        float* scale = stackalloc float[8];
        int b = 0;
        for (; b + 8 <= blocks; b += 8)
        {
            byte* block = w + b * QuantQ8_0.BlockBytes;
            (QuantBlockScales.Load8(block, QuantQ8_0.BlockBytes) * Vector256.Load(ad + b)).Store(scale);
            sbyte* x = a + b * 32;
            acc = Block<TDot>(block, x, scale[0], acc);
            acc1 = Block<TDot>(block + QuantQ8_0.BlockBytes, x + 32, scale[1], acc1);
            acc = Block<TDot>(block + 2 * QuantQ8_0.BlockBytes, x + 64, scale[2], acc);
            acc1 = Block<TDot>(block + 3 * QuantQ8_0.BlockBytes, x + 96, scale[3], acc1);
            acc = Block<TDot>(block + 4 * QuantQ8_0.BlockBytes, x + 128, scale[4], acc);
            acc1 = Block<TDot>(block + 5 * QuantQ8_0.BlockBytes, x + 160, scale[5], acc1);
            acc = Block<TDot>(block + 6 * QuantQ8_0.BlockBytes, x + 192, scale[6], acc);
            acc1 = Block<TDot>(block + 7 * QuantQ8_0.BlockBytes, x + 224, scale[7], acc1);
        }
        for (; b < blocks; b++)
        {
            byte* block = w + b * QuantQ8_0.BlockBytes;
            acc = Block<TDot>(block, a + b * 32, HalfConversion.HalfToSingle(*(ushort*)block) * ad[b], acc);
        }
        acc += acc1;
        return Vector256.Sum(acc);
    }

    // acc += scale · (Σ w·a), with |w| as unsigned bytes and a carrying w's sign.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block<TDot>(byte* block, sbyte* x, float scale, Vector256<float> acc) where TDot : struct, IByteDot
    {
        var q = Avx.LoadVector256((sbyte*)(block + 2));
        var products = TDot.Dot(Avx2.Abs(q), Avx2.Sign(Avx.LoadVector256(x), q));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(products), Vector256.Create(scale), acc);
    }
}
