using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>
/// Dot products of F16 or BF16 weight rows with float32 activations: eight weights at a time are
/// widened to float32 in registers and multiply-added, so 16-bit weights are read at half the
/// bytes of float32 and never stored widened.
/// </summary>
internal static unsafe class HalfMatVec
{
    /// <summary>Σ w[i]·x[i] over <paramref name="k"/> elements of a half (<paramref name="bf16"/> false) or bfloat16 row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(QuantKernelPath path, bool bf16, ushort* w, float* x, int k) =>
        path == QuantKernelPath.Scalar || !Fma.IsSupported ? Scalar(bf16, w, x, k) : bf16 ? Simd<BFloat16Widen>(w, x, k) : Simd<HalfWiden>(w, x, k);

    public static float Scalar(bool bf16, ushort* w, float* x, int k)
    {
        float sum = 0;
        for (int i = 0; i < k; i++) sum += (bf16 ? HalfConversion.BFloat16ToSingle(w[i]) : HalfConversion.HalfToSingle(w[i])) * x[i];
        return sum;
    }

    private interface IWiden { static abstract Vector256<float> Widen(Vector128<ushort> bits); }
    private readonly struct HalfWiden : IWiden { public static Vector256<float> Widen(Vector128<ushort> bits) => HalfConversion.HalfToSingle(bits); }
    private readonly struct BFloat16Widen : IWiden { public static Vector256<float> Widen(Vector128<ushort> bits) => HalfConversion.BFloat16ToSingle(bits); }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Simd<TWiden>(ushort* w, float* x, int k) where TWiden : struct, IWiden
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 16 <= k; i += 16)
        {
            acc0 = Fma.MultiplyAdd(TWiden.Widen(Vector128.Load(w + i)), Avx.LoadVector256(x + i), acc0);
            acc1 = Fma.MultiplyAdd(TWiden.Widen(Vector128.Load(w + i + 8)), Avx.LoadVector256(x + i + 8), acc1);
        }
        for (; i + 8 <= k; i += 8)
            acc0 = Fma.MultiplyAdd(TWiden.Widen(Vector128.Load(w + i)), Avx.LoadVector256(x + i), acc0);
        float sum = Vector256.Sum(acc0 + acc1);
        for (; i < k; i++) sum += (typeof(TWiden) == typeof(BFloat16Widen) ? HalfConversion.BFloat16ToSingle(w[i]) : HalfConversion.HalfToSingle(w[i])) * x[i];
        return sum;
    }
}
