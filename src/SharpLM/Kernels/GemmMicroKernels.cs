using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>
/// The register-blocked micro-kernels at the heart of GEMM: each keeps an MR×NR tile of C in
/// SIMD registers and, for every step along k, broadcasts MR values of packed A, loads NR values
/// of packed B and issues MR·NR/lanes fused multiply-adds. Everything else in GEMM exists to feed
/// these loops from cache. Each accumulator is a named local so the JIT keeps it in a register.
/// Measured on the 2-core AMD EPYC (Zen 5) dev machine, one thread, CPU time: the 512-bit
/// kernel reaches ~228 GFLOP/s from L1 (6x32, 8x32, 4x48 and 8x48 all within 1%), the 256-bit
/// ones ~115 GFLOP/s; 8x32 divides the 256-token row count evenly, so it is the one kept.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    /// <summary>8×32 tile with Vector512: C[8,32] (+)= packed A sliver [kc,8] · packed B sliver [kc,32].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile512_8x32(int kc, float* pa, float* pb, float* c, nint ldc, bool add)
    {
        Vector512<float> c00 = default; Vector512<float> c01 = default;
        Vector512<float> c10 = default; Vector512<float> c11 = default;
        Vector512<float> c20 = default; Vector512<float> c21 = default;
        Vector512<float> c30 = default; Vector512<float> c31 = default;
        Vector512<float> c40 = default; Vector512<float> c41 = default;
        Vector512<float> c50 = default; Vector512<float> c51 = default;
        Vector512<float> c60 = default; Vector512<float> c61 = default;
        Vector512<float> c70 = default; Vector512<float> c71 = default;
        // Start fetching the C tile now, so its cache misses overlap the multiply-adds.
        Sse.Prefetch0(c + 0 * ldc); Sse.Prefetch0(c + 0 * ldc + 16);
        Sse.Prefetch0(c + 1 * ldc); Sse.Prefetch0(c + 1 * ldc + 16);
        Sse.Prefetch0(c + 2 * ldc); Sse.Prefetch0(c + 2 * ldc + 16);
        Sse.Prefetch0(c + 3 * ldc); Sse.Prefetch0(c + 3 * ldc + 16);
        Sse.Prefetch0(c + 4 * ldc); Sse.Prefetch0(c + 4 * ldc + 16);
        Sse.Prefetch0(c + 5 * ldc); Sse.Prefetch0(c + 5 * ldc + 16);
        Sse.Prefetch0(c + 6 * ldc); Sse.Prefetch0(c + 6 * ldc + 16);
        Sse.Prefetch0(c + 7 * ldc); Sse.Prefetch0(c + 7 * ldc + 16);
        int p = 0;
        for (; p + 2 <= kc; p += 2)
        {
            var b00 = Vector512.Load(pb + 0);
            var b01 = Vector512.Load(pb + 16);
            var a00 = Vector512.Create(pa[0]);
            c00 = Vector512.FusedMultiplyAdd(a00, b00, c00);
            c01 = Vector512.FusedMultiplyAdd(a00, b01, c01);
            var a01 = Vector512.Create(pa[1]);
            c10 = Vector512.FusedMultiplyAdd(a01, b00, c10);
            c11 = Vector512.FusedMultiplyAdd(a01, b01, c11);
            var a02 = Vector512.Create(pa[2]);
            c20 = Vector512.FusedMultiplyAdd(a02, b00, c20);
            c21 = Vector512.FusedMultiplyAdd(a02, b01, c21);
            var a03 = Vector512.Create(pa[3]);
            c30 = Vector512.FusedMultiplyAdd(a03, b00, c30);
            c31 = Vector512.FusedMultiplyAdd(a03, b01, c31);
            var a04 = Vector512.Create(pa[4]);
            c40 = Vector512.FusedMultiplyAdd(a04, b00, c40);
            c41 = Vector512.FusedMultiplyAdd(a04, b01, c41);
            var a05 = Vector512.Create(pa[5]);
            c50 = Vector512.FusedMultiplyAdd(a05, b00, c50);
            c51 = Vector512.FusedMultiplyAdd(a05, b01, c51);
            var a06 = Vector512.Create(pa[6]);
            c60 = Vector512.FusedMultiplyAdd(a06, b00, c60);
            c61 = Vector512.FusedMultiplyAdd(a06, b01, c61);
            var a07 = Vector512.Create(pa[7]);
            c70 = Vector512.FusedMultiplyAdd(a07, b00, c70);
            c71 = Vector512.FusedMultiplyAdd(a07, b01, c71);
            var b10 = Vector512.Load(pb + 32);
            var b11 = Vector512.Load(pb + 48);
            var a10 = Vector512.Create(pa[8]);
            c00 = Vector512.FusedMultiplyAdd(a10, b10, c00);
            c01 = Vector512.FusedMultiplyAdd(a10, b11, c01);
            var a11 = Vector512.Create(pa[9]);
            c10 = Vector512.FusedMultiplyAdd(a11, b10, c10);
            c11 = Vector512.FusedMultiplyAdd(a11, b11, c11);
            var a12 = Vector512.Create(pa[10]);
            c20 = Vector512.FusedMultiplyAdd(a12, b10, c20);
            c21 = Vector512.FusedMultiplyAdd(a12, b11, c21);
            var a13 = Vector512.Create(pa[11]);
            c30 = Vector512.FusedMultiplyAdd(a13, b10, c30);
            c31 = Vector512.FusedMultiplyAdd(a13, b11, c31);
            var a14 = Vector512.Create(pa[12]);
            c40 = Vector512.FusedMultiplyAdd(a14, b10, c40);
            c41 = Vector512.FusedMultiplyAdd(a14, b11, c41);
            var a15 = Vector512.Create(pa[13]);
            c50 = Vector512.FusedMultiplyAdd(a15, b10, c50);
            c51 = Vector512.FusedMultiplyAdd(a15, b11, c51);
            var a16 = Vector512.Create(pa[14]);
            c60 = Vector512.FusedMultiplyAdd(a16, b10, c60);
            c61 = Vector512.FusedMultiplyAdd(a16, b11, c61);
            var a17 = Vector512.Create(pa[15]);
            c70 = Vector512.FusedMultiplyAdd(a17, b10, c70);
            c71 = Vector512.FusedMultiplyAdd(a17, b11, c71);
            pa += 16; pb += 64;
        }
        for (; p < kc; p++)
        {
            var b90 = Vector512.Load(pb + 0);
            var b91 = Vector512.Load(pb + 16);
            var a90 = Vector512.Create(pa[0]);
            c00 = Vector512.FusedMultiplyAdd(a90, b90, c00);
            c01 = Vector512.FusedMultiplyAdd(a90, b91, c01);
            var a91 = Vector512.Create(pa[1]);
            c10 = Vector512.FusedMultiplyAdd(a91, b90, c10);
            c11 = Vector512.FusedMultiplyAdd(a91, b91, c11);
            var a92 = Vector512.Create(pa[2]);
            c20 = Vector512.FusedMultiplyAdd(a92, b90, c20);
            c21 = Vector512.FusedMultiplyAdd(a92, b91, c21);
            var a93 = Vector512.Create(pa[3]);
            c30 = Vector512.FusedMultiplyAdd(a93, b90, c30);
            c31 = Vector512.FusedMultiplyAdd(a93, b91, c31);
            var a94 = Vector512.Create(pa[4]);
            c40 = Vector512.FusedMultiplyAdd(a94, b90, c40);
            c41 = Vector512.FusedMultiplyAdd(a94, b91, c41);
            var a95 = Vector512.Create(pa[5]);
            c50 = Vector512.FusedMultiplyAdd(a95, b90, c50);
            c51 = Vector512.FusedMultiplyAdd(a95, b91, c51);
            var a96 = Vector512.Create(pa[6]);
            c60 = Vector512.FusedMultiplyAdd(a96, b90, c60);
            c61 = Vector512.FusedMultiplyAdd(a96, b91, c61);
            var a97 = Vector512.Create(pa[7]);
            c70 = Vector512.FusedMultiplyAdd(a97, b90, c70);
            c71 = Vector512.FusedMultiplyAdd(a97, b91, c71);
            pa += 8; pb += 32;
        }
        if (add)
        {
            c00 += Vector512.Load(c + 0 * ldc + 0);
            c01 += Vector512.Load(c + 0 * ldc + 16);
            c10 += Vector512.Load(c + 1 * ldc + 0);
            c11 += Vector512.Load(c + 1 * ldc + 16);
            c20 += Vector512.Load(c + 2 * ldc + 0);
            c21 += Vector512.Load(c + 2 * ldc + 16);
            c30 += Vector512.Load(c + 3 * ldc + 0);
            c31 += Vector512.Load(c + 3 * ldc + 16);
            c40 += Vector512.Load(c + 4 * ldc + 0);
            c41 += Vector512.Load(c + 4 * ldc + 16);
            c50 += Vector512.Load(c + 5 * ldc + 0);
            c51 += Vector512.Load(c + 5 * ldc + 16);
            c60 += Vector512.Load(c + 6 * ldc + 0);
            c61 += Vector512.Load(c + 6 * ldc + 16);
            c70 += Vector512.Load(c + 7 * ldc + 0);
            c71 += Vector512.Load(c + 7 * ldc + 16);
        }
        c00.Store(c + 0 * ldc + 0); c01.Store(c + 0 * ldc + 16);
        c10.Store(c + 1 * ldc + 0); c11.Store(c + 1 * ldc + 16);
        c20.Store(c + 2 * ldc + 0); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc + 0); c31.Store(c + 3 * ldc + 16);
        c40.Store(c + 4 * ldc + 0); c41.Store(c + 4 * ldc + 16);
        c50.Store(c + 5 * ldc + 0); c51.Store(c + 5 * ldc + 16);
        c60.Store(c + 6 * ldc + 0); c61.Store(c + 6 * ldc + 16);
        c70.Store(c + 7 * ldc + 0); c71.Store(c + 7 * ldc + 16);
    }

    /// <summary>6×16 tile with Vector256: C[6,16] (+)= packed A sliver [kc,6] · packed B sliver [kc,16].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile256_6x16(int kc, float* pa, float* pb, float* c, nint ldc, bool add)
    {
        Vector256<float> c00 = default; Vector256<float> c01 = default;
        Vector256<float> c10 = default; Vector256<float> c11 = default;
        Vector256<float> c20 = default; Vector256<float> c21 = default;
        Vector256<float> c30 = default; Vector256<float> c31 = default;
        Vector256<float> c40 = default; Vector256<float> c41 = default;
        Vector256<float> c50 = default; Vector256<float> c51 = default;
        int p = 0;
        for (; p + 2 <= kc; p += 2)
        {
            var b00 = Vector256.Load(pb + 0);
            var b01 = Vector256.Load(pb + 8);
            var a00 = Vector256.Create(pa[0]);
            c00 = Vector256.FusedMultiplyAdd(a00, b00, c00);
            c01 = Vector256.FusedMultiplyAdd(a00, b01, c01);
            var a01 = Vector256.Create(pa[1]);
            c10 = Vector256.FusedMultiplyAdd(a01, b00, c10);
            c11 = Vector256.FusedMultiplyAdd(a01, b01, c11);
            var a02 = Vector256.Create(pa[2]);
            c20 = Vector256.FusedMultiplyAdd(a02, b00, c20);
            c21 = Vector256.FusedMultiplyAdd(a02, b01, c21);
            var a03 = Vector256.Create(pa[3]);
            c30 = Vector256.FusedMultiplyAdd(a03, b00, c30);
            c31 = Vector256.FusedMultiplyAdd(a03, b01, c31);
            var a04 = Vector256.Create(pa[4]);
            c40 = Vector256.FusedMultiplyAdd(a04, b00, c40);
            c41 = Vector256.FusedMultiplyAdd(a04, b01, c41);
            var a05 = Vector256.Create(pa[5]);
            c50 = Vector256.FusedMultiplyAdd(a05, b00, c50);
            c51 = Vector256.FusedMultiplyAdd(a05, b01, c51);
            var b10 = Vector256.Load(pb + 16);
            var b11 = Vector256.Load(pb + 24);
            var a10 = Vector256.Create(pa[6]);
            c00 = Vector256.FusedMultiplyAdd(a10, b10, c00);
            c01 = Vector256.FusedMultiplyAdd(a10, b11, c01);
            var a11 = Vector256.Create(pa[7]);
            c10 = Vector256.FusedMultiplyAdd(a11, b10, c10);
            c11 = Vector256.FusedMultiplyAdd(a11, b11, c11);
            var a12 = Vector256.Create(pa[8]);
            c20 = Vector256.FusedMultiplyAdd(a12, b10, c20);
            c21 = Vector256.FusedMultiplyAdd(a12, b11, c21);
            var a13 = Vector256.Create(pa[9]);
            c30 = Vector256.FusedMultiplyAdd(a13, b10, c30);
            c31 = Vector256.FusedMultiplyAdd(a13, b11, c31);
            var a14 = Vector256.Create(pa[10]);
            c40 = Vector256.FusedMultiplyAdd(a14, b10, c40);
            c41 = Vector256.FusedMultiplyAdd(a14, b11, c41);
            var a15 = Vector256.Create(pa[11]);
            c50 = Vector256.FusedMultiplyAdd(a15, b10, c50);
            c51 = Vector256.FusedMultiplyAdd(a15, b11, c51);
            pa += 12; pb += 32;
        }
        for (; p < kc; p++)
        {
            var b90 = Vector256.Load(pb + 0);
            var b91 = Vector256.Load(pb + 8);
            var a90 = Vector256.Create(pa[0]);
            c00 = Vector256.FusedMultiplyAdd(a90, b90, c00);
            c01 = Vector256.FusedMultiplyAdd(a90, b91, c01);
            var a91 = Vector256.Create(pa[1]);
            c10 = Vector256.FusedMultiplyAdd(a91, b90, c10);
            c11 = Vector256.FusedMultiplyAdd(a91, b91, c11);
            var a92 = Vector256.Create(pa[2]);
            c20 = Vector256.FusedMultiplyAdd(a92, b90, c20);
            c21 = Vector256.FusedMultiplyAdd(a92, b91, c21);
            var a93 = Vector256.Create(pa[3]);
            c30 = Vector256.FusedMultiplyAdd(a93, b90, c30);
            c31 = Vector256.FusedMultiplyAdd(a93, b91, c31);
            var a94 = Vector256.Create(pa[4]);
            c40 = Vector256.FusedMultiplyAdd(a94, b90, c40);
            c41 = Vector256.FusedMultiplyAdd(a94, b91, c41);
            var a95 = Vector256.Create(pa[5]);
            c50 = Vector256.FusedMultiplyAdd(a95, b90, c50);
            c51 = Vector256.FusedMultiplyAdd(a95, b91, c51);
            pa += 6; pb += 16;
        }
        if (add)
        {
            c00 += Vector256.Load(c + 0 * ldc + 0);
            c01 += Vector256.Load(c + 0 * ldc + 8);
            c10 += Vector256.Load(c + 1 * ldc + 0);
            c11 += Vector256.Load(c + 1 * ldc + 8);
            c20 += Vector256.Load(c + 2 * ldc + 0);
            c21 += Vector256.Load(c + 2 * ldc + 8);
            c30 += Vector256.Load(c + 3 * ldc + 0);
            c31 += Vector256.Load(c + 3 * ldc + 8);
            c40 += Vector256.Load(c + 4 * ldc + 0);
            c41 += Vector256.Load(c + 4 * ldc + 8);
            c50 += Vector256.Load(c + 5 * ldc + 0);
            c51 += Vector256.Load(c + 5 * ldc + 8);
        }
        c00.Store(c + 0 * ldc + 0); c01.Store(c + 0 * ldc + 8);
        c10.Store(c + 1 * ldc + 0); c11.Store(c + 1 * ldc + 8);
        c20.Store(c + 2 * ldc + 0); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc + 0); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc + 0); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc + 0); c51.Store(c + 5 * ldc + 8);
    }
}
