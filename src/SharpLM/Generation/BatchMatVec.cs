using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SharpLM.Kernels;

namespace SharpLM.Generation;

/// <summary>
/// The batched decode step's skinny matrix product <c>Y[m, n] (+)= X[m, k]·Wᵀ + b</c> for a
/// few rows (m ≈ 2 … 16 sequences, one token each) against a linear layer's weight
/// <c>W[n, k]</c>. Decoding is bandwidth-bound: the weights dominate the bytes moved, so the
/// point is to stream each weight row from memory once and apply it to all m rows while it
/// sits in L1. The micro-kernel takes four weight rows × four input rows (sixteen 512-bit
/// accumulators, eight loads per sixteen multiply-adds), so it stays compute-efficient too.
/// A general GEMM would pack the whole weight matrix first — one more pass over it per step.
/// Work is split over the kernel threads by weight rows; the callback is created once, so a
/// step allocates nothing.
/// </summary>
internal sealed unsafe class BatchMatVec
{
    private const int MinElementsPerChunk = 64 * 1024;
    private readonly Action<int, int> _rowGroups;
    private float* _w, _x, _y, _bias;
    private int _m, _n, _k;
    private bool _accumulate;

    public BatchMatVec() => _rowGroups = RowGroups;

    /// <summary>How many calls were split across threads.</summary>
    public long ParallelDispatches { get; set; }

    /// <summary>
    /// <c>Y = X·Wᵀ + b</c> (b may be null), added to Y when <paramref name="accumulate"/>: X is
    /// <c>[m, k]</c> row-major, W <c>[n, k]</c>, Y <c>[m, n]</c>.
    /// </summary>
    public void Run(int m, int n, int k, float* w, float* x, float* bias, float* y, bool accumulate)
    {
        if (m <= 0 || n <= 0) return;
        _w = w; _x = x; _y = y; _bias = bias; _m = m; _n = n; _k = k; _accumulate = accumulate;
        int groups = (n + 3) / 4;
        int minGroups = Math.Max(1, MinElementsPerChunk / (4 * Math.Max(1, k)));
        if (KernelThreads.ChunkCount(groups, minGroups) > 1) ParallelDispatches++;
        KernelThreads.For(groups, _rowGroups, minGroups);
        _w = _x = _y = _bias = null;
    }

    private void RowGroups(int g0, int g1)
    {
        int n = _n, m = _m, k = _k;
        int j = g0 * 4, end = Math.Min(n, g1 * 4);
        float* w = _w, x = _x, y = _y, bias = _bias;
        bool acc = _accumulate;
        if (!Vector512.IsHardwareAccelerated)
        {
            for (; j < end; j++)
                for (int i = 0; i < m; i++) Store(y, n, i, j, Dot(w + (long)j * k, x + (long)i * k, k), bias, acc);
            return;
        }
        for (; j + 4 <= end; j += 4)
        {
            int i = 0;
            for (; i + 4 <= m; i += 4) Tile4x4(w + (long)j * k, x + (long)i * k, k, y, n, i, j, bias, acc);
            for (; i < m; i++) Tile4x1(w + (long)j * k, x + (long)i * k, k, y, n, i, j, bias, acc);
        }
        for (; j < end; j++)
            for (int i = 0; i < m; i++) Store(y, n, i, j, Dot(w + (long)j * k, x + (long)i * k, k), bias, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, int n, int i, int j, float s, float* bias, bool acc)
    {
        if (bias is not null) s += bias[j];
        float* dst = y + (long)i * n + j;
        *dst = acc ? *dst + s : s;
    }

    private static float Dot(float* w, float* x, int k) => TensorPrimitives.Dot(new ReadOnlySpan<float>(w, k), new ReadOnlySpan<float>(x, k));

    /// <summary>Weight rows j … j+3 (from <paramref name="w"/>, stride k) times input rows i … i+3 (from <paramref name="x"/>, stride k).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x4(float* w, float* x, int k, float* y, int n, int i, int j, float* bias, bool acc)
    {
        float* w0 = w, w1 = w + k, w2 = w + 2L * k, w3 = w + 3L * k;
        float* x0 = x, x1 = x + k, x2 = x + 2L * k, x3 = x + 3L * k;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int p = 0;
        for (; p <= k - 16; p += 16)
        {
            var v0 = Vector512.Load(x0 + p); var v1 = Vector512.Load(x1 + p);
            var v2 = Vector512.Load(x2 + p); var v3 = Vector512.Load(x3 + p);
            var r = Vector512.Load(w0 + p);
            a00 = Vector512.FusedMultiplyAdd(r, v0, a00); a01 = Vector512.FusedMultiplyAdd(r, v1, a01);
            a02 = Vector512.FusedMultiplyAdd(r, v2, a02); a03 = Vector512.FusedMultiplyAdd(r, v3, a03);
            r = Vector512.Load(w1 + p);
            a10 = Vector512.FusedMultiplyAdd(r, v0, a10); a11 = Vector512.FusedMultiplyAdd(r, v1, a11);
            a12 = Vector512.FusedMultiplyAdd(r, v2, a12); a13 = Vector512.FusedMultiplyAdd(r, v3, a13);
            r = Vector512.Load(w2 + p);
            a20 = Vector512.FusedMultiplyAdd(r, v0, a20); a21 = Vector512.FusedMultiplyAdd(r, v1, a21);
            a22 = Vector512.FusedMultiplyAdd(r, v2, a22); a23 = Vector512.FusedMultiplyAdd(r, v3, a23);
            r = Vector512.Load(w3 + p);
            a30 = Vector512.FusedMultiplyAdd(r, v0, a30); a31 = Vector512.FusedMultiplyAdd(r, v1, a31);
            a32 = Vector512.FusedMultiplyAdd(r, v2, a32); a33 = Vector512.FusedMultiplyAdd(r, v3, a33);
        }
        float s00 = Vector512.Sum(a00), s01 = Vector512.Sum(a01), s02 = Vector512.Sum(a02), s03 = Vector512.Sum(a03);
        float s10 = Vector512.Sum(a10), s11 = Vector512.Sum(a11), s12 = Vector512.Sum(a12), s13 = Vector512.Sum(a13);
        float s20 = Vector512.Sum(a20), s21 = Vector512.Sum(a21), s22 = Vector512.Sum(a22), s23 = Vector512.Sum(a23);
        float s30 = Vector512.Sum(a30), s31 = Vector512.Sum(a31), s32 = Vector512.Sum(a32), s33 = Vector512.Sum(a33);
        for (; p < k; p++)
        {
            float c0 = x0[p], c1 = x1[p], c2 = x2[p], c3 = x3[p];
            s00 += w0[p] * c0; s01 += w0[p] * c1; s02 += w0[p] * c2; s03 += w0[p] * c3;
            s10 += w1[p] * c0; s11 += w1[p] * c1; s12 += w1[p] * c2; s13 += w1[p] * c3;
            s20 += w2[p] * c0; s21 += w2[p] * c1; s22 += w2[p] * c2; s23 += w2[p] * c3;
            s30 += w3[p] * c0; s31 += w3[p] * c1; s32 += w3[p] * c2; s33 += w3[p] * c3;
        }
        Store(y, n, i, j, s00, bias, acc); Store(y, n, i + 1, j, s01, bias, acc); Store(y, n, i + 2, j, s02, bias, acc); Store(y, n, i + 3, j, s03, bias, acc);
        Store(y, n, i, j + 1, s10, bias, acc); Store(y, n, i + 1, j + 1, s11, bias, acc); Store(y, n, i + 2, j + 1, s12, bias, acc); Store(y, n, i + 3, j + 1, s13, bias, acc);
        Store(y, n, i, j + 2, s20, bias, acc); Store(y, n, i + 1, j + 2, s21, bias, acc); Store(y, n, i + 2, j + 2, s22, bias, acc); Store(y, n, i + 3, j + 2, s23, bias, acc);
        Store(y, n, i, j + 3, s30, bias, acc); Store(y, n, i + 1, j + 3, s31, bias, acc); Store(y, n, i + 2, j + 3, s32, bias, acc); Store(y, n, i + 3, j + 3, s33, bias, acc);
    }

    /// <summary>Weight rows j … j+3 times the single input row i (the batch's remainder rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x1(float* w, float* x, int k, float* y, int n, int i, int j, float* bias, bool acc)
    {
        float* w0 = w, w1 = w + k, w2 = w + 2L * k, w3 = w + 3L * k;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int p = 0;
        for (; p <= k - 16; p += 16)
        {
            var v = Vector512.Load(x + p);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + p), v, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + p), v, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + p), v, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + p), v, a3);
        }
        float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
        for (; p < k; p++) { float c = x[p]; s0 += w0[p] * c; s1 += w1[p] * c; s2 += w2[p] * c; s3 += w3[p] * c; }
        Store(y, n, i, j, s0, bias, acc); Store(y, n, i, j + 1, s1, bias, acc);
        Store(y, n, i, j + 2, s2, bias, acc); Store(y, n, i, j + 3, s3, bias, acc);
    }
}
