using System.Text;
using SharpLM.Formats;
using SharpLM.Tokenizers;

namespace SharpLM.Models;

/// <summary>
/// The tokenizer stored in a GGUF file's <c>tokenizer.ggml.*</c> metadata, read into a SharpLM
/// tokenizer and written from one: <c>llama</c> = SentencePiece BPE (pieces, scores, token types),
/// <c>gpt2</c> = byte-level BPE (vocabulary, merges, and the pre-tokenizer named by
/// <c>tokenizer.ggml.pre</c>), with the bos/eos/unknown/padding ids and the chat template.
/// </summary>
public static class GgufTokenizer
{
    /// <summary>Llama 3's pre-tokenizer pattern (tokenizer.json's).</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's pre-tokenizer pattern (single digits).</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The pre-tokenizer for a <c>tokenizer.ggml.pre</c> name.</summary>
    public static PreTokenizer PreTokenizerFor(string? name, string path) => name switch
    {
        null or "default" or "gpt-2" or "gpt2" => PreTokenizer.Gpt2,
        "llama-bpe" or "llama3" or "llama-v3" or "dbrx" or "smaug-bpe" => PreTokenizer.FromPattern(Llama3Pattern),
        "qwen2" => PreTokenizer.FromPattern(Qwen2Pattern),
        _ => throw new GgufFormatException(path, "tokenizer.ggml.pre", $"pre-tokenizer '{name}' is not supported (supported: gpt-2, llama-bpe, qwen2)"),
    };

    /// <summary>The id llama.cpp puts before a prompt: bos_token_id when add_bos_token is true (default true for SentencePiece models), else null.</summary>
    public static int? BeginOfSequence(GgufFile file)
    {
        bool sentencePiece = file.Get("tokenizer.ggml.model")?.AsString() == "llama";
        bool add = file.Get("tokenizer.ggml.add_bos_token")?.AsBool() ?? sentencePiece;
        return add && file.Get("tokenizer.ggml.bos_token_id") is { } id ? checked((int)id.AsInt64()) : null;
    }

    /// <summary>The end-of-sequence id (<c>tokenizer.ggml.eos_token_id</c>), or null.</summary>
    public static int? EndOfSequence(GgufFile file) => file.Get("tokenizer.ggml.eos_token_id") is { } id ? checked((int)id.AsInt64()) : null;

    /// <summary>The chat template (<c>tokenizer.chat_template</c>), or null.</summary>
    public static string? ChatTemplate(GgufFile file) => file.Get("tokenizer.chat_template")?.AsString();

    /// <summary>Reads the tokenizer; throws <see cref="GgufFormatException"/> when it is absent or malformed.</summary>
    public static ITokenizer Read(GgufFile file)
    {
        string model = file.Require("tokenizer.ggml.model").AsString();
        var tokens = file.Require("tokenizer.ggml.tokens").AsArray<string>();
        int[] types = file.Get("tokenizer.ggml.token_type")?.AsInt32Array() ?? Enumerable.Repeat(1, tokens.Length).ToArray();
        if (types.Length != tokens.Length) throw new GgufFormatException(file.Path, "tokenizer.ggml.token_type", $"has {types.Length} entries for {tokens.Length} tokens");
        int Id(string key, int fallback)
        {
            var v = file.Get(key);
            if (v is null) return fallback;
            long id = v.AsInt64();
            if (id < -1 || id >= tokens.Length) throw new GgufFormatException(file.Path, key, $"id {id} is outside the vocabulary of {tokens.Length}");
            return (int)id;
        }
        try
        {
            if (model == "llama")
            {
                float[] scores = file.Get("tokenizer.ggml.scores")?.AsArray<float>() ?? new float[tokens.Length];
                if (scores.Length != tokens.Length) throw new GgufFormatException(file.Path, "tokenizer.ggml.scores", $"has {scores.Length} entries for {tokens.Length} tokens");
                var pieceTypes = types.Select(t => Enum.IsDefined(typeof(SentencePieceType), t) ? (SentencePieceType)t : SentencePieceType.Normal).ToArray();
                int unk = Id("tokenizer.ggml.unknown_token_id", -1);
                if (unk >= 0 && !pieceTypes.Contains(SentencePieceType.Unknown)) pieceTypes[unk] = SentencePieceType.Unknown;
                return new SentencePieceTokenizer(tokens, scores, pieceTypes, SentencePieceModelKind.Bpe, null, null,
                    Id("tokenizer.ggml.bos_token_id", 1), Id("tokenizer.ggml.eos_token_id", 2), Id("tokenizer.ggml.padding_token_id", -1));
            }
            if (model == "gpt2") return ReadBpe(file, tokens, types);
        }
        catch (ArgumentException e)
        {
            throw new GgufFormatException(file.Path, "tokenizer.ggml.tokens", e.Message);
        }
        throw new GgufFormatException(file.Path, "tokenizer.ggml.model", $"tokenizer model '{model}' is not supported (llama and gpt2 are)");
    }

    private static BpeTokenizer ReadBpe(GgufFile file, string[] tokens, int[] types)
    {
        var bytes = new byte[]?[tokens.Length];
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < tokens.Length; id++)
        {
            ids.TryAdd(tokens[id], id);
            if (types[id] is 3 or 4 && tokens[id].Length > 1) { specials.TryAdd(tokens[id], id); continue; }
            if (!ByteLevelAlphabet.TryDecode(tokens[id], out var b))
                throw new GgufFormatException(file.Path, "tokenizer.ggml.tokens", $"token {id} '{tokens[id]}' is not in GPT-2's byte-level alphabet");
            bytes[id] = b;
        }
        var mergeTexts = file.Require("tokenizer.ggml.merges").AsArray<string>();
        var merges = new List<BpeMerge>(mergeTexts.Length);
        for (int rank = 0; rank < mergeTexts.Length; rank++)
        {
            string m = mergeTexts[rank];
            int space = m.IndexOf(' ', 1);
            if (space < 0 || !ids.TryGetValue(m[..space], out int left) || !ids.TryGetValue(m[(space + 1)..], out int right)
                || !ids.TryGetValue(m[..space] + m[(space + 1)..], out int result))
                throw new GgufFormatException(file.Path, "tokenizer.ggml.merges", $"merge #{rank} '{m}' does not name two tokens whose join is a token");
            merges.Add(new BpeMerge(left, right, result, rank));
        }
        string? pre = file.Get("tokenizer.ggml.pre")?.AsString();
        return new BpeTokenizer(bytes, merges, PreTokenizerFor(pre, file.Path), specials);
    }

    /// <summary>Adds <paramref name="tokenizer"/>'s metadata to <paramref name="writer"/> (SentencePiece as <c>llama</c>, byte-level BPE as <c>gpt2</c>).</summary>
    public static void Write(GgufWriter writer, ITokenizer tokenizer, string? chatTemplate = null)
    {
        switch (tokenizer)
        {
            case SentencePieceTokenizer sp:
            {
                var m = sp.Model;
                writer.Add("tokenizer.ggml.model", GgufValue.String("llama"));
                writer.Add("tokenizer.ggml.tokens", GgufValue.Array(GgufValueType.String, m.Pieces.Select(p => p.Piece).ToArray()));
                writer.Add("tokenizer.ggml.scores", GgufValue.Array(GgufValueType.Float32, m.Pieces.Select(p => p.Score).ToArray()));
                writer.Add("tokenizer.ggml.token_type", GgufValue.Array(GgufValueType.Int32, m.Pieces.Select(p => (int)p.Type).ToArray()));
                if (m.BosId >= 0) writer.Add("tokenizer.ggml.bos_token_id", GgufValue.UInt32((uint)m.BosId));
                if (m.EosId >= 0) writer.Add("tokenizer.ggml.eos_token_id", GgufValue.UInt32((uint)m.EosId));
                writer.Add("tokenizer.ggml.unknown_token_id", GgufValue.UInt32((uint)m.UnkId));
                if (m.PadId >= 0) writer.Add("tokenizer.ggml.padding_token_id", GgufValue.UInt32((uint)m.PadId));
                writer.Add("tokenizer.ggml.add_bos_token", GgufValue.Bool(true));
                writer.Add("tokenizer.ggml.add_eos_token", GgufValue.Bool(false));
                break;
            }
            case BpeTokenizer bpe:
            {
                string pre = bpe.PreTokenizer.Pattern == PreTokenizer.Gpt2Pattern ? "gpt-2"
                    : bpe.PreTokenizer.Pattern == Llama3Pattern ? "llama-bpe"
                    : bpe.PreTokenizer.Pattern == Qwen2Pattern ? "qwen2"
                    : throw new NotSupportedException("GGUF can name the gpt-2, llama-bpe and qwen2 pre-tokenizers; this tokenizer uses another pattern");
                var tokens = new string[bpe.VocabSize];
                var types = new int[bpe.VocabSize];
                for (int id = 0; id < tokens.Length; id++)
                {
                    bool special = bpe.IsSpecial(id);
                    tokens[id] = special ? Encoding.UTF8.GetString(bpe.TokenBytes(id)) : ByteLevelAlphabet.Encode(bpe.TokenBytes(id));
                    types[id] = special ? 3 : 1;
                }
                writer.Add("tokenizer.ggml.model", GgufValue.String("gpt2"));
                writer.Add("tokenizer.ggml.pre", GgufValue.String(pre));
                writer.Add("tokenizer.ggml.tokens", GgufValue.Array(GgufValueType.String, tokens));
                writer.Add("tokenizer.ggml.token_type", GgufValue.Array(GgufValueType.Int32, types));
                writer.Add("tokenizer.ggml.merges", GgufValue.Array(GgufValueType.String,
                    bpe.Merges.Select(m => ByteLevelAlphabet.Encode(bpe.TokenBytes(m.Left)) + " " + ByteLevelAlphabet.Encode(bpe.TokenBytes(m.Right))).ToArray()));
                int? endOfText = bpe.SpecialTokens.TryGetValue("<|endoftext|>", out int e) ? e : bpe.SpecialTokens.Count > 0 ? bpe.SpecialTokens.Values.Min() : null;
                if (endOfText is { } eot)
                {
                    writer.Add("tokenizer.ggml.bos_token_id", GgufValue.UInt32((uint)eot));
                    writer.Add("tokenizer.ggml.eos_token_id", GgufValue.UInt32((uint)eot));
                }
                writer.Add("tokenizer.ggml.add_bos_token", GgufValue.Bool(false));
                break;
            }
            default:
                throw new NotSupportedException($"GGUF stores SentencePiece and byte-level BPE tokenizers; this one is '{tokenizer.Kind}'");
        }
        if (chatTemplate is not null) writer.Add("tokenizer.chat_template", GgufValue.String(chatTemplate));
    }
}
