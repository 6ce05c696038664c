using System.Text.Json;

namespace SharpLM.Tokenizers;

/// <summary>
/// Reads the tokenizer.json forms of SentencePiece models: Llama 2 / TinyLlama / Mistral (model
/// BPE with <c>byte_fallback</c>, a ▁ normalizer <c>Prepend</c> + <c>Replace</c> or a
/// <c>Metaspace</c> pre-tokenizer) and T5 / ALBERT (model <c>Unigram</c>, <c>Precompiled</c>
/// charsmap, <c>WhitespaceSplit</c> + <c>Metaspace</c>). tokenizer.json's BPE has merge ranks, not
/// scores; a piece's score becomes minus the rank of the first merge that makes it, so the
/// SentencePiece rule (highest score first) is Hugging Face's (lowest rank first).
/// </summary>
internal static class SentencePieceJsonReader
{
    /// <summary>True when a tokenizer.json model is one of the SentencePiece forms (BPE with byte fallback or ▁ handling, or Unigram).</summary>
    public static bool IsSentencePieceBpe(JsonElement root, JsonElement model)
    {
        if (model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True) return true;
        return MentionsMetaspace(root, "normalizer") || MentionsMetaspace(root, "pre_tokenizer");
    }

    // Does this step of the file write spaces as ▁ (literally or JSON-escaped)?
    private static bool MentionsMetaspace(JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out var v) || v.ValueKind != JsonValueKind.Object) return false;
        var raw = v.GetRawText();
        return raw.Contains('\u2581') || raw.Contains("\\u2581", StringComparison.OrdinalIgnoreCase) || raw.Contains("\"Metaspace\"", StringComparison.Ordinal);
    }

    /// <summary>Builds the tokenizer from a Llama-style BPE or a Unigram tokenizer.json.</summary>
    public static SentencePieceTokenizer Read(JsonElement root, JsonElement model, string path, bool unigram)
    {
        var pieces = new List<string>();
        var scores = new List<float>();
        int unkId;
        bool byteFallback = model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True;
        if (unigram)
        {
            var vocab = Field(model, "vocab", JsonValueKind.Array, path, "model.");
            int i = 0;
            foreach (var entry in vocab.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String || entry[1].ValueKind != JsonValueKind.Number)
                    throw new TokenizerFormatException(path, $"model.vocab[{i}]", "expected [\"piece\", score]");
                pieces.Add(entry[0].GetString()!);
                scores.Add((float)entry[1].GetDouble());
                i++;
            }
            unkId = model.TryGetProperty("unk_id", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetInt32() : -1;
        }
        else
        {
            var vocab = Field(model, "vocab", JsonValueKind.Object, path, "model.");
            var byId = new SortedDictionary<int, string>();
            foreach (var p in vocab.EnumerateObject())
            {
                if (!p.Value.TryGetInt32(out int id) || id < 0) throw new TokenizerFormatException(path, $"model.vocab.\"{p.Name}\"", "expected a non-negative integer id");
                if (!byId.TryAdd(id, p.Name)) throw new TokenizerFormatException(path, $"model.vocab.\"{p.Name}\"", $"id {id} is also \"{byId[id]}\"");
            }
            if (byId.Count > 0 && byId.Keys.Last() != byId.Count - 1) throw new TokenizerFormatException(path, "model.vocab", $"ids must be 0..{byId.Count - 1} without gaps");
            pieces.AddRange(byId.Values);
            var rank = new Dictionary<string, int>(StringComparer.Ordinal);
            int r = 0;
            foreach (var m in Field(model, "merges", JsonValueKind.Array, path, "model.").EnumerateArray())
            {
                string left, right;
                if (m.ValueKind == JsonValueKind.String)
                {
                    var s = m.GetString()!;
                    int space = s.IndexOf(' ');
                    if (space <= 0) throw new TokenizerFormatException(path, $"model.merges[{r}]", $"\"{s}\" is not \"left right\"");
                    (left, right) = (s[..space], s[(space + 1)..]);
                }
                else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2) (left, right) = (m[0].GetString()!, m[1].GetString()!);
                else throw new TokenizerFormatException(path, $"model.merges[{r}]", "expected \"left right\" or [\"left\", \"right\"]");
                rank.TryAdd(left + right, r++);
            }
            foreach (var p in pieces) scores.Add(rank.TryGetValue(p, out int k) ? -k : 0f);
            string unk = model.TryGetProperty("unk_token", out var ut) && ut.ValueKind == JsonValueKind.String ? ut.GetString()! : "<unk>";
            unkId = pieces.IndexOf(unk);
        }
        var types = Enumerable.Repeat(SentencePieceType.Normal, pieces.Count).ToArray();
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in added.EnumerateArray())
            {
                if (!t.TryGetProperty("id", out var idv) || !idv.TryGetInt32(out int id) || (uint)id >= (uint)pieces.Count) continue;
                bool special = t.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
                types[id] = special ? SentencePieceType.Control : SentencePieceType.UserDefined;
            }
        }
        for (int id = 0; id < pieces.Count; id++)
            if (byteFallback && pieces[id] is { Length: 6 } p && p.StartsWith("<0x", StringComparison.Ordinal) && p[5] == '>') types[id] = SentencePieceType.Byte;
        if (unkId < 0 || unkId >= pieces.Count)
        {
            // Llama 3-era and some Unigram files have no unknown piece; SentencePiece needs one, so it must be present.
            throw new TokenizerFormatException(path, unigram ? "model.unk_id" : "model.unk_token", "missing or not in the vocabulary (a SentencePiece model needs its unknown piece)");
        }
        types[unkId] = SentencePieceType.Unknown;
        var normalizer = ReadNormalizer(root, path);
        int Find(string s) { int i = pieces.IndexOf(s); return i >= 0 && types[i] == SentencePieceType.Control ? i : -1; }
        try
        {
            return new SentencePieceTokenizer(pieces, scores, types, unigram ? SentencePieceModelKind.Unigram : SentencePieceModelKind.Bpe,
                normalizer, byteFallback, Find("<s>"), Find("</s>"), Math.Max(Find("<pad>"), -1));
        }
        catch (ArgumentException e) { throw new TokenizerFormatException(path, "model", e.Message, e); }
    }

    // The normalizer and pre-tokenizer of these files, mapped back onto SentencePiece's normalizer spec.
    private static SentencePieceNormalizerSpec ReadNormalizer(JsonElement root, string path)
    {
        var spec = new SentencePieceNormalizerSpec { Name = "identity", AddDummyPrefix = false, RemoveExtraWhitespaces = false, EscapeWhitespaces = false };
        if (root.TryGetProperty("normalizer", out var n) && n.ValueKind == JsonValueKind.Object) spec = Apply(spec, n, path, "normalizer");
        if (root.TryGetProperty("pre_tokenizer", out var p) && p.ValueKind == JsonValueKind.Object) spec = Apply(spec, p, path, "pre_tokenizer");
        return spec;
    }

    private static SentencePieceNormalizerSpec Apply(SentencePieceNormalizerSpec spec, JsonElement step, string path, string where)
    {
        var type = Field(step, "type", JsonValueKind.String, path, where + ".").GetString();
        switch (type)
        {
            case "Sequence":
                var list = step.TryGetProperty("normalizers", out var ns) ? ns : Field(step, "pretokenizers", JsonValueKind.Array, path, where + ".");
                int i = 0;
                foreach (var s in list.EnumerateArray()) spec = Apply(spec, s, path, $"{where}[{i++}]");
                return spec;
            case "Prepend":
                if (step.TryGetProperty("prepend", out var pp) && pp.GetString() == "\u2581") return spec with { AddDummyPrefix = true };
                break;
            case "Replace":
                var pattern = step.GetProperty("pattern");
                var content = step.TryGetProperty("content", out var c) ? c.GetString() : null;
                if (pattern.TryGetProperty("String", out var ps) && ps.GetString() == " " && content == "\u2581") return spec with { EscapeWhitespaces = true };
                if (pattern.TryGetProperty("Regex", out var pr) && ((pr.GetString() == " {2,}" && content == " ") || (pr.GetString() == "^ +| +$" && content == "")))
                    return spec with { RemoveExtraWhitespaces = true };
                break;
            case "Precompiled":
                var b64 = Field(step, "precompiled_charsmap", JsonValueKind.String, path, where + ".").GetString()!;
                byte[] map;
                try { map = Convert.FromBase64String(b64); }
                catch (FormatException e) { throw new TokenizerFormatException(path, where + ".precompiled_charsmap", "not base64", e); }
                return spec with { Name = "precompiled", PrecompiledCharsMap = map };
            case "WhitespaceSplit":
                return spec with { RemoveExtraWhitespaces = true };
            case "Strip":
                return spec;
            case "Metaspace":
                if (step.TryGetProperty("replacement", out var rep) && rep.GetString() != "\u2581")
                    throw new TokenizerFormatException(path, where + ".replacement", "only ▁ (U+2581) is supported");
                bool prefix = step.TryGetProperty("prepend_scheme", out var ps2) && ps2.ValueKind == JsonValueKind.String
                    ? ps2.GetString() != "never"
                    : !step.TryGetProperty("add_prefix_space", out var aps) || aps.ValueKind != JsonValueKind.False;
                return spec with { AddDummyPrefix = prefix, EscapeWhitespaces = true };
        }
        throw new TokenizerFormatException(path, where, $"'{type}' ({step.GetRawText()}) is not supported with a SentencePiece model");
    }

    private static JsonElement Field(JsonElement obj, string name, JsonValueKind kind, string path, string prefix)
    {
        if (!obj.TryGetProperty(name, out var value)) throw new TokenizerFormatException(path, prefix + name, "missing");
        if (value.ValueKind != kind) throw new TokenizerFormatException(path, prefix + name, $"expected {kind}, found {value.ValueKind}");
        return value;
    }
}
