namespace SharpLM.Tokenizers;

/// <summary>
/// Trains a SentencePiece BPE model as the sentencepiece library's BPE trainer does: the
/// vocabulary starts from the characters covering 99.95% of the text, and the most frequent
/// adjacent pair inside a chunk (see <see cref="SentencePieceTrainingCorpus"/>) is merged until
/// the vocabulary is full. Pieces are laid out as the library writes them: &lt;unk&gt;, &lt;s&gt;,
/// &lt;/s&gt;, user-defined symbols, the 256 byte pieces (byte fallback), merged pieces with score −k
/// for the k-th merge, then the characters (most frequent first) with the following scores.
/// </summary>
public static class SentencePieceBpeTrainer
{
    /// <summary>Trains a model with exactly <paramref name="vocabSize"/> pieces from <paramref name="texts"/> (each line a sentence).</summary>
    public static SentencePieceTokenizer Train(IEnumerable<string> texts, int vocabSize, SentencePieceTrainerOptions? options = null)
    {
        options ??= new SentencePieceTrainerOptions();
        var corpus = new SentencePieceTrainingCorpus(texts, options);
        var (pieces, scores, types) = MetaPieces(options);
        int fixedCount = pieces.Count + corpus.RequiredChars.Count;
        if (vocabSize < fixedCount)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"must be at least {fixedCount}: {pieces.Count} special/byte pieces + {corpus.RequiredChars.Count} characters of the training text");

        var symbols = corpus.RequiredChars.Select(c => c.Char).ToList();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < symbols.Count; i++) ids[symbols[i]] = i;
        var charLength = symbols.Select(_ => 1).ToList();
        var words = new List<int[]>();
        var counts = new List<long>();
        foreach (var (chunk, count) in corpus.Chunks)
        {
            var runes = chunk.EnumerateRunes().Select(r => r.ToString()).ToArray();
            if (runes.Length < 2 || !runes.All(ids.ContainsKey)) continue;
            words.Add(runes.Select(r => ids[r]).ToArray());
            counts.Add(count);
        }
        (int, bool) SymbolFor(int left, int right)
        {
            var merged = symbols[left] + symbols[right];
            if (ids.TryGetValue(merged, out int existing)) return (existing, false);
            symbols.Add(merged);
            charLength.Add(charLength[left] + charLength[right]);
            ids[merged] = symbols.Count - 1;
            return (symbols.Count - 1, true);
        }
        var reserved = new HashSet<string>(pieces, StringComparer.Ordinal);
        var merges = new PairMergeTrainer(words, counts).Train(vocabSize - fixedCount, 1, SymbolFor,
            (l, r) => charLength[l] + charLength[r] <= options.MaxPieceLength && !reserved.Contains(symbols[l] + symbols[r]));
        int k = 0;
        var added = new HashSet<int>();
        foreach (var (_, _, result) in merges)
        {
            if (!added.Add(result) || result < corpus.RequiredChars.Count) continue;
            pieces.Add(symbols[result]);
            scores.Add(-k++);
            types.Add(SentencePieceType.Normal);
        }
        foreach (var (c, _) in corpus.RequiredChars)
        {
            pieces.Add(c);
            scores.Add(-k++);
            types.Add(SentencePieceType.Normal);
        }
        if (pieces.Count < vocabSize)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"the training text supports at most {pieces.Count} pieces (it has no more pairs to merge); ask for fewer or give more text");
        return Build(pieces, scores, types, SentencePieceModelKind.Bpe, options);
    }

    /// <summary>&lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the user-defined symbols and (byte fallback) the 256 byte pieces, all scored 0.</summary>
    internal static (List<string> Pieces, List<float> Scores, List<SentencePieceType> Types) MetaPieces(SentencePieceTrainerOptions options)
    {
        var pieces = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<SentencePieceType> { SentencePieceType.Unknown, SentencePieceType.Control, SentencePieceType.Control };
        foreach (var u in options.UserDefinedSymbols)
        {
            if (pieces.Contains(u)) throw new ArgumentException($"user-defined symbol '{u}' is already a piece", nameof(options));
            pieces.Add(u);
            types.Add(SentencePieceType.UserDefined);
        }
        if (options.ByteFallback)
            for (int b = 0; b < 256; b++) { pieces.Add($"<0x{b:X2}>"); types.Add(SentencePieceType.Byte); }
        return (pieces, pieces.Select(_ => 0f).ToList(), types);
    }

    /// <summary>Wraps trained arrays as a tokenizer whose model file records the training settings.</summary>
    internal static SentencePieceTokenizer Build(List<string> pieces, List<float> scores, List<SentencePieceType> types, SentencePieceModelKind kind, SentencePieceTrainerOptions options)
    {
        var tok = new SentencePieceTokenizer(pieces, scores, types, kind, options.Normalizer, options.ByteFallback, bosId: 1, eosId: 2, padId: -1);
        tok.Model.SplitDigits = options.SplitDigits;
        return tok;
    }
}
