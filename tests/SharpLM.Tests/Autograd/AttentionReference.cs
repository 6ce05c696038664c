namespace SharpLM.Tests.Autograd;

/// <summary>Straightforward scaled dot-product attention in double, one head at a time.</summary>
public static class AttentionReference
{
    /// <summary>
    /// out[i] = Σ_j softmax_j(q[i]·k[j]/√D over allowed j) v[j]; allowed(i, j) decides the mask.
    /// q: [Tq][D], k, v: [Tk][D]. Rows with no allowed key give zeros.
    /// </summary>
    public static double[][] Head(double[][] q, double[][] k, double[][] v, Func<int, int, bool> allowed)
    {
        int tq = q.Length, tk = k.Length, d = q[0].Length;
        var o = new double[tq][];
        for (int i = 0; i < tq; i++)
        {
            o[i] = new double[d];
            var s = new double[tk];
            double max = double.NegativeInfinity;
            for (int j = 0; j < tk; j++)
            {
                if (!allowed(i, j)) { s[j] = double.NegativeInfinity; continue; }
                double dot = 0;
                for (int x = 0; x < d; x++) dot += q[i][x] * k[j][x];
                s[j] = dot / Math.Sqrt(d);
                max = Math.Max(max, s[j]);
            }
            if (double.IsNegativeInfinity(max)) continue;
            double sum = 0;
            for (int j = 0; j < tk; j++) { s[j] = double.IsNegativeInfinity(s[j]) ? 0 : Math.Exp(s[j] - max); sum += s[j]; }
            for (int j = 0; j < tk; j++)
                for (int x = 0; x < d; x++) o[i][x] += s[j] / sum * v[j][x];
        }
        return o;
    }
}
