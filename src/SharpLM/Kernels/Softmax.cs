using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace SharpLM.Kernels;

/// <summary>
/// Softmax turns a row of scores (logits) into probabilities: <c>p_j = e^{x_j − max} / Σ_k e^{x_k − max}</c>
/// (subtracting the max keeps e^x from overflowing). Also log-sum-exp for log-softmax and
/// cross-entropy, and the softmax backward. Vectorized with Vector512/Vector256.
/// </summary>
public static unsafe class Softmax
{
    /// <summary><c>y = softmax(scale·x)</c> over one row of <paramref name="n"/> values (x and y may alias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(float* x, float* y, int n, float scale = 1f)
    {
        if (n <= 0) return;
        float max = TensorPrimitives.Max(new ReadOnlySpan<float>(x, n));
        float sum = ExpShifted(x, y, n, max, scale);
        TensorPrimitives.Multiply(new ReadOnlySpan<float>(y, n), 1f / sum, new Span<float>(y, n));
    }

    /// <summary>Row softmax over each of <paramref name="rows"/> rows of length <paramref name="n"/>, rows in parallel.</summary>
    public static void Rows(float* x, float* y, int rows, int n)
    {
        if (KernelThreads.ChunkCount(rows, RowsPerChunk(n)) <= 1) for (int r = 0; r < rows; r++) Row(x + (long)r * n, y + (long)r * n, n);
        else RowsParallel(x, y, rows, n);
    }

    private static int RowsPerChunk(int n) => Math.Max(1, 8192 / Math.Max(1, n));

    private static void RowsParallel(float* x, float* y, int rows, int n) =>
        KernelThreads.For(rows, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++) Row(x + (long)r * n, y + (long)r * n, n);
        }, minPerChunk: Math.Max(1, 8192 / Math.Max(1, n)));

    /// <summary>
    /// <c>log Σ_j e^{x_j}</c>, computed stably as max + log Σ e^{x_j − max}. Long rows (a vocabulary
    /// of logits) go block by block with a running max, so memory is read once and each block's
    /// second pass hits the L1 cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float LogSumExp(float* x, int n)
    {
        const int block = 4096;
        float max = float.NegativeInfinity, sum = 0;
        for (int i = 0; i < n; i += block)
        {
            int len = Math.Min(block, n - i);
            float bm = TensorPrimitives.Max(new ReadOnlySpan<float>(x + i, len));
            if (bm > max) { sum *= MathF.Exp(max - bm); max = bm; }
            if (float.IsNegativeInfinity(max)) continue;
            sum += ExpShifted(x + i, null, len, max, 1f);
        }
        return max + MathF.Log(sum);
    }

    /// <summary>Log-softmax of each row: <c>y = x − logΣe^x</c>, rows in parallel.</summary>
    public static void LogRows(float* x, float* y, int rows, int n) =>
        KernelThreads.For(rows, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                float lse = LogSumExp(x + (long)r * n, n);
                TensorPrimitives.Subtract(new ReadOnlySpan<float>(x + (long)r * n, n), lse, new Span<float>(y + (long)r * n, n));
            }
        }, minPerChunk: Math.Max(1, 8192 / Math.Max(1, n)));

    /// <summary>
    /// Softmax backward for one row, given the probabilities y: <c>dx (+)= y ⊙ (dy − Σ_j y_j·dy_j)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardRow(float* y, float* dy, float* dx, int n, bool accumulate)
    {
        var ys = new ReadOnlySpan<float>(y, n);
        var dys = new ReadOnlySpan<float>(dy, n);
        var dxs = new Span<float>(dx, n);
        float dot = TensorPrimitives.Dot(ys, dys);
        if (accumulate)
        {
            // dx += y·dy − y·dot, in two fused passes (no scratch needed)
            TensorPrimitives.FusedMultiplyAdd(ys, dys, dxs, dxs);
            TensorPrimitives.MultiplyAdd(ys, -dot, dxs, dxs);
        }
        else
        {
            TensorPrimitives.Subtract(dys, dot, dxs);
            TensorPrimitives.Multiply(dxs, ys, dxs);
        }
    }

    /// <summary>
    /// Writes <c>e^{scale·(x − max)}</c> to y (unless y is null) and returns their sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float ExpShifted(float* x, float* y, int n, float max, float scale)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            var mv = Vector512.Create(max);
            var sv = Vector512.Create(scale);
            for (; i <= n - 16; i += 16)
            {
                var e = Vector512.Exp((Vector512.Load(x + i) - mv) * sv);
                if (y is not null) e.Store(y + i);
                acc += e;
            }
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            var mv = Vector256.Create(max);
            var sv = Vector256.Create(scale);
            for (; i <= n - 8; i += 8)
            {
                var e = Vector256.Exp((Vector256.Load(x + i) - mv) * sv);
                if (y is not null) e.Store(y + i);
                acc += e;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float e = MathF.Exp((x[i] - max) * scale);
            if (y is not null) y[i] = e;
            sum += e;
        }
        return sum;
    }
}
