using System.Numerics.Tensors;

namespace SharpLM.Kernels;

/// <summary>
/// RMS normalization over the last dimension (LLaMA, T5): each row is divided by its root mean
/// square and scaled by γ, with no mean subtraction and no β: <c>y = x·rstd·γ</c>,
/// rstd = 1/√(mean(x²) + eps). Rows run in parallel.
/// </summary>
public static unsafe class RmsNormKernel
{
    /// <summary>Forward over <paramref name="rows"/> rows of <paramref name="c"/> channels; stores each row's rstd.</summary>
    public static void Forward(float* x, float* gamma, float* y, float* rstd, int rows, int c, float eps)
    {
        int perChunk = Math.Max(1, 8192 / Math.Max(1, c));
        if (KernelThreads.ChunkCount(rows, perChunk) <= 1) ForwardRows(x, gamma, y, rstd, 0, rows, c, eps); // no closure: decoding allocates nothing
        else ForwardParallel(x, gamma, y, rstd, rows, c, eps, perChunk);
    }

    private static void ForwardParallel(float* x, float* gamma, float* y, float* rstd, int rows, int c, float eps, int perChunk) =>
        KernelThreads.For(rows, (r0, r1) => ForwardRows(x, gamma, y, rstd, r0, r1, c, eps), perChunk);

    private static void ForwardRows(float* x, float* gamma, float* y, float* rstd, int r0, int r1, int c, float eps)
    {
        var g = new ReadOnlySpan<float>(gamma, c);
        for (int r = r0; r < r1; r++)
        {
            var xs = new ReadOnlySpan<float>(x + (long)r * c, c);
            var ys = new Span<float>(y + (long)r * c, c);
            float s = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xs) / c + eps);
            rstd[r] = s;
            TensorPrimitives.Multiply(xs, s, ys);
            TensorPrimitives.Multiply(ys, g, ys);
        }
    }

    /// <summary>
    /// Backward. With x̂ = x·rstd and g = dy·γ: <c>dx (+)= rstd·(g − x̂·mean(g·x̂))</c>, <c>dγ += Σ_rows dy·x̂</c>.
    /// dx or dγ may be null. Per-thread partial dγ sums are added in a fixed order (deterministic).
    /// </summary>
    public static void Backward(float* x, float* gamma, float* rstd, float* dy, float* dx, bool accumulateDx, float* dgamma, int rows, int c)
    {
        int chunks = Math.Max(1, Math.Min(KernelThreads.Count, rows / 4));
        var partial = new float[chunks * c];
        fixed (float* part = partial)
        {
            float* p = part;
            KernelThreads.For(chunks, (k0, k1) =>
            {
                var buffer = new float[2 * c];
                var xh = buffer.AsSpan(0, c);
                var gi = buffer.AsSpan(c, c);
                var g = new ReadOnlySpan<float>(gamma, c);
                for (int k = k0; k < k1; k++)
                {
                    var dg = new Span<float>(p + (long)k * c, c);
                    int r0 = (int)((long)rows * k / chunks), r1 = (int)((long)rows * (k + 1) / chunks);
                    for (int r = r0; r < r1; r++)
                    {
                        var dys = new ReadOnlySpan<float>(dy + (long)r * c, c);
                        float s = rstd[r];
                        TensorPrimitives.Multiply(new ReadOnlySpan<float>(x + (long)r * c, c), s, xh);
                        TensorPrimitives.FusedMultiplyAdd(dys, xh, dg, dg);
                        if (dx is null) continue;
                        TensorPrimitives.Multiply(dys, g, gi);
                        float meanGx = TensorPrimitives.Dot(gi, xh) / c;
                        TensorPrimitives.MultiplyAdd(xh, -meanGx, gi, gi);
                        var dxs = new Span<float>(dx + (long)r * c, c);
                        if (accumulateDx) TensorPrimitives.MultiplyAdd(gi, s, dxs, dxs);
                        else TensorPrimitives.Multiply(gi, s, dxs);
                    }
                }
            }, minPerChunk: 1);
        }
        if (dgamma is null) return;
        var dgs = new Span<float>(dgamma, c);
        for (int k = 0; k < chunks; k++) TensorPrimitives.Add(dgs, partial.AsSpan(k * c, c), dgs);
    }
}
