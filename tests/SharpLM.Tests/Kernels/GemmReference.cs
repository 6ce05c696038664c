using SharpLM.Tensors;

namespace SharpLM.Tests.Kernels;

/// <summary>Naive double-precision GEMM and helpers the kernel tests compare against.</summary>
internal static unsafe class GemmReference
{
    /// <summary>Expected C (in double) and, per element, Σ|a·b| for an error bound.</summary>
    public static (double[] Value, double[] AbsSum) Multiply(bool transA, bool transB, int m, int n, int k,
        float[] a, int lda, float[] b, int ldb, float[] c0, int ldc, bool accumulate)
    {
        var value = new double[m * n];
        var abs = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, sa = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                    sa += Math.Abs(av * bv);
                }
                double start = accumulate ? c0[i * ldc + j] : 0;
                value[i * n + j] = start + sum;
                abs[i * n + j] = sa + Math.Abs(start);
            }
        return (value, abs);
    }

    /// <summary>Random floats in [-1,1) from a seed.</summary>
    public static float[] Random(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = rng.NextFloat() * 2 - 1;
        return x;
    }

    /// <summary>Asserts C matches the reference within a float rounding bound, and that C's padding columns were not touched.</summary>
    public static void AssertMatches(float[] c, float[] cBefore, int m, int n, int ldc, (double[] Value, double[] AbsSum) expected, string what)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double want = expected.Value[i * n + j], got = c[i * ldc + j];
                double tol = 5e-6 * expected.AbsSum[i * n + j] + 1e-6;
                if (!(Math.Abs(got - want) <= tol))
                    Assert.Fail($"{what}: C[{i},{j}] = {got}, expected {want} (tolerance {tol})");
            }
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
                if (BitConverter.SingleToInt32Bits(c[i * ldc + j]) != BitConverter.SingleToInt32Bits(cBefore[i * ldc + j]))
                    Assert.Fail($"{what}: padding C[{i},{j}] beyond n was overwritten");
        }
    }
}
