using System.Runtime.Intrinsics;
using SharpLM.Kernels;

namespace SharpLM.Generation;

/// <summary>
/// The decode step's matrix-vector product <c>y[n] (+)= W[n,k]·x[k] + b</c>, fused with the
/// bias and the residual add, split over the kernel threads by rows. It exists beside
/// <see cref="Gemv"/> because decoding must allocate nothing per token: the work is described
/// in fields and the thread callback is one delegate created up front (Gemv.Multiply
/// currently allocates a closure per call). Memory-bound: W streams through once, four rows
/// at a time so four independent loads are in flight.
/// </summary>
internal sealed unsafe class DecodeMatVec
{
    private const int MinElementsPerChunk = 64 * 1024;
    private readonly Action<int, int> _rowGroups;
    private float* _w, _x, _y, _bias;
    private int _n, _k;
    private bool _accumulate;

    public DecodeMatVec() => _rowGroups = RowGroups;

    /// <summary>How many calls were split across threads (each costs the worker pool's own bookkeeping; tests use it).</summary>
    public long ParallelDispatches { get; set; }

    /// <summary>y = W·x + b (b may be null), added to y when <paramref name="accumulate"/>.</summary>
    public void Run(int n, int k, float* w, float* x, float* bias, float* y, bool accumulate)
    {
        _w = w; _x = x; _y = y; _bias = bias; _n = n; _k = k; _accumulate = accumulate;
        int groups = (n + 3) / 4;
        int minGroups = Math.Max(1, MinElementsPerChunk / (4 * Math.Max(1, k)));
        if (KernelThreads.ChunkCount(groups, minGroups) > 1) ParallelDispatches++;
        KernelThreads.For(groups, _rowGroups, minGroups);
        _w = _x = _y = _bias = null;
    }

    private void RowGroups(int g0, int g1)
    {
        int k = _k, n = _n;
        float* w = _w, x = _x, y = _y, bias = _bias;
        bool acc = _accumulate;
        int end = Math.Min(n, g1 * 4);
        int i = g0 * 4;
        for (; i + 4 <= end; i += 4)
        {
            float* w0 = w + (long)i * k;
            Dot4(w0, w0 + k, w0 + 2 * k, w0 + 3 * k, x, k, out float s0, out float s1, out float s2, out float s3);
            if (bias is not null) { s0 += bias[i]; s1 += bias[i + 1]; s2 += bias[i + 2]; s3 += bias[i + 3]; }
            if (acc) { y[i] += s0; y[i + 1] += s1; y[i + 2] += s2; y[i + 3] += s3; }
            else { y[i] = s0; y[i + 1] = s1; y[i + 2] = s2; y[i + 3] = s3; }
        }
        for (; i < end; i++)
        {
            float s = Dot1(w + (long)i * k, x, k);
            if (bias is not null) s += bias[i];
            y[i] = acc ? y[i] + s : s;
        }
    }

    private static void Dot4(float* w0, float* w1, float* w2, float* w3, float* x, int k,
        out float s0, out float s1, out float s2, out float s3)
    {
        int p = 0;
        if (Vector512.IsHardwareAccelerated && k >= 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; p <= k - 16; p += 16)
            {
                var xv = Vector512.Load(x + p);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + p), xv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + p), xv, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + p), xv, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + p), xv, a3);
            }
            s0 = Vector512.Sum(a0); s1 = Vector512.Sum(a1); s2 = Vector512.Sum(a2); s3 = Vector512.Sum(a3);
        }
        else if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; p <= k - 8; p += 8)
            {
                var xv = Vector256.Load(x + p);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w0 + p), xv, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + p), xv, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + p), xv, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + p), xv, a3);
            }
            s0 = Vector256.Sum(a0); s1 = Vector256.Sum(a1); s2 = Vector256.Sum(a2); s3 = Vector256.Sum(a3);
        }
        else { s0 = s1 = s2 = s3 = 0; }
        for (; p < k; p++) { float xv = x[p]; s0 += w0[p] * xv; s1 += w1[p] * xv; s2 += w2[p] * xv; s3 += w3[p] * xv; }
    }

    private static float Dot1(float* w, float* x, int k)
    {
        int p = 0;
        float s = 0;
        if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            Vector256<float> a = default;
            for (; p <= k - 8; p += 8) a = Vector256.FusedMultiplyAdd(Vector256.Load(w + p), Vector256.Load(x + p), a);
            s = Vector256.Sum(a);
        }
        for (; p < k; p++) s += w[p] * x[p];
        return s;
    }
}
