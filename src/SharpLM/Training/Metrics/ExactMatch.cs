namespace SharpLM.Training.Metrics;

/// <summary>Exact match: the percentage of outputs identical to their reference after trimming surrounding whitespace (0–100).</summary>
public static class ExactMatch
{
    /// <summary>Percentage of pairs whose trimmed texts are equal.</summary>
    public static double Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(references);
        if (hypotheses.Count != references.Count) throw new ArgumentException($"exact match: {hypotheses.Count} hypotheses but {references.Count} references.");
        if (hypotheses.Count == 0) return 0;
        return 100.0 * Enumerable.Range(0, hypotheses.Count).Count(i => hypotheses[i].Trim() == references[i].Trim()) / hypotheses.Count;
    }
}
