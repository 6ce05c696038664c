namespace SharpLM.Tokenizers;

/// <summary>
/// Trains a Unigram SentencePiece model as the library's Unigram trainer does: seed the vocabulary
/// with the required characters and the most frequent substrings (ranked by frequency × length),
/// then alternate EM — expected piece counts by forward-backward, re-estimated with the Bayesian
/// (digamma) update, pieces expected less than 0.5 times dropped — with pruning: each piece's loss
/// is how much the corpus likelihood falls when its occurrences are re-segmented without it, and
/// only the <see cref="SentencePieceTrainerOptions.ShrinkingFactor"/> share with the highest loss
/// survive, until 1.1 × the target size remains. The final vocabulary keeps every required
/// character and fills up with the highest-scoring pieces.
/// </summary>
public static class UnigramTrainer
{
    private const double ExpectedFrequencyThreshold = 0.5;

    /// <summary>Trains a model with at most <paramref name="vocabSize"/> pieces from <paramref name="texts"/> (each line a sentence).</summary>
    public static SentencePieceTokenizer Train(IEnumerable<string> texts, int vocabSize, SentencePieceTrainerOptions? options = null)
    {
        options ??= new SentencePieceTrainerOptions { ByteFallback = false, SplitDigits = false, Normalizer = new SentencePieceNormalizerSpec() };
        var corpus = new SentencePieceTrainingCorpus(texts, options);
        var (metaPieces, metaScores, metaTypes) = SentencePieceBpeTrainer.MetaPieces(options);
        int target = vocabSize - metaPieces.Count;
        if (target < corpus.RequiredChars.Count)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"must be at least {metaPieces.Count + corpus.RequiredChars.Count}: {metaPieces.Count} special/byte pieces + {corpus.RequiredChars.Count} characters of the training text");
        var reserved = new HashSet<string>(metaPieces, StringComparer.Ordinal);
        var required = corpus.RequiredChars.Select(c => c.Char).ToHashSet(StringComparer.Ordinal);
        var chunks = corpus.Chunks.Where(kv => kv.Key.EnumerateRunes().All(r => required.Contains(r.ToString()))).ToArray();
        int maxLength = options.MaxPieceLength;

        var model = Seed(chunks, corpus, options, reserved);
        int desired = (int)(target * 1.1);
        while (true)
        {
            for (int iteration = 0; iteration < options.EmIterations; iteration++) model = EmStep(model, chunks, maxLength, required);
            if (model.Count <= desired) break;
            var pruned = Prune(model, chunks, maxLength, Math.Max(desired, (int)(options.ShrinkingFactor * model.Count)), required);
            if (pruned.Count == model.Count) break;
            model = pruned;
        }
        var final = Finalize(model, corpus, target);
        if (final.Count < target)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"the training text supports at most {metaPieces.Count + final.Count} pieces; ask for fewer or give more text");
        var pieces = metaPieces.Concat(final.Select(p => p.Piece)).ToList();
        var scores = metaScores.Concat(final.Select(p => (float)p.Score)).ToList();
        var types = metaTypes.Concat(final.Select(_ => SentencePieceType.Normal)).ToList();
        return SentencePieceBpeTrainer.Build(pieces, scores, types, SentencePieceModelKind.Unigram, options);
    }

    private static List<(string Piece, double Score)> Seed(KeyValuePair<string, long>[] chunks, SentencePieceTrainingCorpus corpus,
        SentencePieceTrainerOptions options, HashSet<string> reserved)
    {
        var substrings = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = substrings.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (chunk, count) in chunks)
        {
            var s = chunk.AsSpan();
            for (int start = 0; start < s.Length; start++)
            {
                if (char.IsLowSurrogate(s[start])) continue;
                int chars = 0;
                for (int end = start + 1; end <= s.Length && chars < options.MaxPieceLength; end++)
                {
                    if (end < s.Length && char.IsLowSurrogate(s[end])) continue;
                    chars++;
                    if (chars < 2) continue;
                    var sub = s[start..end];
                    lookup[sub] = (lookup.TryGetValue(sub, out long c) ? c : 0) + count;
                }
            }
        }
        var seeds = corpus.RequiredChars.Select(c => (c.Char, Score: (double)c.Count)).ToList();
        seeds.AddRange(substrings.Where(kv => kv.Value >= 2 && !reserved.Contains(kv.Key))
            .Select(kv => (kv.Key, Score: (double)kv.Value * kv.Key.Length))
            .OrderByDescending(p => p.Score).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(Math.Max(0, options.SeedPieces - seeds.Count)));
        double logSum = Math.Log(seeds.Sum(p => p.Score));
        return seeds.Select(p => (p.Item1, Math.Log(p.Score) - logSum)).ToList();
    }

    private static Dictionary<string, UnigramLattice.Entry> Index(List<(string Piece, double Score)> model)
    {
        var index = new Dictionary<string, UnigramLattice.Entry>(model.Count, StringComparer.Ordinal);
        for (int i = 0; i < model.Count; i++) index[model[i].Piece] = new UnigramLattice.Entry(i, model[i].Score);
        return index;
    }

    // One EM iteration: expected counts (E), then the digamma re-estimate (M). Required characters are never dropped.
    private static List<(string Piece, double Score)> EmStep(List<(string Piece, double Score)> model, KeyValuePair<string, long>[] chunks,
        int maxLength, HashSet<string> required)
    {
        var lookup = Index(model).GetAlternateLookup<ReadOnlySpan<char>>();
        var expected = new double[model.Count];
        foreach (var (chunk, count) in chunks) UnigramLattice.AddExpectedCounts(chunk, lookup, maxLength, count, expected);
        var kept = new List<(string Piece, double Freq)>();
        for (int i = 0; i < model.Count; i++)
            if (expected[i] >= ExpectedFrequencyThreshold || required.Contains(model[i].Piece)) kept.Add((model[i].Piece, Math.Max(expected[i], ExpectedFrequencyThreshold)));
        double logSum = Digamma(kept.Sum(p => p.Freq));
        return kept.Select(p => (p.Piece, Digamma(p.Freq) - logSum)).ToList();
    }

    private static List<(string Piece, double Score)> Prune(List<(string Piece, double Score)> model, KeyValuePair<string, long>[] chunks,
        int maxLength, int keep, HashSet<string> required)
    {
        var index = Index(model);
        var lookup = index.GetAlternateLookup<ReadOnlySpan<char>>();
        // How each piece would be segmented if it were removed.
        var alternatives = new List<int>?[model.Count];
        for (int i = 0; i < model.Count; i++)
        {
            if (model[i].Piece.EnumerateRunes().Count() < 2) continue;
            var alt = UnigramLattice.Viterbi(model[i].Piece, lookup, maxLength, exclude: i);
            if (alt.Count > 0) alternatives[i] = alt;
        }
        // How often each piece is used in the best segmentation of the corpus, and by how many chunk occurrences.
        var freq = new double[model.Count];
        var inChunks = new double[model.Count];
        double total = 0, chunkTotal = 0;
        foreach (var (chunk, count) in chunks)
        {
            var path = UnigramLattice.Viterbi(chunk, lookup, maxLength);
            chunkTotal += count;
            foreach (int id in path) { freq[id] += count; total += count; }
            foreach (int id in path.Distinct()) inChunks[id] += count;
        }
        double logTotal = Math.Log(total);
        var always = new List<int>();
        var candidates = new List<(int Id, double Loss)>();
        for (int i = 0; i < model.Count; i++)
        {
            if (required.Contains(model[i].Piece) || alternatives[i] is null) { always.Add(i); continue; }
            if (freq[i] == 0) continue;
            var alt = alternatives[i]!;
            double logProb = Math.Log(freq[i]) - logTotal;
            double logTotalAlt = Math.Log(total + freq[i] * (alt.Count - 1));
            double logProbAlt = alt.Sum(a => Math.Log(freq[a] + freq[i]) - logTotalAlt);
            candidates.Add((i, inChunks[i] / chunkTotal * (logProb - logProbAlt)));
        }
        var kept = new HashSet<int>(always);
        foreach (var (id, _) in candidates.OrderByDescending(c => c.Loss).ThenBy(c => c.Id))
        {
            if (kept.Count >= keep) break;
            kept.Add(id);
        }
        return Enumerable.Range(0, model.Count).Where(kept.Contains).Select(i => model[i]).ToList();
    }

    private static List<(string Piece, double Score)> Finalize(List<(string Piece, double Score)> model, SentencePieceTrainingCorpus corpus, int target)
    {
        var scores = model.ToDictionary(p => p.Piece, p => p.Score, StringComparer.Ordinal);
        double floor = model.Count == 0 ? 0 : model.Min(p => p.Score) - UnigramSegmenter.UnkPenalty;
        var final = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (c, _) in corpus.RequiredChars) final[c] = scores.GetValueOrDefault(c, floor);
        foreach (var (piece, score) in model.OrderByDescending(p => p.Score).ThenBy(p => p.Piece, StringComparer.Ordinal))
        {
            if (final.Count >= target) break;
            final.TryAdd(piece, score);
        }
        return final.Select(kv => (kv.Key, kv.Value)).OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>The digamma function ψ(x) (recurrence up to 6, then the asymptotic series).</summary>
    internal static double Digamma(double x)
    {
        double result = 0;
        while (x < 6) { result -= 1 / x; x += 1; }
        double f = 1 / (x * x);
        return result + Math.Log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
    }
}
