using System.Numerics.Tensors;

namespace SharpLM.Kernels;

/// <summary>
/// Cross-entropy of next-token prediction, fused with log-softmax: for a row of logits and
/// its target id, <c>loss = logΣ_j e^{z_j} − z_target</c> (the negative log-probability the model
/// gave the right token). Rows whose target equals the ignore index (padding, unmasked
/// positions in masked-LM) contribute nothing. Rows may be longer (<c>stride</c>) than the
/// <c>v</c> classes that count — llm.c's vocabulary padded to Vp for faster GEMMs. Rows run in parallel.
/// </summary>
public static unsafe class CrossEntropyKernel
{
    /// <summary>
    /// Per-row losses over the first <paramref name="v"/> columns of rows <paramref name="stride"/>
    /// apart (0 for ignored rows) and each row's log-sum-exp (saved for the backward).
    /// Returns the number of rows not ignored.
    /// </summary>
    public static int Forward(float* logits, int* targets, int n, int v, int stride, int ignoreIndex, float* losses, float* logSumExp)
    {
        KernelThreads.For(n, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                if (targets[r] == ignoreIndex) { losses[r] = 0; logSumExp[r] = 0; continue; }
                float* row = logits + (long)r * stride;
                float lse = Softmax.LogSumExp(row, v);
                logSumExp[r] = lse;
                losses[r] = lse - row[targets[r]];
            }
        }, minPerChunk: Math.Max(1, 16384 / Math.Max(1, v)));
        int count = 0;
        for (int r = 0; r < n; r++) if (targets[r] != ignoreIndex) count++;
        return count;
    }

    /// <summary>
    /// Backward: <c>dlogits (+)= scale·(softmax(z) − onehot(target))</c> for kept rows; ignored rows
    /// and padding columns (v..stride) get nothing (0 when not accumulating). <paramref name="scale"/>
    /// is dloss/count for a mean loss.
    /// </summary>
    public static void Backward(float* logits, int* targets, float* logSumExp, int n, int v, int stride, int ignoreIndex,
        float scale, float* dlogits, bool accumulate)
    {
        KernelThreads.For(n, (r0, r1) =>
        {
            float[]? tmp = accumulate ? new float[v] : null;
            for (int r = r0; r < r1; r++)
            {
                var d = new Span<float>(dlogits + (long)r * stride, v);
                if (!accumulate) new Span<float>(dlogits + (long)r * stride + v, stride - v).Clear();
                if (targets[r] == ignoreIndex) { if (!accumulate) d.Clear(); continue; }
                fixed (float* t = tmp)
                {
                    float* dst = accumulate ? t : dlogits + (long)r * stride;
                    var ds = new Span<float>(dst, v);
                    if (scale > 0) Softmax.ExpShifted(logits + (long)r * stride, dst, v, logSumExp[r] - MathF.Log(scale), 1f); // one pass: e^{z − lse}·scale
                    else
                    {
                        Softmax.ExpShifted(logits + (long)r * stride, dst, v, logSumExp[r], 1f);
                        TensorPrimitives.Multiply(ds, scale, ds);
                    }
                    ds[targets[r]] -= scale;
                    if (accumulate) TensorPrimitives.Add(d, ds, d);
                }
            }
        }, minPerChunk: Math.Max(1, 16384 / Math.Max(1, v)));
    }
}
