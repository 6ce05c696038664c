using SharpLM.Formats;
using System.Text;
using System.Text.Json;

namespace SharpLM.Tokenizers;

/// <summary>
/// Reads and writes the original GPT-2 file pair: <c>vocab.json</c> ({token string: id}, tokens
/// spelled with <see cref="ByteLevelAlphabet"/>) and <c>merges.txt</c> ("#version" header, then
/// one "left right" merge per line, earliest first). Merge order is the classic GPT-2 rule.
/// Bad files throw <see cref="TokenizerFormatException"/> naming the file and entry (limits: <see cref="TokenizerLimits"/>).
/// </summary>
public static class Gpt2VocabFiles
{
    /// <summary>Loads a folder's vocab.json + merges.txt (+ special_tokens.json if present).</summary>
    public static BpeTokenizer LoadFolder(string folder)
    {
        var specialsPath = Path.Combine(folder, "special_tokens.json");
        var specials = File.Exists(specialsPath) ? ReadSpecialTokens(specialsPath) : null;
        return Load(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"), specials);
    }

    /// <summary>
    /// Loads vocab.json + merges.txt. Special tokens come from <paramref name="specialTokens"/>;
    /// when none are given, a vocabulary entry "&lt;|endoftext|&gt;" is treated as special (GPT-2's one).
    /// </summary>
    public static BpeTokenizer Load(string vocabPath, string mergesPath, IReadOnlyDictionary<string, int>? specialTokens = null, string? pattern = null)
    {
        var vocab = ReadVocab(vocabPath);
        var specials = new Dictionary<string, int>();
        if (specialTokens is not null)
            foreach (var (s, id) in specialTokens) specials[s] = id;
        else if (vocab.TryGetValue("<|endoftext|>", out int eot)) specials["<|endoftext|>"] = eot;
        foreach (var (s, id) in specials)
            if (vocab.TryGetValue(s, out int vid) && vid != id)
                throw new TokenizerFormatException(vocabPath, $"\"{s}\"", $"special token has id {vid} here but {id} in special_tokens.json");

        int size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        int maxSpecial = specials.Count == 0 ? -1 : specials.Values.Max();
        TokenizerLimits.CheckIdTable(vocabPath, "ids", Math.Max(size - 1, maxSpecial), vocab.Count + specials.Count);
        var tokens = new byte[]?[size];
        foreach (var (text, id) in vocab)
        {
            if (specials.ContainsKey(text)) continue;
            if (!ByteLevelAlphabet.TryDecode(text, out var bytes) || bytes.Length == 0)
                throw new TokenizerFormatException(vocabPath, $"\"{text}\"", "not a byte-level token (has a character outside GPT-2's 256 byte stand-ins)");
            if (tokens[id] is not null) throw new TokenizerFormatException(vocabPath, $"\"{text}\"", $"id {id} is used twice");
            tokens[id] = bytes;
        }
        var merges = ReadMerges(mergesPath, vocab);
        PreTokenizer preTokenizer;
        try { preTokenizer = PreTokenizer.FromPattern(pattern ?? PreTokenizer.Gpt2Pattern, vocabPath); }
        catch (ArgumentException e) { throw new TokenizerFormatException(vocabPath, "pre-tokenizer pattern", e.Message, e); }
        try { return new BpeTokenizer(tokens, merges, preTokenizer, specials); }
        catch (ArgumentException e) { throw new TokenizerFormatException(vocabPath, "vocabulary", e.Message, e); }
    }

    /// <summary>Reads a {"token": id} JSON object; errors name the file and the offending entry.</summary>
    internal static Dictionary<string, int> ReadVocab(string path)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var doc = JsonLimits.ParseFile(path, JsonLimits.MaxTokenizerFileBytes, (where, problem) => new TokenizerFormatException(path, where, problem)))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new TokenizerFormatException(path, "root", "expected a JSON object {\"token\": id, ...}");
            ReadVocabObject(doc.RootElement, path, "", vocab);
        }
        return vocab;
    }

    /// <summary>Fills <paramref name="vocab"/> from a JSON object of token → non-negative id.</summary>
    internal static void ReadVocabObject(JsonElement obj, string path, string field, Dictionary<string, int> vocab)
    {
        var seenIds = new HashSet<int>();
        foreach (var p in obj.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
                throw new TokenizerFormatException(path, $"{field}\"{p.Name}\"", $"expected a non-negative integer id, found {p.Value.GetRawText()}");
            if (id >= TokenizerLimits.MaxVocabSize) throw new TokenizerFormatException(path, $"{field}\"{p.Name}\"", TokenizerLimits.IdTooLarge(id));
            if (!vocab.TryAdd(p.Name, id)) throw new TokenizerFormatException(path, $"{field}\"{p.Name}\"", "token appears twice");
            if (!seenIds.Add(id)) throw new TokenizerFormatException(path, $"{field}\"{p.Name}\"", $"id {id} is used by two tokens");
        }
    }

    /// <summary>Reads merges.txt: "left right" per line; rank = line order after the optional "#version" header.</summary>
    internal static List<BpeMerge> ReadMerges(string path, IReadOnlyDictionary<string, int> vocab)
    {
        var merges = new List<BpeMerge>();
        TokenizerLimits.CheckFileSize(path);
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (lineNo == 1 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
            if (line.Length == 0) continue;
            merges.Add(ParseMerge(line, vocab, merges.Count, path, $"line {lineNo}"));
        }
        return merges;
    }

    /// <summary>Checks one "left right" merge against the vocabulary and turns it into ids.</summary>
    internal static BpeMerge ParseMerge(string line, IReadOnlyDictionary<string, int> vocab, int rank, string path, string where)
    {
        var parts = line.Split(' ');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new TokenizerFormatException(path, where, $"expected 'left right' (two tokens separated by one space), found '{line}'");
        return MergeOf(parts[0], parts[1], vocab, rank, path, where);
    }

    /// <summary>Turns a (left, right) token pair into ids; the merged token must be in the vocabulary.</summary>
    internal static BpeMerge MergeOf(string left, string right, IReadOnlyDictionary<string, int> vocab, int rank, string path, string where)
    {
        if (!vocab.TryGetValue(left, out int l)) throw new TokenizerFormatException(path, where, $"'{left}' is not in the vocabulary");
        if (!vocab.TryGetValue(right, out int r)) throw new TokenizerFormatException(path, where, $"'{right}' is not in the vocabulary");
        if (!vocab.TryGetValue(left + right, out int id)) throw new TokenizerFormatException(path, where, $"merged token '{left + right}' is not in the vocabulary");
        return new BpeMerge(l, r, id, rank);
    }

    /// <summary>Reads special_tokens.json: {"&lt;|endoftext|&gt;": 50256, ...}.</summary>
    public static Dictionary<string, int> ReadSpecialTokens(string path)
    {
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        using var doc = JsonLimits.ParseFile(path, JsonLimits.MaxSmallFileBytes, (where, problem) => new TokenizerFormatException(path, where, problem));
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new TokenizerFormatException(path, "root", "expected a JSON object {\"token\": id}");
        ReadVocabObject(doc.RootElement, path, "", specials);
        return specials;
    }

    /// <summary>Writes vocab.json and merges.txt for a byte-level BPE tokenizer into <paramref name="folder"/>.</summary>
    public static void Save(BpeTokenizer tokenizer, string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, "vocab.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
            w.WriteStartObject();
            for (int id = 0; id < tokenizer.VocabSize; id++)
                w.WriteNumber(VocabString(tokenizer, id), id);
            w.WriteEndObject();
        });
        AtomicFile.Write(Path.Combine(folder, "merges.txt"), stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            w.WriteLine("#version: 0.2");
            foreach (var m in tokenizer.Merges)
                w.WriteLine($"{VocabString(tokenizer, m.Left)} {VocabString(tokenizer, m.Right)}");
        });
    }

    /// <summary>How a token is spelled in vocabulary files: special tokens as-is, others through the byte stand-ins.</summary>
    internal static string VocabString(BpeTokenizer tokenizer, int id) =>
        tokenizer.IsSpecial(id) ? tokenizer.SpecialTokens.First(kv => kv.Value == id).Key : ByteLevelAlphabet.Encode(tokenizer.TokenBytes(id));
}
