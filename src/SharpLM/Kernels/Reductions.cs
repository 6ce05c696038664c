using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace SharpLM.Kernels;

/// <summary>
/// Sums over a matrix's rows — how a bias or a broadcast input collects its gradient:
/// a bias added to every row of <c>[N,C]</c> receives the column sums of the output gradient.
/// </summary>
public static unsafe class Reductions
{
    /// <summary>
    /// <c>result[c] (+)= Σ_r x[r,c]</c> for a row-major <paramref name="rows"/>×<paramref name="cols"/>
    /// matrix. Threads split the columns, so each column is summed in row order by one thread
    /// (deterministic for any thread count).
    /// </summary>
    public static void SumColumns(float* x, int rows, int cols, float* result, bool accumulate)
    {
        const int stripe = 64; // columns per work item: four 512-bit vectors
        int stripes = (cols + stripe - 1) / stripe;
        KernelThreads.For(stripes, (s0, s1) =>
        {
            float* acc = stackalloc float[stripe];
            for (int s = s0; s < s1; s++)
            {
                int c0 = s * stripe, width = Math.Min(stripe, cols - c0);
                var accSpan = new Span<float>(acc, width);
                if (accumulate) new ReadOnlySpan<float>(result + c0, width).CopyTo(accSpan); else accSpan.Clear();
                for (int r = 0; r < rows; r++)
                    TensorPrimitives.Add(accSpan, new ReadOnlySpan<float>(x + (long)r * cols + c0, width), accSpan);
                accSpan.CopyTo(new Span<float>(result + c0, width));
            }
        }, minPerChunk: Math.Max(1, 16384 / Math.Max(1, rows)));
    }

    /// <summary>Sum of all elements, accumulated in double for accuracy (loss values, means).</summary>
    public static double Sum(ReadOnlySpan<float> x)
    {
        double total = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<double>.Zero;
            ref float r0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            for (; i <= x.Length - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref r0, (nuint)i);
                var (lo, hi) = Vector256.Widen(v);
                acc += lo + hi;
            }
            total = Vector256.Sum(acc);
        }
        for (; i < x.Length; i++) total += x[i];
        return total;
    }
}
