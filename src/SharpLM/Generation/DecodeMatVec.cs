using System.Runtime.Intrinsics;
using SharpLM.Kernels;

namespace SharpLM.Generation;

/// <summary>
/// The decode step's matrix-vector product <c>y[n] (+)= W[n,k]·x[k] + b</c>, fused with the
/// bias and the residual add, split over the kernel threads by rows. It exists beside
/// <see cref="Gemv"/> because decoding must allocate nothing per token: the work is described
/// in fields and the thread callback is one delegate created up front (Gemv.Multiply
/// currently allocates a closure per call). Memory-bound: W streams through once, in order.
/// </summary>
internal sealed unsafe class DecodeMatVec
{
    private const int MinElementsPerChunk = 64 * 1024;
    private readonly Action<int, int> _rowGroups;
    private float* _w, _x, _y, _bias, _w2, _y2, _bias2;
    private int _n, _k;
    private bool _accumulate;

    private readonly Action<int, int> _pairGroups;

    public DecodeMatVec()
    {
        _rowGroups = RowGroups;
        _pairGroups = PairGroups;
    }

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

    /// <summary>
    /// Two mat-vecs over the same input in one parallel dispatch (SwiGLU's gate and up projections):
    /// <c>y1 = W1·x + b1</c>, <c>y2 = W2·x + b2</c>, both <c>[n, k]</c> (biases may be null). Row i of both is
    /// read by the same thread, so the two outputs of a row range are ready together.
    /// </summary>
    public void RunPair(int n, int k, float* w1, float* w2, float* x, float* bias1, float* bias2, float* y1, float* y2)
    {
        _w = w1; _w2 = w2; _x = x; _y = y1; _y2 = y2; _bias = bias1; _bias2 = bias2; _n = n; _k = k;
        int groups = (n + 3) / 4;
        int minGroups = Math.Max(1, MinElementsPerChunk / (8 * Math.Max(1, k)));
        if (KernelThreads.ChunkCount(groups, minGroups) > 1) ParallelDispatches++;
        KernelThreads.For(groups, _pairGroups, minGroups);
        _w = _w2 = _x = _y = _y2 = _bias = _bias2 = null;
    }

    private void PairGroups(int g0, int g1)
    {
        int k = _k;
        float* w1 = _w, w2 = _w2, x = _x, y1 = _y, y2 = _y2, b1 = _bias, b2 = _bias2;
        int end = Math.Min(_n, g1 * 4);
        for (int i = g0 * 4; i < end; i++)
        {
            y1[i] = Dot(w1 + (long)i * k, x, k) + (b1 is null ? 0 : b1[i]);
            y2[i] = Dot(w2 + (long)i * k, x, k) + (b2 is null ? 0 : b2[i]);
        }
    }

    private void RowGroups(int g0, int g1)
    {
        int k = _k;
        float* w = _w, x = _x, y = _y, bias = _bias;
        bool acc = _accumulate;
        int end = Math.Min(_n, g1 * 4);
        for (int i = g0 * 4; i < end; i++)
        {
            float s = Dot(w + (long)i * k, x, k);
            if (bias is not null) s += bias[i];
            y[i] = acc ? y[i] + s : s;
        }
    }

    /// <summary>Whether the mat-vec uses 512-bit loads (off: 256-bit streamed better on the measured Zen 5 VMs, see DESIGN).</summary>
    private static readonly bool PreferWide = Vector512.IsHardwareAccelerated && Environment.GetEnvironmentVariable("SHARPLM_DECODE_WIDE") == "1";

    // One row at a time, read strictly in order (measured faster here than interleaving four
    // rows: the hardware prefetcher sees one sequential stream), four independent accumulators.
    private static float Dot(float* w, float* x, int k)
    {
        int p = 0;
        float s = 0;
        if (PreferWide && k >= 64)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; p <= k - 64; p += 64)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + p), Vector512.Load(x + p), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w + p + 16), Vector512.Load(x + p + 16), a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w + p + 32), Vector512.Load(x + p + 32), a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w + p + 48), Vector512.Load(x + p + 48), a3);
            }
            for (; p <= k - 16; p += 16) a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + p), Vector512.Load(x + p), a0);
            s = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Vector256.IsHardwareAccelerated && k >= 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; p <= k - 32; p += 32)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + p), Vector256.Load(x + p), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w + p + 8), Vector256.Load(x + p + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(w + p + 16), Vector256.Load(x + p + 16), a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(w + p + 24), Vector256.Load(x + p + 24), a3);
            }
            for (; p <= k - 8; p += 8) a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + p), Vector256.Load(x + p), a0);
            s = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        for (; p < k; p++) s += w[p] * x[p];
        return s;
    }
}
