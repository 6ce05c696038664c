namespace SharpLM.Training.Metrics;

/// <summary>The parts of a BLEU score: the score (0–100), the four n-gram precisions (percent), the brevity penalty and the lengths.</summary>
public sealed record BleuScore(double Score, double[] Precisions, double BrevityPenalty, long HypothesisLength, long ReferenceLength)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"BLEU = {Score:F2} {string.Join('/', Precisions.Select(p => p.ToString("F1")))} (BP = {BrevityPenalty:F3} ratio = {(double)HypothesisLength / Math.Max(1, ReferenceLength):F3} hyp_len = {HypothesisLength} ref_len = {ReferenceLength})";
}

/// <summary>
/// Corpus BLEU-4 as sacreBLEU computes it by default: 13a tokenization, n-gram matches clipped by
/// the most any reference has, counts summed over the corpus, the geometric mean of the four
/// precisions times the brevity penalty <c>exp(1 − r/c)</c> when the output is shorter than the
/// closest references; orders with no match get the NIST "exp" smoothing (<c>1/(2^k·total)</c>).
/// </summary>
public static class Bleu
{
    /// <summary>Highest n-gram order (4).</summary>
    public const int MaxOrder = 4;

    /// <summary>Corpus BLEU against one reference each.</summary>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references) =>
        Corpus(hypotheses, references.Select(r => (IReadOnlyList<string>)[r]).ToList());

    /// <summary>Corpus BLEU with any number of references per hypothesis (empty references are skipped).</summary>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(references);
        if (hypotheses.Count != references.Count) throw new ArgumentException($"BLEU: {hypotheses.Count} hypotheses but {references.Count} reference sets.");
        var correct = new long[MaxOrder];
        var total = new long[MaxOrder];
        long hypLength = 0, refLength = 0;
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var hyp = Tokenizer13a.Tokenize(hypotheses[i].TrimEnd()).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var refs = references[i].Where(r => !string.IsNullOrEmpty(r))
                .Select(r => Tokenizer13a.Tokenize(r.TrimEnd()).Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            hypLength += hyp.Length;
            refLength += ClosestLength(hyp.Length, refs.Select(r => r.Length));
            for (int n = 1; n <= MaxOrder; n++)
            {
                var hypGrams = Count(hyp, n);
                var maxRef = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var r in refs)
                    foreach (var (g, c) in Count(r, n))
                        maxRef[g] = Math.Max(maxRef.GetValueOrDefault(g), c);
                foreach (var (g, c) in hypGrams)
                {
                    total[n - 1] += c;
                    correct[n - 1] += Math.Min(c, maxRef.GetValueOrDefault(g));
                }
            }
        }
        return Compute(correct, total, hypLength, refLength);
    }

    /// <summary>BLEU from summed statistics (sacreBLEU's <c>compute_bleu</c> with "exp" smoothing).</summary>
    public static BleuScore Compute(long[] correct, long[] total, long hypLength, long refLength)
    {
        double bp = hypLength < refLength ? (hypLength > 0 ? Math.Exp(1 - (double)refLength / hypLength) : 0) : 1;
        var precisions = new double[MaxOrder];
        if (correct.All(c => c == 0)) return new BleuScore(0, precisions, bp, hypLength, refLength);
        double smooth = 1, logSum = 0;
        for (int n = 0; n < MaxOrder; n++)
        {
            if (total[n] == 0) break;
            if (correct[n] == 0) { smooth *= 2; precisions[n] = 100.0 / (smooth * total[n]); }
            else precisions[n] = 100.0 * correct[n] / total[n];
        }
        foreach (var p in precisions) logSum += p > 0 ? Math.Log(p) : -9999999999;
        return new BleuScore(bp * Math.Exp(logSum / MaxOrder), precisions, bp, hypLength, refLength);
    }

    /// <summary>The reference length closest to the hypothesis length (the shorter one on a tie).</summary>
    private static int ClosestLength(int hypLength, IEnumerable<int> refLengths)
    {
        int bestDiff = -1, best = 0;
        foreach (int r in refLengths)
        {
            int diff = Math.Abs(hypLength - r);
            if (bestDiff < 0 || diff < bestDiff || (diff == bestDiff && r < best)) { bestDiff = diff; best = r; }
        }
        return best;
    }

    private static Dictionary<string, int> Count(string[] tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + n <= tokens.Length; i++)
        {
            var g = string.Join(' ', tokens, i, n);
            counts[g] = counts.GetValueOrDefault(g) + 1;
        }
        return counts;
    }
}
