using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// Learns a byte-level BPE vocabulary from text: the 256 bytes are the starting tokens, and the
/// most frequent adjacent pair inside words is merged into a new token until the vocabulary is full.
/// Ids: 0..255 are the bytes (id = byte value), then merges in the order learned, then special tokens.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains a tokenizer with <paramref name="vocabSize"/> ids in total (bytes + merges + special tokens).</summary>
    /// <param name="texts">The training corpus (e.g. one string per file).</param>
    /// <param name="vocabSize">Total ids wanted; at least 256 + the number of special tokens.</param>
    /// <param name="specialTokens">Special tokens appended after the learned tokens (e.g. "&lt;|endoftext|&gt;").</param>
    /// <param name="minFrequency">A pair must occur at least this many times to be merged.</param>
    /// <param name="preTokenizer">How text is cut into words; GPT-2's pattern by default.</param>
    public static BpeTokenizer Train(IEnumerable<string> texts, int vocabSize, IReadOnlyList<string>? specialTokens = null,
        long minFrequency = 2, PreTokenizer? preTokenizer = null)
    {
        specialTokens ??= [];
        preTokenizer ??= PreTokenizer.Gpt2;
        if (specialTokens.Distinct().Count() != specialTokens.Count) throw new ArgumentException("special tokens must be distinct", nameof(specialTokens));
        if (vocabSize < 256 + specialTokens.Count)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"must be at least 256 (bytes) + {specialTokens.Count} (special tokens)");

        var counts = WordCounter.Count(texts, preTokenizer);
        var words = new List<int[]>(counts.Count);
        var freq = new List<long>(counts.Count);
        foreach (var (word, count) in counts)
        {
            var bytes = Encoding.UTF8.GetBytes(word);
            words.Add(bytes.Select(b => (int)b).ToArray());
            freq.Add(count);
        }

        var tokens = new List<byte[]?>(vocabSize);
        var byBytes = new Dictionary<string, int>(StringComparer.Ordinal); // Latin-1 string of the bytes → id
        for (int b = 0; b < 256; b++) { tokens.Add([(byte)b]); byBytes[((char)b).ToString()] = b; }
        (int, bool) SymbolFor(int left, int right)
        {
            var merged = tokens[left]!.Concat(tokens[right]!).ToArray();
            var key = Encoding.Latin1.GetString(merged);
            if (byBytes.TryGetValue(key, out int existing)) return (existing, false);
            tokens.Add(merged);
            byBytes[key] = tokens.Count - 1;
            return (tokens.Count - 1, true);
        }

        var learned = new PairMergeTrainer(words, freq).Train(vocabSize - 256 - specialTokens.Count, minFrequency, SymbolFor);
        var merges = learned.Select((m, rank) => new BpeMerge(m.Left, m.Right, m.Result, rank)).ToList();
        var specials = new Dictionary<string, int>();
        foreach (var s in specialTokens) specials[s] = tokens.Count + specials.Count;
        return new BpeTokenizer(tokens, merges, preTokenizer, specials);
    }
}
