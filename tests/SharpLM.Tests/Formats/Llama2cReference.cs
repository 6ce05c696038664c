using SharpLM.Formats;

namespace SharpLM.Tests.Formats;

/// <summary>
/// A direct, double-precision forward pass of a llama2.c checkpoint in Meta's own conventions,
/// written from the architecture's definition and sharing no code with the library: RMSNorm,
/// rotary positions that rotate the interleaved pairs (2i, 2i+1) of each head by p·θ^(−2i/D),
/// grouped-query causal attention, the SwiGLU feed-forward <c>w2(silu(w1·x) ⊙ w3·x)</c>.
/// Used to prove that our loader's row permutation makes rotate-half RoPE compute the same thing.
/// </summary>
internal static class Llama2cReference
{
    /// <summary>Logits <c>[T][V]</c> for <paramref name="ids"/>.</summary>
    public static double[][] Forward(Llama2cWeights w, int[] ids, double eps = 1e-5, double theta = 10000)
    {
        var h = w.Header;
        int c = h.Dim, d = h.HeadSize, heads = h.Heads, kvHeads = h.KvHeads, group = heads / kvHeads, n = ids.Length;
        var x = new double[n][];
        for (int t = 0; t < n; t++) x[t] = Enumerable.Range(0, c).Select(i => (double)w.TokenEmbedding[ids[t], i]).ToArray();
        for (int l = 0; l < h.Layers; l++)
        {
            var q = new double[n][]; var k = new double[n][]; var v = new double[n][];
            for (int t = 0; t < n; t++)
            {
                var xn = RmsNorm(x[t], w.AttentionNorm[l], eps);
                q[t] = MatVec(w.Wq[l], xn); k[t] = MatVec(w.Wk[l], xn); v[t] = MatVec(w.Wv[l], xn);
                RotateInterleaved(q[t], t, d, theta);
                RotateInterleaved(k[t], t, d, theta);
            }
            for (int t = 0; t < n; t++)
            {
                var mixed = new double[heads * d];
                for (int head = 0; head < heads; head++)
                {
                    int kvHead = head / group;
                    var scores = new double[t + 1];
                    for (int s = 0; s <= t; s++)
                    {
                        double dot = 0;
                        for (int i = 0; i < d; i++) dot += q[t][head * d + i] * k[s][kvHead * d + i];
                        scores[s] = dot / Math.Sqrt(d);
                    }
                    double max = scores.Max(), sum = 0;
                    for (int s = 0; s <= t; s++) { scores[s] = Math.Exp(scores[s] - max); sum += scores[s]; }
                    for (int s = 0; s <= t; s++)
                        for (int i = 0; i < d; i++) mixed[head * d + i] += scores[s] / sum * v[s][kvHead * d + i];
                }
                var o = MatVec(w.Wo[l], mixed);
                for (int i = 0; i < c; i++) x[t][i] += o[i];
                var xn = RmsNorm(x[t], w.FfnNorm[l], eps);
                var gate = MatVec(w.W1[l], xn);
                var up = MatVec(w.W3[l], xn);
                for (int i = 0; i < gate.Length; i++) gate[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i];
                var down = MatVec(w.W2[l], gate);
                for (int i = 0; i < c; i++) x[t][i] += down[i];
            }
        }
        var head_ = w.Classifier ?? w.TokenEmbedding;
        return x.Select(row => MatVec(head_, RmsNorm(row, w.FinalNorm, eps))).ToArray();
    }

    private static void RotateInterleaved(double[] vec, int position, int d, double theta)
    {
        for (int start = 0; start < vec.Length; start += d)
            for (int i = 0; i < d / 2; i++)
            {
                double angle = position / Math.Pow(theta, 2.0 * i / d);
                double a = vec[start + 2 * i], b = vec[start + 2 * i + 1];
                // (a + ib)·e^{iφ}
                vec[start + 2 * i] = a * Math.Cos(angle) - b * Math.Sin(angle);
                vec[start + 2 * i + 1] = a * Math.Sin(angle) + b * Math.Cos(angle);
            }
    }

    private static double[] RmsNorm(double[] x, SharpLM.Tensors.Tensor weight, double eps)
    {
        double ms = x.Sum(v => v * v) / x.Length;
        double scale = 1 / Math.Sqrt(ms + eps);
        return x.Select((v, i) => v * scale * weight[i]).ToArray();
    }

    private static double[] MatVec(SharpLM.Tensors.Tensor m, double[] x)
    {
        int rows = m.Dim(0), cols = m.Dim(1);
        var span = m.Span;
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int i = 0; i < cols; i++) s += span[r * cols + i] * x[i];
            y[r] = s;
        }
        return y;
    }
}
