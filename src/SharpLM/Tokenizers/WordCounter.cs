namespace SharpLM.Tokenizers;

/// <summary>Counts how often each pre-tokenized word occurs in a corpus (training works on unique words, not raw text).</summary>
internal static class WordCounter
{
    /// <summary>Word → number of occurrences, over all texts, cut by <paramref name="preTokenizer"/>.</summary>
    public static Dictionary<string, long> Count(IEnumerable<string> texts, PreTokenizer preTokenizer)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var pieces = new List<(int Start, int Length)>();
        foreach (var text in texts)
        {
            pieces.Clear();
            preTokenizer.Split(text, pieces);
            foreach (var (start, length) in pieces)
            {
                var word = text.AsSpan(start, length);
                if (lookup.TryGetValue(word, out long c)) lookup[word] = c + 1;
                else lookup[word] = 1;
            }
        }
        return counts;
    }
}
