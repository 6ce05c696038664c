using SharpLM.Kernels;

namespace SharpLM.Tests.Kernels;

public unsafe class GemvTests
{
    public static TheoryData<int, int> Sizes => new() { { 1, 1 }, { 7, 33 }, { 33, 7 }, { 257, 257 }, { 1000, 129 }, { 3, 1 }, { 2051, 70 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MatrixTimesVectorMatchesReference(int n, int k)
    {
        foreach (bool accumulate in new[] { false, true })
        {
            int ldw = k + 3;
            var w = GemmReference.Random(n * ldw, 11);
            var x = GemmReference.Random(k, 12);
            var y = GemmReference.Random(n + 2, 13);
            var before = (float[])y.Clone();
            fixed (float* pw = w, px = x, py = y) Gemv.Multiply(n, k, pw, ldw, px, py, accumulate);
            // Same product as C[1,n] = x[1,k] · Wᵀ.
            var expected = GemmReference.Multiply(false, true, 1, n, k, x, k, w, ldw, before, n, accumulate);
            GemmReference.AssertMatches(y, before, 1, n, n + 2, expected, $"gemv n={n} k={k} accumulate={accumulate}");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void VectorTimesMatrixMatchesReference(int n, int k)
    {
        foreach (bool accumulate in new[] { false, true })
        {
            int ldb = n + 5;
            var b = GemmReference.Random(k * ldb, 21);
            var x = GemmReference.Random(k, 22);
            var y = GemmReference.Random(n + 2, 23);
            var before = (float[])y.Clone();
            fixed (float* pb = b, px = x, py = y) Gemv.MultiplyTransposed(n, k, pb, ldb, px, py, accumulate);
            var expected = GemmReference.Multiply(false, false, 1, n, k, x, k, b, ldb, before, n, accumulate);
            GemmReference.AssertMatches(y, before, 1, n, n + 2, expected, $"xᵀB n={n} k={k} accumulate={accumulate}");
        }
    }

    [Fact]
    public void OneRowGemmRoutesThroughGemvForEveryVariant()
    {
        ulong seed = 40;
        foreach (var v in new[] { "nn", "nt", "tn", "tt" })
            foreach (var (n, k) in new[] { (50304 / 16, 768 / 4), (3, 200), (130, 1), (40, 3000) })
                foreach (int pad in new[] { 0, 2 }) // for "t?" variants pad 2 means A stored k×1 with stride 3: gathered
                    GemmTests.Check(v, 1, n, k, accumulate: seed % 2 == 1, pad, seed++, (ta, tb, a, lda, b, ldb, c, ldc, acc) =>
                        Gemm.Multiply(ta, tb, 1, n, k, a, lda, b, ldb, c, ldc, acc));
    }

    [Fact]
    public void ResultsAreBitIdenticalRunToRun()
    {
        int n = 3001, k = 513;
        var w = GemmReference.Random(n * k, 31);
        var x = GemmReference.Random(k, 32);
        var y1 = new float[n];
        var y2 = new float[n];
        fixed (float* pw = w, px = x, p1 = y1, p2 = y2)
        {
            Gemv.Multiply(n, k, pw, k, px, p1, false);
            Gemv.Multiply(n, k, pw, k, px, p2, false);
        }
        Assert.Equal(y1, y2);
    }

    [Fact]
    public void DecodingOneTokenAllocatesNothing()
    {
        // Large enough to be split across threads; the inference path promises zero allocations per token.
        int n = 3072, k = 768;
        var w = GemmReference.Random(n * k, 61);
        var x = GemmReference.Random(k, 62);
        var y = new float[n];
        var scores = new float[12 * 1024];
        fixed (float* pw = w, px = x, py = y, ps = scores)
        {
            for (int i = 0; i < 3; i++) { Gemv.Multiply(n, k, pw, k, px, py, false); Gemm.Multiply(false, true, 1, n, k, px, k, pw, k, py, n, false); Gemv.MultiplyTransposed(k, n / 4, pw, k, px, py, true); Gemm.MultiplyBatched(12, false, true, 1, 1024, 128, px, 128, 0, pw, 128, 1024 * 128, ps, 1024, 1024, false); }
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                Gemv.Multiply(n, k, pw, k, px, py, false);
                Gemm.Multiply(false, true, 1, n, k, px, k, pw, k, py, n, false);
                Gemv.MultiplyTransposed(k, n / 4, pw, k, px, py, true);
                // Attention scores over 12 heads × 1024 cached keys of size 128 (one query broadcast to every head): q·Kᵀ per head.
                Gemm.MultiplyBatched(12, false, true, 1, 1024, 128, px, 128, 0, pw, 128, 1024 * 128, ps, 1024, 1024, false);
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
