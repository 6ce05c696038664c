using System.Buffers.Binary;
using System.Text;
using SharpLM.Formats;

namespace SharpLM.Tokenizers;

/// <summary>
/// llama2.c's <c>tokenizer.bin</c> and its encoder: the file is an int32 max token length, then
/// per token a float32 score, an int32 byte length and the bytes (Llama 2's pieces with ▁ already
/// turned into spaces; byte tokens keep their &lt;0xNN&gt; text). Encoding follows llama2.c's
/// <c>encode</c>: a " " token first (the dummy prefix, for non-empty text), each UTF-8 character
/// looked up whole or else emitted as its bytes + 3 (ids 3..258 are the byte tokens), then the
/// adjacent pair whose concatenation has the highest score is merged until none merges.
/// </summary>
public sealed class Llama2cTokenizer : ITokenizer
{
    private readonly byte[][] _tokens;
    private readonly float[] _scores;
    private readonly Dictionary<string, int> _lookup = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _specials = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookupSpan;

    /// <summary>Id of &lt;unk&gt; (0), &lt;s&gt; (1) and &lt;/s&gt; (2), as llama2.c hard-codes them.</summary>
    public const int UnkId = 0, BosId = 1, EosId = 2;

    /// <summary>Creates the tokenizer from each token's bytes and score (id order) and the file's max token length.</summary>
    public Llama2cTokenizer(IReadOnlyList<byte[]> tokens, IReadOnlyList<float> scores, int maxTokenLength = 0)
    {
        if (tokens.Count != scores.Count) throw new ArgumentException($"{tokens.Count} tokens but {scores.Count} scores", nameof(scores));
        if (tokens.Count < 259) throw new ArgumentException($"{tokens.Count} tokens: llama2.c needs <unk>, <s>, </s> and the 256 byte tokens (ids 0..258)", nameof(tokens));
        _tokens = [.. tokens];
        _scores = [.. scores];
        MaxTokenLength = Math.Max(maxTokenLength, _tokens.Max(t => t.Length));
        for (int id = 0; id < _tokens.Length; id++)
        {
            // llama2.c binary-searches a sorted copy; with duplicate strings either id may come back, we keep the first.
            _lookup.TryAdd(Latin1(_tokens[id]), id);
        }
        _lookupSpan = _lookup.GetAlternateLookup<ReadOnlySpan<char>>();
        _specials["<unk>"] = UnkId;
        _specials["<s>"] = BosId;
        _specials["</s>"] = EosId;
    }

    /// <summary>The longest token in bytes (the file's header).</summary>
    public int MaxTokenLength { get; }

    /// <summary>Reads a llama2.c <c>tokenizer.bin</c>. Its token count is not stored: every record up to the end of the file is read.</summary>
    public static Llama2cTokenizer Load(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 4) throw new TokenizerFormatException(path, "header", $"{data.Length} bytes: too short for the max_token_length int32");
        int max = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (max is <= 0 or > 1 << 16) throw new TokenizerFormatException(path, "header", $"max_token_length {max} is not plausible (not a llama2.c tokenizer.bin?)");
        var tokens = new List<byte[]>();
        var scores = new List<float>();
        int pos = 4;
        while (pos < data.Length)
        {
            if (data.Length - pos < 8) throw new TokenizerFormatException(path, $"token {tokens.Count}", $"truncated: {data.Length - pos} bytes left, a record needs a score and a length");
            float score = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(pos));
            int length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos + 4));
            pos += 8;
            if (length < 0 || length > max) throw new TokenizerFormatException(path, $"token {tokens.Count}", $"length {length} is outside 0..{max} (max_token_length)");
            if (data.Length - pos < length) throw new TokenizerFormatException(path, $"token {tokens.Count}", $"truncated: needs {length} bytes, {data.Length - pos} left");
            tokens.Add(data[pos..(pos + length)]);
            scores.Add(score);
            pos += length;
        }
        // llama2.c's encoder starts every text with the " " token; a file without one cannot encode.
        if (!tokens.Any(t => t is [(byte)' '])) throw new TokenizerFormatException(path, "tokens", "no \" \" token, which llama2.c's encoder needs as its dummy prefix");
        try { return new Llama2cTokenizer(tokens, scores, max); }
        catch (ArgumentException e) { throw new TokenizerFormatException(path, "tokens", e.Message, e); }
    }

    /// <summary>Writes the tokenizer as llama2.c's <c>tokenizer.bin</c> (atomically).</summary>
    public void Save(string path) => AtomicFile.Write(path, s =>
    {
        var w = new BinaryWriter(s);
        w.Write(MaxTokenLength);
        for (int id = 0; id < _tokens.Length; id++)
        {
            w.Write(_scores[id]);
            w.Write(_tokens[id].Length);
            w.Write(_tokens[id]);
        }
        w.Flush();
    });

    /// <summary>
    /// Converts a SentencePiece tokenizer as llama2.c's <c>tokenizer.py</c> export does: ▁ becomes a
    /// space, &lt;s&gt; and &lt;/s&gt; become "\n&lt;s&gt;\n" and "\n&lt;/s&gt;\n", scores are kept.
    /// </summary>
    public static Llama2cTokenizer FromSentencePiece(SentencePieceTokenizer sp)
    {
        var tokens = new byte[sp.VocabSize][];
        var scores = new float[sp.VocabSize];
        for (int id = 0; id < sp.VocabSize; id++)
        {
            string piece = id == sp.BosId ? "\n<s>\n" : id == sp.EosId ? "\n</s>\n" : sp.Piece(id);
            tokens[id] = Encoding.UTF8.GetBytes(piece.Replace('\u2581', ' '));
            scores[id] = sp.Score(id);
        }
        return new Llama2cTokenizer(tokens, scores);
    }

    /// <inheritdoc />
    public string Kind => "llama2c";

    /// <inheritdoc />
    public int VocabSize => _tokens.Length;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, int> SpecialTokens => _specials;

    /// <summary>A token's raw bytes as stored.</summary>
    public byte[] TokenBytes(int id) => _tokens[CheckId(id)];

    /// <summary>A token's score.</summary>
    public float Score(int id) => _scores[CheckId(id)];

    /// <inheritdoc />
    public int[] Encode(string text, bool allowSpecial = false) => Encode(text, bos: false, eos: false, allowSpecial);

    /// <summary>Encodes as llama2.c's <c>encode(text, bos, eos)</c>; <c>run</c> generates with bos = true, eos = false.</summary>
    public int[] Encode(string text, bool bos, bool eos, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        if (bos) ids.Add(BosId);
        if (!allowSpecial) EncodeOrdinary(text, ids);
        else SpecialTokenSplitter.Split(text, _specials, (s, n) => EncodeOrdinary(text.Substring(s, n), ids), ids.Add);
        if (eos) ids.Add(EosId);
        return [.. ids];
    }

    private void EncodeOrdinary(string text, List<int> output)
    {
        // llama2.c works on a C string: it stops at the first NUL.
        int nul = text.IndexOf('\0');
        var bytes = Encoding.UTF8.GetBytes(nul >= 0 ? text[..nul] : text);
        if (bytes.Length == 0) return;
        var ids = new List<int>();
        if (_lookup.TryGetValue(" ", out int prefix)) ids.Add(prefix);
        else throw new InvalidOperationException("the vocabulary has no \" \" token for llama2.c's dummy prefix");
        for (int i = 0; i < bytes.Length;)
        {
            // A character: a lead byte and up to three continuation bytes (llama2.c caps the run at four).
            int n = 1;
            while (i + n < bytes.Length && (bytes[i + n] & 0xC0) == 0x80 && n < 4) n++;
            if (_lookup.TryGetValue(Latin1(bytes.AsSpan(i, n)), out int id)) ids.Add(id);
            else for (int k = 0; k < n; k++) ids.Add(bytes[i + k] + 3);
            i += n;
        }
        // llama2.c rescans every pair after each merge; only the two pairs beside a merge change, so
        // we keep each pair's merge (id, score) and rescan those — the same choice, leftmost on ties.
        var pairId = new List<int>(ids.Count);
        for (int i = 0; i + 1 < ids.Count; i++) pairId.Add(MergeOf(ids[i], ids[i + 1]));
        while (true)
        {
            float bestScore = -1e10f;
            int bestIndex = -1;
            for (int i = 0; i < pairId.Count; i++)
                if (pairId[i] >= 0 && _scores[pairId[i]] > bestScore) { bestScore = _scores[pairId[i]]; bestIndex = i; }
            if (bestIndex < 0) break;
            ids[bestIndex] = pairId[bestIndex];
            ids.RemoveAt(bestIndex + 1);
            pairId.RemoveAt(bestIndex);
            if (bestIndex > 0) pairId[bestIndex - 1] = MergeOf(ids[bestIndex - 1], ids[bestIndex]);
            if (bestIndex < pairId.Count) pairId[bestIndex] = MergeOf(ids[bestIndex], ids[bestIndex + 1]);
        }
        output.AddRange(ids);
    }

    // The token whose bytes are the two tokens' bytes joined, or -1.
    private int MergeOf(int left, int right)
    {
        var a = _tokens[left];
        var b = _tokens[right];
        Span<char> key = stackalloc char[a.Length + b.Length];
        for (int i = 0; i < a.Length; i++) key[i] = (char)a[i];
        for (int i = 0; i < b.Length; i++) key[a.Length + i] = (char)b[i];
        return _lookupSpan.TryGetValue(key, out int id) ? id : -1;
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>();
        int previous = -1;
        foreach (int id in ids)
        {
            AppendPieceBytes(bytes, id, previous);
            previous = id;
        }
        return new UTF8Encoding(false, false).GetString([.. bytes]);
    }

    // llama2.c's decode: a space after <s> (or at the very start) is dropped, <0xNN> is that byte; control tokens print nothing here.
    private void AppendPieceBytes(List<byte> bytes, int id, int previous)
    {
        CheckId(id);
        if (id is UnkId or BosId or EosId) return;
        var t = _tokens[id];
        if (t.Length == 6 && t[0] == '<' && t[1] == '0' && t[2] == 'x' && t[5] == '>'
            && byte.TryParse(Encoding.ASCII.GetString(t, 3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b))
        {
            bytes.Add(b);
            return;
        }
        int skip = (previous == BosId || previous == -1) && t.Length > 0 && t[0] == ' ' ? 1 : 0;
        for (int k = skip; k < t.Length; k++) bytes.Add(t[k]);
    }

    /// <inheritdoc />
    public string TokenPiece(int id) => TokenPieceFormatter.Format(_tokens[CheckId(id)]);

    /// <inheritdoc />
    public StreamingDecoder CreateStreamingDecoder()
    {
        int previous = -1;
        return new Utf8StreamingDecoder(id =>
        {
            var bytes = new List<byte>();
            AppendPieceBytes(bytes, id, previous);
            previous = id;
            return [.. bytes];
        });
    }

    // Token bytes as a string of Latin-1 chars: an exact, allocation-light key for byte strings.
    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private int CheckId(int id)
    {
        if ((uint)id >= (uint)_tokens.Length) throw new ArgumentOutOfRangeException(nameof(id), id, $"token id must be in 0..{_tokens.Length - 1}");
        return id;
    }
}
