using SharpLM.Formats;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SharpLM.Tokenizers;

/// <summary>
/// Writes Hugging Face <c>tokenizer.json</c> files in the schema the HF <c>tokenizers</c> library
/// reads: byte-level BPE as model BPE + ByteLevel pre-tokenizer/decoder; WordPiece as model
/// WordPiece + BertNormalizer + BertPreTokenizer + WordPiece decoder; the character tokenizer as
/// model WordLevel over single characters, pre-tokenizer Split on every character (regex
/// <c>[\s\S]</c>, isolated) and a Fuse decoder that joins characters without spaces.
/// </summary>
internal static class TokenizerJsonWriter
{
    /// <summary>The regex our character tokenizer files use to cut text into single characters.</summary>
    public const string CharSplitPattern = @"[\s\S]";

    /// <summary>Writes <paramref name="tokenizer"/> to <paramref name="path"/> (temporary file, then rename).</summary>
    public static void Save(ITokenizer tokenizer, string path) => AtomicFile.Write(path, stream =>
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        WriteAddedTokens(w, tokenizer.SpecialTokens, (tokenizer as SentencePieceTokenizer)?.UserDefinedPieces);
        switch (tokenizer)
        {
            case SentencePieceTokenizer sp: SentencePieceJsonWriter.Write(w, sp); break;
            case BpeTokenizer bpe: WriteBpe(w, bpe); break;
            case WordPieceTokenizer wp: WriteWordPiece(w, wp); break;
            case CharTokenizer ch: WriteChar(w, ch); break;
            default: throw new ArgumentException($"cannot write a {tokenizer.GetType().Name} as tokenizer.json", nameof(tokenizer));
        }
        w.WriteEndObject();
    });

    private static void WriteAddedTokens(Utf8JsonWriter w, IReadOnlyDictionary<string, int> specials, IReadOnlyDictionary<string, int>? userDefined = null)
    {
        w.WriteStartArray("added_tokens");
        var all = specials.Select(kv => (kv.Key, kv.Value, Special: true)).Concat((userDefined ?? new Dictionary<string, int>()).Select(kv => (kv.Key, kv.Value, Special: false)));
        foreach (var (content, id, special) in all.OrderBy(t => t.Value))
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", content);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", special);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? name, bool useRegex, bool addPrefixSpace)
    {
        if (name is null) w.WriteStartObject(); else w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", true);
        w.WriteBoolean("use_regex", useRegex);
        w.WriteEndObject();
    }

    private static void WriteSplit(Utf8JsonWriter w, string pattern)
    {
        w.WriteStartObject();
        w.WriteString("type", "Split");
        w.WriteStartObject("pattern");
        w.WriteString("Regex", pattern);
        w.WriteEndObject();
        w.WriteString("behavior", "Isolated");
        w.WriteBoolean("invert", false);
        w.WriteEndObject();
    }

    private static void WriteBpe(Utf8JsonWriter w, BpeTokenizer bpe)
    {
        w.WriteNull("normalizer");
        if (bpe.PreTokenizer.Pattern == PreTokenizer.Gpt2Pattern) WriteByteLevel(w, "pre_tokenizer", useRegex: true, addPrefixSpace: false);
        else
        {
            // Another pattern (e.g. cl100k): split by it first, then map bytes without GPT-2's regex.
            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("pretokenizers");
            WriteSplit(w, bpe.PreTokenizer.Pattern);
            WriteByteLevel(w, null, useRegex: false, addPrefixSpace: false);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        WriteByteLevel(w, "post_processor", useRegex: true, addPrefixSpace: false);
        WriteByteLevel(w, "decoder", useRegex: true, addPrefixSpace: false);
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        // HF's name for tiktoken's whole-word shortcut (a word that is a token is that token).
        w.WriteBoolean("ignore_merges", bpe.WholeWordShortcut);
        w.WriteStartObject("vocab");
        for (int id = 0; id < bpe.VocabSize; id++)
            w.WriteNumber(Gpt2VocabFiles.VocabString(bpe, id), id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var m in bpe.Merges)
            w.WriteStringValue($"{Gpt2VocabFiles.VocabString(bpe, m.Left)} {Gpt2VocabFiles.VocabString(bpe, m.Right)}");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteWordPiece(Utf8JsonWriter w, WordPieceTokenizer wp)
    {
        var n = wp.Normalizer;
        w.WriteStartObject("normalizer");
        w.WriteString("type", "BertNormalizer");
        w.WriteBoolean("clean_text", n.CleanText);
        w.WriteBoolean("handle_chinese_chars", n.HandleChineseChars);
        if (n.StripAccents is bool strip) w.WriteBoolean("strip_accents", strip); else w.WriteNull("strip_accents");
        w.WriteBoolean("lowercase", n.Lowercase);
        w.WriteEndObject();
        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "BertPreTokenizer");
        w.WriteEndObject();
        w.WriteNull("post_processor");
        w.WriteStartObject("decoder");
        w.WriteString("type", "WordPiece");
        w.WriteString("prefix", wp.ContinuingPrefix);
        w.WriteBoolean("cleanup", false);
        w.WriteEndObject();
        w.WriteStartObject("model");
        w.WriteString("type", "WordPiece");
        w.WriteString("unk_token", wp.UnkToken);
        w.WriteString("continuing_subword_prefix", wp.ContinuingPrefix);
        w.WriteNumber("max_input_chars_per_word", wp.MaxCharsPerWord);
        w.WriteStartObject("vocab");
        for (int id = 0; id < wp.VocabSize; id++) w.WriteNumber(wp.TokenPiece(id), id);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteChar(Utf8JsonWriter w, CharTokenizer ch)
    {
        w.WriteNull("normalizer");
        w.WritePropertyName("pre_tokenizer");
        WriteSplit(w, CharSplitPattern);
        w.WriteNull("post_processor");
        w.WriteStartObject("decoder");
        w.WriteString("type", "Fuse");
        w.WriteEndObject();
        w.WriteStartObject("model");
        w.WriteString("type", "WordLevel");
        w.WriteStartObject("vocab");
        for (int id = 0; id < ch.VocabSize; id++) w.WriteNumber(ch.TokenPiece(id), id);
        w.WriteEndObject();
        // Not in the vocabulary on purpose: an unseen character is an error, in HF as here.
        w.WriteString("unk_token", "[UNK]");
        w.WriteEndObject();
    }
}
