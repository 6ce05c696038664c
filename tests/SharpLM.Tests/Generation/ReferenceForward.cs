using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Tests.Generation;

/// <summary>
/// An independent, deliberately naive full recompute of a GPT forward pass (plain loops,
/// double accumulation, no cache): the logits at every position of a whole sequence. The
/// KV-cache generator must agree with it at every step. LLaMA options are computed from their
/// definitions: rotary angles <c>p·θ^(−2i/D)</c> in double (with linear or Llama 3 scaling) applied
/// to pairs (i, i + D/2) of each query and key head; query head h reads key/value head h/(H/Hkv);
/// SwiGLU is <c>down(silu(gate·x) ⊙ up·x)</c>.
/// </summary>
internal static class ReferenceForward
{
    public static float[][] Logits(Gpt model, IReadOnlyList<int> ids)
    {
        var cfg = model.Config;
        int t = ids.Count, c = cfg.Width, h = cfg.Heads, d = cfg.HeadSize, hkv = cfg.KvHeadCount, group = h / hkv;
        int kOffset = h * d, vOffset = (h + hkv) * d;
        bool rotary = cfg.Positions == PositionEncoding.Rotary;
        var wte = model.TokenEmbedding.Weight.Data.ToArray();
        var wpe = rotary ? null : (model.PositionEmbedding?.Weight.Data ?? model.SinusoidalTable!).ToArray();
        var x = new double[t][];
        for (int i = 0; i < t; i++)
        {
            x[i] = new double[c];
            for (int j = 0; j < c; j++) x[i][j] = wte[ids[i] * c + j] + (wpe is null ? 0 : wpe[i * c + j]);
        }
        var frequencies = rotary ? Frequencies(cfg) : [];
        foreach (var block in model.Blocks)
        {
            var xn = x.Select(r => Norm(block.Norm1, r)).ToArray();
            var qkv = xn.Select(r => Linear(block.Attention.QkvProjection, r)).ToArray();
            if (rotary)
                for (int i = 0; i < t; i++)
                    for (int head = 0; head < h + hkv; head++) Rotate(qkv[i], head * d, d, i, frequencies);
            var att = new double[t][];
            for (int i = 0; i < t; i++)
            {
                att[i] = new double[h * d];
                for (int head = 0; head < h; head++)
                {
                    int kv = head / group;
                    var scores = new double[i + 1];
                    for (int s = 0; s <= i; s++)
                    {
                        double dot = 0;
                        for (int k = 0; k < d; k++) dot += qkv[i][head * d + k] * qkv[s][kOffset + kv * d + k];
                        scores[s] = dot / Math.Sqrt(d);
                    }
                    double max = scores.Max(), sum = 0;
                    for (int s = 0; s <= i; s++) { scores[s] = Math.Exp(scores[s] - max); sum += scores[s]; }
                    for (int s = 0; s <= i; s++)
                        for (int k = 0; k < d; k++) att[i][head * d + k] += scores[s] / sum * qkv[s][vOffset + kv * d + k];
                }
            }
            for (int i = 0; i < t; i++) Add(x[i], Linear(block.Attention.OutputProjection, att[i]));
            for (int i = 0; i < t; i++)
            {
                var normed = Norm(block.Norm2, x[i]);
                var hid = Linear(block.Mlp.Up, normed);
                var gate = cfg.Activation == MlpActivation.SwiGlu ? Linear(block.Mlp.Gate!, normed) : null;
                for (int k = 0; k < hid.Length; k++)
                {
                    double v = hid[k];
                    hid[k] = cfg.Activation switch
                    {
                        MlpActivation.SwiGlu => gate![k] / (1 + Math.Exp(-gate[k])) * v,
                        MlpActivation.Gelu => ReferenceErf.Gelu(v),
                        _ => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
                    };
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

    /// <summary>Rotary frequencies from the definition, in double: θ^(−2i/D), then linear or Llama 3 scaling.</summary>
    internal static double[] Frequencies(GptConfig cfg)
    {
        int d = cfg.HeadSize;
        var f = new double[d / 2];
        for (int i = 0; i < f.Length; i++) f[i] = Math.Pow(cfg.RopeTheta, -2.0 * i / d);
        if (cfg.RopeScaling is not { } rs) return f;
        for (int i = 0; i < f.Length; i++)
        {
            if (rs.Kind == RopeScalingKind.Linear) { f[i] /= rs.Factor; continue; }
            double wavelength = 2 * Math.PI / f[i];
            double low = rs.OriginalContext / (double)rs.LowFreqFactor, high = rs.OriginalContext / (double)rs.HighFreqFactor;
            if (wavelength > low) f[i] /= rs.Factor;
            else if (wavelength >= high)
            {
                double smooth = (rs.OriginalContext / wavelength - rs.LowFreqFactor) / (rs.HighFreqFactor - rs.LowFreqFactor);
                f[i] = (1 - smooth) * f[i] / rs.Factor + smooth * f[i];
            }
        }
        return f;
    }

    /// <summary>Rotates the head at <paramref name="offset"/> as the complex numbers <c>(x_i + i·x_(i+D/2))·e^(i·p·ω_i)</c>.</summary>
    internal static void Rotate(double[] row, int offset, int d, int position, double[] frequencies)
    {
        for (int i = 0; i < d / 2; i++)
        {
            var z = new System.Numerics.Complex(row[offset + i], row[offset + i + d / 2])
                * System.Numerics.Complex.FromPolarCoordinates(1, position * frequencies[i]);
            row[offset + i] = z.Real;
            row[offset + i + d / 2] = z.Imaginary;
        }
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
