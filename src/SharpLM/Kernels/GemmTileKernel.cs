using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>
/// One register-blocked GEMM micro-kernel and its tile shape (MR rows × NR columns of C).
/// The packing routines lay A and B out in exactly the order the kernel reads them.
/// </summary>
internal readonly unsafe struct GemmTileKernel
{
    /// <summary>Rows of C one call computes (how many A values are broadcast per k step).</summary>
    public readonly int MR;

    /// <summary>Columns of C one call computes (SIMD lanes × vectors per row).</summary>
    public readonly int NR;

    /// <summary>The kernel: <c>(kc, packedA, packedB, c, ldc, add)</c> writes a full MR×NR tile of C.</summary>
    public readonly delegate*<int, float*, float*, float*, nint, bool, void> Tile;

    /// <summary>A short name for benchmarks and logs, such as "avx512 8x32".</summary>
    public readonly string Name;

    /// <summary>Describes a kernel.</summary>
    public GemmTileKernel(int mr, int nr, delegate*<int, float*, float*, float*, nint, bool, void> tile, string name)
    {
        MR = mr; NR = nr; Tile = tile; Name = name;
    }

    /// <summary>The best kernel this CPU supports: AVX-512 or AVX2+FMA tiles, else a scalar tile.</summary>
    public static GemmTileKernel Best => Avx512 ?? (Vector256.IsHardwareAccelerated && Fma.IsSupported ? Avx2 : Scalar);

    /// <summary>The 512-bit kernel (16 lanes), or null when the CPU lacks AVX-512.</summary>
    public static GemmTileKernel? Avx512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported
        ? new GemmTileKernel(8, 32, &GemmMicroKernels.Tile512_8x32, "avx512 8x32") : null;

    /// <summary>The 256-bit kernel with fused multiply-add (8 lanes).</summary>
    public static GemmTileKernel Avx2 => new(6, 16, &GemmMicroKernels.Tile256_6x16, "avx2 6x16");

    /// <summary>The portable kernel for CPUs without SIMD fused multiply-add.</summary>
    public static GemmTileKernel Scalar => new(4, 8, &TileScalar4x8, "scalar 4x8");

    /// <summary>4×8 tile in plain scalar code (same packed layout as the SIMD kernels).</summary>
    public static void TileScalar4x8(int kc, float* pa, float* pb, float* c, nint ldc, bool add)
    {
        float* acc = stackalloc float[32];
        for (int i = 0; i < 32; i++) acc[i] = 0;
        for (int p = 0; p < kc; p++, pa += 4, pb += 8)
            for (int r = 0; r < 4; r++)
            {
                float av = pa[r];
                float* row = acc + r * 8;
                for (int j = 0; j < 8; j++) row[j] += av * pb[j];
            }
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 8; j++)
                c[r * ldc + j] = add ? c[r * ldc + j] + acc[r * 8 + j] : acc[r * 8 + j];
    }
}
