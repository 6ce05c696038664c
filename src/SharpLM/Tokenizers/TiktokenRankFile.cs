using SharpLM.Formats;
using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// Reads and writes tiktoken rank files (e.g. <c>r50k_base.tiktoken</c>): one line per token,
/// <c>base64(token bytes) SP rank</c>. The rank is both the token's id and its merge priority;
/// merge rules are every split of a token into two tokens, ranked by the merged token.
/// Bad files throw <see cref="TokenizerFormatException"/> naming the file and line (limits: <see cref="TokenizerLimits"/>).
/// </summary>
public static class TiktokenRankFile
{
    /// <summary>Loads a rank file; <paramref name="pattern"/> is the pre-tokenization regex (GPT-2's by default).</summary>
    public static BpeTokenizer Load(string path, IReadOnlyDictionary<string, int>? specialTokens = null, string? pattern = null)
    {
        var byRank = new Dictionary<int, byte[]>();
        var byText = new Dictionary<string, int>(); // default comparer: fast non-randomized hashing for span lookups
        TokenizerLimits.CheckFileSize(path);
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            int sp = line.IndexOf(' ');
            if (sp <= 0 || line.IndexOf(' ', sp + 1) >= 0)
                throw new TokenizerFormatException(path, $"line {lineNo}", "expected 'base64 rank' (two fields separated by one space)");
            byte[] bytes;
            try { bytes = Convert.FromBase64String(line[..sp]); }
            catch (FormatException e) { throw new TokenizerFormatException(path, $"line {lineNo}", $"'{line[..sp]}' is not valid base64", e); }
            if (bytes.Length == 0) throw new TokenizerFormatException(path, $"line {lineNo}", "a token must have at least one byte");
            if (!int.TryParse(line.AsSpan(sp + 1), System.Globalization.NumberStyles.None, null, out int rank))
                throw new TokenizerFormatException(path, $"line {lineNo}", $"rank '{line[(sp + 1)..]}' is not a non-negative integer");
            if (rank >= TokenizerLimits.MaxVocabSize) throw new TokenizerFormatException(path, $"line {lineNo}", TokenizerLimits.IdTooLarge(rank));
            if (!byRank.TryAdd(rank, bytes)) throw new TokenizerFormatException(path, $"line {lineNo}", $"rank {rank} appears twice");
            var key = Encoding.Latin1.GetString(bytes);
            if (!byText.TryAdd(key, rank)) throw new TokenizerFormatException(path, $"line {lineNo}", $"token bytes repeat those of rank {byText[key]}");
        }
        if (byRank.Count == 0) throw new TokenizerFormatException(path, "line 1", "the file has no tokens");
        // The id table is sized by the largest rank (and special id): check it against the entries first.
        int maxId = Math.Max(byRank.Keys.Max(), specialTokens is { Count: > 0 } ? specialTokens.Values.Max() : 0);
        TokenizerLimits.CheckIdTable(path, "ranks", maxId, byRank.Count + (specialTokens?.Count ?? 0));
        var tokens = new List<byte[]?>(new byte[]?[byRank.Keys.Max() + 1]);
        foreach (var (rank, bytes) in byRank) tokens[rank] = bytes;
        for (int b = 0; b < 256; b++)
            if (!byText.ContainsKey(((char)b).ToString()))
                throw new TokenizerFormatException(path, "ranks", $"no token for the single byte 0x{b:X2}; byte-level BPE needs all 256");
        if (specialTokens is not null)
            foreach (var (s, id) in specialTokens)
                if (id < tokens.Count && tokens[id] is not null)
                    throw new TokenizerFormatException(path, $"special token {s}", $"id {id} is already the rank of an ordinary token");
        PreTokenizer preTokenizer;
        try { preTokenizer = PreTokenizer.FromPattern(pattern ?? PreTokenizer.Gpt2Pattern, path); }
        catch (ArgumentException e) { throw new TokenizerFormatException(path, "pre-tokenizer pattern", e.Message, e); }
        return new BpeTokenizer(tokens, MergesFromRanks(tokens, byText), preTokenizer, specialTokens)
        {
            WholeWordShortcut = true,
        };
    }

    /// <summary>Every way to split a token into two tokens, as a merge ranked by the whole token (tiktoken's rule).</summary>
    internal static List<BpeMerge> MergesFromRanks(IReadOnlyList<byte[]?> tokens, Dictionary<string, int> byText)
    {
        var merges = new List<BpeMerge>();
        var lookup = byText.GetAlternateLookup<ReadOnlySpan<char>>();
        for (int id = 0; id < tokens.Count; id++)
        {
            var bytes = tokens[id];
            if (bytes is null || bytes.Length < 2) continue;
            var text = Encoding.Latin1.GetString(bytes).AsSpan();
            for (int k = 1; k < text.Length; k++)
                if (lookup.TryGetValue(text[..k], out int left) && lookup.TryGetValue(text[k..], out int right))
                    merges.Add(new BpeMerge(left, right, id, id));
        }
        return merges;
    }

    /// <summary>Writes the ordinary tokens of a byte-level BPE tokenizer as a rank file (ids become ranks).</summary>
    public static void Save(BpeTokenizer tokenizer, string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            for (int id = 0; id < tokenizer.VocabSize; id++)
            {
                if (tokenizer.IsSpecial(id)) continue;
                var b = tokenizer.TokenBytes(id);
                if (b.Length > 0) w.WriteLine($"{Convert.ToBase64String(b)} {id}");
            }
        });
    }
}
