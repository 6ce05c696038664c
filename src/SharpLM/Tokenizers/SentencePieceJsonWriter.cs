using System.Text;
using System.Text.Json;

namespace SharpLM.Tokenizers;

/// <summary>
/// Writes a <see cref="SentencePieceTokenizer"/> as Hugging Face tokenizer.json the way HF's own
/// converter does for these models. BPE (Llama 2 style): normalizer Prepend ▁ + Replace " " → ▁
/// (after the Precompiled charsmap when the model has one, and regex Replaces that trim and collapse
/// spaces when it removes extra whitespace), model BPE with byte_fallback and fuse_unk, merges
/// listing every split of every piece into two pieces ordered by the piece's score; decoder Replace
/// ▁ → " ", ByteFallback, Fuse, Strip one leading space. Unigram: T5's form (Precompiled, collapse of
/// space runs, WhitespaceSplit + Metaspace, decoder Metaspace) when the model removes extra
/// whitespace, else the BPE form's normalizer and decoder; model Unigram with the scores.
/// </summary>
internal static class SentencePieceJsonWriter
{
    /// <summary>Writes the normalizer, pre-tokenizer, post-processor, decoder and model members.</summary>
    public static void Write(Utf8JsonWriter w, SentencePieceTokenizer sp)
    {
        var spec = sp.Normalizer;
        if (sp.ModelKind == SentencePieceModelKind.Bpe) WriteBpe(w, sp, spec);
        else WriteUnigram(w, sp, spec);
    }

    private static void WriteBpe(Utf8JsonWriter w, SentencePieceTokenizer sp, SentencePieceNormalizerSpec spec)
    {
        WriteSentencePieceNormalizer(w, spec);
        w.WriteNull("pre_tokenizer");
        w.WriteNull("post_processor");
        WriteSentencePieceDecoder(w, spec);
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteString("unk_token", sp.Piece(sp.UnkId));
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", true);
        w.WriteBoolean("byte_fallback", sp.ByteFallback);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        for (int id = 0; id < sp.VocabSize; id++) w.WriteNumber(sp.Piece(id), id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in Merges(sp)) w.WriteStringValue($"{left} {right}");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    // SentencePiece's normalizer as HF normalizers: the charsmap, spaces trimmed and collapsed (the
    // library's remove_extra_whitespaces touches only the space character), Prepend ▁, spaces → ▁.
    // Prepend (unlike Metaspace's prefix) adds ▁ even when the text already starts with a space, as the library does.
    private static void WriteSentencePieceNormalizer(Utf8JsonWriter w, SentencePieceNormalizerSpec spec)
    {
        w.WriteStartObject("normalizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("normalizers");
        WriteCharsMap(w, spec);
        if (spec.RemoveExtraWhitespaces)
        {
            WriteReplace(w, "Regex", "^ +| +$", "");
            WriteReplace(w, "Regex", " {2,}", " ");
        }
        if (spec.AddDummyPrefix)
        {
            w.WriteStartObject();
            w.WriteString("type", "Prepend");
            w.WriteString("prepend", "\u2581");
            w.WriteEndObject();
        }
        if (spec.EscapeWhitespaces) WriteReplace(w, "String", " ", "\u2581");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteSentencePieceDecoder(Utf8JsonWriter w, SentencePieceNormalizerSpec spec)
    {
        w.WriteStartObject("decoder");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("decoders");
        WriteReplace(w, "String", "\u2581", " ");
        w.WriteStartObject();
        w.WriteString("type", "ByteFallback");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("type", "Fuse");
        w.WriteEndObject();
        if (spec.AddDummyPrefix)
        {
            w.WriteStartObject();
            w.WriteString("type", "Strip");
            w.WriteString("content", " ");
            w.WriteNumber("start", 1);
            w.WriteNumber("stop", 0);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Every split of every segmentable piece into two vocabulary pieces, highest piece score first (ties: lower id).</summary>
    internal static List<(string Left, string Right)> Merges(SentencePieceTokenizer sp)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < sp.VocabSize; id++)
            if (sp.PieceType(id) is SentencePieceType.Normal or SentencePieceType.UserDefined or SentencePieceType.Unused) ids.TryAdd(sp.Piece(id), id);
        var merges = new List<(float Score, int Id, int Left, string L, string R)>();
        foreach (var (piece, id) in ids)
        {
            if (sp.PieceType(id) != SentencePieceType.Normal) continue;
            for (int k = 1; k < piece.Length; k++)
            {
                if (char.IsLowSurrogate(piece[k])) continue;
                string l = piece[..k], r = piece[k..];
                if (ids.TryGetValue(l, out int li) && ids.TryGetValue(r, out int ri)) merges.Add((sp.Score(id), id, li, l, r));
            }
        }
        merges.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Id != b.Id ? a.Id.CompareTo(b.Id) : a.Left.CompareTo(b.Left));
        return merges.Select(m => (m.L, m.R)).ToList();
    }

    private static void WriteUnigram(Utf8JsonWriter w, SentencePieceTokenizer sp, SentencePieceNormalizerSpec spec)
    {
        if (!spec.RemoveExtraWhitespaces)
        {
            // Spaces kept as they are: the same normalizer as the BPE form (Metaspace would skip the
            // prefix when the text already starts with a space).
            WriteSentencePieceNormalizer(w, spec);
            w.WriteNull("pre_tokenizer");
            w.WriteNull("post_processor");
            WriteSentencePieceDecoder(w, spec);
        }
        else
        {
            // T5's form: words split at whitespace, each word gets ▁.
            w.WriteStartObject("normalizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("normalizers");
            WriteCharsMap(w, spec);
            WriteReplace(w, "Regex", " {2,}", " ");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("pretokenizers");
            w.WriteStartObject();
            w.WriteString("type", "WhitespaceSplit");
            w.WriteEndObject();
            WriteMetaspace(w, null, spec);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNull("post_processor");
            WriteMetaspace(w, "decoder", spec);
        }
        w.WriteStartObject("model");
        w.WriteString("type", "Unigram");
        w.WriteNumber("unk_id", sp.UnkId);
        w.WriteStartArray("vocab");
        for (int id = 0; id < sp.VocabSize; id++)
        {
            w.WriteStartArray();
            w.WriteStringValue(sp.Piece(id));
            w.WriteNumberValue((double)sp.Score(id));
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteBoolean("byte_fallback", sp.ByteFallback);
        w.WriteEndObject();
    }

    private static void WriteMetaspace(Utf8JsonWriter w, string? name, SentencePieceNormalizerSpec spec)
    {
        if (name is null) w.WriteStartObject(); else w.WriteStartObject(name);
        w.WriteString("type", "Metaspace");
        w.WriteString("replacement", "\u2581");
        w.WriteString("prepend_scheme", spec.AddDummyPrefix ? "always" : "never");
        w.WriteBoolean("split", true);
        w.WriteEndObject();
    }

    private static void WriteCharsMap(Utf8JsonWriter w, SentencePieceNormalizerSpec spec)
    {
        if (spec.PrecompiledCharsMap.Length == 0) return;
        w.WriteStartObject();
        w.WriteString("type", "Precompiled");
        w.WriteString("precompiled_charsmap", Convert.ToBase64String(spec.PrecompiledCharsMap));
        w.WriteEndObject();
    }

    private static void WriteReplace(Utf8JsonWriter w, string kind, string pattern, string content)
    {
        w.WriteStartObject();
        w.WriteString("type", "Replace");
        w.WriteStartObject("pattern");
        w.WriteString(kind, pattern);
        w.WriteEndObject();
        w.WriteString("content", content);
        w.WriteEndObject();
    }
}
