namespace SharpLM.Tokenizers;

/// <summary>
/// Unigram segmentation (T5's, ALBERT's): the split of the normalized text into pieces whose
/// scores (log-probabilities) sum highest, found by Viterbi over the lattice of every piece that
/// matches at every position. A character no piece covers becomes the unknown piece with score
/// min(score) − 10; a user-defined symbol scores (bytes · max(score) − 0.1) so it always wins.
/// Arithmetic follows the library (double sums stored as float) so ties break the same way.
/// </summary>
internal static class UnigramSegmenter
{
    /// <summary>The library's penalty on the unknown piece, below the lowest real score.</summary>
    public const float UnkPenalty = 10f;

    /// <summary>Appends (start, length, id) for the best segmentation of <paramref name="text"/>.</summary>
    public static void Segment(ReadOnlySpan<char> text, SentencePieceVocabulary vocab, List<(int Start, int Length, int Id)> output)
    {
        int n = text.Length;
        if (n == 0) return;
        var bestScore = new float[n + 1];
        var bestStart = new int[n + 1];
        var bestId = new int[n + 1];
        Array.Fill(bestStart, -1);
        float unkScore = vocab.MinScore - UnkPenalty;
        for (int start = 0; start < n;)
        {
            float here = bestScore[start];
            int charLength = char.IsHighSurrogate(text[start]) && start + 1 < n && char.IsLowSurrogate(text[start + 1]) ? 2 : 1;
            bool singleCharPiece = false;
            int limit = Math.Min(n - start, vocab.MaxPieceChars);
            int bytes = 0;
            for (int length = 1; length <= limit; length++)
            {
                int end = start + length;
                char last = text[end - 1];
                bytes += last < 0x80 ? 1 : last < 0x800 ? 2 : char.IsSurrogate(last) ? 2 : 3;
                // Walk down the piece trie; stop as soon as no piece starts with this text.
                if (!vocab.Prefixes.TryGetValue(text.Slice(start, length), out int id)) break;
                // Pieces are whole characters: never end between the halves of a surrogate pair.
                if (id < 0 || (char.IsHighSurrogate(last) && end < n && char.IsLowSurrogate(text[end]))) continue;
                var type = vocab.Types[id];
                if (type == SentencePieceType.Unused) continue;
                double score = type == SentencePieceType.UserDefined ? bytes * vocab.MaxScore - 0.1 : vocab.Scores[id];
                double candidate = score + here;
                if (bestStart[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = (float)candidate;
                    bestStart[end] = start;
                    bestId[end] = id;
                }
                if (length == charLength) singleCharPiece = true;
            }
            if (!singleCharPiece)
            {
                int end = start + charLength;
                float candidate = unkScore + here;
                if (bestStart[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    bestStart[end] = start;
                    bestId[end] = vocab.UnkId;
                }
            }
            start += charLength;
        }
        int first = output.Count;
        for (int end = n; end > 0; end = bestStart[end]) output.Add((bestStart[end], end - bestStart[end], bestId[end]));
        output.Reverse(first, output.Count - first);
    }
}
