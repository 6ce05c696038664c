namespace SharpLM.Tests.Formats;

/// <summary>
/// An independent GPT-2 forward pass and loss in double precision, written straight from
/// the llm.c checkpoint layout (16 tensors: wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw,
/// attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb, lnfw, lnfb; matmul weights [out, in];
/// LayerNorm eps 1e-5 with the biased variance; GELU's tanh approximation; softmax over the
/// first V logits only). Slow and simple on purpose: it is the yardstick for parity tests.
/// </summary>
public static class Gpt2DoubleReference
{
    /// <summary>Mean next-token cross-entropy of one [B,T] batch; <paramref name="p"/> are the 16 tensors in llm.c order.</summary>
    public static double MeanLoss(float[][] p, int maxT, int v, int l, int nh, int c, int vp, int[] inputs, int[] targets, int b, int t)
    {
        if (t > maxT) throw new ArgumentException("T exceeds maxT");
        double total = 0;
        var losses = new double[b];
        Parallel.For(0, b, bi => losses[bi] = SequenceLoss(p, v, l, nh, c, inputs.AsSpan(bi * t, t).ToArray(), targets.AsSpan(bi * t, t).ToArray()));
        foreach (var x in losses) total += x;
        return total / (b * t);
    }

    /// <summary>Sum over the T positions of one sequence of −log p(target).</summary>
    private static double SequenceLoss(float[][] p, int v, int layers, int nh, int c, int[] ids, int[] targets)
    {
        int t = ids.Length, hs = c / nh;
        float[] wte = p[0], wpe = p[1];
        var x = new double[t, c];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < c; j++)
                x[i, j] = (double)wte[ids[i] * c + j] + wpe[i * c + j];

        for (int l = 0; l < layers; l++)
        {
            var h = LayerNorm(x, p[2], p[3], l * c, c);
            var qkv = Linear(h, p[4], p[5], l * 3 * c * c, l * 3 * c, 3 * c, c);
            var att = new double[t, c];
            for (int head = 0; head < nh; head++)
                for (int i = 0; i < t; i++)
                {
                    var scores = new double[i + 1];
                    double max = double.NegativeInfinity;
                    for (int k = 0; k <= i; k++)
                    {
                        double dot = 0;
                        for (int d = 0; d < hs; d++) dot += qkv[i, head * hs + d] * qkv[k, c + head * hs + d];
                        scores[k] = dot / Math.Sqrt(hs);
                        max = Math.Max(max, scores[k]);
                    }
                    double sum = 0;
                    for (int k = 0; k <= i; k++) { scores[k] = Math.Exp(scores[k] - max); sum += scores[k]; }
                    for (int d = 0; d < hs; d++)
                    {
                        double acc = 0;
                        for (int k = 0; k <= i; k++) acc += scores[k] / sum * qkv[k, 2 * c + head * hs + d];
                        att[i, head * hs + d] = acc;
                    }
                }
            Add(x, Linear(att, p[6], p[7], l * c * c, l * c, c, c));
            h = LayerNorm(x, p[8], p[9], l * c, c);
            var fc = Linear(h, p[10], p[11], l * 4 * c * c, l * 4 * c, 4 * c, c);
            for (int i = 0; i < t; i++)
                for (int j = 0; j < 4 * c; j++)
                {
                    double u = fc[i, j];
                    fc[i, j] = 0.5 * u * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)));
                }
            Add(x, Linear(fc, p[12], p[13], l * c * 4 * c, l * c, c, 4 * c));
        }
        var final = LayerNorm(x, p[14], p[15], 0, c);

        double loss = 0;
        var logits = new double[v];
        for (int i = 0; i < t; i++)
        {
            double max = double.NegativeInfinity;
            for (int tok = 0; tok < v; tok++)
            {
                double dot = 0;
                for (int j = 0; j < c; j++) dot += final[i, j] * wte[tok * c + j];
                logits[tok] = dot;
                max = Math.Max(max, dot);
            }
            double sum = 0;
            for (int tok = 0; tok < v; tok++) sum += Math.Exp(logits[tok] - max);
            loss += -(logits[targets[i]] - max - Math.Log(sum));
        }
        return loss;
    }

    private static double[,] LayerNorm(double[,] x, float[] w, float[] bias, int offset, int c)
    {
        int t = x.GetLength(0);
        var y = new double[t, c];
        for (int i = 0; i < t; i++)
        {
            double mean = 0, variance = 0;
            for (int j = 0; j < c; j++) mean += x[i, j];
            mean /= c;
            for (int j = 0; j < c; j++) variance += (x[i, j] - mean) * (x[i, j] - mean);
            variance /= c;
            double rstd = 1 / Math.Sqrt(variance + 1e-5);
            for (int j = 0; j < c; j++) y[i, j] = (x[i, j] - mean) * rstd * w[offset + j] + bias[offset + j];
        }
        return y;
    }

    /// <summary>y = x·Wᵀ + b with W stored [outDim, inDim] starting at <paramref name="wOffset"/>.</summary>
    private static double[,] Linear(double[,] x, float[] w, float[] bias, int wOffset, int bOffset, int outDim, int inDim)
    {
        int t = x.GetLength(0);
        var y = new double[t, outDim];
        for (int i = 0; i < t; i++)
            for (int o = 0; o < outDim; o++)
            {
                double acc = bias[bOffset + o];
                int row = wOffset + o * inDim;
                for (int k = 0; k < inDim; k++) acc += x[i, k] * w[row + k];
                y[i, o] = acc;
            }
        return y;
    }

    private static void Add(double[,] x, double[,] y)
    {
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++)
                x[i, j] += y[i, j];
    }
}
