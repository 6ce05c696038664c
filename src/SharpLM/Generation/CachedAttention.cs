using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace SharpLM.Generation;

/// <summary>
/// The two inner loops of attention over the KV cache for one query of one head: score every
/// cached key (<c>s_t = q·k_t</c>) and mix the cached values by the probabilities
/// (<c>o = Σ_t p_t·v_t</c>). Keys and values of one head sit every C floats in the cache, so
/// the loops walk positions with that stride, keeping the query and the output in SIMD
/// registers (64 channels at a time) instead of reloading them for every position.
/// </summary>
internal static unsafe class CachedAttention
{
    /// <summary><c>scores[t] = q·k_t</c> for t in [0, n); key t starts at <c>keys + t·stride</c>; d channels.</summary>
    public static void Scores(float* q, float* keys, long stride, int n, int d, float* scores)
    {
        if (!Vector512.IsHardwareAccelerated || d % 16 != 0)
        {
            var qs = new ReadOnlySpan<float>(q, d);
            for (int t = 0; t < n; t++) scores[t] = TensorPrimitives.Dot(qs, new ReadOnlySpan<float>(keys + t * stride, d));
            return;
        }
        for (int c0 = 0; c0 < d; c0 += 64)
        {
            int width = Math.Min(64, d - c0);
            bool first = c0 == 0;
            float* kc = keys + c0;
            if (width == 64)
            {
                var q0 = Vector512.Load(q + c0); var q1 = Vector512.Load(q + c0 + 16);
                var q2 = Vector512.Load(q + c0 + 32); var q3 = Vector512.Load(q + c0 + 48);
                for (int t = 0; t < n; t++)
                {
                    float* k = kc + t * stride;
                    var a = Vector512.Multiply(q0, Vector512.Load(k));
                    a = Vector512.FusedMultiplyAdd(q1, Vector512.Load(k + 16), a);
                    a = Vector512.FusedMultiplyAdd(q2, Vector512.Load(k + 32), a);
                    a = Vector512.FusedMultiplyAdd(q3, Vector512.Load(k + 48), a);
                    float s = Vector512.Sum(a);
                    scores[t] = first ? s : scores[t] + s;
                }
            }
            else
            {
                for (int t = 0; t < n; t++)
                {
                    float* k = kc + t * stride;
                    var a = Vector512<float>.Zero;
                    for (int i = 0; i < width; i += 16) a = Vector512.FusedMultiplyAdd(Vector512.Load(q + c0 + i), Vector512.Load(k + i), a);
                    float s = Vector512.Sum(a);
                    scores[t] = first ? s : scores[t] + s;
                }
            }
        }
    }

    /// <summary><c>o = Σ_t p[t]·v_t</c> for t in [0, n); value t starts at <c>values + t·stride</c>; d channels.</summary>
    public static void Mix(float* p, float* values, long stride, int n, int d, float* o)
    {
        if (!Vector512.IsHardwareAccelerated || d % 16 != 0)
        {
            var os = new Span<float>(o, d);
            os.Clear();
            for (int t = 0; t < n; t++) TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(values + t * stride, d), p[t], os, os);
            return;
        }
        for (int c0 = 0; c0 < d; c0 += 64)
        {
            int width = Math.Min(64, d - c0);
            float* vc = values + c0;
            if (width == 64)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int t = 0; t < n; t++)
                {
                    float* v = vc + t * stride;
                    var w = Vector512.Create(p[t]);
                    a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v), a0);
                    a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 16), a1);
                    a2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 32), a2);
                    a3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 48), a3);
                }
                a0.Store(o + c0); a1.Store(o + c0 + 16); a2.Store(o + c0 + 32); a3.Store(o + c0 + 48);
            }
            else
            {
                for (int i = 0; i < width; i += 16)
                {
                    var a = Vector512<float>.Zero;
                    for (int t = 0; t < n; t++) a = Vector512.FusedMultiplyAdd(Vector512.Create(p[t]), Vector512.Load(vc + t * stride + i), a);
                    a.Store(o + c0 + i);
                }
            }
        }
    }
}
