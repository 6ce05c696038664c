using System.Globalization;
using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// What SentencePiece's trainers learn from: every line normalized (▁ for spaces, dummy prefix),
/// cut into chunks no piece may cross — a ▁ starts a new chunk, a change of Unicode script or
/// between letters and digits ends one, each digit stands alone with split_digits, a character
/// outside the coverage set stands alone and is not learned — and counted. Also the "required
/// characters": those covering <see cref="SentencePieceTrainerOptions.CharacterCoverage"/> of all
/// character occurrences, most frequent first.
/// </summary>
internal sealed class SentencePieceTrainingCorpus
{
    /// <summary>Chunk text → occurrences.</summary>
    public readonly Dictionary<string, long> Chunks = new(StringComparer.Ordinal);

    /// <summary>Characters the vocabulary must contain, with their counts, most frequent first (ties: ordinal).</summary>
    public readonly List<(string Char, long Count)> RequiredChars = [];

    /// <summary>Counts the chunks of <paramref name="texts"/> (each line is a sentence).</summary>
    public SentencePieceTrainingCorpus(IEnumerable<string> texts, SentencePieceTrainerOptions options)
    {
        var userDefined = options.UserDefinedSymbols;
        var normalizer = new SentencePieceNormalizer(options.Normalizer, userDefined, "(training)");
        var sentences = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0) continue;
                var normalized = Encoding.UTF8.GetString(normalizer.Normalize(line));
                if (normalized.Length > 0) sentences[normalized] = sentences.GetValueOrDefault(normalized) + 1;
            }
        var charCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (var (s, count) in sentences)
            foreach (var r in s.EnumerateRunes())
            {
                var key = r.ToString();
                charCounts[key] = charCounts.GetValueOrDefault(key) + count;
                total += count;
            }
        var ordered = charCounts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        long covered = 0;
        var required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (c, n) in ordered)
        {
            if (covered >= options.CharacterCoverage * total) break;
            covered += n;
            required.Add(c);
            RequiredChars.Add((c, n));
        }
        foreach (var (s, count) in sentences) AddChunks(s, count, required, options);
    }

    private void AddChunks(string s, long count, HashSet<string> required, SentencePieceTrainerOptions options)
    {
        int start = 0, previousScript = -1;
        int i = 0;
        void Cut(int end)
        {
            if (end > start) Chunks[s[start..end]] = Chunks.GetValueOrDefault(s[start..end]) + count;
            start = end;
        }
        while (i < s.Length)
        {
            var rune = Rune.GetRuneAt(s, i);
            int width = rune.Utf16SequenceLength;
            string ch = s.Substring(i, width);
            int script = ScriptOf(rune, options.SplitDigits);
            if (rune.Value == 0x2581) { Cut(i); previousScript = -1; }
            else if (!required.Contains(ch) || script == Isolated) { Cut(i); i += width; Cut(i); previousScript = -1; continue; }
            else if (script == Inherited) { /* a combining mark joins the previous character's script */ }
            else if (previousScript >= 0 && script != previousScript) { Cut(i); previousScript = script; }
            else previousScript = script;
            i += width;
        }
        Cut(s.Length);
    }

    private const int Isolated = -2, Inherited = -3;

    // A coarse Unicode script: what SentencePiece's split_by_unicode_script and split_by_number keep apart.
    private static int ScriptOf(Rune r, bool splitDigits)
    {
        var cat = Rune.GetUnicodeCategory(r);
        if (cat is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.OtherNumber or UnicodeCategory.LetterNumber) return splitDigits && cat == UnicodeCategory.DecimalDigitNumber ? Isolated : 1;
        if (cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark) return Inherited;
        if (!Rune.IsLetter(r)) return 2; // "Common": punctuation, symbols, spaces
        int v = r.Value;
        if (v < 0x250 || (v >= 0x1E00 && v < 0x1F00)) return 10;      // Latin
        if (v >= 0x370 && v < 0x400) return 11;                        // Greek
        if (v >= 0x400 && v < 0x530) return 12;                        // Cyrillic
        if (v >= 0x3040 && v < 0x30A0) return 13;                      // Hiragana
        if (v >= 0x30A0 && v < 0x3100) return 14;                      // Katakana
        if ((v >= 0xAC00 && v < 0xD7B0) || (v >= 0x1100 && v < 0x1200) || (v >= 0x3130 && v < 0x3190)) return 15; // Hangul
        if ((v >= 0x4E00 && v < 0xA000) || (v >= 0x3400 && v < 0x4DC0) || (v >= 0x20000 && v < 0x31350)) return 16; // Han
        return 100 + (v >> 7);                                         // other letters: by 128-code-point block
    }
}
