using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpLM.Kernels;

/// <summary>
/// The cache-blocked GEMM driver (the classic Goto/BLIS loop nest): C is cut into NC-wide
/// column panels, k into KC-deep slices and rows into MC-tall blocks; a KC×NC panel of B and an
/// MC×KC block of A are packed, then the micro-kernel sweeps MR×NR tiles over them. Work is
/// split across threads by whole tiles of C, so every element of C is computed by one thread in
/// one fixed order: the result does not depend on scheduling.
/// </summary>
internal static unsafe class GemmBlocked
{
    /// <summary>Depth of a k slice: one packed B sliver (KC×NR) stays in L1 while it is reused.</summary>
    internal static int KC = 128;

    /// <summary>Height of a packed A block (MC×KC, kept in L2).</summary>
    internal static int MC = 256;

    /// <summary>Width of a packed B panel (KC×NC, kept in L2/L3).</summary>
    internal static int NC = 1536;

    /// <summary>The micro-kernel in use (settable by benchmarks and tests to compare kernels).</summary>
    internal static GemmTileKernel Kernel = GemmTileKernel.Best;

    /// <summary>Below this many multiply-adds a GEMM runs on one thread (waking workers would cost more).</summary>
    internal const long ParallelThreshold = 1L << 20;

    /// <summary>Runs the blocked GEMM, split across <see cref="KernelThreads"/>.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k,
        float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        var kern = Kernel;
        int tilesM = (m + kern.MR - 1) / kern.MR, tilesN = (n + kern.NR - 1) / kern.NR;
        bool parallel = (long)m * n * k >= ParallelThreshold && KernelThreads.Count > 1 && !KernelWorkerPool.InsideParallel;
        if (!parallel)
        {
            RunSerial(kern, transA, transB, k, a, lda, b, ldb, c, ldc, accumulate, 0, m, 0, n);
            return;
        }
        var job = _job ??= new SplitJob();
        job.Kernel = kern; job.TransA = transA; job.TransB = transB; job.M = m; job.N = n; job.K = k;
        job.A = a; job.Lda = lda; job.B = b; job.Ldb = ldb; job.C = c; job.Ldc = ldc; job.Accumulate = accumulate;
        // Split the columns when there are enough of them (each thread packs its own part of B and
        // reads all of A), otherwise the rows.
        job.SplitColumns = tilesN >= tilesM || tilesN >= 4 * KernelThreads.Count;
        KernelThreads.For(job.SplitColumns ? tilesN : tilesM, job.Body);
    }

    /// <summary>The arguments of one threaded GEMM, kept per calling thread with a cached delegate (no allocation per call).</summary>
    private sealed class SplitJob
    {
        public GemmTileKernel Kernel;
        public bool TransA, TransB, Accumulate, SplitColumns;
        public int M, N, K;
        public float* A, B, C;
        public nint Lda, Ldb, Ldc;
        public readonly Action<int, int> Body;

        public SplitJob() => Body = (s, e) =>
        {
            if (SplitColumns)
                RunSerial(Kernel, TransA, TransB, K, A, Lda, B, Ldb, C, Ldc, Accumulate, 0, M, s * Kernel.NR, Math.Min(N, e * Kernel.NR));
            else
                RunSerial(Kernel, TransA, TransB, K, A, Lda, B, Ldb, C, Ldc, Accumulate, s * Kernel.MR, Math.Min(M, e * Kernel.MR), 0, N);
        };
    }

    [ThreadStatic] private static SplitJob? _job;

    /// <summary>Computes rows [i0,i1) × columns [j0,j1) of C on the calling thread.</summary>
    internal static void RunSerial(in GemmTileKernel kern, bool transA, bool transB, int k,
        float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool accumulate, int i0, int i1, int j0, int j1)
    {
        int mr = kern.MR, nr = kern.NR;
        int m = i1 - i0, n = j1 - j0;
        if (m <= 0 || n <= 0) return;
        // Balanced block sizes: equal-sized slices rather than full ones plus a thin remainder.
        int kc = BalancedBlock(k, KC, 1);
        int mc = BalancedBlock(m, MC, mr);
        int nc = BalancedBlock(n, NC, nr);
        var buffers = PackBuffers.ForCurrentThread(RoundUp(mc, mr) * kc, RoundUp(nc, nr) * kc);
        float* tmp = stackalloc float[mr * nr];
        for (int jc = j0; jc < j1; jc += nc)
        {
            int ncb = Math.Min(nc, j1 - jc);
            for (int p0 = 0; p0 < k; p0 += kc)
            {
                int kcb = Math.Min(kc, k - p0);
                bool add = accumulate || p0 > 0;
                GemmPacking.PackB(transB, b, ldb, p0, jc, kcb, ncb, nr, buffers.B);
                for (int ic = i0; ic < i1; ic += mc)
                {
                    int mcb = Math.Min(mc, i1 - ic);
                    GemmPacking.PackA(transA, a, lda, ic, p0, mcb, kcb, mr, buffers.A);
                    MacroKernel(kern, kcb, mcb, ncb, buffers.A, buffers.B, c + ic * ldc + jc, ldc, add, tmp);
                }
            }
        }
    }

    /// <summary>Sweeps the micro-kernel over an mc×nc block of C from packed A and B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MacroKernel(in GemmTileKernel kern, int kc, int mc, int nc, float* packedA, float* packedB,
        float* c, nint ldc, bool add, float* tmp)
    {
        int mr = kern.MR, nr = kern.NR;
        var tile = kern.Tile;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* pb = packedB + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* pa = packedA + (nint)ir * kc;
                float* ct = c + ir * ldc + jr;
                if (rows == mr && cols == nr)
                {
                    tile(kc, pa, pb, ct, ldc, add);
                    continue;
                }
                // Edge tile: compute the full tile into a scratch buffer, then add/copy the valid part.
                tile(kc, pa, pb, tmp, nr, false);
                for (int r = 0; r < rows; r++)
                {
                    float* dst = ct + r * ldc;
                    float* src = tmp + r * nr;
                    if (add) for (int j = 0; j < cols; j++) dst[j] += src[j];
                    else for (int j = 0; j < cols; j++) dst[j] = src[j];
                }
            }
        }
    }

    private static int BalancedBlock(int total, int max, int multiple)
    {
        if (total <= 0) return multiple;
        int blocks = (total + max - 1) / max;
        return RoundUp((total + blocks - 1) / blocks, multiple);
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Per-thread packing buffers (64-byte aligned, grown on demand, freed with the thread).</summary>
    private sealed class PackBuffers
    {
        [ThreadStatic] private static PackBuffers? _current;
        public float* A, B;
        private nuint _capA, _capB;

        public static PackBuffers ForCurrentThread(int floatsA, int floatsB)
        {
            var p = _current ??= new PackBuffers();
            p.A = Grow(p.A, ref p._capA, (nuint)floatsA);
            p.B = Grow(p.B, ref p._capB, (nuint)floatsB);
            return p;
        }

        private static float* Grow(float* ptr, ref nuint cap, nuint need)
        {
            if (need <= cap) return ptr;
            if (ptr != null) NativeMemory.AlignedFree(ptr);
            cap = need;
            return (float*)NativeMemory.AlignedAlloc(need * sizeof(float), 64);
        }

        ~PackBuffers()
        {
            if (A != null) NativeMemory.AlignedFree(A);
            if (B != null) NativeMemory.AlignedFree(B);
        }
    }
}
