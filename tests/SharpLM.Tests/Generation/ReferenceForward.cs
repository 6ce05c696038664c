using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Tests.Generation;

/// <summary>
/// An independent, deliberately naive full recompute of a GPT forward pass (plain loops,
/// double accumulation, no cache): the logits at every position of a whole sequence. The
/// KV-cache generator must agree with it at every step.
/// </summary>
internal static class ReferenceForward
{
    public static float[][] Logits(Gpt model, IReadOnlyList<int> ids)
    {
        var cfg = model.Config;
        int t = ids.Count, c = cfg.Width, h = cfg.Heads, d = cfg.HeadSize;
        var wte = model.TokenEmbedding.Weight.Data.ToArray();
        var wpe = (model.PositionEmbedding?.Weight.Data ?? model.SinusoidalTable!).ToArray();
        var x = new double[t][];
        for (int i = 0; i < t; i++)
        {
            x[i] = new double[c];
            for (int j = 0; j < c; j++) x[i][j] = wte[ids[i] * c + j] + wpe[i * c + j];
        }
        foreach (var block in model.Blocks)
        {
            var xn = x.Select(r => Norm(block.Norm1, r)).ToArray();
            var qkv = xn.Select(r => Linear(block.Attention.QkvProjection, r)).ToArray();
            var att = new double[t][];
            for (int i = 0; i < t; i++)
            {
                att[i] = new double[c];
                for (int head = 0; head < h; head++)
                {
                    var scores = new double[i + 1];
                    for (int s = 0; s <= i; s++)
                    {
                        double dot = 0;
                        for (int k = 0; k < d; k++) dot += qkv[i][head * d + k] * qkv[s][c + head * d + k];
                        scores[s] = dot / Math.Sqrt(d);
                    }
                    double max = scores.Max(), sum = 0;
                    for (int s = 0; s <= i; s++) { scores[s] = Math.Exp(scores[s] - max); sum += scores[s]; }
                    for (int s = 0; s <= i; s++)
                        for (int k = 0; k < d; k++) att[i][head * d + k] += scores[s] / sum * qkv[s][2 * c + head * d + k];
                }
            }
            for (int i = 0; i < t; i++) Add(x[i], Linear(block.Attention.OutputProjection, att[i]));
            for (int i = 0; i < t; i++)
            {
                var hid = Linear(block.Mlp.Up, Norm(block.Norm2, x[i]));
                for (int k = 0; k < hid.Length; k++)
                {
                    double v = hid[k];
                    hid[k] = cfg.Activation == MlpActivation.Gelu ? ReferenceErf.Gelu(v)
                        : 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                }
                Add(x[i], Linear(block.Mlp.Down, hid));
            }
        }
        var head_ = model.OutputWeight.Data.ToArray();
        var logits = new float[t][];
        for (int i = 0; i < t; i++)
        {
            var xf = Norm(model.FinalNorm, x[i]);
            logits[i] = new float[cfg.VocabSize];
            for (int v = 0; v < cfg.VocabSize; v++)
            {
                double s = 0;
                for (int k = 0; k < c; k++) s += head_[v * c + k] * xf[k];
                logits[i][v] = (float)s;
            }
        }
        return logits;
    }

    private static void Add(double[] x, double[] y) { for (int i = 0; i < x.Length; i++) x[i] += y[i]; }

    private static double[] Linear(Linear layer, double[] x)
    {
        var w = layer.Weight.Data.ToArray();
        var b = layer.Bias?.Data.ToArray();
        var y = new double[layer.OutFeatures];
        for (int o = 0; o < y.Length; o++)
        {
            double s = b is null ? 0 : b[o];
            for (int i = 0; i < x.Length; i++) s += w[o * x.Length + i] * x[i];
            y[o] = s;
        }
        return y;
    }

    private static double[] Norm(Norm norm, double[] x)
    {
        int c = x.Length;
        var g = norm.Weight.Data.ToArray();
        var b = norm.Bias?.Data.ToArray();
        var y = new double[c];
        switch (norm.Kind)
        {
            case NormKind.LayerNorm:
                double mean = x.Average(), var = x.Select(v => (v - mean) * (v - mean)).Average();
                for (int i = 0; i < c; i++) y[i] = (x[i] - mean) / Math.Sqrt(var + norm.Eps);
                break;
            case NormKind.RmsNorm:
                double ms = x.Select(v => v * v).Average();
                for (int i = 0; i < c; i++) y[i] = x[i] / Math.Sqrt(ms + norm.Eps);
                break;
            default:
                for (int i = 0; i < c; i++) y[i] = Math.Tanh(norm.Alpha!.Data[0] * x[i]);
                break;
        }
        for (int i = 0; i < c; i++) y[i] = y[i] * g[i] + (b is null ? 0 : b[i]);
        return y;
    }
}
