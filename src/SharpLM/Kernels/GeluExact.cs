using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpLM.Kernels;

/// <summary>
/// The exact GELU of the original paper and PyTorch's <c>nn.GELU()</c> (nanoGPT's MLP):
/// <c>y = x·Φ(x)</c>, Φ the standard normal CDF, <c>Φ(x) = ½(1 + erf(x/√2))</c>. .NET has no
/// float erf, so Φ uses Abramowitz–Stegun 7.1.26 (|erf error| ≤ 1.5e-7, below float32's
/// resolution near 1) in its erfc form, which keeps Φ of large negative x accurate instead of
/// cancelling <c>1 − erf</c>. Vectorized with Vector512/Vector256 and a scalar tail.
/// </summary>
public static unsafe class GeluExact
{
    // A–S 7.1.26: erfc(a) ≈ t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e^(−a²), t = 1/(1 + p·a), a ≥ 0.
    private const float P = 0.3275911f;
    private const float A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f, A5 = 1.061405429f;
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;        // 1/√(2π), the normal pdf's peak
    private const int MinPerThread = 1 << 15;

    /// <summary>Standard normal CDF Φ(x), the probability a unit Gaussian is below x (scalar, for tests and tools).</summary>
    public static float NormalCdf(float x)
    {
        float a = MathF.Abs(x) * InvSqrt2;
        float t = 1f / (1f + P * a);
        float q = 0.5f * t * (A1 + t * (A2 + t * (A3 + t * (A4 + t * A5)))) * MathF.Exp(-a * a);   // Φ(−|x|)
        return x >= 0 ? 1f - q : q;
    }

    /// <summary>Exact GELU forward, <c>y = x·Φ(x)</c> elementwise; <paramref name="y"/> may alias <paramref name="x"/>.</summary>
    public static void Forward(float* x, float* y, int n)
    {
        if (KernelThreads.ChunkCount(n, MinPerThread) <= 1) ForwardRange(x, y, 0, n);
        else ForwardParallel(x, y, n);
    }

    private static void ForwardParallel(float* x, float* y, int n) =>
        KernelThreads.For(n, (s, e) => ForwardRange(x, y, s, e), MinPerThread);

    /// <summary>Exact GELU backward: <c>dx (+)= dy·(Φ(x) + x·φ(x))</c>, φ the standard normal pdf.</summary>
    public static void Backward(float* x, float* dy, float* dx, int n, bool accumulate) =>
        KernelThreads.For(n, (s, e) => BackwardRange(x, dy, dx, s, e, accumulate), MinPerThread);

    // Φ(v) and e = exp(−v²/2) for 16 lanes (φ(v) = e/√(2π)).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Cdf(Vector512<float> v, out Vector512<float> e)
    {
        var a = Vector512.Abs(v) * Vector512.Create(InvSqrt2);
        var t = Vector512<float>.One / (Vector512<float>.One + Vector512.Create(P) * a);
        var poly = t * (Vector512.Create(A1) + t * (Vector512.Create(A2) + t * (Vector512.Create(A3) + t * (Vector512.Create(A4) + t * Vector512.Create(A5)))));
        e = Vector512.Exp(-(a * a));
        var q = Vector512.Create(0.5f) * poly * e;
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero), Vector512<float>.One - q, q);
    }

    // Φ(v) and e = exp(−v²/2) for 8 lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Cdf(Vector256<float> v, out Vector256<float> e)
    {
        var a = Vector256.Abs(v) * Vector256.Create(InvSqrt2);
        var t = Vector256<float>.One / (Vector256<float>.One + Vector256.Create(P) * a);
        var poly = t * (Vector256.Create(A1) + t * (Vector256.Create(A2) + t * (Vector256.Create(A3) + t * (Vector256.Create(A4) + t * Vector256.Create(A5)))));
        e = Vector256.Exp(-(a * a));
        var q = Vector256.Create(0.5f) * poly * e;
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), Vector256<float>.One - q, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRange(float* x, float* y, int i, int end)
    {
        if (Vector512.IsHardwareAccelerated)
            for (; i <= end - 16; i += 16)
            {
                var v = Vector512.Load(x + i);
                (v * Cdf(v, out _)).Store(y + i);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= end - 8; i += 8)
            {
                var v = Vector256.Load(x + i);
                (v * Cdf(v, out _)).Store(y + i);
            }
        for (; i < end; i++) y[i] = x[i] * NormalCdf(x[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRange(float* x, float* dy, float* dx, int i, int end, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated)
            for (; i <= end - 16; i += 16)
            {
                var v = Vector512.Load(x + i);
                var cdf = Cdf(v, out var e);
                var g = Vector512.Load(dy + i) * (cdf + v * e * Vector512.Create(InvSqrt2Pi));
                if (accumulate) g += Vector512.Load(dx + i);
                g.Store(dx + i);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= end - 8; i += 8)
            {
                var v = Vector256.Load(x + i);
                var cdf = Cdf(v, out var e);
                var g = Vector256.Load(dy + i) * (cdf + v * e * Vector256.Create(InvSqrt2Pi));
                if (accumulate) g += Vector256.Load(dx + i);
                g.Store(dx + i);
            }
        for (; i < end; i++)
        {
            float v = x[i];
            float g = dy[i] * (NormalCdf(v) + v * MathF.Exp(-0.5f * v * v) * InvSqrt2Pi);
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }
}
