namespace SharpLM.Kernels;

/// <summary>
/// Matrix-vector product for decoding one token: <c>y[n] (+)= W[n,k] · x[k]</c> with W
/// row-major (a linear layer's weight as PyTorch stores it, [out,in]). Memory-bound: the
/// whole weight matrix streams through once per token.
/// </summary>
public static unsafe class Gemv
{
    /// <summary><c>y = W·x</c> (+ <c>y</c> when <paramref name="accumulate"/>); W is n×k with row stride <paramref name="ldw"/>.</summary>
    public static void Multiply(int n, int k, float* w, int ldw, float* x, float* y, bool accumulate)
    {
        for (int i = 0; i < n; i++)
        {
            float sum = 0;
            float* row = w + (long)i * ldw;
            for (int p = 0; p < k; p++) sum += row[p] * x[p];
            y[i] = accumulate ? y[i] + sum : sum;
        }
    }
}
