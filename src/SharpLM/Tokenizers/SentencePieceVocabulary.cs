namespace SharpLM.Tokenizers;

/// <summary>
/// The lookup tables a SentencePiece model needs: piece text → id for the pieces segmentation may
/// produce (normal, user-defined, unused) and for the reserved ones (unknown, control, byte), the
/// 256 byte-fallback ids, and the score range the Unigram model uses for unknown characters.
/// </summary>
internal sealed class SentencePieceVocabulary
{
    /// <summary>Every piece's text, by id.</summary>
    public readonly string[] Pieces;
    /// <summary>Every piece's score, by id.</summary>
    public readonly float[] Scores;
    /// <summary>Every piece's type, by id.</summary>
    public readonly SentencePieceType[] Types;
    /// <summary>Pieces segmentation may produce: normal, user-defined, unused.</summary>
    public readonly Dictionary<string, int> Segmentable = new(StringComparer.Ordinal);
    /// <summary>Lookup of <see cref="Segmentable"/> by a span of the text.</summary>
    public readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> SegmentableSpan;
    /// <summary>Unknown, control and byte pieces.</summary>
    public readonly Dictionary<string, int> Reserved = new(StringComparer.Ordinal);
    /// <summary>Id of byte piece &lt;0xNN&gt; for each byte value, or -1.</summary>
    public readonly int[] ByteIds = Enumerable.Repeat(-1, 256).ToArray();
    /// <summary>The user-defined symbols (kept whole by normalizer and segmenter).</summary>
    public readonly List<string> UserDefined = [];
    /// <summary>The user-defined symbols by first character, longest first.</summary>
    public readonly Dictionary<char, string[]> UserDefinedByFirstChar;
    /// <summary>Id of the unknown piece.</summary>
    public readonly int UnkId = -1;
    /// <summary>Smallest and largest score among normal pieces (SentencePiece starts them at FLT_MAX and FLT_MIN).</summary>
    public readonly float MinScore = float.MaxValue, MaxScore = 1.17549435e-38f;
    /// <summary>Longest segmentable piece, in UTF-16 units.</summary>
    public readonly int MaxPieceChars;
    /// <summary>No segmentable piece has a ▁ right after another character than ▁, so no piece crosses the point between such a character and a ▁ (text can be cut there).</summary>
    public readonly bool CutsBeforeSpace;
    /// <summary>Every prefix of every segmentable piece → the piece's id when the prefix is itself one, else -1 (a trie in a hash map).</summary>
    public readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Prefixes;

    /// <summary>Builds the tables; duplicate pieces, a missing or repeated unknown piece and malformed byte pieces are errors.</summary>
    public SentencePieceVocabulary(IReadOnlyList<string> pieces, IReadOnlyList<float> scores, IReadOnlyList<SentencePieceType> types)
    {
        if (pieces.Count == 0) throw new ArgumentException("a SentencePiece vocabulary needs at least one piece", nameof(pieces));
        if (scores.Count != pieces.Count) throw new ArgumentException($"{scores.Count} scores for {pieces.Count} pieces", nameof(scores));
        if (types.Count != pieces.Count) throw new ArgumentException($"{types.Count} piece types for {pieces.Count} pieces", nameof(types));
        Pieces = [.. pieces];
        Scores = [.. scores];
        Types = [.. types];
        for (int id = 0; id < Pieces.Length; id++)
        {
            string p = Pieces[id];
            var type = Types[id];
            if (string.IsNullOrEmpty(p)) throw new ArgumentException($"piece {id} is empty", nameof(pieces));
            if (!Enum.IsDefined(type)) throw new ArgumentException($"piece {id} ('{p}') has type {(int)type}, not 1..6", nameof(types));
            bool segmentable = type is SentencePieceType.Normal or SentencePieceType.UserDefined or SentencePieceType.Unused;
            var map = segmentable ? Segmentable : Reserved;
            if (Segmentable.ContainsKey(p) || Reserved.ContainsKey(p)) throw new ArgumentException($"piece '{p}' appears twice (ids {Segmentable.GetValueOrDefault(p, Reserved.GetValueOrDefault(p))} and {id})", nameof(pieces));
            map[p] = id;
            if (segmentable) MaxPieceChars = Math.Max(MaxPieceChars, p.Length);
            if (type == SentencePieceType.UserDefined) UserDefined.Add(p);
            if (type == SentencePieceType.Unknown)
            {
                if (UnkId >= 0) throw new ArgumentException($"two unknown pieces (ids {UnkId} and {id})", nameof(types));
                UnkId = id;
            }
            if (type == SentencePieceType.Byte)
            {
                if (p.Length != 6 || !p.StartsWith("<0x", StringComparison.Ordinal) || p[5] != '>'
                    || !byte.TryParse(p.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b))
                    throw new ArgumentException($"byte piece {id} is '{p}', expected <0xNN>", nameof(pieces));
                ByteIds[b] = id;
            }
            if (type == SentencePieceType.Normal)
            {
                MinScore = Math.Min(MinScore, Scores[id]);
                MaxScore = Math.Max(MaxScore, Scores[id]);
            }
        }
        if (UnkId < 0) throw new ArgumentException("the vocabulary has no unknown piece (type Unknown)", nameof(types));
        SegmentableSpan = Segmentable.GetAlternateLookup<ReadOnlySpan<char>>();
        UserDefinedByFirstChar = UserDefined.GroupBy(u => u[0]).ToDictionary(g => g.Key, g => g.OrderByDescending(u => u.Length).ToArray());
        var prefixes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (piece, id) in Segmentable)
        {
            prefixes[piece] = id;
            for (int k = 1; k < piece.Length; k++) prefixes.TryAdd(piece[..k], -1);
        }
        Prefixes = prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
        CutsBeforeSpace = Segmentable.Keys.All(p =>
        {
            for (int k = 1; k < p.Length; k++) if (p[k] == '\u2581' && p[k - 1] != '\u2581') return false;
            return true;
        });
    }

    /// <summary>The id of <paramref name="piece"/>, or the unknown id (SentencePiece's PieceToId).</summary>
    public int IdOf(ReadOnlySpan<char> piece)
    {
        var reserved = Reserved.GetAlternateLookup<ReadOnlySpan<char>>();
        if (reserved.TryGetValue(piece, out int id)) return id;
        return SegmentableSpan.TryGetValue(piece, out id) ? id : UnkId;
    }

    /// <summary>True when every byte 0x00..0xFF has its piece.</summary>
    public bool HasAllBytes => Array.TrueForAll(ByteIds, id => id >= 0);
}
