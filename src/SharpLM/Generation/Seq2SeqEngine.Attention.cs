using System.Numerics.Tensors;
using SharpLM.Kernels;
using SharpLM.Models;

namespace SharpLM.Generation;

public sealed unsafe partial class Seq2SeqEngine
{
    /// <summary>
    /// Causal self-attention of the new token (position t) over the cached keys/values 0..t:
    /// its k and v are appended to the cache first. T5 adds the relative position bias of
    /// distance j − t and does not scale; BART scales by 1/√D. Reads and overwrites <c>_h</c>.
    /// </summary>
    private void SelfAttention(EncoderDecoderAttention attention, Seq2SeqCache cache, int l, int rows, int t)
    {
        int heads = _c.Heads, d = _c.HeadWidth, inner = _c.InnerWidth, max = cache.MaxLength;
        Project(attention.Query, _h.Pointer, rows, _q.Pointer);
        Project(attention.Key, _h.Pointer, rows, _k.Pointer);
        Project(attention.Value, _h.Pointer, rows, _v.Pointer);
        float* keys = cache.SelfKeys[l].Pointer, values = cache.SelfValues[l].Pointer;
        for (int r = 0; r < rows; r++)
            for (int hh = 0; hh < heads; hh++)
            {
                long at = ((long)(r * heads + hh) * max + t) * d;
                new ReadOnlySpan<float>(_k.Pointer + r * inner + hh * d, d).CopyTo(new Span<float>(keys + at, d));
                new ReadOnlySpan<float>(_v.Pointer + r * inner + hh * d, d).CopyTo(new Span<float>(values + at, d));
            }
        bool t5 = _c.Family == EncoderDecoderFamily.T5;
        float scale = Model.ScoreScale;
        float* q = _q.Pointer, o = _o.Pointer, scores = _scores.Pointer, bias = _bias.Pointer;
        int n = t + 1, stride = _scores.Dim(1);
        KernelThreads.For(rows * heads, (s, e) =>
        {
            for (int rh = s; rh < e; rh++)
            {
                int r = rh / heads, hh = rh % heads;
                float* sc = scores + (long)rh * stride;
                long head = (long)(r * heads + hh) * max * d;
                CachedAttention.Scores(q + r * inner + hh * d, keys + head, d, n, d, sc);
                var row = new Span<float>(sc, n);
                if (t5) TensorPrimitives.Add(row, new ReadOnlySpan<float>(bias + (long)hh * max, n), row);
                else TensorPrimitives.Multiply(row, scale, row);
                Softmax.Row(sc, sc, n);
                CachedAttention.Mix(sc, values + head, d, n, d, o + r * inner + hh * d);
            }
        }, minPerChunk: Math.Max(1, 4096 / Math.Max(1, n * d)));
        Project(attention.Output, _o.Pointer, rows, _h.Pointer);
    }

    /// <summary>
    /// Cross-attention of the new token over its source row's encoder keys/values (computed once in
    /// <see cref="Start"/>), padding excluded. Records the probabilities when a map buffer is set.
    /// </summary>
    private void CrossAttention(EncoderDecoderAttention attention, Seq2SeqCache cache, int l, int rows)
    {
        int heads = _c.Heads, d = _c.HeadWidth, inner = _c.InnerWidth, s = cache.SourceLength;
        Project(attention.Query, _h.Pointer, rows, _q.Pointer);
        float* keys = cache.CrossKeys[l].Pointer, values = cache.CrossValues[l].Pointer, q = _q.Pointer, o = _o.Pointer;
        float scale = Model.ScoreScale;
        var map = CrossAttentionProbabilities;
        if (map is not null && map.Length < (long)_c.DecoderLayers * rows * heads * s)
            throw new InvalidOperationException($"CrossAttentionProbabilities holds {map.Length} floats; [layers, rows, H, S] needs {(long)_c.DecoderLayers * rows * heads * s}.");
        var probabilities = cache.CrossScores;
        for (int r = 0; r < rows; r++)
        {
            int src = cache.SourceRow[r], n = cache.SourceLengths[src];
            for (int hh = 0; hh < heads; hh++)
            {
                long head = (long)(src * heads + hh) * s * d;
                fixed (float* sc = probabilities)
                {
                    CachedAttention.Scores(q + r * inner + hh * d, keys + head, d, n, d, sc);
                    Softmax.Row(sc, sc, n, scale);
                    CachedAttention.Mix(sc, values + head, d, n, d, o + r * inner + hh * d);
                }
                if (map is not null)
                {
                    var dst = map.AsSpan((int)(((long)(l * rows + r) * heads + hh) * s), s);
                    probabilities.AsSpan(0, n).CopyTo(dst);
                    dst[n..].Clear();
                }
            }
        }
        Project(attention.Output, _o.Pointer, rows, _h.Pointer);
    }

    /// <summary>The feed-forward network on <c>_h</c> (ReLU, gated GELU or GELU), result back in <c>_h</c>.</summary>
    private void FeedForward(EncoderDecoderFeedForward ff, int rows)
    {
        int f = _c.FeedForwardWidth, n = rows * f;
        Project(ff.Up, _h.Pointer, rows, _ff.Pointer);
        var up = _ff.Span[..n];
        switch (ff.Kind)
        {
            case FeedForwardKind.Relu: TensorPrimitives.Max(up, 0f, up); break;
            case FeedForwardKind.GatedGelu:
                Project(ff.Gate!, _h.Pointer, rows, _ffGate.Pointer);
                Activations.GeluForward(_ffGate.Pointer, _ffGate.Pointer, n);
                TensorPrimitives.Multiply(up, _ffGate.Span[..n], up);
                break;
            default: GeluExact.Forward(_ff.Pointer, _ff.Pointer, n); break;
        }
        Project(ff.Down, _ff.Pointer, rows, _h.Pointer);
    }

    /// <summary>T5: the decoder's relative position bias for the query at position t over keys 0..t, into <c>_bias [H, MaxLength]</c>.</summary>
    private void FillRelativeBias(int t)
    {
        int heads = _c.Heads, max = _bias.Dim(1);
        var buckets = Model.BucketsFor(1, t + 1, t, bidirectional: false);
        var table = Model.Decoder.RelativeBias!.Weight.Data.Span;
        var bias = _bias.Span;
        for (int j = 0; j <= t; j++)
            for (int hh = 0; hh < heads; hh++) bias[hh * max + j] = table[buckets[j] * heads + hh];
    }
}
