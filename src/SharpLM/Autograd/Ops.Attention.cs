using SharpLM.Kernels;
using System.Runtime.InteropServices;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Scaled dot-product attention over heads: q <c>[B,H,Tq,D]</c>, k and v <c>[B,H,Tk,D]</c> →
    /// <c>[B,H,Tq,D]</c>, <c>softmax(q·kᵀ/√D + mask)·v</c>. Self-attention when Tq = Tk and the
    /// three come from one sequence; cross-attention when k, v come from another (encoder) sequence.
    /// Masks: <paramref name="causal"/> (query i sees keys ≤ i + Tk − Tq), <paramref name="keyLengths"/>
    /// (per batch row: keys at or after the length are padding), <paramref name="mask"/> (bool
    /// <c>[B,Tq,Tk]</c>, true = may attend, shared by the heads); none of them = bidirectional.
    /// A query that may see no key outputs zeros. Backward as <see cref="AttentionKernel.Backward"/>.
    /// <paramref name="scoreBias"/> (<c>[H,Tq,Tk]</c>, shared by the batch rows) is added to the scaled
    /// scores — T5's relative position bias — and gets the gradient <c>Σ_b ∂loss/∂score</c>.
    /// <paramref name="scale"/> replaces 1/√D when nonzero (T5 uses 1: its initialization absorbs it).
    /// </summary>
    public static unsafe Variable ScaledDotProductAttention(this Tape tape, Variable q, Variable k, Variable v,
        bool causal = false, int[]? keyLengths = null, bool[]? mask = null, Variable? scoreBias = null, float scale = 0f)
    {
        if (q.Data.Rank != 4) throw new ArgumentException($"Attention: q must be [B,H,Tq,D], got {q.Data}.", nameof(q));
        int b = q.Data.Dim(0), h = q.Data.Dim(1), tq = q.Data.Dim(2), d = q.Data.Dim(3);
        k.Data.ExpectShape("Attention k", b, h, -1, d);
        int tk = k.Data.Dim(2);
        v.Data.ExpectShape("Attention v", b, h, tk, d);
        if (keyLengths is not null)
        {
            if (keyLengths.Length != b) throw new ArgumentException($"Attention: {keyLengths.Length} key lengths for batch {b}.", nameof(keyLengths));
            foreach (var len in keyLengths)
                if (len < 0 || len > tk) throw new ArgumentOutOfRangeException(nameof(keyLengths), $"Attention: key length {len} outside 0..{tk}.");
        }
        if (mask is not null && mask.Length != b * tq * tk)
            throw new ArgumentException($"Attention: mask has {mask.Length} entries, expected [B,Tq,Tk] = {b * tq * tk}.", nameof(mask));
        scoreBias?.Data.ExpectShape("Attention score bias", h, tq, tk);

        var y = tape.NewTensor([b, h, tq, d]);
        var probs = tape.NewTensor([b, h, tq, tk]);
        float* qp = q.Data.Pointer, kp = k.Data.Pointer, vp = v.Data.Pointer, yp = y.Pointer, pp = probs.Pointer;
        if (scale == 0f) scale = 1f / MathF.Sqrt(d);
        float* bp = scoreBias is null ? null : scoreBias.Data.Pointer;
        int headsPerChunk = (int)Math.Max(1, 65536L / Math.Max(1L, (long)tq * tk * d)); // tiny heads: not worth a thread hand-off
        var maskHandle = mask is null ? default : GCHandle.Alloc(mask, GCHandleType.Pinned);
        byte* mp = mask is null ? null : (byte*)maskHandle.AddrOfPinnedObject();

        AttentionHead Head(int bh, float* dq, float* dk, float* dv, float* dy)
        {
            int bi = bh / h;
            long qo = (long)bh * tq * d, ko = (long)bh * tk * d;
            return new AttentionHead
            {
                Q = qp + qo, K = kp + ko, V = vp + ko, O = yp + qo, P = pp + (long)bh * tq * tk,
                DQ = dq + qo, DK = dk + ko, DV = dv + ko, DO = dy + qo,
                Mask = mp is null ? null : mp + (long)bi * tq * tk,
                LdQ = d, LdK = d, LdV = d, LdO = d, Tq = tq, Tk = tk, D = d,
                KeyLength = keyLengths?[bi] ?? tk, Causal = causal, Scale = scale,
                ScoreBias = bp is null ? null : bp + (long)(bh % h) * tq * tk,
            };
        }

        try
        {
            KernelThreads.For(b * h, (s, e) =>
            {
                for (int bh = s; bh < e; bh++) AttentionKernel.Forward(Head(bh, null, null, null, null));
            }, minPerChunk: headsPerChunk);
        }
        finally { if (mask is not null) maskHandle.Free(); }

        return tape.Record(y, r =>
        {
            // Gradients for inputs that do not need one go to a throwaway pooled buffer.
            float* dq = (q.RequiresGrad ? q.GradOrZeros(tape) : tape.NewTensor(q.Data.ShapeArray)).Pointer;
            float* dk = (k.RequiresGrad ? k.GradOrZeros(tape) : tape.NewTensor(k.Data.ShapeArray)).Pointer;
            float* dv = (v.RequiresGrad ? v.GradOrZeros(tape) : tape.NewTensor(v.Data.ShapeArray)).Pointer;
            float* dy = r.Grad!.Pointer;
            int scratchLen = AttentionKernel.ScratchLength(tk);
            float* scratch = tape.NewTensor([b * h, scratchLen]).Pointer;
            // The bias is shared by the batch rows: each (b, h) writes its own slice, summed over b afterwards.
            bool biasGrad = scoreBias is not null && scoreBias.RequiresGrad;
            float* dbias = biasGrad ? tape.NewTensor([b, h, tq, tk], zero: true).Pointer : null;
            KernelThreads.For(b * h, (s, e) =>
            {
                for (int bh = s; bh < e; bh++)
                {
                    var head = Head(bh, dq, dk, dv, dy);
                    head.Mask = null; // unpinned after forward; backward needs only P (zero where masked)
                    head.DScoreBias = dbias is null ? null : dbias + (long)bh * tq * tk;
                    AttentionKernel.Backward(head, scratch + (long)bh * scratchLen);
                }
            }, minPerChunk: headsPerChunk);
            if (biasGrad)
            {
                var g = scoreBias!.GradBuffer(tape, out bool acc).Span;
                int per = h * tq * tk;
                if (!acc) g.Clear();
                for (int bi = 0; bi < b; bi++)
                    System.Numerics.Tensors.TensorPrimitives.Add(g, new ReadOnlySpan<float>(dbias + (long)bi * per, per), g);
            }
        }, q, k, v, scoreBias!);
    }
}
