using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace SharpLM.Kernels;

/// <summary>
/// Layer normalization over the last dimension (GPT-2, BERT): each row of C channels is
/// shifted to mean 0 and scaled to variance 1, then scaled by γ and shifted by β:
/// <c>y = (x − μ)·rstd·γ + β</c>, rstd = 1/√(σ² + eps). Rows run in parallel.
/// </summary>
public static unsafe class LayerNormKernel
{
    /// <summary>
    /// Forward over <paramref name="rows"/> rows of <paramref name="c"/> channels; stores each row's
    /// mean and rstd (needed by the backward). <paramref name="beta"/> may be null.
    /// </summary>
    public static void Forward(float* x, float* gamma, float* beta, float* y, float* mean, float* rstd, int rows, int c, float eps)
    {
        int perChunk = Math.Max(1, 8192 / Math.Max(1, c));
        if (KernelThreads.ChunkCount(rows, perChunk) <= 1) ForwardRows(x, gamma, beta, y, mean, rstd, 0, rows, c, eps); // no closure: decoding allocates nothing
        else ForwardParallel(x, gamma, beta, y, mean, rstd, rows, c, eps, perChunk);
    }

    private static void ForwardParallel(float* x, float* gamma, float* beta, float* y, float* mean, float* rstd, int rows, int c, float eps, int perChunk) =>
        KernelThreads.For(rows, (r0, r1) => ForwardRows(x, gamma, beta, y, mean, rstd, r0, r1, c, eps), perChunk);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows(float* x, float* gamma, float* beta, float* y, float* mean, float* rstd, int r0, int r1, int c, float eps)
    {
        var g = new ReadOnlySpan<float>(gamma, c);
        for (int r = r0; r < r1; r++)
        {
            float* xr = x + (long)r * c, yr = y + (long)r * c;
            var xs = new ReadOnlySpan<float>(xr, c);
            float m = TensorPrimitives.Sum(xs) / c;
            float v = SumSquaredDeviation(xr, m, c) / c;
            float s = 1f / MathF.Sqrt(v + eps);
            mean[r] = m; rstd[r] = s;
            var ys = new Span<float>(yr, c);
            TensorPrimitives.Subtract(xs, m, ys);
            TensorPrimitives.Multiply(ys, s, ys);
            if (beta is null) TensorPrimitives.Multiply(ys, g, ys);
            else TensorPrimitives.FusedMultiplyAdd(ys, g, new ReadOnlySpan<float>(beta, c), ys);
        }
    }

    /// <summary>
    /// Backward. With x̂ = (x−μ)·rstd and g = dy·γ: <c>dx (+)= rstd·(g − mean(g) − x̂·mean(g·x̂))</c>,
    /// <c>dγ += Σ_rows dy·x̂</c>, <c>dβ += Σ_rows dy</c> (always added to). Any of dx, dγ, dβ may be null (not needed).
    /// Per-thread partial sums of dγ, dβ are added in a fixed order (deterministic).
    /// </summary>
    public static void Backward(float* x, float* gamma, float* mean, float* rstd, float* dy,
        float* dx, bool accumulateDx, float* dgamma, float* dbeta, int rows, int c)
    {
        int chunks = Math.Max(1, Math.Min(KernelThreads.Count, rows / 4));
        var partial = new float[chunks * 2 * c];
        fixed (float* part = partial)
        {
            float* p = part;
            KernelThreads.For(chunks, (k0, k1) =>
            {
                var buffer = new float[2 * c];
                fixed (float* tmp = buffer)
                    for (int k = k0; k < k1; k++)
                    {
                        int r0 = (int)((long)rows * k / chunks), r1 = (int)((long)rows * (k + 1) / chunks);
                        BackwardRows(x, gamma, mean, rstd, dy, dx, accumulateDx, p + (long)k * 2 * c, p + (long)k * 2 * c + c, tmp, r0, r1, c);
                    }
            }, minPerChunk: 1);
        }
        for (int k = 0; k < chunks; k++)
        {
            if (dgamma is not null) Accumulate(dgamma, partial.AsSpan(k * 2 * c, c), c);
            if (dbeta is not null) Accumulate(dbeta, partial.AsSpan(k * 2 * c + c, c), c);
        }
    }

    private static void Accumulate(float* target, ReadOnlySpan<float> part, int c)
    {
        var t = new Span<float>(target, c);
        TensorPrimitives.Add(t, part, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRows(float* x, float* gamma, float* mean, float* rstd, float* dy,
        float* dx, bool accumulateDx, float* dgamma, float* dbeta, float* xhat, int r0, int r1, int c)
    {
        var g = new ReadOnlySpan<float>(gamma, c);
        var dgs = new Span<float>(dgamma, c);
        var dbs = new Span<float>(dbeta, c);
        var xh = new Span<float>(xhat, c);
        var gi = new Span<float>(xhat + c, c);
        for (int r = r0; r < r1; r++)
        {
            float* xr = x + (long)r * c, dyr = dy + (long)r * c;
            var dys = new ReadOnlySpan<float>(dyr, c);
            float s = rstd[r];
            TensorPrimitives.Subtract(new ReadOnlySpan<float>(xr, c), mean[r], xh);
            TensorPrimitives.Multiply(xh, s, xh);
            TensorPrimitives.FusedMultiplyAdd(dys, xh, dgs, dgs);
            TensorPrimitives.Add(dbs, dys, dbs);
            if (dx is null) continue;
            TensorPrimitives.Multiply(dys, g, gi);                    // g = dy·γ
            float meanG = TensorPrimitives.Sum(gi) / c, meanGx = TensorPrimitives.Dot(gi, xh) / c;
            TensorPrimitives.MultiplyAdd(xh, -meanGx, gi, gi);           // g − x̂·mean(g·x̂)
            TensorPrimitives.Subtract(gi, meanG, gi);
            var dxs = new Span<float>(dx + (long)r * c, c);
            if (accumulateDx) TensorPrimitives.MultiplyAdd(gi, s, dxs, dxs);
            else TensorPrimitives.Multiply(gi, s, dxs);
        }
    }

    /// <summary>Σ (x[i] − m)² over one row, vectorized.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float SumSquaredDeviation(float* x, float m, int c)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && c >= 16)
        {
            var acc = Vector512<float>.Zero;
            var mv = Vector512.Create(m);
            for (; i <= c - 16; i += 16) { var d = Vector512.Load(x + i) - mv; acc += d * d; }
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && c >= 8)
        {
            var acc = Vector256<float>.Zero;
            var mv = Vector256.Create(m);
            for (; i <= c - 8; i += 8) { var d = Vector256.Load(x + i) - mv; acc += d * d; }
            sum = Vector256.Sum(acc);
        }
        for (; i < c; i++) { float d = x[i] - m; sum += d * d; }
        return sum;
    }
}
