using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>
/// Matrix-vector product for decoding one token: <c>y[n] (+)= W[n,k] · x[k]</c> with W
/// row-major (a linear layer's weight as PyTorch stores it, [out,in]). Memory-bound: the
/// whole weight matrix streams through once per token, so the kernel reads four rows at a
/// time (four independent streams) and splits the rows across threads.
/// </summary>
public static unsafe class Gemv
{
    /// <summary>Smallest amount of work (elements of W) worth handing to another thread.</summary>
    private const int MinElementsPerChunk = 64 * 1024;

    /// <summary>Column block width for <see cref="MultiplyTransposed"/>'s thread split.</summary>
    private const int ColumnBlock = 64;

    /// <summary><c>y = W·x</c> (+ <c>y</c> when <paramref name="accumulate"/>); W is n×k with row stride <paramref name="ldw"/>.</summary>
    public static void Multiply(int n, int k, float* w, int ldw, float* x, float* y, bool accumulate)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"n (rows of W) must be ≥ 0, got {n}");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), $"k (columns of W) must be ≥ 0, got {k}");
        if (ldw < Math.Max(1, k)) throw new ArgumentOutOfRangeException(nameof(ldw), $"ldw must be ≥ k = {k}, got {ldw}");
        if (n == 0) return;
        if (y == null || (k > 0 && (w == null || x == null))) throw new ArgumentNullException(y == null ? nameof(y) : w == null ? nameof(w) : nameof(x));
        int minRows = Math.Max(4, MinElementsPerChunk / Math.Max(1, k));
        if (KernelThreads.ChunkCount(n, minRows) <= 1 || KernelWorkerPool.InsideParallel)
        {
            Rows(0, n, k, w, ldw, x, y, accumulate);
            return;
        }
        var job = _rowsJob ??= new RowsJob();
        job.W = w; job.X = x; job.Y = y; job.K = k; job.Ldw = ldw; job.Accumulate = accumulate;
        KernelThreads.For(n, job.Body, minRows);
    }

    /// <summary>
    /// <c>y = xᵀ·B</c> (+ <c>y</c> when <paramref name="accumulate"/>) with B k×n row-major, stride <paramref name="ldb"/>:
    /// a weighted sum of B's rows (the one-row case of C = A·B, e.g. an input gradient for one token).
    /// </summary>
    public static void MultiplyTransposed(int n, int k, float* b, int ldb, float* x, float* y, bool accumulate)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"n (columns of B) must be ≥ 0, got {n}");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), $"k (rows of B) must be ≥ 0, got {k}");
        if (ldb < Math.Max(1, n)) throw new ArgumentOutOfRangeException(nameof(ldb), $"ldb must be ≥ n = {n}, got {ldb}");
        if (n == 0) return;
        if (y == null || (k > 0 && (b == null || x == null))) throw new ArgumentNullException(y == null ? nameof(y) : b == null ? nameof(b) : nameof(x));
        int blocks = (n + ColumnBlock - 1) / ColumnBlock;
        int minBlocks = Math.Max(1, MinElementsPerChunk / Math.Max(1, k) / ColumnBlock);
        if (KernelThreads.ChunkCount(blocks, minBlocks) <= 1 || KernelWorkerPool.InsideParallel)
        {
            Columns(0, n, k, b, ldb, x, y, accumulate);
            return;
        }
        var job = _columnsJob ??= new ColumnsJob();
        job.B = b; job.X = x; job.Y = y; job.N = n; job.K = k; job.Ldb = ldb; job.Accumulate = accumulate;
        KernelThreads.For(blocks, job.Body, minBlocks);
    }

    // Per-calling-thread argument holders with a cached delegate, so that decoding a token allocates nothing.
    [ThreadStatic] private static RowsJob? _rowsJob;
    [ThreadStatic] private static ColumnsJob? _columnsJob;

    private sealed class RowsJob
    {
        public float* W, X, Y;
        public int K, Ldw;
        public bool Accumulate;
        public readonly Action<int, int> Body;
        public RowsJob() => Body = (s, e) => Rows(s, e, K, W, Ldw, X, Y, Accumulate);
    }

    private sealed class ColumnsJob
    {
        public float* B, X, Y;
        public int N, K, Ldb;
        public bool Accumulate;
        public readonly Action<int, int> Body;
        public ColumnsJob() => Body = (s, e) => Columns(s * ColumnBlock, Math.Min(N, e * ColumnBlock), K, B, Ldb, X, Y, Accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> MulAdd(Vector<float> a, Vector<float> b, Vector<float> c) =>
        Fma.IsSupported ? Vector.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>Rows [s,e) of y = W·x. Each row's sum is formed in the same order whether it is done alone or in a group of four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(int s, int e, int k, float* w, nint ldw, float* x, float* y, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Rows512(s, e, k, w, ldw, x, y, accumulate);
            return;
        }
        int lanes = Vector<float>.Count;
        int kv = k - k % lanes;
        int i = s;
        for (; i + 4 <= e; i += 4)
        {
            float* w0 = w + i * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw;
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int p = 0; p < kv; p += lanes)
            {
                var xv = Vector.Load(x + p);
                a0 = MulAdd(Vector.Load(w0 + p), xv, a0);
                a1 = MulAdd(Vector.Load(w1 + p), xv, a1);
                a2 = MulAdd(Vector.Load(w2 + p), xv, a2);
                a3 = MulAdd(Vector.Load(w3 + p), xv, a3);
            }
            float s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
            for (int p = kv; p < k; p++)
            {
                s0 += w0[p] * x[p]; s1 += w1[p] * x[p]; s2 += w2[p] * x[p]; s3 += w3[p] * x[p];
            }
            if (accumulate) { y[i] += s0; y[i + 1] += s1; y[i + 2] += s2; y[i + 3] += s3; }
            else { y[i] = s0; y[i + 1] = s1; y[i + 2] = s2; y[i + 3] = s3; }
        }
        for (; i < e; i++)
        {
            float* w0 = w + i * ldw;
            Vector<float> a0 = default;
            for (int p = 0; p < kv; p += lanes) a0 = MulAdd(Vector.Load(w0 + p), Vector.Load(x + p), a0);
            float s0 = Vector.Sum(a0);
            for (int p = kv; p < k; p++) s0 += w0[p] * x[p];
            y[i] = accumulate ? y[i] + s0 : s0;
        }
    }

    /// <summary>Columns [j0,j1) of y = xᵀ·B, adding four rows of B per pass over y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns(int j0, int j1, int k, float* b, nint ldb, float* x, float* y, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Columns512(j0, j1, k, b, ldb, x, y, accumulate);
            return;
        }
        int lanes = Vector<float>.Count;
        int width = j1 - j0;
        if (!accumulate) new Span<float>(y + j0, width).Clear();
        int jv = j0 + width - width % lanes;
        int p = 0;
        for (; p + 4 <= k; p += 4)
        {
            float* b0 = b + p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            Vector<float> x0 = new(x[p]), x1 = new(x[p + 1]), x2 = new(x[p + 2]), x3 = new(x[p + 3]);
            for (int j = j0; j < jv; j += lanes)
            {
                var acc = Vector.Load(y + j);
                acc = MulAdd(x0, Vector.Load(b0 + j), acc);
                acc = MulAdd(x1, Vector.Load(b1 + j), acc);
                acc = MulAdd(x2, Vector.Load(b2 + j), acc);
                acc = MulAdd(x3, Vector.Load(b3 + j), acc);
                acc.Store(y + j);
            }
            for (int j = jv; j < j1; j++)
                y[j] = FusedOrNot(x[p + 3], b3[j], FusedOrNot(x[p + 2], b2[j], FusedOrNot(x[p + 1], b1[j], FusedOrNot(x[p], b0[j], y[j]))));
        }
        for (; p < k; p++)
        {
            float* b0 = b + p * ldb;
            var x0 = new Vector<float>(x[p]);
            for (int j = j0; j < jv; j += lanes) MulAdd(x0, Vector.Load(b0 + j), Vector.Load(y + j)).Store(y + j);
            for (int j = jv; j < j1; j++) y[j] = FusedOrNot(x[p], b0[j], y[j]);
        }
    }

    /// <summary>Rows [s,e) of y = W·x with 512-bit vectors, four rows at a time (faster than 256-bit here: 30 vs 24 GB/s per core from DRAM).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows512(int s, int e, int k, float* w, nint ldw, float* x, float* y, bool accumulate)
    {
        int kv = k - k % 16;
        int i = s;
        for (; i + 4 <= e; i += 4)
        {
            float* w0 = w + i * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int p = 0; p < kv; p += 16)
            {
                var xv = Vector512.Load(x + p);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + p), xv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + p), xv, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + p), xv, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + p), xv, a3);
            }
            float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
            for (int p = kv; p < k; p++)
            {
                s0 += w0[p] * x[p]; s1 += w1[p] * x[p]; s2 += w2[p] * x[p]; s3 += w3[p] * x[p];
            }
            if (accumulate) { y[i] += s0; y[i + 1] += s1; y[i + 2] += s2; y[i + 3] += s3; }
            else { y[i] = s0; y[i + 1] = s1; y[i + 2] = s2; y[i + 3] = s3; }
        }
        for (; i < e; i++)
        {
            float* w0 = w + i * ldw;
            Vector512<float> a0 = default;
            for (int p = 0; p < kv; p += 16) a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + p), Vector512.Load(x + p), a0);
            float s0 = Vector512.Sum(a0);
            for (int p = kv; p < k; p++) s0 += w0[p] * x[p];
            y[i] = accumulate ? y[i] + s0 : s0;
        }
    }

    /// <summary>Columns [j0,j1) of y = xᵀ·B with 512-bit vectors (same per-element order as <see cref="Columns"/>'s scalar tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns512(int j0, int j1, int k, float* b, nint ldb, float* x, float* y, bool accumulate)
    {
        int width = j1 - j0;
        if (!accumulate) new Span<float>(y + j0, width).Clear();
        int jv = j0 + width - width % 16;
        int p = 0;
        for (; p + 4 <= k; p += 4)
        {
            float* b0 = b + p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            var x0 = Vector512.Create(x[p]); var x1 = Vector512.Create(x[p + 1]);
            var x2 = Vector512.Create(x[p + 2]); var x3 = Vector512.Create(x[p + 3]);
            for (int j = j0; j < jv; j += 16)
            {
                var acc = Vector512.Load(y + j);
                acc = Vector512.FusedMultiplyAdd(x0, Vector512.Load(b0 + j), acc);
                acc = Vector512.FusedMultiplyAdd(x1, Vector512.Load(b1 + j), acc);
                acc = Vector512.FusedMultiplyAdd(x2, Vector512.Load(b2 + j), acc);
                acc = Vector512.FusedMultiplyAdd(x3, Vector512.Load(b3 + j), acc);
                acc.Store(y + j);
            }
            for (int j = jv; j < j1; j++)
                y[j] = MathF.FusedMultiplyAdd(x[p + 3], b3[j], MathF.FusedMultiplyAdd(x[p + 2], b2[j], MathF.FusedMultiplyAdd(x[p + 1], b1[j], MathF.FusedMultiplyAdd(x[p], b0[j], y[j]))));
        }
        for (; p < k; p++)
        {
            float* b0 = b + p * ldb;
            var x0 = Vector512.Create(x[p]);
            for (int j = j0; j < jv; j += 16) Vector512.FusedMultiplyAdd(x0, Vector512.Load(b0 + j), Vector512.Load(y + j)).Store(y + j);
            for (int j = jv; j < j1; j++) y[j] = MathF.FusedMultiplyAdd(x[p], b0[j], y[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FusedOrNot(float a, float b, float c) => Fma.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;
}
