namespace SharpLM.Tokenizers;

/// <summary>
/// SentencePiece's BPE segmentation (not GPT-2's merge ranks): split the normalized text into
/// characters (a user-defined symbol stays one frozen symbol), then repeatedly merge the adjacent
/// pair whose concatenation is a piece with the highest score, leftmost on ties. Unused pieces
/// are split back into the two symbols they were merged from.
/// </summary>
internal static class SentencePieceBpe
{
    private struct Symbol
    {
        public int Prev, Next, Start, Length;
        public bool Frozen;
    }

    private readonly record struct Candidate(int Left, int Right, int Length);

    private sealed class Priority : IComparer<(float Score, int Left)>
    {
        public static readonly Priority Instance = new();
        // Highest score first; on equal scores the leftmost pair.
        public int Compare((float Score, int Left) a, (float Score, int Left) b) =>
            a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Left.CompareTo(b.Left);
    }

    /// <summary>Appends (start, length, id) for each piece of <paramref name="text"/>; id is the unknown id where no piece fits.</summary>
    public static void Segment(ReadOnlySpan<char> text, SentencePieceVocabulary vocab, List<(int Start, int Length, int Id)> output)
    {
        if (text.IsEmpty) return;
        var symbols = new List<Symbol>();
        for (int pos = 0; pos < text.Length;)
        {
            int length = UserDefinedAt(text, pos, vocab);
            bool frozen = length > 0;
            if (!frozen) length = char.IsHighSurrogate(text[pos]) && pos + 1 < text.Length && char.IsLowSurrogate(text[pos + 1]) ? 2 : 1;
            int index = symbols.Count;
            symbols.Add(new Symbol { Prev = index - 1, Next = pos + length < text.Length ? index + 1 : -1, Start = pos, Length = length, Frozen = frozen });
            pos += length;
        }
        var agenda = new PriorityQueue<Candidate, (float, int)>(Priority.Instance);
        Dictionary<string, int>? unusedSplits = null;
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols);

        void TryPair(Span<Symbol> s, int left, int right, ReadOnlySpan<char> t)
        {
            if (left < 0 || right < 0 || s[left].Frozen || s[right].Frozen) return;
            int length = s[left].Length + s[right].Length;
            if (!vocab.SegmentableSpan.TryGetValue(t.Slice(s[left].Start, length), out int id)) return;
            agenda.Enqueue(new Candidate(left, right, length), (vocab.Scores[id], left));
            if (vocab.Types[id] == SentencePieceType.Unused)
            {
                // As the library: remember, by piece text, how the last such pair was split.
                unusedSplits ??= new(StringComparer.Ordinal);
                unusedSplits[vocab.Pieces[id]] = s[left].Length;
            }
        }

        for (int i = 1; i < span.Length; i++) TryPair(span, i - 1, i, text);
        while (agenda.TryDequeue(out var top, out _))
        {
            ref var left = ref span[top.Left];
            ref var right = ref span[top.Right];
            // Stale entry: one side was merged away or changed since this pair was queued.
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != top.Length) continue;
            left.Length += right.Length;
            left.Next = right.Next;
            if (right.Next >= 0) span[right.Next].Prev = top.Left;
            right.Length = 0;
            TryPair(span, left.Prev, top.Left, text);
            TryPair(span, top.Left, left.Next, text);
        }
        for (int i = 0; i != -1; i = span[i].Next) Resegment(text, span[i].Start, span[i].Length, vocab, unusedSplits, output);
    }

    private static void Resegment(ReadOnlySpan<char> text, int start, int length, SentencePieceVocabulary vocab,
        Dictionary<string, int>? unusedSplits, List<(int, int, int)> output)
    {
        int id = vocab.IdOf(text.Slice(start, length));
        if (vocab.Types[id] == SentencePieceType.Unused && unusedSplits is not null && unusedSplits.TryGetValue(vocab.Pieces[id], out int leftLength))
        {
            Resegment(text, start, leftLength, vocab, unusedSplits, output);
            Resegment(text, start + leftLength, length - leftLength, vocab, unusedSplits, output);
            return;
        }
        output.Add((start, length, id));
    }

    private static int UserDefinedAt(ReadOnlySpan<char> text, int pos, SentencePieceVocabulary vocab)
    {
        if (vocab.UserDefinedByFirstChar.Count == 0 || !vocab.UserDefinedByFirstChar.TryGetValue(text[pos], out var candidates)) return 0;
        foreach (var s in candidates)
            if (text[pos..].StartsWith(s, StringComparison.Ordinal)) return s.Length;
        return 0;
    }
}
