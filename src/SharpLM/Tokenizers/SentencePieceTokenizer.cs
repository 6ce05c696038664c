using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// A SentencePiece tokenizer (Llama 1/2, TinyLlama, Mistral, T5, ALBERT...): normalize the text
/// (character map, whitespace rules, ▁ for spaces, a dummy ▁ prefix), segment it with the BPE
/// model (score-driven merges) or the Unigram model (Viterbi), and turn characters no piece covers
/// into byte pieces &lt;0xNN&gt; (byte fallback) or the unknown id. Ids equal the sentencepiece
/// library's on the same model. Build one from a <c>.model</c> file (<see cref="Load"/>), from a
/// Hugging Face tokenizer.json, or from plain arrays (<see cref="SentencePieceTokenizer(IReadOnlyList{string}, IReadOnlyList{float}, IReadOnlyList{SentencePieceType}, SentencePieceModelKind, SentencePieceNormalizerSpec?, bool?, int, int, int)"/>, e.g. GGUF metadata).
/// </summary>
public sealed class SentencePieceTokenizer : ITokenizer
{
    private readonly SentencePieceVocabulary _vocab;
    private readonly SentencePieceNormalizer _normalizer;
    private readonly Dictionary<string, int> _specials = new(StringComparer.Ordinal);
    private readonly SentencePieceModelFile _model;

    /// <summary>
    /// Creates a tokenizer from its vocabulary arrays — the form GGUF stores
    /// (<c>tokenizer.ggml.tokens</c>, <c>.scores</c>, <c>.token_type</c>) and tokenizer.json implies.
    /// </summary>
    /// <param name="pieces">Piece text by id (spaces as ▁, bytes as &lt;0xNN&gt;).</param>
    /// <param name="scores">Score by id: merge priority (BPE) or log-probability (Unigram).</param>
    /// <param name="types">Piece type by id; exactly one must be <see cref="SentencePieceType.Unknown"/>.</param>
    /// <param name="kind">BPE or Unigram segmentation.</param>
    /// <param name="normalizer">Normalizer settings; null means Llama's (identity map, dummy prefix, spaces kept).</param>
    /// <param name="byteFallback">Split unknown characters into byte pieces; null means "if all 256 byte pieces exist".</param>
    /// <param name="bosId">Beginning-of-sequence id (-1 for none).</param>
    /// <param name="eosId">End-of-sequence id (-1 for none).</param>
    /// <param name="padId">Padding id (-1 for none).</param>
    public SentencePieceTokenizer(IReadOnlyList<string> pieces, IReadOnlyList<float> scores, IReadOnlyList<SentencePieceType> types,
        SentencePieceModelKind kind, SentencePieceNormalizerSpec? normalizer = null, bool? byteFallback = null,
        int bosId = 1, int eosId = 2, int padId = -1)
        : this(ModelOf(pieces, scores, types, kind, normalizer, byteFallback, bosId, eosId, padId), "(arrays)")
    {
    }

    private SentencePieceTokenizer(SentencePieceModelFile model, string path)
    {
        if (model.Kind is not (SentencePieceModelKind.Bpe or SentencePieceModelKind.Unigram))
            throw new ArgumentException($"{path}: SentencePiece model type {model.Kind} is not supported (BPE and Unigram are)");
        _model = model;
        _vocab = new SentencePieceVocabulary(model.Pieces.Select(p => p.Piece).ToArray(), model.Pieces.Select(p => p.Score).ToArray(),
            model.Pieces.Select(p => p.Type).ToArray());
        if (model.ByteFallback && !_vocab.HasAllBytes)
            throw new ArgumentException($"{path}: byte fallback is on but the vocabulary lacks some of the 256 <0xNN> pieces");
        foreach (var id in new[] { model.BosId, model.EosId, model.PadId })
            if (id >= _vocab.Pieces.Length) throw new ArgumentException($"{path}: special id {id} is outside the vocabulary of {_vocab.Pieces.Length}");
        for (int id = 0; id < _vocab.Pieces.Length; id++)
            if (_vocab.Types[id] is SentencePieceType.Control or SentencePieceType.Unknown) _specials[_vocab.Pieces[id]] = id;
        _normalizer = new SentencePieceNormalizer(model.Normalizer, _vocab.UserDefined, path);
    }

    private static SentencePieceModelFile ModelOf(IReadOnlyList<string> pieces, IReadOnlyList<float> scores, IReadOnlyList<SentencePieceType> types,
        SentencePieceModelKind kind, SentencePieceNormalizerSpec? normalizer, bool? byteFallback, int bosId, int eosId, int padId)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(types);
        if (scores.Count != pieces.Count || types.Count != pieces.Count)
            throw new ArgumentException($"{pieces.Count} pieces, {scores.Count} scores and {types.Count} types: the arrays must have one entry per id");
        var model = new SentencePieceModelFile { Kind = kind, Normalizer = normalizer ?? SentencePieceNormalizerSpec.Llama, BosId = bosId, EosId = eosId, PadId = padId };
        for (int i = 0; i < pieces.Count; i++) model.Pieces.Add(new SentencePieceEntry(pieces[i], scores[i], types[i]));
        model.UnkId = Math.Max(0, types.ToList().IndexOf(SentencePieceType.Unknown));
        model.ByteFallback = byteFallback ?? Enumerable.Range(0, 256).All(b => pieces.Contains($"<0x{b:X2}>"));
        return model;
    }

    /// <summary>Loads a SentencePiece <c>.model</c> file (e.g. Llama 2's tokenizer.model, T5's spiece.model).</summary>
    public static SentencePieceTokenizer Load(string path)
    {
        var model = SentencePieceModelFile.Read(path);
        try { return new SentencePieceTokenizer(model, path); }
        catch (ArgumentException e) { throw new TokenizerFormatException(path, "ModelProto.pieces", e.Message, e); }
    }

    /// <summary>Wraps a parsed model file.</summary>
    public static SentencePieceTokenizer FromModel(SentencePieceModelFile model) => new(model, "(model)");

    /// <summary>The model as a <c>.model</c> file (the object <see cref="SaveModel"/> writes).</summary>
    public SentencePieceModelFile Model => _model;

    /// <summary>Writes the tokenizer as a SentencePiece <c>.model</c> file (atomically).</summary>
    public void SaveModel(string path) => _model.Write(path);

    /// <inheritdoc />
    public string Kind => _model.Kind == SentencePieceModelKind.Bpe ? "sentencepiece-bpe" : "unigram";

    /// <summary>BPE or Unigram.</summary>
    public SentencePieceModelKind ModelKind => _model.Kind;

    /// <inheritdoc />
    public int VocabSize => _vocab.Pieces.Length;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> SpecialTokens => _specials;

    /// <summary>Whether unknown characters become byte pieces.</summary>
    public bool ByteFallback => _model.ByteFallback;

    /// <summary>The normalizer settings.</summary>
    public SentencePieceNormalizerSpec Normalizer => _model.Normalizer;

    /// <summary>Id of the unknown piece.</summary>
    public int UnkId => _vocab.UnkId;

    /// <summary>Beginning-of-sequence id, or -1 (the caller adds it; <see cref="Encode"/> never does, like the library).</summary>
    public int BosId => _model.BosId;

    /// <summary>End-of-sequence id, or -1.</summary>
    public int EosId => _model.EosId;

    /// <summary>Padding id, or -1.</summary>
    public int PadId => _model.PadId;

    /// <summary>The user-defined symbols (always kept whole), by text, with their ids.</summary>
    public IReadOnlyDictionary<string, int> UserDefinedPieces => _vocab.UserDefined.ToDictionary(p => p, p => _vocab.Segmentable[p], StringComparer.Ordinal);

    /// <summary>A piece's text exactly as stored (▁ for spaces).</summary>
    public string Piece(int id) => _vocab.Pieces[CheckId(id)];

    /// <summary>A piece's score.</summary>
    public float Score(int id) => _vocab.Scores[CheckId(id)];

    /// <summary>A piece's type.</summary>
    public SentencePieceType PieceType(int id) => _vocab.Types[CheckId(id)];

    /// <summary>The id of a piece text, or the unknown id.</summary>
    public int PieceToId(string piece) => _vocab.IdOf(piece);

    /// <summary>The text the segmenter sees for <paramref name="text"/> (after the normalizer).</summary>
    public string Normalize(string text) => Encoding.UTF8.GetString(_normalizer.Normalize(text));

    /// <inheritdoc />
    public int[] Encode(string text, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        if (!allowSpecial) EncodeOrdinary(text, ids);
        else SpecialTokenSplitter.Split(text, _specials, (start, length) => EncodeOrdinary(text.Substring(start, length), ids), ids.Add);
        return [.. ids];
    }

    /// <summary>The pieces of <paramref name="text"/>, as the library's <c>encode(out_type=str)</c> gives them.</summary>
    public string[] EncodePieces(string text) => Encode(text).Select(id => _vocab.Pieces[id]).ToArray();

    private void EncodeOrdinary(string text, List<int> ids)
    {
        var normalized = Encoding.UTF8.GetString(_normalizer.Normalize(text));
        var pieces = new List<(int Start, int Length, int Id)>();
        if (_model.Kind == SentencePieceModelKind.Bpe) SegmentBpe(normalized, pieces);
        else UnigramSegmenter.Segment(normalized, _vocab, pieces);
        bool previousUnknown = false;
        foreach (var (start, length, id) in pieces)
        {
            if (id != _vocab.UnkId || !_model.ByteFallback)
            {
                // Like the library, a run of unknown pieces becomes one unknown id.
                if (!(id == _vocab.UnkId && previousUnknown)) ids.Add(id);
                previousUnknown = id == _vocab.UnkId;
                continue;
            }
            var piece = normalized.AsSpan(start, length);
            var bytes = Encoding.UTF8.GetBytes(piece.ToString());
            foreach (byte b in bytes) ids.Add(_vocab.ByteIds[b]);
        }
    }

    // BPE compares scores, never sums them, and when no piece crosses the point between another
    // character and a ▁ the merges on either side never interact: each such word is segmented alone
    // (and cached) with the same result as the whole text at once.
    private void SegmentBpe(string normalized, List<(int Start, int Length, int Id)> pieces)
    {
        if (!_vocab.CutsBeforeSpace || normalized.Length < 64) { SentencePieceBpe.Segment(normalized, _vocab, pieces); return; }
        var cache = _wordCache.Value!;
        if (cache.Count > 200_000) cache.Clear();
        var lookup = cache.GetAlternateLookup<ReadOnlySpan<char>>();
        var scratch = new List<(int Start, int Length, int Id)>();
        for (int start = 0; start < normalized.Length;)
        {
            int end = start + 1;
            while (end < normalized.Length && !(normalized[end] == '\u2581' && normalized[end - 1] != '\u2581')) end++;
            var word = normalized.AsSpan(start, end - start);
            if (!lookup.TryGetValue(word, out var segments))
            {
                scratch.Clear();
                SentencePieceBpe.Segment(word, _vocab, scratch);
                segments = [.. scratch];
                lookup[word] = segments;
            }
            foreach (var (s, n, id) in segments) pieces.Add((start + s, n, id));
            start = end;
        }
    }

    private readonly ThreadLocal<Dictionary<string, (int, int, int)[]>> _wordCache = new(() => new(StringComparer.Ordinal));

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        // The dummy-prefix space is dropped from the first piece that is not a control symbol;
        // with remove_extra_whitespaces, from every piece until some text has been produced.
        bool atStart = true;
        bool keepStripping = _model.Normalizer.RemoveExtraWhitespaces;
        foreach (int id in ids)
        {
            CheckId(id);
            var type = _vocab.Types[id];
            if (type == SentencePieceType.Control) continue;
            if (type == SentencePieceType.Byte) { bytes.Add(ByteValue(id)); atStart = false; continue; }
            FlushBytes(bytes, text);
            text.Append(DecodePiece(id, atStart));
            atStart = keepStripping && text.Length == 0;
        }
        FlushBytes(bytes, text);
        return text.ToString();
    }

    // The library decodes a run of byte pieces as UTF-8, each invalid byte becoming U+FFFD.
    private static void FlushBytes(List<byte> bytes, StringBuilder text)
    {
        if (bytes.Count == 0) return;
        text.Append(new UTF8Encoding(false, false).GetString([.. bytes]));
        bytes.Clear();
    }

    private byte ByteValue(int id) => byte.Parse(_vocab.Pieces[id].AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier);

    private string DecodePiece(int id, bool atStart)
    {
        var type = _vocab.Types[id];
        if (type == SentencePieceType.Control) return "";
        if (type == SentencePieceType.Unknown) return _model.UnkSurface;
        var piece = _vocab.Pieces[id].AsSpan();
        var spec = _model.Normalizer;
        if (atStart && !spec.TreatWhitespaceAsSuffix && (spec.AddDummyPrefix || spec.RemoveExtraWhitespaces) && piece.StartsWith("\u2581"))
            piece = piece[1..];
        return piece.ToString().Replace('\u2581', ' ');
    }

    /// <inheritdoc />
    public string TokenPiece(int id) => _vocab.Types[CheckId(id)] == SentencePieceType.Byte ? _vocab.Pieces[id] : _vocab.Pieces[id].Replace('\u2581', ' ');

    /// <inheritdoc />
    public StreamingDecoder CreateStreamingDecoder()
    {
        bool atStart = true;
        return new Utf8StreamingDecoder(id =>
        {
            CheckId(id);
            var type = _vocab.Types[id];
            if (type == SentencePieceType.Control) return [];
            var text = type == SentencePieceType.Byte ? "" : DecodePiece(id, atStart);
            atStart = type != SentencePieceType.Byte && atStart && _model.Normalizer.RemoveExtraWhitespaces && text.Length == 0;
            return type == SentencePieceType.Byte ? [ByteValue(id)] : Encoding.UTF8.GetBytes(text);
        });
    }

    private int CheckId(int id)
    {
        if ((uint)id >= (uint)_vocab.Pieces.Length) throw new ArgumentOutOfRangeException(nameof(id), id, $"token id must be in 0..{_vocab.Pieces.Length - 1}");
        return id;
    }
}
