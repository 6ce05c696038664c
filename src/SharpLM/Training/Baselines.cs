namespace SharpLM.Training;

/// <summary>
/// The dictionary baseline for NER: remembers every word sequence tagged as an entity in
/// training (with its most frequent type) and tags a new sentence by greedy longest match,
/// left to right. What a model must beat to show it learned more than a lookup list.
/// </summary>
public sealed class DictionaryTagger
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly int _longest;

    /// <summary>Collects the entities of <paramref name="training"/>.</summary>
    public DictionaryTagger(IEnumerable<TaggedSentence> training)
    {
        var counts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (var s in training)
            foreach (var (start, end, type) in EntityMetrics.Chunks(s.Tags))
            {
                string key = string.Join(' ', s.Words[start..(end + 1)]);
                if (!counts.TryGetValue(key, out var byType)) counts[key] = byType = new Dictionary<string, int>(StringComparer.Ordinal);
                byType[type] = byType.GetValueOrDefault(type) + 1;
                _longest = Math.Max(_longest, end - start + 1);
            }
        foreach (var (key, byType) in counts) _types[key] = byType.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
    }

    /// <summary>Number of distinct entity strings remembered.</summary>
    public int Count => _types.Count;

    /// <summary>BIO tags for <paramref name="words"/>.</summary>
    public string[] Tag(IReadOnlyList<string> words)
    {
        var tags = Enumerable.Repeat("O", words.Count).ToArray();
        for (int i = 0; i < words.Count;)
        {
            int matched = 0;
            for (int n = Math.Min(_longest, words.Count - i); n >= 1 && matched == 0; n--)
                if (_types.TryGetValue(string.Join(' ', words.Skip(i).Take(n)), out var type))
                {
                    tags[i] = "B-" + type;
                    for (int j = 1; j < n; j++) tags[i + j] = "I-" + type;
                    matched = n;
                }
            i += Math.Max(1, matched);
        }
        return tags;
    }
}

/// <summary>
/// The bag-of-words nearest-neighbour baseline for text classification: each text is a
/// TF-IDF vector of its lowercased words; a new text gets the label of the most cosine-similar
/// training text. Words in more than a tenth of the training texts are left out (stop words).
/// </summary>
public sealed class BagOfWordsNearestNeighbour
{
    private readonly Dictionary<string, List<(int Doc, float Weight)>> _postings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float> _idf = new(StringComparer.Ordinal);
    private readonly string[] _labels;

    /// <summary>Indexes the training texts.</summary>
    public BagOfWordsNearestNeighbour(IReadOnlyList<LabeledText> training)
    {
        _labels = training.Select(t => t.Label).ToArray();
        var docs = training.Select(t => Counts(t.Text + " " + t.Pair)).ToList();
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in docs) foreach (var w in d.Keys) df[w] = df.GetValueOrDefault(w) + 1;
        foreach (var (w, n) in df) if (n <= Math.Max(1, training.Count / 10)) _idf[w] = MathF.Log((float)training.Count / n);
        for (int i = 0; i < docs.Count; i++)
        {
            var v = Vector(docs[i]);
            foreach (var (w, x) in v)
            {
                if (!_postings.TryGetValue(w, out var list)) _postings[w] = list = new List<(int, float)>();
                list.Add((i, x));
            }
        }
    }

    /// <summary>The label of the training text most similar to <paramref name="text"/> (the first training label when nothing is shared).</summary>
    public string Predict(string text, string? pair = null)
    {
        var scores = new Dictionary<int, float>();
        foreach (var (w, x) in Vector(Counts(text + " " + pair)))
            if (_postings.TryGetValue(w, out var list))
                foreach (var (doc, y) in list) scores[doc] = scores.GetValueOrDefault(doc) + x * y;
        if (scores.Count == 0) return _labels[0];
        return _labels[scores.MaxBy(kv => (kv.Value, -kv.Key)).Key];
    }

    private static Dictionary<string, int> Counts(string text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (s, n) in TaggedSentence.SplitWords(text))
        {
            var w = text.Substring(s, n).ToLowerInvariant();
            if (char.IsLetterOrDigit(w[0])) counts[w] = counts.GetValueOrDefault(w) + 1;
        }
        return counts;
    }

    /// <summary>The unit-length TF-IDF vector of word counts, over the indexed vocabulary.</summary>
    private List<(string Word, float Weight)> Vector(Dictionary<string, int> counts)
    {
        var v = counts.Where(kv => _idf.ContainsKey(kv.Key)).Select(kv => (kv.Key, (1 + MathF.Log(kv.Value)) * _idf[kv.Key])).ToList();
        float norm = MathF.Sqrt(v.Sum(x => x.Item2 * x.Item2));
        return norm == 0 ? [] : v.Select(x => (x.Key, x.Item2 / norm)).ToList();
    }
}
