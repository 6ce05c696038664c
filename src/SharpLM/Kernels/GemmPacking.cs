using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>
/// Packing for GEMM: copies a block of op(A) or op(B) into a contiguous buffer laid out in
/// the exact order the micro-kernel reads it (slivers of MR rows of A, NR columns of B, k-major),
/// zero-padded at the edges. Transposes happen here, so every variant (NN, NT, TN, TT) runs
/// the same micro-kernel, and the kernel's loads are sequential and cache-resident.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] as ⌈mc/MR⌉ slivers; sliver s holds, for each p, the MR
    /// values A(i0+s·MR+r, p0+p) (zero beyond mc).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, nint lda, int i0, int p0, int mc, int kc, int mr, float* dst)
    {
        if (transA && mr == 8 && Avx.IsSupported)
        {
            // A is stored k×m: walk each stored row once (sequential reads), dealing 8 values to each sliver.
            int full = mc / 8;
            for (int p = 0; p < kc; p++)
            {
                float* src = a + (nint)(p0 + p) * lda + i0;
                float* dp = dst + (nint)p * 8;
                for (int s = 0; s < full; s++) Vector256.Store(Vector256.Load(src + s * 8), dp + (nint)s * 8 * kc);
            }
            if (full * 8 == mc) return;
            PackASlivers(transA, a, lda, i0 + full * 8, p0, mc - full * 8, kc, mr, dst + (nint)full * 8 * kc);
            return;
        }
        PackASlivers(transA, a, lda, i0, p0, mc, kc, mr, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackASlivers(bool transA, float* a, nint lda, int i0, int p0, int mc, int kc, int mr, float* dst)
    {
        for (int s = 0; s * mr < mc; s++)
        {
            int rows = Math.Min(mr, mc - s * mr);
            float* d = dst + (nint)s * mr * kc;
            int ib = i0 + s * mr;
            if (transA)
            {
                // A is stored k×m: the MR values for one p are contiguous.
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (nint)(p0 + p) * lda + ib;
                    float* dp = d + (nint)p * mr;
                    int r = 0;
                    for (; r < rows; r++) dp[r] = src[r];
                    for (; r < mr; r++) dp[r] = 0;
                }
            }
            else if (rows == mr && mr % 8 == 0 && Avx.IsSupported)
            {
                // A is stored m×k: transpose 8×8 blocks in registers.
                PackTransposedSliver8(a + (nint)ib * lda + p0, lda, kc, mr, d);
            }
            else
            {
                // A is stored m×k: read each row contiguously, write it with stride MR.
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (nint)(ib + r) * lda + p0;
                    float* dp = d + r;
                    for (int p = 0; p < kc; p++) dp[(nint)p * mr] = src[p];
                }
                for (int r = rows; r < mr; r++)
                    for (int p = 0; p < kc; p++) d[(nint)p * mr + r] = 0;
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] as ⌈nc/NR⌉ slivers; sliver t holds, for each p, the NR
    /// values B(p0+p, j0+t·NR+j) (zero beyond nc).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, nint ldb, int p0, int j0, int kc, int nc, int nr, float* dst)
    {
        if (!transB && nr == 32 && Vector512.IsHardwareAccelerated)
        {
            // B is stored k×n: walk each stored row once (sequential reads), dealing 32 values to each sliver.
            int full = nc / 32;
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (nint)(p0 + p) * ldb + j0;
                float* dp = dst + (nint)p * 32;
                for (int t = 0; t < full; t++)
                {
                    Vector512.Store(Vector512.Load(src + t * 32), dp + (nint)t * 32 * kc);
                    Vector512.Store(Vector512.Load(src + t * 32 + 16), dp + (nint)t * 32 * kc + 16);
                }
            }
            if (full * 32 == nc) return;
            PackBSlivers(transB, b, ldb, p0, j0 + full * 32, kc, nc - full * 32, nr, dst + (nint)full * 32 * kc);
            return;
        }
        PackBSlivers(transB, b, ldb, p0, j0, kc, nc, nr, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBSlivers(bool transB, float* b, nint ldb, int p0, int j0, int kc, int nc, int nr, float* dst)
    {
        for (int t = 0; t * nr < nc; t++)
        {
            int cols = Math.Min(nr, nc - t * nr);
            float* d = dst + (nint)t * nr * kc;
            int jb = j0 + t * nr;
            if (!transB)
            {
                // B is stored k×n: the NR values for one p are contiguous.
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (nint)(p0 + p) * ldb + jb;
                    float* dp = d + (nint)p * nr;
                    int j = 0;
                    if (cols == nr && Vector256.IsHardwareAccelerated)
                        for (; j + 8 <= nr; j += 8) Vector256.Store(Vector256.Load(src + j), dp + j);
                    for (; j < cols; j++) dp[j] = src[j];
                    for (; j < nr; j++) dp[j] = 0;
                }
            }
            else if (cols == nr && nr % 8 == 0 && Avx.IsSupported)
            {
                PackTransposedSliver8(b + (nint)jb * ldb + p0, ldb, kc, nr, d);
            }
            else
            {
                // B is stored n×k (a weight matrix [out,in]): read rows, write with stride NR.
                for (int j = 0; j < cols; j++)
                {
                    float* src = b + (nint)(jb + j) * ldb + p0;
                    float* dp = d + j;
                    for (int p = 0; p < kc; p++) dp[(nint)p * nr] = src[p];
                }
                for (int j = cols; j < nr; j++)
                    for (int p = 0; p < kc; p++) d[(nint)p * nr + j] = 0;
            }
        }
    }

    /// <summary>
    /// Transposes an NR×kc block of row-major rows (stride <paramref name="ld"/>) into kc rows
    /// of NR values, eight rows × eight columns at a time with 256-bit shuffles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposedSliver8(float* src, nint ld, int kc, int nr, float* d)
    {
        for (int j = 0; j < nr; j += 8)
        {
            float* s0 = src + j * ld;
            int p = 0;
            for (; p + 8 <= kc; p += 8)
            {
                var r0 = Vector256.Load(s0 + p);
                var r1 = Vector256.Load(s0 + ld + p);
                var r2 = Vector256.Load(s0 + 2 * ld + p);
                var r3 = Vector256.Load(s0 + 3 * ld + p);
                var r4 = Vector256.Load(s0 + 4 * ld + p);
                var r5 = Vector256.Load(s0 + 5 * ld + p);
                var r6 = Vector256.Load(s0 + 6 * ld + p);
                var r7 = Vector256.Load(s0 + 7 * ld + p);
                Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                float* dp = d + (nint)p * nr + j;
                r0.Store(dp); r1.Store(dp + nr); r2.Store(dp + 2 * nr); r3.Store(dp + 3 * nr);
                r4.Store(dp + 4 * nr); r5.Store(dp + 5 * nr); r6.Store(dp + 6 * nr); r7.Store(dp + 7 * nr);
            }
            for (; p < kc; p++)
                for (int jj = 0; jj < 8; jj++) d[(nint)p * nr + j + jj] = s0[jj * ld + p];
        }
    }

    /// <summary>In-register 8×8 transpose: on return rI holds column I of the input rows.</summary>
    private static void Transpose8x8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        // Stage 1: interleave pairs of rows (32-bit elements).
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        // Stage 2: interleave 64-bit pairs.
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        // Stage 3: swap 128-bit halves.
        r0 = Avx.Permute2x128(u0, u4, 0x20);
        r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20);
        r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31);
        r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31);
        r7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
