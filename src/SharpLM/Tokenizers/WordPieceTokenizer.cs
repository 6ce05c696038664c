using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// WordPiece, BERT's tokenizer: after <see cref="BertNormalizer"/> splits text into words, each
/// word is cut greedily into the longest vocabulary pieces from the left; pieces after the first
/// carry the "##" prefix (play ##ing). A word that cannot be cut becomes [UNK].
/// </summary>
public sealed class WordPieceTokenizer : ITokenizer
{
    /// <summary>BERT's special tokens: padding, unknown word, classification start, separator, masked-word.</summary>
    public static readonly IReadOnlyList<string> BertSpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    private readonly string[] _pieces;
    private readonly Dictionary<string, int> _wordStart = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _continuation = new(StringComparer.Ordinal); // keyed without the prefix
    private readonly Dictionary<string, int> _specials = new(StringComparer.Ordinal);
    private readonly int _unkId;

    /// <summary>Creates a tokenizer; <paramref name="vocab"/>[id] is the piece with that id.</summary>
    public WordPieceTokenizer(IReadOnlyList<string> vocab, BertNormalizer? normalizer = null, string unkToken = "[UNK]",
        string continuingPrefix = "##", int maxCharsPerWord = 100, IEnumerable<string>? specialTokens = null)
    {
        Normalizer = normalizer ?? new BertNormalizer();
        UnkToken = unkToken;
        ContinuingPrefix = continuingPrefix;
        MaxCharsPerWord = maxCharsPerWord;
        _pieces = vocab.ToArray();
        for (int id = 0; id < _pieces.Length; id++)
        {
            var p = _pieces[id] ?? throw new ArgumentException($"id {id} has no piece", nameof(vocab));
            if (p.Length == 0) throw new ArgumentException($"id {id} is an empty piece", nameof(vocab));
            var table = p.StartsWith(continuingPrefix, StringComparison.Ordinal) && p.Length > continuingPrefix.Length ? _continuation : _wordStart;
            var key = ReferenceEquals(table, _continuation) ? p[continuingPrefix.Length..] : p;
            if (!table.TryAdd(key, id)) throw new ArgumentException($"piece '{p}' appears twice (ids {table[key]} and {id})", nameof(vocab));
        }
        if (!_wordStart.TryGetValue(unkToken, out _unkId)) throw new ArgumentException($"the unknown token '{unkToken}' is not in the vocabulary", nameof(unkToken));
        foreach (var s in specialTokens ?? BertSpecialTokens)
            if (_wordStart.TryGetValue(s, out int id)) _specials[s] = id;
        _specials[unkToken] = _unkId;
    }

    /// <summary>The clean-up and word split applied before WordPiece.</summary>
    public BertNormalizer Normalizer { get; }

    /// <summary>The token for a word that cannot be built from pieces.</summary>
    public string UnkToken { get; }

    /// <summary>Marks a piece that continues a word ("##").</summary>
    public string ContinuingPrefix { get; }

    /// <summary>Longer words (in characters) become [UNK] outright.</summary>
    public int MaxCharsPerWord { get; }

    /// <inheritdoc />
    public string Kind => "wordpiece";

    /// <inheritdoc />
    public int VocabSize => _pieces.Length;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> SpecialTokens => _specials;

    /// <summary>All pieces in id order (what vocab.txt and tokenizer.json store).</summary>
    public IReadOnlyList<string> Vocabulary => _pieces;

    /// <inheritdoc />
    public int[] Encode(string text, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>();
        if (!allowSpecial) EncodeOrdinary(text, output);
        else SpecialTokenSplitter.Split(text, _specials, (s, n) => EncodeOrdinary(text.Substring(s, n), output), output.Add);
        return output.ToArray();
    }

    /// <summary>The model input BERT expects for one text: [CLS] tokens [SEP].</summary>
    public int[] EncodeForModel(string text, string? second = null)
    {
        var ids = new List<int> { SpecialId("[CLS]") };
        ids.AddRange(Encode(text));
        ids.Add(SpecialId("[SEP]"));
        if (second is not null) { ids.AddRange(Encode(second)); ids.Add(SpecialId("[SEP]")); }
        return ids.ToArray();
    }

    private int SpecialId(string token) => _specials.TryGetValue(token, out int id) ? id
        : throw new InvalidOperationException($"the vocabulary has no {token} token");

    private void EncodeOrdinary(string text, List<int> output)
    {
        foreach (var word in Normalizer.SplitWords(text)) EncodeWord(word, output);
    }

    // Greedy longest-match-first from the left; any gap makes the whole word [UNK].
    private void EncodeWord(string word, List<int> output)
    {
        if (word.EnumerateRunes().Count() > MaxCharsPerWord) { output.Add(_unkId); return; }
        var start = _wordStart.GetAlternateLookup<ReadOnlySpan<char>>();
        var cont = _continuation.GetAlternateLookup<ReadOnlySpan<char>>();
        int mark = output.Count;
        int pos = 0;
        while (pos < word.Length)
        {
            int end = word.Length, found = -1;
            for (; end > pos; end--)
            {
                if (end < word.Length && char.IsLowSurrogate(word[end])) continue; // never split a character
                var piece = word.AsSpan(pos, end - pos);
                if (pos == 0 ? start.TryGetValue(piece, out found) : cont.TryGetValue(piece, out found)) break;
            }
            if (end == pos) { output.RemoveRange(mark, output.Count - mark); output.Add(_unkId); return; }
            output.Add(found);
            pos = end;
        }
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < ids.Length; i++) sb.Append(DecodedPiece(ids[i], i == 0));
        return sb.ToString();
    }

    // Pieces are joined with spaces, except "##" pieces, which glue to the previous one.
    private string DecodedPiece(int id, bool first)
    {
        var p = TokenPiece(id);
        if (first) return p;
        return p.StartsWith(ContinuingPrefix, StringComparison.Ordinal) ? p[ContinuingPrefix.Length..] : " " + p;
    }

    /// <inheritdoc />
    public string TokenPiece(int id)
    {
        if ((uint)id >= (uint)_pieces.Length) throw new ArgumentOutOfRangeException(nameof(id), id, $"token id must be in 0..{_pieces.Length - 1}");
        return _pieces[id];
    }

    /// <inheritdoc />
    public StreamingDecoder CreateStreamingDecoder() => new PieceStreamingDecoder(DecodedPiece);
}
