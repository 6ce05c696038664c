using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// The LM head and its loss as one op: logits <c>z = x·Wᵀ</c> (x <c>[..., C]</c>, N rows; W
    /// <c>[Vp, C]</c>) then the mean cross-entropy of z's first <paramref name="classes"/> columns
    /// (default: all Vp) against <paramref name="targets"/> (N ids; <paramref name="ignoreIndex"/>
    /// rows skipped). Same value and gradients as <c>CrossEntropy(Linear(x, W), …)</c>, but the
    /// <c>[N,Vp]</c> logits — the largest activation of a GPT — live in one buffer that backward
    /// overwrites with their gradient (the forward leaves <c>e^{z−max}</c> there, so the backward needs no second exp) <c>dz = (softmax(z) − onehot)·dloss/count</c> before
    /// <c>dx = dz·W</c> and <c>dW = dzᵀ·x</c>, so no second logits-sized buffer is needed.
    /// Keep <paramref name="targets"/> unchanged until Backward.
    /// </summary>
    public static unsafe Variable LinearCrossEntropy(this Tape tape, Variable x, Variable weight, int[] targets,
        int classes = 0, int ignoreIndex = -1)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (weight.Data.Rank != 2) throw new ArgumentException($"LinearCrossEntropy: weight must be [Vp,C], got {weight.Data}.", nameof(weight));
        int vp = weight.Data.Dim(0), c = weight.Data.Dim(1);
        if (x.Data.Rank < 1 || x.Data.Dim(-1) != c)
            throw new ArgumentException($"LinearCrossEntropy: input {x.Data} must end in {c} features to match weight {weight.Data}.", nameof(x));
        int n = x.Data.Length / Math.Max(1, c);
        int v = classes == 0 ? vp : classes;
        if (v < 1 || v > vp)
            throw new ArgumentOutOfRangeException(nameof(classes), $"LinearCrossEntropy: classes {classes} must be in 1..{vp} (the weight's rows).");
        if (targets.Length != n)
            throw new ArgumentException($"LinearCrossEntropy: {targets.Length} targets for {n} rows of {x.Data}.", nameof(targets));
        for (int i = 0; i < n; i++)
            if (targets[i] != ignoreIndex && (uint)targets[i] >= (uint)v)
                throw new ArgumentOutOfRangeException(nameof(targets), $"LinearCrossEntropy: target {targets[i]} at row {i} is outside 0..{v - 1} (ignore index {ignoreIndex}).");

        var logits = tape.NewTensor([n, vp]);                                                  // [N,Vp]
        Gemm.Multiply(false, true, n, vp, c, x.Data.Pointer, c, weight.Data.Pointer, c, logits.Pointer, vp, accumulate: false);
        var losses = tape.NewTensor([n]);
        var inverseSums = tape.NewTensor([n]);
        var profiler = tape.Profiler;
        long start = profiler is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
        ExponentiateRows(logits.Pointer, targets, n, v, vp, ignoreIndex, losses.Pointer, inverseSums.Pointer);
        int count = 0;
        foreach (int target in targets) if (target != ignoreIndex) count++;
        var loss = tape.NewTensor([1]);
        loss[0] = count == 0 ? 0f : (float)(Reductions.Sum(losses.Span) / count);
        profiler?.AddNested($"CrossEntropy [{n},{v}]", "fwd", "cross-entropy", start);

        return tape.Record(loss, r =>
        {
            if (count == 0)
            {
                if (x.RequiresGrad) x.GradOrZeros(tape);
                if (weight.RequiresGrad) weight.GradOrZeros(tape);
                return;
            }
            float* dz = logits.Pointer; // holds e^{z − max}: scaled in place into the gradient
            var prof = tape.Profiler;
            long t0 = prof is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            GradientFromExponentials(dz, targets, n, v, vp, ignoreIndex, inverseSums.Pointer, r.Grad![0] / count);
            prof?.AddNested($"CrossEntropy [{n},{v}]", "bwd", "cross-entropy", t0);
            if (x.RequiresGrad)
            {
                var dx = x.GradBuffer(tape, out bool acc);
                Gemm.Multiply(false, false, n, c, vp, dz, vp, weight.Data.Pointer, c, dx.Pointer, c, acc);
            }
            if (weight.RequiresGrad)
            {
                var dw = weight.GradBuffer(tape, out bool acc);
                Gemm.Multiply(true, false, vp, c, n, dz, vp, x.Data.Pointer, c, dw.Pointer, c, acc);
            }
        }, x, weight);
    }

    /// <summary>
    /// Forward half of the fused loss, row by row (rows in parallel): <c>loss = max + log Σ e^{z−max} − z_target</c>
    /// over the first v columns, overwriting those columns with <c>e^{z−max}</c> (the unnormalized softmax
    /// the backward needs) and saving <c>1/Σ</c>; ignored rows get loss 0 and are left as they are.
    /// </summary>
    private static unsafe void ExponentiateRows(float* z, int[] targets, int n, int v, int stride, int ignoreIndex, float* losses, float* inverseSums)
    {
        KernelThreads.For(n, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int target = targets[r];
                if (target == ignoreIndex) { losses[r] = 0; inverseSums[r] = 0; continue; }
                float* row = z + (long)r * stride;
                float max = System.Numerics.Tensors.TensorPrimitives.Max(new ReadOnlySpan<float>(row, v));
                float zt = row[target];
                float sum = SharpLM.Kernels.Softmax.ExpShifted(row, row, v, max, 1f);
                losses[r] = max + MathF.Log(sum) - zt;
                inverseSums[r] = 1f / sum;
            }
        }, minPerChunk: Math.Max(1, 16384 / Math.Max(1, v)));
    }

    /// <summary>
    /// Backward half, in place: <c>dz = e^{z−max}/Σ·scale − scale·onehot(target)</c> on the first v columns,
    /// zeros on the padding columns and on ignored rows.
    /// </summary>
    private static unsafe void GradientFromExponentials(float* e, int[] targets, int n, int v, int stride, int ignoreIndex, float* inverseSums, float scale)
    {
        KernelThreads.For(n, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                float* row = e + (long)r * stride;
                int target = targets[r];
                if (target == ignoreIndex) { new Span<float>(row, stride).Clear(); continue; }
                var span = new Span<float>(row, v);
                System.Numerics.Tensors.TensorPrimitives.Multiply(span, inverseSums[r] * scale, span);
                row[target] -= scale;
                new Span<float>(row + v, stride - v).Clear();
            }
        }, minPerChunk: Math.Max(1, 16384 / Math.Max(1, v)));
    }
}
