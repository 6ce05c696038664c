using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace SharpLM.Kernels;

/// <summary>
/// One attention head's pointers and options: queries <c>Q[Tq,D]</c>, keys <c>K[Tk,D]</c>,
/// values <c>V[Tk,D]</c>, output <c>O[Tq,D]</c> (each with its own row stride, so heads can be
/// read in place from <c>[B,T,3C]</c> or <c>[B,H,T,D]</c>), the probabilities <c>P[Tq,Tk]</c>,
/// and for backward the matching gradient pointers.
/// </summary>
public unsafe struct AttentionHead
{
    /// <summary>Queries, row stride <see cref="LdQ"/>.</summary>
    public float* Q;
    /// <summary>Keys, row stride <see cref="LdK"/>.</summary>
    public float* K;
    /// <summary>Values, row stride <see cref="LdV"/>.</summary>
    public float* V;
    /// <summary>Output (context vectors), row stride <see cref="LdO"/>.</summary>
    public float* O;
    /// <summary>Attention probabilities [Tq,Tk], contiguous (saved for backward).</summary>
    public float* P;
    /// <summary>Gradient of Q (same layout as Q); added to.</summary>
    public float* DQ;
    /// <summary>Gradient of K (same layout as K); added to.</summary>
    public float* DK;
    /// <summary>Gradient of V (same layout as V); added to.</summary>
    public float* DV;
    /// <summary>Gradient of O (same layout as O).</summary>
    public float* DO;
    /// <summary>Optional mask [Tq,Tk], nonzero = may attend; null for none.</summary>
    public byte* Mask;
    /// <summary>Row strides in elements.</summary>
    public int LdQ, LdK, LdV, LdO;
    /// <summary>Query count, key count, head size.</summary>
    public int Tq, Tk, D;
    /// <summary>Keys at or after this index are padding and ignored (Tk for none).</summary>
    public int KeyLength;
    /// <summary>Causal: query i sees keys j ≤ i + (Tk − Tq) (the newest query aligned to the last key).</summary>
    public bool Causal;
    /// <summary>Score scale, usually 1/√D.</summary>
    public float Scale;
    /// <summary>
    /// Grouped-query attention: how many query heads share this K and V (0 or 1: one). Query head g of the
    /// group reads <c>Q + g·QueryHeadStride</c>, writes <c>O + g·QueryHeadStride</c> and <c>P + g·Tq·Tk</c>
    /// (likewise DQ, DO); all of them add into the same DK and DV, so a group runs on one thread.
    /// </summary>
    public int Group;
    /// <summary>Elements between consecutive query heads of a group in Q, O, DQ and DO (usually D).</summary>
    public int QueryHeadStride;
    /// <summary>Optional additive score bias [Tq,Tk] (row stride Tk) added after scaling, e.g. T5's relative position bias; null for none.</summary>
    public float* ScoreBias;
    /// <summary>Gradient of <see cref="ScoreBias"/> [Tq,Tk] (∂loss/∂score, before scaling); added to; null when not wanted.</summary>
    public float* DScoreBias;
}

/// <summary>
/// Scaled dot-product attention for one head: <c>P = softmax(scale·Q·Kᵀ + mask)</c>, <c>O = P·V</c>.
/// Works in blocks of query rows so a causal head only computes the scores it keeps
/// (the lower triangle plus a sliver), with GEMM doing the dot products. A grouped-query head
/// (<see cref="AttentionHead.Group"/> &gt; 1) runs its query heads one after another against the shared K, V.
/// </summary>
public static unsafe class AttentionKernel
{
    /// <summary>Query rows per block: small enough to skip most of the causal upper triangle, large enough for GEMM to run well (64 measured best of 16–128 at T = 256 and 1024).</summary>
    public const int BlockRows = 64;

    /// <summary>Scratch floats <see cref="Backward"/> needs for one head.</summary>
    public static int ScratchLength(int tk) => BlockRows * tk;

    /// <summary>Forward: fills <c>P</c> (zeros where masked) and <c>O</c>. A query row that may see no key gets O = 0.</summary>
    public static void Forward(in AttentionHead h)
    {
        if (h.Group <= 1) { ForwardOne(h); return; }
        if (h.ScoreBias is not null) throw new NotSupportedException("attention: a score bias is per head; grouped-query heads with a score bias are not supported.");
        var one = h;
        for (int g = 0; g < h.Group; g++)
        {
            ForwardOne(one);
            one.Q += h.QueryHeadStride; one.O += h.QueryHeadStride; one.P += (long)h.Tq * h.Tk;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardOne(in AttentionHead h)
    {
        for (int i0 = 0; i0 < h.Tq; i0 += BlockRows)
        {
            int i1 = Math.Min(i0 + BlockRows, h.Tq), bs = i1 - i0, n = Limit(h, i1 - 1);
            float* pb = h.P + (long)i0 * h.Tk;
            if (n > 0) Gemm.Multiply(false, true, bs, n, h.D, h.Q + (long)i0 * h.LdQ, h.LdQ, h.K, h.LdK, pb, h.Tk, false);
            for (int i = i0; i < i1; i++) MaskedSoftmaxRow(h, i);
            if (n > 0) Gemm.Multiply(false, false, bs, h.D, n, pb, h.Tk, h.V, h.LdV, h.O + (long)i0 * h.LdO, h.LdO, false);
            else for (int i = i0; i < i1; i++) new Span<float>(h.O + (long)i * h.LdO, h.D).Clear();
        }
    }

    /// <summary>
    /// Backward, adding into DQ, DK, DV: <c>dV += Pᵀ·dO</c>; <c>dP = dO·Vᵀ</c>;
    /// <c>dS = P ⊙ (dP − rowsum(P ⊙ dP))·scale</c>; <c>dQ += dS·K</c>; <c>dK += dSᵀ·Q</c>.
    /// <paramref name="scratch"/> holds <see cref="ScratchLength"/> floats.
    /// </summary>
    public static void Backward(in AttentionHead h, float* scratch)
    {
        if (h.Group <= 1) { BackwardOne(h, scratch); return; }
        if (h.ScoreBias is not null) throw new NotSupportedException("attention: a score bias is per head; grouped-query heads with a score bias are not supported.");
        var one = h;
        for (int g = 0; g < h.Group; g++)
        {
            BackwardOne(one, scratch);
            one.Q += h.QueryHeadStride; one.DQ += h.QueryHeadStride; one.DO += h.QueryHeadStride; one.P += (long)h.Tq * h.Tk;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardOne(in AttentionHead h, float* scratch)
    {
        for (int i0 = 0; i0 < h.Tq; i0 += BlockRows)
        {
            int i1 = Math.Min(i0 + BlockRows, h.Tq), bs = i1 - i0, n = Limit(h, i1 - 1);
            if (n <= 0) continue;
            float* pb = h.P + (long)i0 * h.Tk;
            float* dob = h.DO + (long)i0 * h.LdO;
            Gemm.Multiply(true, false, n, h.D, bs, pb, h.Tk, dob, h.LdO, h.DV, h.LdV, true);
            Gemm.Multiply(false, true, bs, n, h.D, dob, h.LdO, h.V, h.LdV, scratch, h.Tk, false);
            for (int i = i0; i < i1; i++)
            {
                int lim = Limit(h, i);
                var ds = new Span<float>(scratch + (long)(i - i0) * h.Tk, n);
                var p = new ReadOnlySpan<float>(h.P + (long)i * h.Tk, lim);
                var dsLive = ds[..lim];
                float dot = TensorPrimitives.Dot(p, dsLive);
                TensorPrimitives.Subtract(dsLive, dot, dsLive);
                TensorPrimitives.Multiply(dsLive, p, dsLive);
                if (h.DScoreBias is not null)
                {
                    var db = new Span<float>(h.DScoreBias + (long)i * h.Tk, lim);
                    TensorPrimitives.Add(db, dsLive, db);
                }
                TensorPrimitives.Multiply(dsLive, h.Scale, dsLive);
                ds[lim..].Clear();
            }
            Gemm.Multiply(false, false, bs, h.D, n, scratch, h.Tk, h.K, h.LdK, h.DQ + (long)i0 * h.LdQ, h.LdQ, true);
            Gemm.Multiply(true, false, n, h.D, bs, scratch, h.Tk, h.Q + (long)i0 * h.LdQ, h.LdQ, h.DK, h.LdK, true);
        }
    }

    /// <summary>How many leading keys query row i may see (before the optional mask).</summary>
    private static int Limit(in AttentionHead h, int i)
    {
        int lim = h.Causal ? Math.Min(i + 1 + h.Tk - h.Tq, h.KeyLength) : h.KeyLength;
        return Math.Clamp(lim, 0, h.Tk);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaskedSoftmaxRow(in AttentionHead h, int i)
    {
        int lim = Limit(h, i);
        float* row = h.P + (long)i * h.Tk;
        new Span<float>(row + lim, h.Tk - lim).Clear();
        if (h.Mask is not null)
        {
            byte* m = h.Mask + (long)i * h.Tk;
            for (int j = 0; j < lim; j++) if (m[j] == 0) row[j] = float.NegativeInfinity;
        }
        if (lim == 0) return;
        var live = new Span<float>(row, lim);
        float scale = h.Scale;
        if (h.ScoreBias is not null)
        {
            // Scores become scale·q·k + bias; the softmax below then runs unscaled.
            TensorPrimitives.MultiplyAdd(live, scale, new ReadOnlySpan<float>(h.ScoreBias + (long)i * h.Tk, lim), live);
            scale = 1f;
        }
        float max = TensorPrimitives.Max(live);
        if (float.IsNegativeInfinity(max)) { live.Clear(); return; }
        float sum = Softmax.ExpShifted(row, row, lim, max, scale);
        TensorPrimitives.Multiply(live, 1f / sum, live);
    }
}
