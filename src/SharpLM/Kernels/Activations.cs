using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpLM.Kernels;

/// <summary>
/// Elementwise nonlinearities of the feed-forward block: GELU (GPT-2's tanh form), SiLU and
/// SwiGLU (LLaMA's gate), tanh (DyT), exp, and their derivatives for backpropagation. Vectorized with
/// Vector512/Vector256 and a scalar tail; large arrays are split across threads.
/// </summary>
public static unsafe class Activations
{
    private const float GeluK0 = 0.7978845608028654f;          // √(2/π)
    private const float GeluK1 = 0.7978845608028654f * 0.044715f;
    private const int MinPerThread = 1 << 15;

    /// <summary>
    /// GELU, tanh approximation: <c>y = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))</c>, computed as
    /// <c>x·σ(2u)</c> since ½(1+tanh u) = σ(2u).
    /// </summary>
    public static void GeluForward(float* x, float* y, int n)
    {
        if (Serial(n)) GeluForwardRange(x, y, 0, n); else GeluForwardParallel(x, y, n);
    }

    private static void GeluForwardParallel(float* x, float* y, int n) =>
        KernelThreads.For(n, (s, e) => GeluForwardRange(x, y, s, e), MinPerThread);

    /// <summary>GELU backward: <c>dx (+)= dy · gelu'(x)</c> with gelu'(x) = s + x·s(1−s)·2u', s = σ(2u).</summary>
    public static void GeluBackward(float* x, float* dy, float* dx, int n, bool accumulate) =>
        KernelThreads.For(n, (s, e) => GeluBackwardRange(x, dy, dx, s, e, accumulate), MinPerThread);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GeluForwardRange(float* x, float* y, int i, int end)
    {
        if (Vector512.IsHardwareAccelerated)
            for (; i <= end - 16; i += 16)
            {
                var v = Vector512.Load(x + i);
                var u = v * (Vector512.Create(GeluK0) + Vector512.Create(GeluK1) * v * v);
                (v / (Vector512<float>.One + Vector512.Exp(u * Vector512.Create(-2f)))).Store(y + i);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= end - 8; i += 8)
            {
                var v = Vector256.Load(x + i);
                var u = v * (Vector256.Create(GeluK0) + Vector256.Create(GeluK1) * v * v);
                (v / (Vector256<float>.One + Vector256.Exp(u * Vector256.Create(-2f)))).Store(y + i);
            }
        for (; i < end; i++)
        {
            float v = x[i], u = v * (GeluK0 + GeluK1 * v * v);
            y[i] = v / (1f + MathF.Exp(-2f * u));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GeluBackwardRange(float* x, float* dy, float* dx, int i, int end, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated)
            for (; i <= end - 16; i += 16)
            {
                var v = Vector512.Load(x + i);
                var v2 = v * v;
                var u = v * (Vector512.Create(GeluK0) + Vector512.Create(GeluK1) * v2);
                var s = Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(u * Vector512.Create(-2f)));
                var du = Vector512.Create(2f * GeluK0) + Vector512.Create(6f * GeluK1) * v2;
                var g = Vector512.Load(dy + i) * (s + v * s * (Vector512<float>.One - s) * du);
                if (accumulate) g += Vector512.Load(dx + i);
                g.Store(dx + i);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= end - 8; i += 8)
            {
                var v = Vector256.Load(x + i);
                var v2 = v * v;
                var u = v * (Vector256.Create(GeluK0) + Vector256.Create(GeluK1) * v2);
                var s = Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(u * Vector256.Create(-2f)));
                var du = Vector256.Create(2f * GeluK0) + Vector256.Create(6f * GeluK1) * v2;
                var g = Vector256.Load(dy + i) * (s + v * s * (Vector256<float>.One - s) * du);
                if (accumulate) g += Vector256.Load(dx + i);
                g.Store(dx + i);
            }
        for (; i < end; i++)
        {
            float v = x[i], u = v * (GeluK0 + GeluK1 * v * v);
            float s = 1f / (1f + MathF.Exp(-2f * u));
            float g = dy[i] * (s + v * s * (1f - s) * (2f * GeluK0 + 6f * GeluK1 * v * v));
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }

    /// <summary>SiLU (swish), LLaMA's gate activation: <c>y = x·σ(x)</c>.</summary>
    public static void SiluForward(float* x, float* y, int n) => SwiGluForward(x, null, y, n);

    /// <summary>SiLU backward: <c>dx (+)= dy·σ(x)·(1 + x·(1 − σ(x)))</c>.</summary>
    public static void SiluBackward(float* x, float* dy, float* dx, int n, bool accumulate) =>
        SwiGluBackward(x, null, dy, dx, accumulate, null, false, n);

    /// <summary>SwiGLU gate, LLaMA's feed-forward: <c>y = silu(a)·b</c> elementwise.</summary>
    public static void SwiGluForward(float* a, float* b, float* y, int n)
    {
        if (Serial(n)) SwiGluForwardRange(a, b, y, 0, n); else SwiGluForwardParallel(a, b, y, n);
    }

    private static void SwiGluForwardParallel(float* a, float* b, float* y, int n) =>
        KernelThreads.For(n, (s, e) => SwiGluForwardRange(a, b, y, s, e), MinPerThread);

    /// <summary>
    /// SwiGLU backward: <c>da (+)= dy·b·silu'(a)</c>, <c>db (+)= dy·silu(a)</c>; either of da, db may be null.
    /// </summary>
    public static void SwiGluBackward(float* a, float* b, float* dy, float* da, bool accumulateDa, float* db, bool accumulateDb, int n) =>
        KernelThreads.For(n, (s, e) => SwiGluBackwardRange(a, b, dy, da, db, s, e, accumulateDa, accumulateDb), MinPerThread);

    /// <summary>Hyperbolic tangent, elementwise (DyT's squashing function).</summary>
    public static void Tanh(float* x, float* y, int n)
    {
        if (Serial(n)) System.Numerics.Tensors.TensorPrimitives.Tanh(new ReadOnlySpan<float>(x, n), new Span<float>(y, n));
        else TanhParallel(x, y, n);
    }

    private static void TanhParallel(float* x, float* y, int n) =>
        KernelThreads.For(n, (s, e) => System.Numerics.Tensors.TensorPrimitives.Tanh(new ReadOnlySpan<float>(x + s, e - s), new Span<float>(y + s, e - s)), MinPerThread);

    /// <summary>Exponential, elementwise.</summary>
    public static void Exp(float* x, float* y, int n)
    {
        if (Serial(n)) System.Numerics.Tensors.TensorPrimitives.Exp(new ReadOnlySpan<float>(x, n), new Span<float>(y, n));
        else ExpParallel(x, y, n);
    }

    private static void ExpParallel(float* x, float* y, int n) =>
        KernelThreads.For(n, (s, e) => System.Numerics.Tensors.TensorPrimitives.Exp(new ReadOnlySpan<float>(x + s, e - s), new Span<float>(y + s, e - s)), MinPerThread);

    /// <summary>True when <paramref name="n"/> elements fit one chunk: run inline, allocating nothing (decoding one token).</summary>
    private static bool Serial(int n) => KernelThreads.ChunkCount(n, MinPerThread) <= 1;

    // y = a·σ(a)·(b or 1)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SwiGluForwardRange(float* a, float* b, float* y, int i, int end)
    {
        if (Vector512.IsHardwareAccelerated)
            for (; i <= end - 16; i += 16)
            {
                var v = Vector512.Load(a + i);
                var r = v / (Vector512<float>.One + Vector512.Exp(-v));
                if (b is not null) r *= Vector512.Load(b + i);
                r.Store(y + i);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= end - 8; i += 8)
            {
                var v = Vector256.Load(a + i);
                var r = v / (Vector256<float>.One + Vector256.Exp(-v));
                if (b is not null) r *= Vector256.Load(b + i);
                r.Store(y + i);
            }
        for (; i < end; i++)
        {
            float v = a[i], r = v / (1f + MathF.Exp(-v));
            y[i] = b is null ? r : r * b[i];
        }
    }

    // One pass: da (+)= dy·(b or 1)·silu'(a) when da is given; db (+)= dy·silu(a) when db is given.
    // da and db may be the same buffer (silu(a)·a): db is read after da is written, so both add up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SwiGluBackwardRange(float* a, float* b, float* dy, float* da, float* db, int i, int end, bool accA, bool accB)
    {
        if (Vector512.IsHardwareAccelerated)
            for (; i <= end - 16; i += 16)
            {
                var v = Vector512.Load(a + i);
                var s = Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-v));
                var d = Vector512.Load(dy + i);
                if (da is not null)
                {
                    var g = d * s * (Vector512<float>.One + v * (Vector512<float>.One - s));
                    if (b is not null) g *= Vector512.Load(b + i);
                    if (accA) g += Vector512.Load(da + i);
                    g.Store(da + i);
                }
                if (db is not null)
                {
                    var g = d * v * s;
                    if (accB) g += Vector512.Load(db + i);
                    g.Store(db + i);
                }
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= end - 8; i += 8)
            {
                var v = Vector256.Load(a + i);
                var s = Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-v));
                var d = Vector256.Load(dy + i);
                if (da is not null)
                {
                    var g = d * s * (Vector256<float>.One + v * (Vector256<float>.One - s));
                    if (b is not null) g *= Vector256.Load(b + i);
                    if (accA) g += Vector256.Load(da + i);
                    g.Store(da + i);
                }
                if (db is not null)
                {
                    var g = d * v * s;
                    if (accB) g += Vector256.Load(db + i);
                    g.Store(db + i);
                }
            }
        for (; i < end; i++)
        {
            float v = a[i], s = 1f / (1f + MathF.Exp(-v)), d = dy[i];
            if (da is not null)
            {
                float g = d * s * (1f + v * (1f - s));
                if (b is not null) g *= b[i];
                da[i] = accA ? da[i] + g : g;
            }
            if (db is not null)
            {
                float g = d * v * s;
                db[i] = accB ? db[i] + g : g;
            }
        }
    }
}
