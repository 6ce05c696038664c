using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// The simplest tokenizer: one token per character (Unicode code point), the vocabulary being the
/// sorted set of characters seen in a corpus, as nanoGPT's shakespeare_char does. Small vocabulary,
/// long sequences; a character never seen in the corpus cannot be encoded.
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    private readonly string[] _pieces;
    private readonly Dictionary<int, int> _idOfCodePoint = new();
    private readonly Dictionary<string, int> _specials;

    /// <summary>Creates a tokenizer whose id i is <paramref name="characters"/>[i]; special tokens follow (or use the given ids).</summary>
    public CharTokenizer(IReadOnlyList<string> characters, IReadOnlyDictionary<string, int>? specialTokens = null)
    {
        _specials = new Dictionary<string, int>(specialTokens ?? new Dictionary<string, int>());
        int size = characters.Count;
        foreach (var id in _specials.Values) size = Math.Max(size, id + 1);
        _pieces = new string[size];
        for (int id = 0; id < characters.Count; id++)
        {
            var c = characters[id];
            if (c is null) continue;
            if (!Rune.TryGetRuneAt(c, 0, out var rune) || rune.Utf16SequenceLength != c.Length)
                throw new ArgumentException($"entry {id} ('{c}') is not exactly one Unicode character", nameof(characters));
            if (!_idOfCodePoint.TryAdd(rune.Value, id)) throw new ArgumentException($"character '{c}' appears twice (ids {_idOfCodePoint[rune.Value]} and {id})", nameof(characters));
            _pieces[id] = c;
        }
        foreach (var (s, id) in _specials)
        {
            if (_pieces[id] is not null) throw new ArgumentException($"special token {s} reuses id {id} of '{_pieces[id]}'", nameof(specialTokens));
            _pieces[id] = s;
        }
        for (int id = 0; id < size; id++)
            if (_pieces[id] is null) throw new ArgumentException($"id {id} has no character", nameof(characters));
    }

    /// <summary>Builds the vocabulary from every distinct character of the corpus, sorted by code point.</summary>
    public static CharTokenizer Train(IEnumerable<string> texts, IReadOnlyList<string>? specialTokens = null)
    {
        var seen = new SortedSet<int>();
        foreach (var text in texts)
            foreach (var rune in text.EnumerateRunes()) seen.Add(rune.Value);
        var chars = seen.Select(cp => char.ConvertFromUtf32(cp)).ToList();
        var specials = new Dictionary<string, int>();
        foreach (var s in specialTokens ?? []) specials[s] = chars.Count + specials.Count;
        return new CharTokenizer(chars, specials);
    }

    /// <inheritdoc />
    public string Kind => "char";

    /// <inheritdoc />
    public int VocabSize => _pieces.Length;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> SpecialTokens => _specials;

    /// <inheritdoc />
    public int[] Encode(string text, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>(text.Length);
        if (!allowSpecial || _specials.Count == 0) EncodeOrdinary(text, 0, text.Length, output);
        else SpecialTokenSplitter.Split(text, _specials, (s, n) => EncodeOrdinary(text, s, n, output), output.Add);
        return output.ToArray();
    }

    private void EncodeOrdinary(string text, int start, int length, List<int> output)
    {
        int end = start + length;
        for (int i = start; i < end;)
        {
            // A lone surrogate decodes as U+FFFD here, which is only in the vocabulary if the corpus had it.
            Rune.DecodeFromUtf16(text.AsSpan(i, end - i), out var rune, out int used);
            if (!_idOfCodePoint.TryGetValue(rune.Value, out int id))
                throw new ArgumentException($"character U+{rune.Value:X4} ('{rune}') at index {i} is not in the character vocabulary", nameof(text));
            output.Add(id);
            i += used;
        }
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder(ids.Length);
        foreach (var id in ids) sb.Append(TokenPiece(id));
        return sb.ToString();
    }

    /// <inheritdoc />
    public string TokenPiece(int id)
    {
        if ((uint)id >= (uint)_pieces.Length) throw new ArgumentOutOfRangeException(nameof(id), id, $"token id must be in 0..{_pieces.Length - 1}");
        return _pieces[id];
    }

    /// <inheritdoc />
    public StreamingDecoder CreateStreamingDecoder() => new PieceStreamingDecoder((id, _) => TokenPiece(id));

    /// <summary>True if <paramref name="id"/> is a special token.</summary>
    public bool IsSpecial(int id) => _specials.ContainsValue(id);
}
