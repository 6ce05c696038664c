namespace SharpLM.Kernels;

/// <summary>
/// General matrix multiply, the workhorse of every transformer layer:
/// <c>C[m,n] (+)= op(A)[m,k] · op(B)[k,n]</c>, where op(X) is X or Xᵀ. The three
/// products training needs: a linear layer's forward <c>y = x·Wᵀ</c> (NT), the input
/// gradient <c>dx = dy·W</c> (NN) and the weight gradient <c>dW = dyᵀ·x</c> (TN).
/// All matrices are row-major; <c>lda/ldb/ldc</c> are row strides in elements.
/// Large products run the packed, cache-blocked, multi-threaded kernel
/// (<see cref="GemmBlocked"/>); one-row products (decoding) run the memory-bound
/// <see cref="Gemv"/>; tiny ones run simple loops.
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
        Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) new Span<float>(c + (nint)i * ldc, n).Clear();
            return;
        }
        if (m == 1 && TryGemv(transA, transB, n, k, a, lda, b, ldb, c, accumulate)) return;
        if ((long)m * n * k <= GemmSmall.Threshold)
        {
            GemmSmall.Run(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
            return;
        }
        GemmBlocked.Run(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    }

    /// <summary>
    /// Batched <see cref="Multiply"/>: for each of <paramref name="batch"/> matrices, with
    /// element strides <paramref name="strideA"/>, <paramref name="strideB"/>,
    /// <paramref name="strideC"/> between consecutive matrices (0 broadcasts one matrix).
    /// </summary>
    public static void MultiplyBatched(int batch, bool transA, bool transB, int m, int n, int k,
        float* a, int lda, long strideA, float* b, int ldb, long strideB, float* c, int ldc, long strideC, bool accumulate)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), $"batch must be ≥ 0, got {batch}");
        if (batch == 0) return;
        Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (strideC == 0 && batch > 1)
            throw new ArgumentException("strideC must not be 0 when batch > 1 (every product needs its own output).", nameof(strideC));
        // Small matrices (attention's per-head products): one whole product per thread, in batch order.
        bool perMatrixParallel = batch >= KernelThreads.Count && (long)m * n * k < (1L << 21);
        if (perMatrixParallel && !KernelWorkerPool.InsideParallel && KernelThreads.Count > 1 && (long)batch * m * n * k >= GemmBlocked.ParallelThreshold)
        {
            var job = _batchJob ??= new BatchJob();
            job.TransA = transA; job.TransB = transB; job.M = m; job.N = n; job.K = k; job.Accumulate = accumulate;
            job.A = a; job.Lda = lda; job.StrideA = strideA; job.B = b; job.Ldb = ldb; job.StrideB = strideB;
            job.C = c; job.Ldc = ldc; job.StrideC = strideC;
            KernelThreads.For(batch, job.Body);
            return;
        }
        for (int i = 0; i < batch; i++)
            Multiply(transA, transB, m, n, k, a + i * strideA, lda, b + i * strideB, ldb, c + i * strideC, ldc, accumulate);
    }

    /// <summary>The arguments of one batch-parallel call, kept per calling thread with a cached delegate (no allocation per call).</summary>
    private sealed class BatchJob
    {
        public bool TransA, TransB, Accumulate;
        public int M, N, K, Lda, Ldb, Ldc;
        public float* A, B, C;
        public long StrideA, StrideB, StrideC;
        public readonly Action<int, int> Body;

        public BatchJob() => Body = (s, e) =>
        {
            for (int i = s; i < e; i++)
                Multiply(TransA, TransB, M, N, K, A + i * StrideA, Lda, B + i * StrideB, Ldb, C + i * StrideC, Ldc, Accumulate);
        };
    }

    [ThreadStatic] private static BatchJob? _batchJob;

    /// <summary>Routes a one-row product (decoding one token) to the bandwidth-bound GEMV kernels.</summary>
    private static bool TryGemv(bool transA, bool transB, int n, int k, float* a, int lda, float* b, int ldb, float* c, bool accumulate)
    {
        // The single row of op(A) is contiguous unless A is stored k×1 with a stride: then gather it.
        if (transA && lda != 1)
        {
            float[]? rented = k > 2048 ? System.Buffers.ArrayPool<float>.Shared.Rent(k) : null;
            float* row = stackalloc float[rented == null ? k : 0];
            fixed (float* pooled = rented)
            {
                float* x = rented == null ? row : pooled;
                for (int p = 0; p < k; p++) x[p] = a[(nint)p * lda];
                RowTimesB(transB, n, k, x, b, ldb, c, accumulate);
            }
            if (rented != null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
            return true;
        }
        RowTimesB(transB, n, k, a, b, ldb, c, accumulate);
        return true;
    }

    private static void RowTimesB(bool transB, int n, int k, float* x, float* b, int ldb, float* c, bool accumulate)
    {
        if (transB) Gemv.Multiply(n, k, b, ldb, x, c, accumulate);       // y = W·x with W = B [n,k]
        else Gemv.MultiplyTransposed(n, k, b, ldb, x, c, accumulate);    // y = xᵀ·B with B [k,n]
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), $"m must be ≥ 0, got {m}");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"n must be ≥ 0, got {n}");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), $"k must be ≥ 0, got {k}");
        int minLda = transA ? m : k, minLdb = transB ? k : n;
        if (lda < Math.Max(1, minLda)) throw new ArgumentOutOfRangeException(nameof(lda), $"lda must be ≥ {minLda} ({(transA ? "A stored k×m" : "A stored m×k")}), got {lda}");
        if (ldb < Math.Max(1, minLdb)) throw new ArgumentOutOfRangeException(nameof(ldb), $"ldb must be ≥ {minLdb} ({(transB ? "B stored n×k" : "B stored k×n")}), got {ldb}");
        if (ldc < Math.Max(1, n)) throw new ArgumentOutOfRangeException(nameof(ldc), $"ldc must be ≥ n = {n}, got {ldc}");
        if (m > 0 && n > 0)
        {
            if (c == null) throw new ArgumentNullException(nameof(c));
            if (k > 0 && (a == null || b == null)) throw new ArgumentNullException(a == null ? nameof(a) : nameof(b));
        }
    }
}
