using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// GPT's fused causal multi-head self-attention: qkv <c>[B,T,3C]</c> (q, k, v side by side, as
    /// GPT-2's c_attn produces) → <c>[B,T,C]</c>, H heads of size D = C/H, each token attending to
    /// itself and earlier tokens: <c>softmax(q·kᵀ/√D)·v</c>. Saves the probabilities <c>[B,H,T,T]</c>;
    /// backward as <see cref="AttentionKernel.Backward"/>. Heads run in parallel over B·H.
    /// </summary>
    public static unsafe Variable CausalSelfAttention(this Tape tape, Variable qkv, int heads)
    {
        if (qkv.Data.Rank != 3 || qkv.Data.Dim(2) % 3 != 0)
            throw new ArgumentException($"CausalSelfAttention: qkv must be [B,T,3C], got {qkv.Data}.", nameof(qkv));
        int b = qkv.Data.Dim(0), t = qkv.Data.Dim(1), c = qkv.Data.Dim(2) / 3;
        if (heads <= 0 || c % heads != 0)
            throw new ArgumentException($"CausalSelfAttention: {heads} heads do not divide C = {c}.", nameof(heads));
        int d = c / heads;
        var y = tape.NewTensor([b, t, c]);
        var probs = tape.NewTensor([b, heads, t, t]);
        float* q0 = qkv.Data.Pointer, y0 = y.Pointer, p0 = probs.Pointer;
        float scale = 1f / MathF.Sqrt(d);
        int headsPerChunk = (int)Math.Max(1, 65536L / Math.Max(1L, (long)t * t * d)); // tiny heads: not worth a thread hand-off

        AttentionHead Head(int bh, float* dqkv, float* dy)
        {
            int bi = bh / heads, hi = bh % heads;
            long qOff = (long)bi * t * 3 * c + hi * d, yOff = (long)bi * t * c + hi * d;
            return new AttentionHead
            {
                Q = q0 + qOff, K = q0 + qOff + c, V = q0 + qOff + 2 * c, O = y0 + yOff, P = p0 + (long)bh * t * t,
                DQ = dqkv + qOff, DK = dqkv + qOff + c, DV = dqkv + qOff + 2 * c, DO = dy + yOff,
                LdQ = 3 * c, LdK = 3 * c, LdV = 3 * c, LdO = c,
                Tq = t, Tk = t, D = d, KeyLength = t, Causal = true, Scale = scale,
            };
        }

        KernelThreads.For(b * heads, (s, e) =>
        {
            for (int bh = s; bh < e; bh++) AttentionKernel.Forward(Head(bh, null, null));
        }, minPerChunk: headsPerChunk);

        return tape.Record(y, r =>
        {
            float* dqkv = qkv.GradOrZeros(tape).Pointer, dy = r.Grad!.Pointer;
            int scratchLen = AttentionKernel.ScratchLength(t);
            float* scratch = tape.NewTensor([b * heads, scratchLen]).Pointer;
            KernelThreads.For(b * heads, (s, e) =>
            {
                for (int bh = s; bh < e; bh++) AttentionKernel.Backward(Head(bh, dqkv, dy), scratch + (long)bh * scratchLen);
            }, minPerChunk: headsPerChunk);
        }, qkv);
    }
}
