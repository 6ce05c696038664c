using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// Byte-level BPE (GPT-2 style): text → UTF-8 bytes, cut into words by a pre-tokenizer, each
/// word merged from single bytes by merge rank. Any text encodes, even words never seen in
/// training, because every byte is a token. Decoding concatenates token bytes and reads UTF-8.
/// </summary>
public sealed class BpeTokenizer : ITokenizer
{
    private readonly byte[][] _tokenBytes;
    private readonly Dictionary<string, int> _specials;
    private readonly HashSet<int> _specialIds;
    private readonly BpeMerges _merges;

    /// <summary>The merge engine (tests compare its short and long paths).</summary>
    internal BpeMerges MergeEngine => _merges;
    private readonly ThreadLocal<PieceCache> _cache = new(() => new PieceCache(), trackAllValues: true);
    private readonly int[] _byteIds = new int[256];
    private List<BpeMerge>? _orderedMerges;
    private Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>? _wholeWords;

    /// <summary>Creates a tokenizer from each id's bytes, merge rules, a pre-tokenizer and special tokens.</summary>
    /// <param name="tokenBytes">Bytes of every ordinary token, indexed by id (null for ids used by special tokens).</param>
    /// <param name="merges">Merge rules; ranks decide order.</param>
    /// <param name="preTokenizer">How text is cut into words before merging.</param>
    /// <param name="specialTokens">Special tokens (text → id).</param>
    public BpeTokenizer(IReadOnlyList<byte[]?> tokenBytes, IEnumerable<BpeMerge> merges, PreTokenizer preTokenizer,
        IReadOnlyDictionary<string, int>? specialTokens = null)
    {
        PreTokenizer = preTokenizer;
        _specials = new Dictionary<string, int>(specialTokens ?? new Dictionary<string, int>());
        _specialIds = [.. _specials.Values];
        int size = tokenBytes.Count;
        foreach (var id in _specials.Values) size = Math.Max(size, id + 1);
        _tokenBytes = new byte[size][];
        var byteToId = Enumerable.Repeat(-1, 256).ToArray();
        for (int id = 0; id < tokenBytes.Count; id++)
        {
            var b = tokenBytes[id];
            if (b is null) continue;
            if (_specialIds.Contains(id)) throw new ArgumentException($"id {id} is both an ordinary token and a special token", nameof(specialTokens));
            _tokenBytes[id] = b;
            if (b.Length == 1 && byteToId[b[0]] < 0) byteToId[b[0]] = id;
        }
        for (int b = 0; b < 256; b++)
            if (byteToId[b] < 0) throw new ArgumentException($"the vocabulary has no token for the single byte 0x{b:X2}; byte-level BPE needs all 256", nameof(tokenBytes));
        foreach (var (text, id) in _specials) _tokenBytes[id] = Encoding.UTF8.GetBytes(text);
        for (int id = 0; id < size; id++) _tokenBytes[id] ??= [];
        _merges = new BpeMerges(merges, byteToId);
        byteToId.CopyTo(_byteIds, 0);
        foreach (var m in _merges.Unordered())
        {
            if ((uint)m.Left >= size || (uint)m.Right >= size || (uint)m.Result >= size)
                throw new ArgumentException($"merge rule ({m.Left}, {m.Right}) → {m.Result} names an id outside the vocabulary of {size}", nameof(merges));
        }
    }

    /// <inheritdoc />
    public string Kind => "bpe";

    /// <inheritdoc />
    public int VocabSize => _tokenBytes.Length;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> SpecialTokens => _specials;

    /// <summary>How text is cut into words before merging (GPT-2 or cl100k pattern).</summary>
    public PreTokenizer PreTokenizer { get; }

    /// <summary>Merge rules in rank order (what tokenizer.json and merges.txt store).</summary>
    public IReadOnlyList<BpeMerge> Merges => _orderedMerges ??= _merges.Ordered();

    /// <summary>The raw bytes of one token (a special token's bytes are its UTF-8 text).</summary>
    public byte[] TokenBytes(int id)
    {
        if ((uint)id >= (uint)_tokenBytes.Length) throw new ArgumentOutOfRangeException(nameof(id), id, $"token id must be in 0..{_tokenBytes.Length - 1}");
        return _tokenBytes[id];
    }

    /// <summary>
    /// tiktoken's rule: a word that is itself a token is that token, without merging. Rank files
    /// (tiktoken semantics) switch this on; merges.txt / tokenizer.json (classic GPT-2 semantics) do not.
    /// </summary>
    public bool WholeWordShortcut
    {
        get => _wholeWords is not null;
        init
        {
            if (!value) { _wholeWords = null; return; }
            var map = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int id = 0; id < _tokenBytes.Length; id++)
            {
                var bytes = _tokenBytes[id];
                // Tokens that are not whole characters can never be a whole word.
                if (_specialIds.Contains(id) || bytes.Length == 0 || !System.Text.Unicode.Utf8.IsValid(bytes)) continue;
                map.TryAdd(Encoding.UTF8.GetString(bytes), id);
            }
            _wholeWords = map.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    /// <summary>Empties every thread's word cache (benchmarks use it to measure encoding from cold).</summary>
    public void ClearCaches()
    {
        foreach (var cache in _cache.Values) cache.Clear();
    }

    /// <summary>True if <paramref name="id"/> is a special token.</summary>
    public bool IsSpecial(int id) => _specialIds.Contains(id);

    /// <inheritdoc />
    public int[] Encode(string text, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new IdBuffer(text.Length / 3 + 4);
        if (!allowSpecial || _specials.Count == 0) EncodeOrdinary(text.AsSpan(), output);
        else SpecialTokenSplitter.Split(text, _specials, (s, n) => EncodeOrdinary(text.AsSpan(s, n), output), output.Add);
        return output.ToArray();
    }

    /// <summary>
    /// Encodes a long text on several threads. The text is cut only just after a single newline
    /// between two non-space characters, where the pre-tokenizer always ends and starts a word,
    /// so the ids equal <see cref="Encode"/>'s exactly.
    /// </summary>
    public int[] EncodeParallel(string text, int threads, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be at least 1");
        bool specialsSafe = !allowSpecial || _specials.Keys.All(s => !s.Contains('\n'));
        var cuts = SafeCuts(text, threads * 4);
        // The cut rule is proven for the GPT-2 and cl100k (= Llama 3) patterns only; other patterns run sequentially.
        bool patternSafe = PreTokenizer.Pattern is PreTokenizer.Gpt2Pattern or PreTokenizer.Cl100kPattern or PreTokenizer.Llama3Pattern;
        if (threads == 1 || cuts.Count <= 2 || !specialsSafe || !patternSafe) return Encode(text, allowSpecial);
        var parts = new int[cuts.Count - 1][];
        Parallel.For(0, parts.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            if (allowSpecial) { parts[i] = Encode(text[cuts[i]..cuts[i + 1]], allowSpecial: true); return; }
            var output = new IdBuffer((cuts[i + 1] - cuts[i]) / 3 + 4);
            EncodeOrdinary(text.AsSpan(cuts[i], cuts[i + 1] - cuts[i]), output);
            parts[i] = output.ToArray();
        });
        var all = new int[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (var p in parts) { p.CopyTo(all, at); at += p.Length; }
        return all;
    }

    /// <summary>Chunk boundaries (start 0 … end) just after a "\n" that has a non-whitespace character on both sides.</summary>
    internal static List<int> SafeCuts(string text, int chunks)
    {
        var cuts = new List<int> { 0 };
        int target = Math.Max(1, text.Length / Math.Max(1, chunks));
        int pos = target;
        while (pos < text.Length)
        {
            int nl = text.IndexOf('\n', pos);
            while (nl >= 0 && nl + 1 < text.Length && !IsSafeCut(text, nl))
                nl = text.IndexOf('\n', nl + 1);
            if (nl < 0 || nl + 1 >= text.Length) break;
            cuts.Add(nl + 1);
            pos = nl + 1 + target;
        }
        cuts.Add(text.Length);
        return cuts;
    }

    // A lone "\n" between two non-space characters: the pattern ends a word after it whether or not
    // more text follows, and starts a new word at the next character.
    private static bool IsSafeCut(string text, int nl) =>
        nl > 0 && !IsSpaceAt(text, nl - 1) && !IsSpaceAt(text, nl + 1);

    private static bool IsSpaceAt(string text, int i) => !char.IsSurrogate(text[i]) && Gpt2PreTokenizer.IsWhiteSpace(text[i]);

    private void EncodeOrdinary(ReadOnlySpan<char> text, IdBuffer output)
    {
        var cache = _cache.Value!;
        if (PreTokenizer is Gpt2PreTokenizer)
        {
            // The hand-written scanner hands out one word at a time: no list of pieces needed.
            for (int pos = 0; pos < text.Length;)
            {
                int length = Gpt2PreTokenizer.NextGpt2Piece(text, pos);
                EncodePiece(text.Slice(pos, length), cache, output);
                pos += length;
            }
            return;
        }
        if (PreTokenizer is ScanningPreTokenizer scanner)
        {
            for (int pos = 0; pos < text.Length;)
            {
                int length = scanner.NextPieceLength(text, pos);
                EncodePiece(text.Slice(pos, length), cache, output);
                pos += length;
            }
            return;
        }
        var pieces = new List<(int Start, int Length)>();
        PreTokenizer.Split(text, pieces);
        foreach (var (start, length) in pieces) EncodePiece(text.Slice(start, length), cache, output);
    }

    private void EncodePiece(ReadOnlySpan<char> piece, PieceCache cache, IdBuffer output)
    {
        if (piece.Length == 1 && piece[0] < 0x80) { output.Add(_byteIds[piece[0]]); return; } // one ASCII byte
        if (cache.TryGet(piece, out var cached)) { output.Add(cached); return; }
        if (_wholeWords is { } whole && whole.TryGetValue(piece, out int single))
        {
            if (piece.Length <= 64) cache.Add(piece, [single]);
            output.Add(single);
            return;
        }
        Span<byte> buffer = stackalloc byte[256];
        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        var bytes = maxBytes <= buffer.Length ? buffer : new byte[maxBytes];
        // Lone surrogates (invalid UTF-16) become U+FFFD here, as Python's tiktoken replaces them.
        int n = Encoding.UTF8.GetBytes(piece, bytes);
        var ids = _merges.Encode(bytes.Slice(0, n));
        if (piece.Length <= 64) cache.Add(piece, ids);
        output.Add(ids);
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids)
    {
        int total = 0;
        foreach (var id in ids) total += TokenBytes(id).Length;
        var bytes = new byte[total];
        int at = 0;
        foreach (var id in ids) { var b = _tokenBytes[id]; b.CopyTo(bytes, at); at += b.Length; }
        return Encoding.UTF8.GetString(bytes);
    }

    /// <inheritdoc />
    public string TokenPiece(int id) => TokenPieceFormatter.Format(TokenBytes(id));

    /// <inheritdoc />
    public StreamingDecoder CreateStreamingDecoder() => new Utf8StreamingDecoder(TokenBytes);
}
