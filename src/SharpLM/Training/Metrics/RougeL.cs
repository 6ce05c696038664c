namespace SharpLM.Training.Metrics;

/// <summary>
/// ROUGE-L, the summarization metric: the longest common subsequence (LCS) of the summary's and
/// the reference's words, as recall <c>LCS/|ref|</c>, precision <c>LCS/|hyp|</c> and their
/// harmonic mean F (β = 1). Words as the rouge-score package makes them: lowercased, split on
/// anything that is not a letter or digit. Corpus score = mean F over the pairs, 0–100.
/// </summary>
public static class RougeL
{
    /// <summary>Mean ROUGE-L F over the pairs (0–100).</summary>
    public static double Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(references);
        if (hypotheses.Count != references.Count) throw new ArgumentException($"ROUGE-L: {hypotheses.Count} hypotheses but {references.Count} references.");
        if (hypotheses.Count == 0) return 0;
        return 100 * Enumerable.Range(0, hypotheses.Count).Average(i => F(hypotheses[i], references[i]));
    }

    /// <summary>ROUGE-L F of one pair (0–1).</summary>
    public static double F(string hypothesis, string reference)
    {
        var h = Words(hypothesis);
        var r = Words(reference);
        if (h.Length == 0 || r.Length == 0) return 0;
        int lcs = LongestCommonSubsequence(h, r);
        if (lcs == 0) return 0;
        double p = (double)lcs / h.Length, rec = (double)lcs / r.Length;
        return 2 * p * rec / (p + rec);
    }

    /// <summary>The lowercased letter/digit runs of <paramref name="text"/>.</summary>
    public static string[] Words(string text) =>
        new string((text ?? "").ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : ' ').ToArray())
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Length of the longest common subsequence (dynamic programming, two rows).</summary>
    public static int LongestCommonSubsequence(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var previous = new int[b.Count + 1];
        var current = new int[b.Count + 1];
        for (int i = 1; i <= a.Count; i++)
        {
            for (int j = 1; j <= b.Count; j++)
                current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            (previous, current) = (current, previous);
        }
        return previous[b.Count];
    }
}
