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
    /// overwrites with their gradient <c>dz = (softmax(z) − onehot)·dloss/count</c> before
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
        var lse = tape.NewTensor([n]);
        int count;
        var profiler = tape.Profiler;
        long start = profiler is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
        fixed (int* tp = targets)
            count = CrossEntropyKernel.Forward(logits.Pointer, tp, n, v, vp, ignoreIndex, losses.Pointer, lse.Pointer);
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
            float* dz = logits.Pointer; // the logits are not needed any more: their gradient replaces them in place
            var prof = tape.Profiler;
            long t0 = prof is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            fixed (int* tp = targets)
                CrossEntropyKernel.Backward(logits.Pointer, tp, lse.Pointer, n, v, vp, ignoreIndex, r.Grad![0] / count, dz, accumulate: false);
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
}
