namespace SharpLM.Kernels;

/// <summary>
/// General matrix multiply, the workhorse of every transformer layer:
/// <c>C[m,n] (+)= op(A)[m,k] · op(B)[k,n]</c>, where op(X) is X or Xᵀ. The three
/// products training needs: a linear layer's forward <c>y = x·Wᵀ</c> (NT), the input
/// gradient <c>dx = dy·W</c> (NN) and the weight gradient <c>dW = dyᵀ·x</c> (TN).
/// All matrices are row-major; <c>lda/ldb/ldc</c> are row strides in elements.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>
    /// <c>C = op(A)·op(B)</c>, or <c>C += op(A)·op(B)</c> when <paramref name="accumulate"/>.
    /// A is m×k (k×m stored if <paramref name="transA"/>), B is k×n (n×k stored if <paramref name="transB"/>).
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate)
    {
        // Reference implementation; replaced by the packed, blocked kernel.
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[(long)p * lda + i] : a[(long)i * lda + p];
                    float bv = transB ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
                    sum += av * bv;
                }
                c[(long)i * ldc + j] = accumulate ? c[(long)i * ldc + j] + sum : sum;
            }
    }

    /// <summary>
    /// Batched <see cref="Multiply"/>: for each of <paramref name="batch"/> matrices, with
    /// element strides <paramref name="strideA"/>, <paramref name="strideB"/>,
    /// <paramref name="strideC"/> between consecutive matrices (0 broadcasts one matrix).
    /// </summary>
    public static void MultiplyBatched(int batch, bool transA, bool transB, int m, int n, int k,
        float* a, int lda, long strideA, float* b, int ldb, long strideB, float* c, int ldc, long strideC, bool accumulate)
    {
        for (int i = 0; i < batch; i++)
            Multiply(transA, transB, m, n, k, a + i * strideA, lda, b + i * strideB, ldb, c + i * strideC, ldc, accumulate);
    }
}
