using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Experiments;

/// <summary>
/// Reads a BERT encoder's attention probabilities for one sequence, <c>[L,H,T,T]</c> — the bidirectional
/// counterpart of <see cref="Generation.Generator.CaptureAttention"/>. It runs the encoder's layers as
/// <see cref="Bert.Encode"/> does (inference, no dropout) and, at each layer, also forms
/// <c>softmax(q·kᵀ/√D)</c> per head from the layer's query and key projections; the returned hidden
/// states equal <see cref="Bert.Encode"/>'s (a test checks), so the maps are the ones the model used.
/// </summary>
public static class BertAttentionCapture
{
    /// <summary>The probabilities <c>[L,H,T,T]</c> (row i: how much token i looked at each token) and the encoder output <c>[T,C]</c>.</summary>
    public static (Tensor Maps, Tensor Hidden) Capture(Bert bert, int[] ids)
    {
        ArgumentNullException.ThrowIfNull(bert);
        ArgumentNullException.ThrowIfNull(ids);
        var cfg = bert.Config;
        int t = ids.Length, c = cfg.Width, h = cfg.Heads, d = cfg.HeadSize;
        var batch = BertBatch.Single(ids).Validate(cfg);
        var maps = new Tensor(cfg.Layers, h, t, t);
        var tape = new Tape(recordGradients: false) { Training = false };
        var e = bert.Embeddings;
        var x = tape.Embedding(e.Words.Weight, batch.Ids, 1, t);
        x = tape.Add(x, tape.Embedding(e.Segments.Weight, batch.TypeIds, 1, t));
        x = tape.AddBroadcast(x, tape.Embedding(e.Positions.Weight, Enumerable.Range(0, t).ToArray(), t));
        x = tape.LayerNorm(x, e.Norm.Weight, e.Norm.Bias, e.Norm.Eps);
        float scale = 1f / MathF.Sqrt(d);
        var mapSpan = maps.Span;
        for (int l = 0; l < cfg.Layers; l++)
        {
            var layer = bert.Layers[l];
            var q = layer.Query.Forward(tape, x);
            var k = layer.Key.Forward(tape, x);
            var v = layer.Value.Forward(tape, x);
            Probabilities(q.Data.Span, k.Data.Span, t, h, d, scale, mapSpan.Slice(l * h * t * t, h * t * t));
            var y = tape.ScaledDotProductAttention(Split(tape, q, t, h, d), Split(tape, k, t, h, d), Split(tape, v, t, h, d), keyLengths: batch.Lengths);
            y = tape.Reshape(tape.Permute(y, 0, 2, 1, 3), 1, t, c);
            y = layer.AttentionOutput.Forward(tape, y);
            x = tape.LayerNorm(tape.Add(x, y), layer.AttentionNorm.Weight, layer.AttentionNorm.Bias, layer.AttentionNorm.Eps);
            var m = layer.Down.Forward(tape, tape.GeluExact(layer.Up.Forward(tape, x)));
            x = tape.LayerNorm(tape.Add(x, m), layer.OutputNorm.Weight, layer.OutputNorm.Bias, layer.OutputNorm.Eps);
        }
        var hidden = new Tensor(t, c);
        x.Data.Span.CopyTo(hidden.Span);
        return (maps, hidden);
    }

    /// <summary>Row-softmax of the scaled scores of each head from q, k <c>[T,H·D]</c> into <paramref name="output"/> <c>[H,T,T]</c>.</summary>
    private static void Probabilities(ReadOnlySpan<float> q, ReadOnlySpan<float> k, int t, int h, int d, float scale, Span<float> output)
    {
        var scores = new double[t];
        for (int hi = 0; hi < h; hi++)
            for (int i = 0; i < t; i++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < t; j++)
                {
                    double s = 0;
                    for (int dd = 0; dd < d; dd++) s += (double)q[i * h * d + hi * d + dd] * k[j * h * d + hi * d + dd];
                    scores[j] = s * scale;
                    max = Math.Max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < t; j++) { scores[j] = Math.Exp(scores[j] - max); sum += scores[j]; }
                var row = output.Slice((hi * t + i) * t, t);
                for (int j = 0; j < t; j++) row[j] = (float)(scores[j] / sum);
            }
    }

    private static Variable Split(Tape tape, Variable x, int t, int h, int d) => tape.Permute(tape.Reshape(x, 1, t, h, d), 0, 2, 1, 3);
}
