using SharpLM.Kernels;

namespace SharpLM.Tests.Kernels;

public unsafe class GemmBatchedTests
{
    // (batch, m, n, k, broadcast): small per-head products (parallel over the batch) and
    // larger ones (parallel inside each product); broadcast 'a'/'b' means stride 0 for that operand.
    public static TheoryData<int, int, int, int, char> Cases => new()
    {
        { 6, 7, 9, 33, '-' }, { 5, 33, 33, 16, 'a' }, { 4, 17, 64, 33, 'b' }, { 3, 70, 130, 90, '-' }, { 1, 5, 5, 5, '-' },
        { 16, 32, 48, 64, 'b' }, { 12, 1, 300, 70, '-' },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryVariantMatchesPerMatrixReference(int batch, int m, int n, int k, char broadcast)
    {
        ulong seed = 7;
        foreach (var v in new[] { "nn", "nt", "tn", "tt" })
            foreach (bool accumulate in new[] { false, true })
            {
                bool ta = v[0] == 't', tb = v[1] == 't';
                int lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 3;
                long sizeA = (long)(ta ? k : m) * lda, sizeB = (long)(tb ? n : k) * ldb, sizeC = (long)m * ldc;
                // Gaps between consecutive matrices, so strides differ from the matrix sizes.
                long strideA = broadcast == 'a' ? 0 : sizeA + 5, strideB = broadcast == 'b' ? 0 : sizeB + 3, strideC = sizeC + 4;
                var a = GemmReference.Random((int)(strideA * (batch - 1) + sizeA), seed++);
                var b = GemmReference.Random((int)(strideB * (batch - 1) + sizeB), seed++);
                var c = GemmReference.Random((int)(strideC * (batch - 1) + sizeC), seed++);
                var before = (float[])c.Clone();
                fixed (float* pa = a, pb = b, pc = c)
                    Gemm.MultiplyBatched(batch, ta, tb, m, n, k, pa, lda, strideA, pb, ldb, strideB, pc, ldc, strideC, accumulate);
                for (int i = 0; i < batch; i++)
                {
                    var ai = a.AsSpan((int)(i * strideA), (int)sizeA).ToArray();
                    var bi = b.AsSpan((int)(i * strideB), (int)sizeB).ToArray();
                    var ci0 = before.AsSpan((int)(i * strideC), (int)sizeC).ToArray();
                    var ci = c.AsSpan((int)(i * strideC), (int)sizeC).ToArray();
                    var expected = GemmReference.Multiply(ta, tb, m, n, k, ai, lda, bi, ldb, ci0, ldc, accumulate);
                    GemmReference.AssertMatches(ci, ci0, m, n, ldc, expected, $"batch {i}/{batch} {v} broadcast={broadcast} accumulate={accumulate}");
                }
                // The gaps between output matrices are never written.
                for (int i = 0; i + 1 < batch; i++)
                    for (long g = i * strideC + sizeC; g < (i + 1) * strideC; g++)
                        Assert.Equal(before[g], c[g]);
            }
    }

    [Fact]
    public void SharedOutputIsRejected()
    {
        var x = new float[64];
        fixed (float* pinned = x)
        {
            float* p = pinned;
            var e = Assert.Throws<ArgumentException>(() => Gemm.MultiplyBatched(2, false, false, 2, 2, 2, p, 2, 4, p, 2, 4, p, 2, 0, false));
            Assert.Equal("strideC", e.ParamName);
        }
    }
}
