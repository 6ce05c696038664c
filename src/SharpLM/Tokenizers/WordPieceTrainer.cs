namespace SharpLM.Tokenizers;

/// <summary>
/// Learns a WordPiece vocabulary the way Hugging Face does: start from single characters (a
/// word's first character as is, later ones as "##c"), then repeatedly merge the most frequent
/// adjacent pair ("play" + "##ing" → "playing", "##in" + "##g" → "##ing").
/// Ids: BERT's special tokens first, then the alphabet (sorted), then merges in learned order.
/// </summary>
public static class WordPieceTrainer
{
    /// <summary>Trains a vocabulary of <paramref name="vocabSize"/> pieces in total (special tokens included).</summary>
    public static WordPieceTokenizer Train(IEnumerable<string> texts, int vocabSize, BertNormalizer? normalizer = null,
        long minFrequency = 2, IReadOnlyList<string>? specialTokens = null, string continuingPrefix = "##")
    {
        normalizer ??= new BertNormalizer();
        specialTokens ??= WordPieceTokenizer.BertSpecialTokens;
        if (!specialTokens.Contains("[UNK]")) throw new ArgumentException("special tokens must include [UNK]", nameof(specialTokens));

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (var word in normalizer.SplitWords(text))
                counts[word] = counts.GetValueOrDefault(word) + 1;

        // Each word as its characters: the first plain, the rest with the continuation prefix.
        var spelled = counts.Keys.Select(w => w.EnumerateRunes().Select((r, i) => i == 0 ? r.ToString() : continuingPrefix + r).ToArray()).ToList();
        var pieces = new List<string>(specialTokens);
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < pieces.Count; i++) idOf[pieces[i]] = i;
        foreach (var symbol in spelled.SelectMany(s => s).Distinct().Order(StringComparer.Ordinal))
            if (idOf.TryAdd(symbol, pieces.Count)) pieces.Add(symbol);
        if (vocabSize < pieces.Count)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"must be at least {pieces.Count} (special tokens + every character of the corpus)");

        var words = spelled.Select(s => s.Select(p => idOf[p]).ToArray()).ToList();
        (int, bool) SymbolFor(int left, int right)
        {
            var r = pieces[right];
            var merged = pieces[left] + (r.StartsWith(continuingPrefix, StringComparison.Ordinal) ? r[continuingPrefix.Length..] : r);
            if (idOf.TryGetValue(merged, out int existing)) return (existing, false);
            pieces.Add(merged);
            idOf[merged] = pieces.Count - 1;
            return (pieces.Count - 1, true);
        }
        new PairMergeTrainer(words, counts.Values.ToList()).Train(vocabSize - pieces.Count, minFrequency, SymbolFor);
        return new WordPieceTokenizer(pieces, normalizer, "[UNK]", continuingPrefix, specialTokens: specialTokens);
    }
}
