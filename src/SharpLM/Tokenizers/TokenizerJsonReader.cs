using System.Text;
using System.Text.Json;
using SharpLM.Formats;

namespace SharpLM.Tokenizers;

/// <summary>
/// Reads Hugging Face <c>tokenizer.json</c> files: byte-level BPE (GPT-2, RoBERTa, Llama 3, our own),
/// SentencePiece BPE with byte fallback (Llama 2, TinyLlama) and Unigram (T5) via <see cref="SentencePieceJsonReader"/>,
/// WordPiece (BERT) and our character tokenizer (WordLevel over single characters). Errors name
/// the file and the JSON field that is missing or wrong; every error on bad input is a
/// <see cref="TokenizerFormatException"/> (size, depth and id limits: <see cref="JsonLimits"/>, <see cref="TokenizerLimits"/>).
/// </summary>
internal static class TokenizerJsonReader
{
    /// <summary>Loads the tokenizer described by the file at <paramref name="path"/>.</summary>
    public static ITokenizer Load(string path)
    {
        using (var doc = JsonLimits.ParseFile(path, JsonLimits.MaxTokenizerFileBytes, (where, problem) => new TokenizerFormatException(path, where, problem), allowTrailingCommas: true))
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new TokenizerFormatException(path, "root", "expected a JSON object");
            var model = Required(root, "model", JsonValueKind.Object, path, "");
            var type = Required(model, "type", JsonValueKind.String, path, "model.").GetString();
            var specials = ReadAddedTokens(root, path);
            return type switch
            {
                "BPE" when SentencePieceJsonReader.IsSentencePieceBpe(root, model) => ReadSentencePiece(root, model, path, unigram: false),
                "Unigram" => ReadSentencePiece(root, model, path, unigram: true),
                "BPE" => ReadBpe(root, model, specials, path),
                "WordPiece" => ReadWordPiece(root, model, specials, path),
                "WordLevel" => ReadChar(root, model, specials, path),
                _ => throw new TokenizerFormatException(path, "model.type", $"'{type}' is not supported (expected BPE, Unigram, WordPiece or WordLevel)"),
            };
        }
    }

    // A field of the wrong JSON kind, or a missing one read with GetProperty, surfaces from System.Text.Json as
    // InvalidOperationException / KeyNotFoundException (found by fuzzing); both are a bad file, so say so.
    private static ITokenizer ReadSentencePiece(JsonElement root, JsonElement model, string path, bool unigram)
    {
        try { return SentencePieceJsonReader.Read(root, model, path, unigram); }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
        {
            throw new TokenizerFormatException(path, "model/normalizer/pre_tokenizer", $"a field is missing or has the wrong JSON type ({e.Message})", e);
        }
    }

    private static JsonElement Required(JsonElement obj, string name, JsonValueKind kind, string path, string prefix)
    {
        if (obj.ValueKind != JsonValueKind.Object) throw new TokenizerFormatException(path, prefix.TrimEnd('.'), $"expected an object, found {obj.ValueKind}");
        if (!obj.TryGetProperty(name, out var value)) throw new TokenizerFormatException(path, prefix + name, "missing");
        if (value.ValueKind != kind) throw new TokenizerFormatException(path, prefix + name, $"expected {kind}, found {value.ValueKind}");
        return value;
    }

    private static Dictionary<string, int> ReadAddedTokens(JsonElement root, string path)
    {
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!root.TryGetProperty("added_tokens", out var added) || added.ValueKind == JsonValueKind.Null) return specials;
        if (added.ValueKind != JsonValueKind.Array) throw new TokenizerFormatException(path, "added_tokens", "expected an array");
        int i = 0;
        foreach (var t in added.EnumerateArray())
        {
            var where = $"added_tokens[{i++}].";
            var id = Required(t, "id", JsonValueKind.Number, path, where);
            var content = Required(t, "content", JsonValueKind.String, path, where).GetString()!;
            bool special = t.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
            if (!id.TryGetInt32(out int value) || value < 0) throw new TokenizerFormatException(path, where + "id", "expected a non-negative integer");
            if (value >= TokenizerLimits.MaxVocabSize) throw new TokenizerFormatException(path, where + "id", TokenizerLimits.IdTooLarge(value));
            if (special) specials[content] = value;
        }
        return specials;
    }

    private static Dictionary<string, int> ReadVocab(JsonElement model, string path)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        Gpt2VocabFiles.ReadVocabObject(Required(model, "vocab", JsonValueKind.Object, path, "model."), path, "model.vocab.", vocab);
        return vocab;
    }

    private static BpeTokenizer ReadBpe(JsonElement root, JsonElement model, Dictionary<string, int> specials, string path)
    {
        string pattern = ReadByteLevelPattern(root, path);
        var vocab = ReadVocab(model, path);
        int size = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, specials.Count == 0 ? 0 : specials.Values.Max() + 1);
        TokenizerLimits.CheckIdTable(path, "model.vocab", size - 1, vocab.Count + specials.Count);
        var tokens = new byte[]?[size];
        foreach (var (text, id) in vocab)
        {
            if (specials.TryGetValue(text, out int sid))
            {
                if (sid != id) throw new TokenizerFormatException(path, $"model.vocab.\"{text}\"", $"id {id} differs from added_tokens id {sid}");
                continue;
            }
            if (!ByteLevelAlphabet.TryDecode(text, out var bytes) || bytes.Length == 0)
                throw new TokenizerFormatException(path, $"model.vocab.\"{text}\"", "not a byte-level token (only byte-level BPE is supported)");
            tokens[id] = bytes;
        }
        var merges = new List<BpeMerge>();
        var list = Required(model, "merges", JsonValueKind.Array, path, "model.");
        int i = 0;
        foreach (var m in list.EnumerateArray())
        {
            var where = $"model.merges[{i}]";
            if (m.ValueKind == JsonValueKind.String) merges.Add(Gpt2VocabFiles.ParseMerge(m.GetString()!, vocab, i, path, where));
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                merges.Add(Gpt2VocabFiles.MergeOf(m[0].GetString()!, m[1].GetString()!, vocab, i, path, where));
            else throw new TokenizerFormatException(path, where, "expected \"left right\" or [\"left\", \"right\"]");
            i++;
        }
        bool ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;
        PreTokenizer preTokenizer;
        try { preTokenizer = PreTokenizer.FromPattern(pattern, path); }
        catch (ArgumentException e) { throw new TokenizerFormatException(path, "pre_tokenizer.pretokenizers[0].pattern.Regex", e.Message, e); }
        try { return new BpeTokenizer(tokens, merges, preTokenizer, specials) { WholeWordShortcut = ignoreMerges }; }
        catch (ArgumentException e) { throw new TokenizerFormatException(path, "model", e.Message, e); }
    }

    // GPT-2's ByteLevel(use_regex) or Sequence[Split(Regex), ByteLevel(no regex)].
    private static string ReadByteLevelPattern(JsonElement root, string path)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException(path, "pre_tokenizer", "byte-level BPE needs a ByteLevel pre-tokenizer");
        var type = Required(pre, "type", JsonValueKind.String, path, "pre_tokenizer.").GetString();
        if (type == "ByteLevel")
        {
            if (pre.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True)
                throw new TokenizerFormatException(path, "pre_tokenizer.add_prefix_space", "true is not supported (GPT-2 uses false)");
            if (pre.TryGetProperty("use_regex", out var ur) && ur.ValueKind == JsonValueKind.False)
                throw new TokenizerFormatException(path, "pre_tokenizer.use_regex", "false without a Split before it is not supported");
            return PreTokenizer.Gpt2Pattern;
        }
        if (type == "Sequence")
        {
            var steps = Required(pre, "pretokenizers", JsonValueKind.Array, path, "pre_tokenizer.");
            if (steps.GetArrayLength() == 2 && steps[0].TryGetProperty("type", out var t0) && t0.GetString() == "Split"
                && steps[1].TryGetProperty("type", out var t1) && t1.GetString() == "ByteLevel"
                && steps[0].TryGetProperty("pattern", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("Regex", out var rx)
                && rx.ValueKind == JsonValueKind.String)
                return rx.GetString()!;
        }
        throw new TokenizerFormatException(path, "pre_tokenizer", $"'{type}' is not supported (expected ByteLevel, or Sequence [Split(Regex), ByteLevel])");
    }

    private static WordPieceTokenizer ReadWordPiece(JsonElement root, JsonElement model, Dictionary<string, int> specials, string path)
    {
        var vocab = ReadVocab(model, path);
        int size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        TokenizerLimits.CheckIdTable(path, "model.vocab", size - 1, vocab.Count);
        var pieces = new string[size];
        foreach (var (text, id) in vocab) pieces[id] = text;
        for (int id = 0; id < size; id++)
            if (pieces[id] is null) throw new TokenizerFormatException(path, "model.vocab", $"no piece has id {id} (ids must be 0..{size - 1})");
        var normalizer = new BertNormalizer();
        if (root.TryGetProperty("normalizer", out var n) && n.ValueKind == JsonValueKind.Object)
        {
            var type = Required(n, "type", JsonValueKind.String, path, "normalizer.").GetString();
            if (type != "BertNormalizer") throw new TokenizerFormatException(path, "normalizer.type", $"'{type}' is not supported (expected BertNormalizer)");
            bool Flag(string name, bool fallback) => n.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;
            bool? strip = n.TryGetProperty("strip_accents", out var sa) && sa.ValueKind is JsonValueKind.True or JsonValueKind.False ? sa.GetBoolean() : null;
            normalizer = new BertNormalizer(Flag("lowercase", true), strip, Flag("clean_text", true), Flag("handle_chinese_chars", true));
        }
        string unk = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : "[UNK]";
        string prefix = model.TryGetProperty("continuing_subword_prefix", out var cp) && cp.ValueKind == JsonValueKind.String ? cp.GetString()! : "##";
        int maxChars = model.TryGetProperty("max_input_chars_per_word", out var mc) && mc.TryGetInt32(out int m) ? m : 100;
        foreach (var (s, id) in specials)
            if (!vocab.TryGetValue(s, out int vid) || vid != id)
                throw new TokenizerFormatException(path, $"added_tokens \"{s}\"", $"id {id} does not match model.vocab");
        try { return new WordPieceTokenizer(pieces, normalizer, unk, prefix, maxChars, specials.Count > 0 ? specials.Keys : null); }
        catch (ArgumentException e) { throw new TokenizerFormatException(path, "model", e.Message, e); }
    }

    private static CharTokenizer ReadChar(JsonElement root, JsonElement model, Dictionary<string, int> specials, string path)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object
            || !pre.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String || t.GetString() != "Split")
            throw new TokenizerFormatException(path, "pre_tokenizer", "only WordLevel over single characters (a Split pre-tokenizer) is supported");
        var vocab = ReadVocab(model, path);
        int size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        TokenizerLimits.CheckIdTable(path, "model.vocab", size - 1, vocab.Count);
        var chars = new string[size];
        foreach (var (text, id) in vocab)
        {
            if (specials.ContainsKey(text)) continue;
            if (text.Length == 0 || !Rune.TryGetRuneAt(text, 0, out var r) || r.Utf16SequenceLength != text.Length)
                throw new TokenizerFormatException(path, $"model.vocab.\"{text}\"", "a character tokenizer's entries must be single characters");
            chars[id] = text;
        }
        int ordinary = 0;
        while (ordinary < size && chars[ordinary] is not null) ordinary++;
        try { return new CharTokenizer(chars[..ordinary], specials); }
        catch (ArgumentException e) { throw new TokenizerFormatException(path, "model.vocab", e.Message, e); }
    }
}
