using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// The language-model loss: mean cross-entropy of logits <c>[..., Vp]</c> (N rows) against
    /// <paramref name="targets"/> (N ids), fused with log-softmax; rows whose target is
    /// <paramref name="ignoreIndex"/> are skipped (mean over the rest; 0 if none remain).
    /// <paramref name="classes"/> (default: all Vp) limits the softmax to the first V columns, so a
    /// head padded to Vp rows for speed needs no slicing copy; padding columns get zero gradient.
    /// <paramref name="perPositionLoss"/>, when given (length N), receives each row's loss (0 if ignored).
    /// Backward: <c>dlogits = (softmax(z) − onehot(target)) · dloss / count</c>. Keep <paramref name="targets"/> unchanged until Backward.
    /// </summary>
    public static unsafe Variable CrossEntropy(this Tape tape, Variable logits, int[] targets,
        int ignoreIndex = -1, float[]? perPositionLoss = null, int classes = 0)
    {
        int stride = logits.Data.Dim(-1), n = logits.Data.Length / Math.Max(1, stride);
        int v = classes == 0 ? stride : classes;
        if (v < 1 || v > stride)
            throw new ArgumentOutOfRangeException(nameof(classes), $"CrossEntropy: classes {classes} must be in 1..{stride} (the logits' last dimension).");
        if (targets.Length != n)
            throw new ArgumentException($"CrossEntropy: {targets.Length} targets for {n} rows of logits {logits.Data}.", nameof(targets));
        for (int i = 0; i < n; i++)
            if (targets[i] != ignoreIndex && (uint)targets[i] >= (uint)v)
                throw new ArgumentOutOfRangeException(nameof(targets), $"CrossEntropy: target {targets[i]} at row {i} is outside 0..{v - 1} (ignore index {ignoreIndex}).");
        if (perPositionLoss is not null && perPositionLoss.Length != n)
            throw new ArgumentException($"CrossEntropy: perPositionLoss has length {perPositionLoss.Length}, expected {n}.", nameof(perPositionLoss));

        var losses = tape.NewTensor([n]);
        var lse = tape.NewTensor([n]);
        int count;
        fixed (int* tp = targets)
            count = CrossEntropyKernel.Forward(logits.Data.Pointer, tp, n, v, stride, ignoreIndex, losses.Pointer, lse.Pointer);
        if (perPositionLoss is not null) losses.Span.CopyTo(perPositionLoss);
        var loss = tape.NewTensor([1]);
        loss[0] = count == 0 ? 0f : (float)(Reductions.Sum(losses.Span) / count);

        return tape.Record(loss, r =>
        {
            if (count == 0) { logits.GradOrZeros(tape); return; }
            var d = logits.GradBuffer(tape, out bool acc);
            fixed (int* tp = targets)
                CrossEntropyKernel.Backward(logits.Data.Pointer, tp, lse.Pointer, n, v, stride, ignoreIndex, r.Grad![0] / count, d.Pointer, acc);
        }, logits);
    }
}
