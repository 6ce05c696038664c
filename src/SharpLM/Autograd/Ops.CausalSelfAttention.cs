using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// GPT's fused causal multi-head self-attention, with grouped-query attention: qkv
    /// <c>[B,T,(H+2·Hkv)·D]</c> (H query heads, then Hkv key heads, then Hkv value heads side by side,
    /// as the fused c_attn produces; GPT-2's <c>[B,T,3C]</c> when Hkv = H) → <c>[B,T,H·D]</c>, each token
    /// attending to itself and earlier tokens: <c>softmax(q·kᵀ/√D)·v</c>, query head h reading key/value
    /// head h / (H/Hkv). <paramref name="kvHeads"/> 0 means Hkv = H (multi-head); 1 is multi-query.
    /// Saves the probabilities <c>[B,H,T,T]</c>; backward as <see cref="AttentionKernel.Backward"/>.
    /// Forward runs in parallel over B·H, backward over B·Hkv (query heads sharing a key/value head add
    /// into the same key/value gradient, so they run on one thread).
    /// </summary>
    public static unsafe Variable CausalSelfAttention(this Tape tape, Variable qkv, int heads, int kvHeads = 0)
    {
        int hkv = kvHeads == 0 ? heads : kvHeads;
        if (heads <= 0 || hkv <= 0 || heads % hkv != 0)
            throw new ArgumentException($"CausalSelfAttention: {heads} query heads are not divisible by {hkv} key/value heads.", nameof(kvHeads));
        if (qkv.Data.Rank != 3 || qkv.Data.Dim(2) % (heads + 2 * hkv) != 0)
            throw new ArgumentException($"CausalSelfAttention: qkv must be [B,T,(H+2·Hkv)·D] with H = {heads}, Hkv = {hkv}, got {qkv.Data}.", nameof(qkv));
        int b = qkv.Data.Dim(0), t = qkv.Data.Dim(1), w = qkv.Data.Dim(2);
        int d = w / (heads + 2 * hkv), c = heads * d, group = heads / hkv;
        var y = tape.NewTensor([b, t, c]);
        var probs = tape.NewTensor([b, heads, t, t]);
        float* q0 = qkv.Data.Pointer, y0 = y.Pointer, p0 = probs.Pointer;
        float scale = 1f / MathF.Sqrt(d);
        long headWork = Math.Max(1L, (long)t * t * d);
        int headsPerChunk = (int)Math.Max(1, 65536L / headWork); // tiny heads: not worth a thread hand-off
        int groupsPerChunk = (int)Math.Max(1, 65536L / (headWork * group));

        // Query head hi of batch row bi with its key/value head (hi / group); a group of `count` query heads from there.
        AttentionHead Head(int bi, int hi, int count, float* dqkv, float* dy)
        {
            int kv = hi / group;
            long row = (long)bi * t * w;
            long qOff = row + hi * d, kOff = row + c + kv * d, vOff = row + c + hkv * d + kv * d, yOff = (long)bi * t * c + hi * d;
            return new AttentionHead
            {
                Q = q0 + qOff, K = q0 + kOff, V = q0 + vOff, O = y0 + yOff, P = p0 + ((long)bi * heads + hi) * t * t,
                DQ = dqkv + qOff, DK = dqkv + kOff, DV = dqkv + vOff, DO = dy + yOff,
                LdQ = w, LdK = w, LdV = w, LdO = c,
                Tq = t, Tk = t, D = d, KeyLength = t, Causal = true, Scale = scale,
                Group = count, QueryHeadStride = d,
            };
        }

        KernelThreads.For(b * heads, (s, e) =>
        {
            for (int bh = s; bh < e; bh++) AttentionKernel.Forward(Head(bh / heads, bh % heads, 1, null, null));
        }, minPerChunk: headsPerChunk);

        return tape.Record(y, r =>
        {
            float* dqkv = qkv.GradOrZeros(tape).Pointer, dy = r.Grad!.Pointer;
            int scratchLen = AttentionKernel.ScratchLength(t);
            float* scratch = tape.NewTensor([b * hkv, scratchLen]).Pointer;
            KernelThreads.For(b * hkv, (s, e) =>
            {
                for (int bg = s; bg < e; bg++)
                    AttentionKernel.Backward(Head(bg / hkv, bg % hkv * group, group, dqkv, dy), scratch + (long)bg * scratchLen);
            }, minPerChunk: groupsPerChunk);
        }, qkv);
    }
}
