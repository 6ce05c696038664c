namespace SharpLM.Tokenizers;

/// <summary>
/// The Unigram trainer's view of one chunk of text: every piece of the current model that matches
/// at every position. It gives the best segmentation (Viterbi) and each piece's expected count
/// (forward-backward marginals), the two things SentencePiece's EM and pruning need.
/// </summary>
internal static class UnigramLattice
{
    /// <summary>A piece of the model being trained: its id and log-probability.</summary>
    public readonly record struct Entry(int Id, double LogProb);

    /// <summary>Adds <paramref name="weight"/> × the marginal probability of each piece to <paramref name="expected"/>; returns log Z.</summary>
    public static double AddExpectedCounts(ReadOnlySpan<char> text, Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> pieces,
        int maxLength, double weight, double[] expected)
    {
        int n = text.Length;
        var alpha = new double[n + 1];
        Array.Fill(alpha, double.NegativeInfinity);
        alpha[0] = 0;
        for (int start = 0; start < n; start++)
        {
            if (double.IsNegativeInfinity(alpha[start]) || char.IsLowSurrogate(text[start])) continue;
            for (int len = 1; len <= maxLength && start + len <= n; len++)
                if (pieces.TryGetValue(text.Slice(start, len), out var e))
                    alpha[start + len] = LogAdd(alpha[start + len], alpha[start] + e.LogProb);
        }
        double z = alpha[n];
        if (double.IsNegativeInfinity(z)) return z;
        var beta = new double[n + 1];
        Array.Fill(beta, double.NegativeInfinity);
        beta[n] = 0;
        for (int start = n - 1; start >= 0; start--)
        {
            if (char.IsLowSurrogate(text[start])) continue;
            for (int len = 1; len <= maxLength && start + len <= n; len++)
            {
                if (!pieces.TryGetValue(text.Slice(start, len), out var e)) continue;
                double through = e.LogProb + beta[start + len];
                beta[start] = LogAdd(beta[start], through);
                if (!double.IsNegativeInfinity(alpha[start])) expected[e.Id] += weight * Math.Exp(alpha[start] + through - z);
            }
        }
        return z;
    }

    /// <summary>The best segmentation's piece ids (empty when none exists); <paramref name="exclude"/> may not cover the whole text.</summary>
    public static List<int> Viterbi(ReadOnlySpan<char> text, Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> pieces, int maxLength, int exclude = -1)
    {
        int n = text.Length;
        var best = new double[n + 1];
        var from = new int[n + 1];
        var id = new int[n + 1];
        Array.Fill(best, double.NegativeInfinity);
        best[0] = 0;
        for (int start = 0; start < n; start++)
        {
            if (double.IsNegativeInfinity(best[start]) || char.IsLowSurrogate(text[start])) continue;
            for (int len = 1; len <= maxLength && start + len <= n; len++)
            {
                if (!pieces.TryGetValue(text.Slice(start, len), out var e) || (e.Id == exclude && len == n)) continue;
                double score = best[start] + e.LogProb;
                if (score > best[start + len]) { best[start + len] = score; from[start + len] = start; id[start + len] = e.Id; }
            }
        }
        var path = new List<int>();
        if (double.IsNegativeInfinity(best[n])) return path;
        for (int end = n; end > 0; end = from[end]) path.Add(id[end]);
        path.Reverse();
        return path;
    }

    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        return a > b ? a + Math.Log(1 + Math.Exp(b - a)) : b + Math.Log(1 + Math.Exp(a - b));
    }
}
