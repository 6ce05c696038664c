using System.Runtime.Intrinsics;

namespace SharpLM.Kernels;

/// <summary>
/// The register-blocked micro-kernels at the heart of GEMM: each keeps an MR×NR tile of C in
/// SIMD registers and, for every step along k, broadcasts MR values of packed A, loads NR values
/// of packed B and issues MR·NR/lanes fused multiply-adds. Everything else in GEMM exists to feed
/// these loops from cache. (Generated shape-by-shape so each accumulator is a named register.)
/// </summary>
internal static unsafe class GemmMicroKernels
{
    /// <summary>6×32 tile with Vector512: C[6,32] (+)= packed A sliver [kc,6] · packed B sliver [kc,32].</summary>
    public static void Tile512_6x32(int kc, float* pa, float* pb, float* c, nint ldc, bool add)
    {
        Vector512<float> c00 = default; Vector512<float> c01 = default;
        Vector512<float> c10 = default; Vector512<float> c11 = default;
        Vector512<float> c20 = default; Vector512<float> c21 = default;
        Vector512<float> c30 = default; Vector512<float> c31 = default;
        Vector512<float> c40 = default; Vector512<float> c41 = default;
        Vector512<float> c50 = default; Vector512<float> c51 = default;
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
            var b10 = Vector512.Load(pb + 32);
            var b11 = Vector512.Load(pb + 48);
            var a10 = Vector512.Create(pa[6]);
            c00 = Vector512.FusedMultiplyAdd(a10, b10, c00);
            c01 = Vector512.FusedMultiplyAdd(a10, b11, c01);
            var a11 = Vector512.Create(pa[7]);
            c10 = Vector512.FusedMultiplyAdd(a11, b10, c10);
            c11 = Vector512.FusedMultiplyAdd(a11, b11, c11);
            var a12 = Vector512.Create(pa[8]);
            c20 = Vector512.FusedMultiplyAdd(a12, b10, c20);
            c21 = Vector512.FusedMultiplyAdd(a12, b11, c21);
            var a13 = Vector512.Create(pa[9]);
            c30 = Vector512.FusedMultiplyAdd(a13, b10, c30);
            c31 = Vector512.FusedMultiplyAdd(a13, b11, c31);
            var a14 = Vector512.Create(pa[10]);
            c40 = Vector512.FusedMultiplyAdd(a14, b10, c40);
            c41 = Vector512.FusedMultiplyAdd(a14, b11, c41);
            var a15 = Vector512.Create(pa[11]);
            c50 = Vector512.FusedMultiplyAdd(a15, b10, c50);
            c51 = Vector512.FusedMultiplyAdd(a15, b11, c51);
            pa += 12; pb += 64;
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
            pa += 6; pb += 32;
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
        }
        c00.Store(c + 0 * ldc + 0); c01.Store(c + 0 * ldc + 16);
        c10.Store(c + 1 * ldc + 0); c11.Store(c + 1 * ldc + 16);
        c20.Store(c + 2 * ldc + 0); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc + 0); c31.Store(c + 3 * ldc + 16);
        c40.Store(c + 4 * ldc + 0); c41.Store(c + 4 * ldc + 16);
        c50.Store(c + 5 * ldc + 0); c51.Store(c + 5 * ldc + 16);
    }

    /// <summary>12×32 tile with Vector512: C[12,32] (+)= packed A sliver [kc,12] · packed B sliver [kc,32].</summary>
    public static void Tile512_12x32(int kc, float* pa, float* pb, float* c, nint ldc, bool add)
    {
        Vector512<float> c00 = default; Vector512<float> c01 = default;
        Vector512<float> c10 = default; Vector512<float> c11 = default;
        Vector512<float> c20 = default; Vector512<float> c21 = default;
        Vector512<float> c30 = default; Vector512<float> c31 = default;
        Vector512<float> c40 = default; Vector512<float> c41 = default;
        Vector512<float> c50 = default; Vector512<float> c51 = default;
        Vector512<float> c60 = default; Vector512<float> c61 = default;
        Vector512<float> c70 = default; Vector512<float> c71 = default;
        Vector512<float> c80 = default; Vector512<float> c81 = default;
        Vector512<float> c90 = default; Vector512<float> c91 = default;
        Vector512<float> c100 = default; Vector512<float> c101 = default;
        Vector512<float> c110 = default; Vector512<float> c111 = default;
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
            var a08 = Vector512.Create(pa[8]);
            c80 = Vector512.FusedMultiplyAdd(a08, b00, c80);
            c81 = Vector512.FusedMultiplyAdd(a08, b01, c81);
            var a09 = Vector512.Create(pa[9]);
            c90 = Vector512.FusedMultiplyAdd(a09, b00, c90);
            c91 = Vector512.FusedMultiplyAdd(a09, b01, c91);
            var a010 = Vector512.Create(pa[10]);
            c100 = Vector512.FusedMultiplyAdd(a010, b00, c100);
            c101 = Vector512.FusedMultiplyAdd(a010, b01, c101);
            var a011 = Vector512.Create(pa[11]);
            c110 = Vector512.FusedMultiplyAdd(a011, b00, c110);
            c111 = Vector512.FusedMultiplyAdd(a011, b01, c111);
            var b10 = Vector512.Load(pb + 32);
            var b11 = Vector512.Load(pb + 48);
            var a10 = Vector512.Create(pa[12]);
            c00 = Vector512.FusedMultiplyAdd(a10, b10, c00);
            c01 = Vector512.FusedMultiplyAdd(a10, b11, c01);
            var a11 = Vector512.Create(pa[13]);
            c10 = Vector512.FusedMultiplyAdd(a11, b10, c10);
            c11 = Vector512.FusedMultiplyAdd(a11, b11, c11);
            var a12 = Vector512.Create(pa[14]);
            c20 = Vector512.FusedMultiplyAdd(a12, b10, c20);
            c21 = Vector512.FusedMultiplyAdd(a12, b11, c21);
            var a13 = Vector512.Create(pa[15]);
            c30 = Vector512.FusedMultiplyAdd(a13, b10, c30);
            c31 = Vector512.FusedMultiplyAdd(a13, b11, c31);
            var a14 = Vector512.Create(pa[16]);
            c40 = Vector512.FusedMultiplyAdd(a14, b10, c40);
            c41 = Vector512.FusedMultiplyAdd(a14, b11, c41);
            var a15 = Vector512.Create(pa[17]);
            c50 = Vector512.FusedMultiplyAdd(a15, b10, c50);
            c51 = Vector512.FusedMultiplyAdd(a15, b11, c51);
            var a16 = Vector512.Create(pa[18]);
            c60 = Vector512.FusedMultiplyAdd(a16, b10, c60);
            c61 = Vector512.FusedMultiplyAdd(a16, b11, c61);
            var a17 = Vector512.Create(pa[19]);
            c70 = Vector512.FusedMultiplyAdd(a17, b10, c70);
            c71 = Vector512.FusedMultiplyAdd(a17, b11, c71);
            var a18 = Vector512.Create(pa[20]);
            c80 = Vector512.FusedMultiplyAdd(a18, b10, c80);
            c81 = Vector512.FusedMultiplyAdd(a18, b11, c81);
            var a19 = Vector512.Create(pa[21]);
            c90 = Vector512.FusedMultiplyAdd(a19, b10, c90);
            c91 = Vector512.FusedMultiplyAdd(a19, b11, c91);
            var a110 = Vector512.Create(pa[22]);
            c100 = Vector512.FusedMultiplyAdd(a110, b10, c100);
            c101 = Vector512.FusedMultiplyAdd(a110, b11, c101);
            var a111 = Vector512.Create(pa[23]);
            c110 = Vector512.FusedMultiplyAdd(a111, b10, c110);
            c111 = Vector512.FusedMultiplyAdd(a111, b11, c111);
            pa += 24; pb += 64;
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
            var a98 = Vector512.Create(pa[8]);
            c80 = Vector512.FusedMultiplyAdd(a98, b90, c80);
            c81 = Vector512.FusedMultiplyAdd(a98, b91, c81);
            var a99 = Vector512.Create(pa[9]);
            c90 = Vector512.FusedMultiplyAdd(a99, b90, c90);
            c91 = Vector512.FusedMultiplyAdd(a99, b91, c91);
            var a910 = Vector512.Create(pa[10]);
            c100 = Vector512.FusedMultiplyAdd(a910, b90, c100);
            c101 = Vector512.FusedMultiplyAdd(a910, b91, c101);
            var a911 = Vector512.Create(pa[11]);
            c110 = Vector512.FusedMultiplyAdd(a911, b90, c110);
            c111 = Vector512.FusedMultiplyAdd(a911, b91, c111);
            pa += 12; pb += 32;
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
            c80 += Vector512.Load(c + 8 * ldc + 0);
            c81 += Vector512.Load(c + 8 * ldc + 16);
            c90 += Vector512.Load(c + 9 * ldc + 0);
            c91 += Vector512.Load(c + 9 * ldc + 16);
            c100 += Vector512.Load(c + 10 * ldc + 0);
            c101 += Vector512.Load(c + 10 * ldc + 16);
            c110 += Vector512.Load(c + 11 * ldc + 0);
            c111 += Vector512.Load(c + 11 * ldc + 16);
        }
        c00.Store(c + 0 * ldc + 0); c01.Store(c + 0 * ldc + 16);
        c10.Store(c + 1 * ldc + 0); c11.Store(c + 1 * ldc + 16);
        c20.Store(c + 2 * ldc + 0); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc + 0); c31.Store(c + 3 * ldc + 16);
        c40.Store(c + 4 * ldc + 0); c41.Store(c + 4 * ldc + 16);
        c50.Store(c + 5 * ldc + 0); c51.Store(c + 5 * ldc + 16);
        c60.Store(c + 6 * ldc + 0); c61.Store(c + 6 * ldc + 16);
        c70.Store(c + 7 * ldc + 0); c71.Store(c + 7 * ldc + 16);
        c80.Store(c + 8 * ldc + 0); c81.Store(c + 8 * ldc + 16);
        c90.Store(c + 9 * ldc + 0); c91.Store(c + 9 * ldc + 16);
        c100.Store(c + 10 * ldc + 0); c101.Store(c + 10 * ldc + 16);
        c110.Store(c + 11 * ldc + 0); c111.Store(c + 11 * ldc + 16);
    }

    /// <summary>14×32 tile with Vector512: C[14,32] (+)= packed A sliver [kc,14] · packed B sliver [kc,32].</summary>
    public static void Tile512_14x32(int kc, float* pa, float* pb, float* c, nint ldc, bool add)
    {
        Vector512<float> c00 = default; Vector512<float> c01 = default;
        Vector512<float> c10 = default; Vector512<float> c11 = default;
        Vector512<float> c20 = default; Vector512<float> c21 = default;
        Vector512<float> c30 = default; Vector512<float> c31 = default;
        Vector512<float> c40 = default; Vector512<float> c41 = default;
        Vector512<float> c50 = default; Vector512<float> c51 = default;
        Vector512<float> c60 = default; Vector512<float> c61 = default;
        Vector512<float> c70 = default; Vector512<float> c71 = default;
        Vector512<float> c80 = default; Vector512<float> c81 = default;
        Vector512<float> c90 = default; Vector512<float> c91 = default;
        Vector512<float> c100 = default; Vector512<float> c101 = default;
        Vector512<float> c110 = default; Vector512<float> c111 = default;
        Vector512<float> c120 = default; Vector512<float> c121 = default;
        Vector512<float> c130 = default; Vector512<float> c131 = default;
        int p = 0;
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
            var a98 = Vector512.Create(pa[8]);
            c80 = Vector512.FusedMultiplyAdd(a98, b90, c80);
            c81 = Vector512.FusedMultiplyAdd(a98, b91, c81);
            var a99 = Vector512.Create(pa[9]);
            c90 = Vector512.FusedMultiplyAdd(a99, b90, c90);
            c91 = Vector512.FusedMultiplyAdd(a99, b91, c91);
            var a910 = Vector512.Create(pa[10]);
            c100 = Vector512.FusedMultiplyAdd(a910, b90, c100);
            c101 = Vector512.FusedMultiplyAdd(a910, b91, c101);
            var a911 = Vector512.Create(pa[11]);
            c110 = Vector512.FusedMultiplyAdd(a911, b90, c110);
            c111 = Vector512.FusedMultiplyAdd(a911, b91, c111);
            var a912 = Vector512.Create(pa[12]);
            c120 = Vector512.FusedMultiplyAdd(a912, b90, c120);
            c121 = Vector512.FusedMultiplyAdd(a912, b91, c121);
            var a913 = Vector512.Create(pa[13]);
            c130 = Vector512.FusedMultiplyAdd(a913, b90, c130);
            c131 = Vector512.FusedMultiplyAdd(a913, b91, c131);
            pa += 14; pb += 32;
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
            c80 += Vector512.Load(c + 8 * ldc + 0);
            c81 += Vector512.Load(c + 8 * ldc + 16);
            c90 += Vector512.Load(c + 9 * ldc + 0);
            c91 += Vector512.Load(c + 9 * ldc + 16);
            c100 += Vector512.Load(c + 10 * ldc + 0);
            c101 += Vector512.Load(c + 10 * ldc + 16);
            c110 += Vector512.Load(c + 11 * ldc + 0);
            c111 += Vector512.Load(c + 11 * ldc + 16);
            c120 += Vector512.Load(c + 12 * ldc + 0);
            c121 += Vector512.Load(c + 12 * ldc + 16);
            c130 += Vector512.Load(c + 13 * ldc + 0);
            c131 += Vector512.Load(c + 13 * ldc + 16);
        }
        c00.Store(c + 0 * ldc + 0); c01.Store(c + 0 * ldc + 16);
        c10.Store(c + 1 * ldc + 0); c11.Store(c + 1 * ldc + 16);
        c20.Store(c + 2 * ldc + 0); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc + 0); c31.Store(c + 3 * ldc + 16);
        c40.Store(c + 4 * ldc + 0); c41.Store(c + 4 * ldc + 16);
        c50.Store(c + 5 * ldc + 0); c51.Store(c + 5 * ldc + 16);
        c60.Store(c + 6 * ldc + 0); c61.Store(c + 6 * ldc + 16);
        c70.Store(c + 7 * ldc + 0); c71.Store(c + 7 * ldc + 16);
        c80.Store(c + 8 * ldc + 0); c81.Store(c + 8 * ldc + 16);
        c90.Store(c + 9 * ldc + 0); c91.Store(c + 9 * ldc + 16);
        c100.Store(c + 10 * ldc + 0); c101.Store(c + 10 * ldc + 16);
        c110.Store(c + 11 * ldc + 0); c111.Store(c + 11 * ldc + 16);
        c120.Store(c + 12 * ldc + 0); c121.Store(c + 12 * ldc + 16);
        c130.Store(c + 13 * ldc + 0); c131.Store(c + 13 * ldc + 16);
    }

    /// <summary>6×16 tile with Vector256: C[6,16] (+)= packed A sliver [kc,6] · packed B sliver [kc,16].</summary>
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

    /// <summary>12×16 tile with Vector256: C[12,16] (+)= packed A sliver [kc,12] · packed B sliver [kc,16].</summary>
    public static void Tile256_12x16(int kc, float* pa, float* pb, float* c, nint ldc, bool add)
    {
        Vector256<float> c00 = default; Vector256<float> c01 = default;
        Vector256<float> c10 = default; Vector256<float> c11 = default;
        Vector256<float> c20 = default; Vector256<float> c21 = default;
        Vector256<float> c30 = default; Vector256<float> c31 = default;
        Vector256<float> c40 = default; Vector256<float> c41 = default;
        Vector256<float> c50 = default; Vector256<float> c51 = default;
        Vector256<float> c60 = default; Vector256<float> c61 = default;
        Vector256<float> c70 = default; Vector256<float> c71 = default;
        Vector256<float> c80 = default; Vector256<float> c81 = default;
        Vector256<float> c90 = default; Vector256<float> c91 = default;
        Vector256<float> c100 = default; Vector256<float> c101 = default;
        Vector256<float> c110 = default; Vector256<float> c111 = default;
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
            var a06 = Vector256.Create(pa[6]);
            c60 = Vector256.FusedMultiplyAdd(a06, b00, c60);
            c61 = Vector256.FusedMultiplyAdd(a06, b01, c61);
            var a07 = Vector256.Create(pa[7]);
            c70 = Vector256.FusedMultiplyAdd(a07, b00, c70);
            c71 = Vector256.FusedMultiplyAdd(a07, b01, c71);
            var a08 = Vector256.Create(pa[8]);
            c80 = Vector256.FusedMultiplyAdd(a08, b00, c80);
            c81 = Vector256.FusedMultiplyAdd(a08, b01, c81);
            var a09 = Vector256.Create(pa[9]);
            c90 = Vector256.FusedMultiplyAdd(a09, b00, c90);
            c91 = Vector256.FusedMultiplyAdd(a09, b01, c91);
            var a010 = Vector256.Create(pa[10]);
            c100 = Vector256.FusedMultiplyAdd(a010, b00, c100);
            c101 = Vector256.FusedMultiplyAdd(a010, b01, c101);
            var a011 = Vector256.Create(pa[11]);
            c110 = Vector256.FusedMultiplyAdd(a011, b00, c110);
            c111 = Vector256.FusedMultiplyAdd(a011, b01, c111);
            var b10 = Vector256.Load(pb + 16);
            var b11 = Vector256.Load(pb + 24);
            var a10 = Vector256.Create(pa[12]);
            c00 = Vector256.FusedMultiplyAdd(a10, b10, c00);
            c01 = Vector256.FusedMultiplyAdd(a10, b11, c01);
            var a11 = Vector256.Create(pa[13]);
            c10 = Vector256.FusedMultiplyAdd(a11, b10, c10);
            c11 = Vector256.FusedMultiplyAdd(a11, b11, c11);
            var a12 = Vector256.Create(pa[14]);
            c20 = Vector256.FusedMultiplyAdd(a12, b10, c20);
            c21 = Vector256.FusedMultiplyAdd(a12, b11, c21);
            var a13 = Vector256.Create(pa[15]);
            c30 = Vector256.FusedMultiplyAdd(a13, b10, c30);
            c31 = Vector256.FusedMultiplyAdd(a13, b11, c31);
            var a14 = Vector256.Create(pa[16]);
            c40 = Vector256.FusedMultiplyAdd(a14, b10, c40);
            c41 = Vector256.FusedMultiplyAdd(a14, b11, c41);
            var a15 = Vector256.Create(pa[17]);
            c50 = Vector256.FusedMultiplyAdd(a15, b10, c50);
            c51 = Vector256.FusedMultiplyAdd(a15, b11, c51);
            var a16 = Vector256.Create(pa[18]);
            c60 = Vector256.FusedMultiplyAdd(a16, b10, c60);
            c61 = Vector256.FusedMultiplyAdd(a16, b11, c61);
            var a17 = Vector256.Create(pa[19]);
            c70 = Vector256.FusedMultiplyAdd(a17, b10, c70);
            c71 = Vector256.FusedMultiplyAdd(a17, b11, c71);
            var a18 = Vector256.Create(pa[20]);
            c80 = Vector256.FusedMultiplyAdd(a18, b10, c80);
            c81 = Vector256.FusedMultiplyAdd(a18, b11, c81);
            var a19 = Vector256.Create(pa[21]);
            c90 = Vector256.FusedMultiplyAdd(a19, b10, c90);
            c91 = Vector256.FusedMultiplyAdd(a19, b11, c91);
            var a110 = Vector256.Create(pa[22]);
            c100 = Vector256.FusedMultiplyAdd(a110, b10, c100);
            c101 = Vector256.FusedMultiplyAdd(a110, b11, c101);
            var a111 = Vector256.Create(pa[23]);
            c110 = Vector256.FusedMultiplyAdd(a111, b10, c110);
            c111 = Vector256.FusedMultiplyAdd(a111, b11, c111);
            pa += 24; pb += 32;
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
            var a96 = Vector256.Create(pa[6]);
            c60 = Vector256.FusedMultiplyAdd(a96, b90, c60);
            c61 = Vector256.FusedMultiplyAdd(a96, b91, c61);
            var a97 = Vector256.Create(pa[7]);
            c70 = Vector256.FusedMultiplyAdd(a97, b90, c70);
            c71 = Vector256.FusedMultiplyAdd(a97, b91, c71);
            var a98 = Vector256.Create(pa[8]);
            c80 = Vector256.FusedMultiplyAdd(a98, b90, c80);
            c81 = Vector256.FusedMultiplyAdd(a98, b91, c81);
            var a99 = Vector256.Create(pa[9]);
            c90 = Vector256.FusedMultiplyAdd(a99, b90, c90);
            c91 = Vector256.FusedMultiplyAdd(a99, b91, c91);
            var a910 = Vector256.Create(pa[10]);
            c100 = Vector256.FusedMultiplyAdd(a910, b90, c100);
            c101 = Vector256.FusedMultiplyAdd(a910, b91, c101);
            var a911 = Vector256.Create(pa[11]);
            c110 = Vector256.FusedMultiplyAdd(a911, b90, c110);
            c111 = Vector256.FusedMultiplyAdd(a911, b91, c111);
            pa += 12; pb += 16;
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
            c60 += Vector256.Load(c + 6 * ldc + 0);
            c61 += Vector256.Load(c + 6 * ldc + 8);
            c70 += Vector256.Load(c + 7 * ldc + 0);
            c71 += Vector256.Load(c + 7 * ldc + 8);
            c80 += Vector256.Load(c + 8 * ldc + 0);
            c81 += Vector256.Load(c + 8 * ldc + 8);
            c90 += Vector256.Load(c + 9 * ldc + 0);
            c91 += Vector256.Load(c + 9 * ldc + 8);
            c100 += Vector256.Load(c + 10 * ldc + 0);
            c101 += Vector256.Load(c + 10 * ldc + 8);
            c110 += Vector256.Load(c + 11 * ldc + 0);
            c111 += Vector256.Load(c + 11 * ldc + 8);
        }
        c00.Store(c + 0 * ldc + 0); c01.Store(c + 0 * ldc + 8);
        c10.Store(c + 1 * ldc + 0); c11.Store(c + 1 * ldc + 8);
        c20.Store(c + 2 * ldc + 0); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc + 0); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc + 0); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc + 0); c51.Store(c + 5 * ldc + 8);
        c60.Store(c + 6 * ldc + 0); c61.Store(c + 6 * ldc + 8);
        c70.Store(c + 7 * ldc + 0); c71.Store(c + 7 * ldc + 8);
        c80.Store(c + 8 * ldc + 0); c81.Store(c + 8 * ldc + 8);
        c90.Store(c + 9 * ldc + 0); c91.Store(c + 9 * ldc + 8);
        c100.Store(c + 10 * ldc + 0); c101.Store(c + 10 * ldc + 8);
        c110.Store(c + 11 * ldc + 0); c111.Store(c + 11 * ldc + 8);
    }

    /// <summary>14×16 tile with Vector256: C[14,16] (+)= packed A sliver [kc,14] · packed B sliver [kc,16].</summary>
    public static void Tile256_14x16(int kc, float* pa, float* pb, float* c, nint ldc, bool add)
    {
        Vector256<float> c00 = default; Vector256<float> c01 = default;
        Vector256<float> c10 = default; Vector256<float> c11 = default;
        Vector256<float> c20 = default; Vector256<float> c21 = default;
        Vector256<float> c30 = default; Vector256<float> c31 = default;
        Vector256<float> c40 = default; Vector256<float> c41 = default;
        Vector256<float> c50 = default; Vector256<float> c51 = default;
        Vector256<float> c60 = default; Vector256<float> c61 = default;
        Vector256<float> c70 = default; Vector256<float> c71 = default;
        Vector256<float> c80 = default; Vector256<float> c81 = default;
        Vector256<float> c90 = default; Vector256<float> c91 = default;
        Vector256<float> c100 = default; Vector256<float> c101 = default;
        Vector256<float> c110 = default; Vector256<float> c111 = default;
        Vector256<float> c120 = default; Vector256<float> c121 = default;
        Vector256<float> c130 = default; Vector256<float> c131 = default;
        int p = 0;
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
            var a96 = Vector256.Create(pa[6]);
            c60 = Vector256.FusedMultiplyAdd(a96, b90, c60);
            c61 = Vector256.FusedMultiplyAdd(a96, b91, c61);
            var a97 = Vector256.Create(pa[7]);
            c70 = Vector256.FusedMultiplyAdd(a97, b90, c70);
            c71 = Vector256.FusedMultiplyAdd(a97, b91, c71);
            var a98 = Vector256.Create(pa[8]);
            c80 = Vector256.FusedMultiplyAdd(a98, b90, c80);
            c81 = Vector256.FusedMultiplyAdd(a98, b91, c81);
            var a99 = Vector256.Create(pa[9]);
            c90 = Vector256.FusedMultiplyAdd(a99, b90, c90);
            c91 = Vector256.FusedMultiplyAdd(a99, b91, c91);
            var a910 = Vector256.Create(pa[10]);
            c100 = Vector256.FusedMultiplyAdd(a910, b90, c100);
            c101 = Vector256.FusedMultiplyAdd(a910, b91, c101);
            var a911 = Vector256.Create(pa[11]);
            c110 = Vector256.FusedMultiplyAdd(a911, b90, c110);
            c111 = Vector256.FusedMultiplyAdd(a911, b91, c111);
            var a912 = Vector256.Create(pa[12]);
            c120 = Vector256.FusedMultiplyAdd(a912, b90, c120);
            c121 = Vector256.FusedMultiplyAdd(a912, b91, c121);
            var a913 = Vector256.Create(pa[13]);
            c130 = Vector256.FusedMultiplyAdd(a913, b90, c130);
            c131 = Vector256.FusedMultiplyAdd(a913, b91, c131);
            pa += 14; pb += 16;
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
            c60 += Vector256.Load(c + 6 * ldc + 0);
            c61 += Vector256.Load(c + 6 * ldc + 8);
            c70 += Vector256.Load(c + 7 * ldc + 0);
            c71 += Vector256.Load(c + 7 * ldc + 8);
            c80 += Vector256.Load(c + 8 * ldc + 0);
            c81 += Vector256.Load(c + 8 * ldc + 8);
            c90 += Vector256.Load(c + 9 * ldc + 0);
            c91 += Vector256.Load(c + 9 * ldc + 8);
            c100 += Vector256.Load(c + 10 * ldc + 0);
            c101 += Vector256.Load(c + 10 * ldc + 8);
            c110 += Vector256.Load(c + 11 * ldc + 0);
            c111 += Vector256.Load(c + 11 * ldc + 8);
            c120 += Vector256.Load(c + 12 * ldc + 0);
            c121 += Vector256.Load(c + 12 * ldc + 8);
            c130 += Vector256.Load(c + 13 * ldc + 0);
            c131 += Vector256.Load(c + 13 * ldc + 8);
        }
        c00.Store(c + 0 * ldc + 0); c01.Store(c + 0 * ldc + 8);
        c10.Store(c + 1 * ldc + 0); c11.Store(c + 1 * ldc + 8);
        c20.Store(c + 2 * ldc + 0); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc + 0); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc + 0); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc + 0); c51.Store(c + 5 * ldc + 8);
        c60.Store(c + 6 * ldc + 0); c61.Store(c + 6 * ldc + 8);
        c70.Store(c + 7 * ldc + 0); c71.Store(c + 7 * ldc + 8);
        c80.Store(c + 8 * ldc + 0); c81.Store(c + 8 * ldc + 8);
        c90.Store(c + 9 * ldc + 0); c91.Store(c + 9 * ldc + 8);
        c100.Store(c + 10 * ldc + 0); c101.Store(c + 10 * ldc + 8);
        c110.Store(c + 11 * ldc + 0); c111.Store(c + 11 * ldc + 8);
        c120.Store(c + 12 * ldc + 0); c121.Store(c + 12 * ldc + 8);
        c130.Store(c + 13 * ldc + 0); c131.Store(c + 13 * ldc + 8);
    }
}
