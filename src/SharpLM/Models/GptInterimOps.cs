using SharpLM.Autograd;
using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Plain reference versions of the ops the GPT's training forward needs (LayerNorm, GELU,
/// causal attention on a fused qkv, cross-entropy over the first V logits, dropout), used
/// until the autograd library's optimized ops replace them.
/// </summary>
internal static unsafe class GptInterimOps
{
    /// <summary>LayerNorm over the last dimension: <c>y = (x − mean)/√(var + eps)·γ + β</c>.</summary>
    public static Variable LayerNormInterim(this Tape tape, Variable x, Variable gamma, Variable? beta, float eps)
    {
        int c = x.Data.Dim(-1), n = x.Data.Length / c;
        var y = tape.NewTensor(x.Data.ShapeArray);
        var mean = new float[n];
        var rstd = new float[n];
        var xs = x.Data.Span; var ys = y.Span; var g = gamma.Data.Span;
        for (int r = 0; r < n; r++)
        {
            var row = xs.Slice(r * c, c);
            float m = 0; for (int i = 0; i < c; i++) m += row[i];
            m /= c;
            float v = 0; for (int i = 0; i < c; i++) { float d = row[i] - m; v += d * d; }
            v /= c;
            float s = 1f / MathF.Sqrt(v + eps);
            mean[r] = m; rstd[r] = s;
            for (int i = 0; i < c; i++)
                ys[r * c + i] = (row[i] - m) * s * g[i] + (beta is null ? 0f : beta.Data[i]);
        }
        return tape.Record(y, res =>
        {
            var dy = res.Grad!.Span; var xv = x.Data.Span; var gv = gamma.Data.Span;
            var dg = gamma.RequiresGrad ? gamma.GradOrZeros(tape).Span : default;
            var db = beta is not null && beta.RequiresGrad ? beta.GradOrZeros(tape).Span : default;
            var dx = x.RequiresGrad ? x.GradOrZeros(tape).Span : default;
            for (int r = 0; r < n; r++)
            {
                float m = mean[r], s = rstd[r];
                float sumDn = 0, sumDnXhat = 0;
                for (int i = 0; i < c; i++)
                {
                    float xhat = (xv[r * c + i] - m) * s;
                    float d = dy[r * c + i];
                    float dn = d * gv[i];
                    sumDn += dn; sumDnXhat += dn * xhat;
                    if (!dg.IsEmpty) dg[i] += d * xhat;
                    if (!db.IsEmpty) db[i] += d;
                }
                if (dx.IsEmpty) continue;
                for (int i = 0; i < c; i++)
                {
                    float xhat = (xv[r * c + i] - m) * s;
                    float dn = dy[r * c + i] * gv[i];
                    dx[r * c + i] += s * (dn - sumDn / c - xhat * sumDnXhat / c);
                }
            }
        }, x, gamma, beta!);
    }

    /// <summary>GELU (tanh form) elementwise.</summary>
    public static Variable GeluInterim(this Tape tape, Variable x)
    {
        var y = tape.NewTensor(x.Data.ShapeArray);
        Activations.GeluForward(x.Data.Pointer, y.Pointer, x.Data.Length);
        return tape.Record(y, r =>
            Activations.GeluBackward(x.Data.Pointer, r.Grad!.Pointer, x.GradOrZeros(tape).Pointer, x.Data.Length, accumulate: true), x);
    }

    /// <summary>Causal multi-head attention: qkv <c>[B,T,3C]</c> (q, k, v) → <c>[B,T,C]</c>.</summary>
    public static Variable CausalAttentionInterim(this Tape tape, Variable qkv, int heads)
    {
        int b = qkv.Data.Dim(0), t = qkv.Data.Dim(1), c3 = qkv.Data.Dim(2), c = c3 / 3, d = c / heads;
        float scale = 1f / MathF.Sqrt(d);
        var y = tape.NewTensor([b, t, c]);
        var att = tape.NewTensor([b, heads, t, t], zero: true);
        float* q0 = qkv.Data.Pointer, y0 = y.Pointer, a0 = att.Pointer;
        KernelThreads.For(b * heads, (s, e) =>
        {
            for (int bh = s; bh < e; bh++)
            {
                int bi = bh / heads, h = bh % heads;
                for (int i = 0; i < t; i++)
                {
                    float* qi = q0 + ((long)bi * t + i) * c3 + h * d;
                    float* ai = a0 + ((long)bh * t + i) * t;
                    float max = float.NegativeInfinity;
                    for (int j = 0; j <= i; j++)
                    {
                        float* kj = q0 + ((long)bi * t + j) * c3 + c + h * d;
                        float dot = 0; for (int k = 0; k < d; k++) dot += qi[k] * kj[k];
                        ai[j] = dot * scale;
                        if (ai[j] > max) max = ai[j];
                    }
                    float sum = 0;
                    for (int j = 0; j <= i; j++) { ai[j] = MathF.Exp(ai[j] - max); sum += ai[j]; }
                    float inv = 1f / sum;
                    float* yi = y0 + ((long)bi * t + i) * c + h * d;
                    for (int k = 0; k < d; k++) yi[k] = 0;
                    for (int j = 0; j <= i; j++)
                    {
                        ai[j] *= inv;
                        float* vj = q0 + ((long)bi * t + j) * c3 + 2 * c + h * d;
                        for (int k = 0; k < d; k++) yi[k] += ai[j] * vj[k];
                    }
                }
            }
        });
        return tape.Record(y, r =>
        {
            float* dy0 = r.Grad!.Pointer, dq0 = qkv.GradOrZeros(tape).Pointer;
            KernelThreads.For(b * heads, (s, e) =>
            {
                var dp = new float[t];
                for (int bh = s; bh < e; bh++)
                {
                    int bi = bh / heads, h = bh % heads;
                    for (int i = 0; i < t; i++)
                    {
                        float* ai = a0 + ((long)bh * t + i) * t;
                        float* dyi = dy0 + ((long)bi * t + i) * c + h * d;
                        float* qi = q0 + ((long)bi * t + i) * c3 + h * d;
                        float* dqi = dq0 + ((long)bi * t + i) * c3 + h * d;
                        float dot = 0;
                        for (int j = 0; j <= i; j++)
                        {
                            long vOff = ((long)bi * t + j) * c3 + 2 * c + h * d;
                            float g = 0;
                            for (int k = 0; k < d; k++) { g += dyi[k] * q0[vOff + k]; dq0[vOff + k] += ai[j] * dyi[k]; }
                            dp[j] = g; dot += g * ai[j];
                        }
                        for (int j = 0; j <= i; j++)
                        {
                            float ds = ai[j] * (dp[j] - dot) * scale;
                            long kOff = ((long)bi * t + j) * c3 + c + h * d;
                            for (int k = 0; k < d; k++) { dqi[k] += ds * q0[kOff + k]; dq0[kOff + k] += ds * qi[k]; }
                        }
                    }
                }
            });
        }, qkv);
    }

    /// <summary>Mean cross-entropy of logits <c>[N,Vp]</c> against targets, over columns 0..vocabLimit−1; targets equal to −1 are skipped.</summary>
    public static Variable CrossEntropyInterim(this Tape tape, Variable logits, int[] targets, int vocabLimit)
    {
        int vp = logits.Data.Dim(-1), n = logits.Data.Length / vp;
        if (targets.Length != n) throw new ArgumentException($"CrossEntropy: {targets.Length} targets for {n} rows of logits.", nameof(targets));
        var loss = tape.NewTensor([1]);
        var ls = logits.Data.Span;
        double total = 0; int count = 0;
        var lse = new float[n];
        for (int r = 0; r < n; r++)
        {
            if (targets[r] < 0) continue;
            if (targets[r] >= vocabLimit) throw new ArgumentOutOfRangeException(nameof(targets), $"CrossEntropy: target {targets[r]} at row {r} is outside the vocabulary 0..{vocabLimit - 1}.");
            var row = ls.Slice(r * vp, vocabLimit);
            float max = float.NegativeInfinity; for (int j = 0; j < vocabLimit; j++) max = MathF.Max(max, row[j]);
            double sum = 0; for (int j = 0; j < vocabLimit; j++) sum += Math.Exp(row[j] - max);
            lse[r] = max + (float)Math.Log(sum);
            total += lse[r] - row[targets[r]];
            count++;
        }
        loss[0] = count == 0 ? 0f : (float)(total / count);
        return tape.Record(loss, res =>
        {
            float g = res.Grad![0] / Math.Max(1, count);
            var dl = logits.GradOrZeros(tape).Span; var lv = logits.Data.Span;
            for (int r = 0; r < n; r++)
            {
                if (targets[r] < 0) continue;
                for (int j = 0; j < vocabLimit; j++) dl[r * vp + j] += g * MathF.Exp(lv[r * vp + j] - lse[r]);
                dl[r * vp + targets[r]] -= g;
            }
        }, logits);
    }

    /// <summary>Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1−p).</summary>
    public static Variable DropoutInterim(this Tape tape, Variable x, float p, Rng rng)
    {
        var y = tape.NewTensor(x.Data.ShapeArray);
        var mask = tape.NewTensor(x.Data.ShapeArray);
        var xs = x.Data.Span; var ys = y.Span; var ms = mask.Span;
        float keep = 1f / (1f - p);
        for (int i = 0; i < xs.Length; i++) { ms[i] = rng.NextFloat() < p ? 0f : keep; ys[i] = xs[i] * ms[i]; }
        return tape.Record(y, r =>
        {
            var dy = r.Grad!.Span; var dx = x.GradOrZeros(tape).Span; var mv = mask.Span;
            for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] * mv[i];
        }, x);
    }
}
