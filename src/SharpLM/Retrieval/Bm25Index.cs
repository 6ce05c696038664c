namespace SharpLM.Retrieval;

/// <summary>
/// BM25 (Okapi) lexical retrieval, the sparse baseline for dense retrieval: a passage's score
/// for a query is Σ over query terms of idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·len/avgLen)),
/// with idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5)). Terms are lower-cased letter/digit runs.
/// </summary>
public sealed class Bm25Index
{
    private readonly List<Dictionary<string, int>> _termCounts = [];
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly List<int> _lengths = [];

    /// <summary>Indexes <paramref name="passages"/> with term saturation <paramref name="k1"/> and length normalization <paramref name="b"/>.</summary>
    public Bm25Index(IEnumerable<string> passages, double k1 = 1.2, double b = 0.75)
    {
        if (k1 < 0) throw new ArgumentOutOfRangeException(nameof(k1), k1, "k1 must be ≥ 0.");
        if (b is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(b), b, "b must be in [0, 1].");
        K1 = k1;
        B = b;
        foreach (var p in passages)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            int length = 0;
            foreach (var t in Terms(p)) { counts[t] = counts.GetValueOrDefault(t) + 1; length++; }
            foreach (var t in counts.Keys) _documentFrequency[t] = _documentFrequency.GetValueOrDefault(t) + 1;
            _termCounts.Add(counts);
            _lengths.Add(length);
        }
        AverageLength = _lengths.Count == 0 ? 0 : _lengths.Average();
    }

    /// <summary>Term-frequency saturation.</summary>
    public double K1 { get; }

    /// <summary>Length normalization strength.</summary>
    public double B { get; }

    /// <summary>Mean passage length in terms.</summary>
    public double AverageLength { get; }

    /// <summary>Passages indexed.</summary>
    public int Count => _lengths.Count;

    /// <summary>The terms of a text: lower-cased runs of letters and digits.</summary>
    public static IEnumerable<string> Terms(string text)
    {
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool word = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (word && start < 0) start = i;
            else if (!word && start >= 0) { yield return text[start..i].ToLowerInvariant(); start = -1; }
        }
    }

    /// <summary>Inverse document frequency of a term (0 documents → the largest value).</summary>
    public double Idf(string term)
    {
        int df = _documentFrequency.GetValueOrDefault(term);
        return Math.Log(1 + (Count - df + 0.5) / (df + 0.5));
    }

    /// <summary>BM25 score of passage <paramref name="index"/> for <paramref name="query"/>.</summary>
    public double Score(string query, int index)
    {
        var counts = _termCounts[index];
        double norm = K1 * (1 - B + B * _lengths[index] / Math.Max(AverageLength, 1e-9));
        double score = 0;
        foreach (var t in Terms(query))
        {
            if (!counts.TryGetValue(t, out int tf)) continue;
            score += Idf(t) * tf * (K1 + 1) / (tf + norm);
        }
        return score;
    }

    /// <summary>The <paramref name="k"/> best passages for <paramref name="query"/>: (index, score), best first, ties by index.</summary>
    public IReadOnlyList<(int Index, double Score)> Search(string query, int k)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
        return Enumerable.Range(0, Count).Select(i => (Index: i, Score: Score(query, i)))
            .Where(x => x.Score > 0).OrderByDescending(x => x.Score).ThenBy(x => x.Index).Take(k).ToList();
    }
}
