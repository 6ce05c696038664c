using System.Numerics.Tensors;

namespace SharpLM.Kernels;

/// <summary>
/// GEMM for tiny problems (a few thousand multiply-adds), where packing and blocking would cost
/// more than they save: plain row-by-row loops, vectorized along the contiguous dimension.
/// </summary>
internal static unsafe class GemmSmall
{
    /// <summary>Below this many multiply-adds (m·n·k) <see cref="Gemm.Multiply"/> takes this path (measured: the packed kernel already wins at 8×8×8).</summary>
    internal const long Threshold = 1024;

    /// <summary><c>C (+)= op(A)·op(B)</c> with simple loops.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k,
        float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            var ci = new Span<float>(c + i * ldc, n);
            if (!transB)
            {
                // C[i,:] += A(i,p) · B[p,:] — B's rows are contiguous.
                if (!accumulate) ci.Clear();
                for (int p = 0; p < k; p++)
                {
                    float aip = transA ? a[p * lda + i] : a[i * lda + p];
                    var bp = new ReadOnlySpan<float>(b + p * ldb, n);
                    TensorPrimitives.MultiplyAdd(bp, aip, ci, ci);
                }
            }
            else if (!transA)
            {
                // C[i,j] = A[i,:] · B[j,:] — both rows contiguous: dot products.
                var ai = new ReadOnlySpan<float>(a + i * lda, k);
                for (int j = 0; j < n; j++)
                {
                    float dot = TensorPrimitives.Dot(ai, new ReadOnlySpan<float>(b + j * ldb, k));
                    ci[j] = accumulate ? ci[j] + dot : dot;
                }
            }
            else
            {
                for (int j = 0; j < n; j++)
                {
                    float sum = 0;
                    for (int p = 0; p < k; p++) sum += a[p * lda + i] * b[j * ldb + p];
                    ci[j] = accumulate ? ci[j] + sum : sum;
                }
            }
        }
    }
}
