namespace SharpLM.Training.Metrics;

/// <summary>
/// chrF, the character n-gram F-score of machine translation (Popović 2015), with sacreBLEU's
/// defaults: character n-grams of orders 1–6 with whitespace removed, β = 2 (recall weighs
/// twice precision). Statistics (hypothesis, reference and matching n-gram counts per order)
/// are summed over the corpus; precision and recall are averaged over the orders that occur,
/// then combined as <c>F_β = (1+β²)·P·R / (β²·P + R)</c>, on a 0–100 scale. With several
/// references a segment uses the one with the best F-score.
/// </summary>
public static class ChrF
{
    /// <summary>Character n-gram orders (sacreBLEU's <c>char_order</c>).</summary>
    public const int Order = 6;

    /// <summary>β (sacreBLEU's <c>beta</c>).</summary>
    public const double Beta = 2;

    /// <summary>Corpus chrF of <paramref name="hypotheses"/> against one reference each.</summary>
    public static double Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references) =>
        Corpus(hypotheses, references.Select(r => (IReadOnlyList<string>)[r]).ToList());

    /// <summary>Corpus chrF with any number of references per hypothesis (empty references are skipped).</summary>
    public static double Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(references);
        if (hypotheses.Count != references.Count) throw new ArgumentException($"chrF: {hypotheses.Count} hypotheses but {references.Count} reference sets.");
        var total = new long[3 * Order];
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var stats = SegmentStatistics(hypotheses[i], references[i]);
            for (int k = 0; k < total.Length; k++) total[k] += stats[k];
        }
        return Score(total);
    }

    /// <summary>chrF of one sentence.</summary>
    public static double Sentence(string hypothesis, string reference) => Score(SegmentStatistics(hypothesis, [reference]));

    /// <summary>[hyp, ref, match] counts per order for a segment, from its best-scoring reference.</summary>
    public static long[] SegmentStatistics(string hypothesis, IReadOnlyList<string> references)
    {
        var hyp = NGrams(hypothesis);
        long[] best = new long[3 * Order];
        double bestF = -1;
        foreach (var reference in references)
        {
            if (string.IsNullOrEmpty(reference)) continue;
            var refGrams = NGrams(reference);
            var stats = new long[3 * Order];
            for (int n = 0; n < Order; n++)
            {
                long h = hyp[n].Values.Sum(), r = refGrams[n].Values.Sum(), m = 0;
                foreach (var (gram, count) in hyp[n])
                    if (refGrams[n].TryGetValue(gram, out int rc)) m += Math.Min(count, rc);
                stats[3 * n] = h; stats[3 * n + 1] = r; stats[3 * n + 2] = m;
            }
            double f = Score(stats);
            if (f > bestF) { bestF = f; best = stats; }
        }
        if (bestF < 0)   // no reference: count the hypothesis n-grams only
            for (int n = 0; n < Order; n++) best[3 * n] = hyp[n].Values.Sum();
        return best;
    }

    /// <summary>The F-score of summed statistics, as sacreBLEU's default (effective-order averaging of P and R).</summary>
    public static double Score(IReadOnlyList<long> stats)
    {
        double factor = Beta * Beta, precision = 0, recall = 0;
        int effective = 0;
        for (int n = 0; n < Order; n++)
        {
            long h = stats[3 * n], r = stats[3 * n + 1], m = stats[3 * n + 2];
            if (h > 0 && r > 0)
            {
                precision += (double)m / h;
                recall += (double)m / r;
                effective++;
            }
        }
        if (effective == 0) return 0;
        precision /= effective;
        recall /= effective;
        return precision + recall > 0 ? 100 * (1 + factor) * precision * recall / (factor * precision + recall) : 0;
    }

    /// <summary>Counts of character n-grams (by text element index, after removing all whitespace) for orders 1..6.</summary>
    private static Dictionary<string, int>[] NGrams(string text)
    {
        var compact = string.Concat((text ?? "").Where(c => !char.IsWhiteSpace(c)));
        var grams = new Dictionary<string, int>[Order];
        for (int n = 1; n <= Order; n++)
        {
            var counts = grams[n - 1] = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i + n <= compact.Length; i++)
            {
                var g = compact.Substring(i, n);
                counts[g] = counts.GetValueOrDefault(g) + 1;
            }
        }
        return grams;
    }
}
