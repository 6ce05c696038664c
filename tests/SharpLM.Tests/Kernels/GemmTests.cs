using SharpLM.Kernels;

namespace SharpLM.Tests.Kernels;

public unsafe class GemmTests
{
    // Odd sizes: tails that fill no vector, single rows/columns, k = 1, and sizes that cross
    // the MC/KC blocking and the thread split.
    public static TheoryData<int, int, int> Sizes => new()
    {
        { 1, 1, 1 }, { 7, 33, 257 }, { 257, 7, 33 }, { 33, 257, 7 }, { 33, 33, 257 }, { 257, 33, 1 },
        { 1, 257, 33 }, { 257, 1, 33 }, { 2, 300, 5 }, { 7, 7, 7 }, { 3, 5, 60 }, { 5, 1, 200 }, { 150, 190, 530 }, { 13, 130, 600 },
    };

    private static readonly string[] AllVariants = ["nn", "nt", "tn", "tt"];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void AllVariantsMatchDoubleReference(int m, int n, int k)
    {
        ulong seed = 1;
        foreach (var v in AllVariants)
            foreach (bool accumulate in new[] { false, true })
                Check(v, m, n, k, accumulate, pad: 3, seed++, (ta, tb, a, lda, b, ldb, c, ldc, acc) =>
                    Gemm.Multiply(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc));
    }

    [Fact]
    public void EveryMicroKernelMatchesReference()
    {
        var kernels = new List<GemmTileKernel> { GemmTileKernel.Avx2, GemmTileKernel.Scalar };
        if (GemmTileKernel.Avx512 is { } k512) kernels.Add(k512);
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported) kernels.Remove(GemmTileKernel.Avx2);
        ulong seed = 100;
        foreach (var kern in kernels)
            foreach (var v in AllVariants)
                foreach (var (m, n, k) in new[] { (37, 45, 300), (6, 32, 1), (1, 1, 9), (64, 70, 257) })
                    Check(v, m, n, k, accumulate: seed % 2 == 0, pad: 5, seed++, (ta, tb, a, lda, b, ldb, c, ldc, acc) =>
                        GemmBlocked.RunSerial(kern, ta, tb, k, a, lda, b, ldb, c, ldc, acc, 0, m, 0, n));
    }

    [Fact]
    public void KZeroClearsOrKeepsC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        fixed (float* pc = c)
        {
            Gemm.Multiply(false, false, 2, 2, 0, null, 1, null, 2, pc, 2, accumulate: true);
            Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
            Gemm.Multiply(false, false, 2, 2, 0, null, 1, null, 2, pc, 2, accumulate: false);
            Assert.Equal(new float[] { 0, 0, 0, 0 }, c);
        }
    }

    [Fact]
    public void BadStridesAreRejectedByName()
    {
        var x = new float[16];
        fixed (float* pinned = x)
        {
            float* p = pinned;
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 4, 3, p, 2, p, 4, p, 4, false));
            Assert.Equal("lda", e.ParamName);
            e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, true, 2, 4, 3, p, 3, p, 2, p, 4, false));
            Assert.Equal("ldb", e.ParamName);
            e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 4, 3, p, 3, p, 4, p, 3, false));
            Assert.Equal("ldc", e.ParamName);
        }
    }

    internal delegate void GemmCall(bool transA, bool transB, float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate);

    /// <summary>Runs one product with padded strides and checks it against the double reference.</summary>
    internal static void Check(string variant, int m, int n, int k, bool accumulate, int pad, ulong seed, GemmCall call)
    {
        bool ta = variant[0] == 't', tb = variant[1] == 't';
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = GemmReference.Random((ta ? k : m) * lda, seed * 3 + 1);
        var b = GemmReference.Random((tb ? n : k) * ldb, seed * 3 + 2);
        var c = GemmReference.Random(m * ldc, seed * 3 + 3);
        var before = (float[])c.Clone();
        var expected = GemmReference.Multiply(ta, tb, m, n, k, a, lda, b, ldb, before, ldc, accumulate);
        fixed (float* pa = a, pb = b, pc = c) call(ta, tb, pa, lda, pb, ldb, pc, ldc, accumulate);
        GemmReference.AssertMatches(c, before, m, n, ldc, expected, $"{variant} m={m} n={n} k={k} accumulate={accumulate}");
    }
}
