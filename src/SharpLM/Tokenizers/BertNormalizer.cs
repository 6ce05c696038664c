using System.Globalization;
using System.Text;

namespace SharpLM.Tokenizers;

/// <summary>
/// BERT's text clean-up before WordPiece, and its split into words: drop control characters,
/// turn every whitespace into a space, put spaces around CJK ideographs (each becomes its own
/// word), optionally lowercase and strip accents (é → e), then split on whitespace and make
/// every punctuation character a word of its own.
/// </summary>
public sealed record BertNormalizer(bool Lowercase = true, bool? StripAccents = null, bool CleanText = true, bool HandleChineseChars = true)
{
    /// <summary>Accents are stripped when asked, or by default whenever lowercasing (as BERT does).</summary>
    public bool StripsAccents => StripAccents ?? Lowercase;

    /// <summary>Applies clean-up, CJK spacing, accent stripping and lowercasing, in BERT's order.</summary>
    public string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var rune in Runes(text))
        {
            int cp = rune.Value;
            if (CleanText)
            {
                if (cp == 0 || cp == 0xFFFD || IsControl(rune)) continue;
                if (IsWhiteSpace(cp)) { sb.Append(' '); continue; }
            }
            if (HandleChineseChars && IsCjk(cp)) { sb.Append(' ').Append(rune.ToString()).Append(' '); continue; }
            sb.Append(rune.ToString());
        }
        var s = sb.ToString();
        if (StripsAccents) s = RemoveAccents(s);
        if (Lowercase) s = s.ToLowerInvariant();
        return s;
    }

    /// <summary>Normalizes, then splits into words: whitespace separates, punctuation stands alone.</summary>
    public List<string> SplitWords(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        void Flush() { if (current.Length > 0) { words.Add(current.ToString()); current.Clear(); } }
        foreach (var rune in Runes(Normalize(text)))
        {
            if (IsWhiteSpace(rune.Value)) { Flush(); continue; }
            if (IsPunctuation(rune)) { Flush(); words.Add(rune.ToString()); continue; }
            current.Append(rune.ToString());
        }
        Flush();
        return words;
    }

    // A lone surrogate becomes U+FFFD (and is then dropped by clean-up, as BERT drops U+FFFD).
    private static IEnumerable<Rune> Runes(string text)
    {
        for (int i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int used);
            yield return rune;
            i += used;
        }
    }

    /// <summary>NFD, then drop combining marks (category Mn); Hangul syllables split into jamo, as NFD does.</summary>
    internal static string RemoveAccents(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in Runes(text))
        {
            int cp = rune.Value;
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark) continue;
            if (cp >= 0xAC00 && cp <= 0xD7A3) { AppendHangulJamo(sb, cp); continue; }
            if (BertAccentTable.Map.TryGetValue(cp, out var stripped)) sb.Append(stripped);
            else sb.Append(rune.ToString());
        }
        return sb.ToString();
    }

    // Unicode's arithmetic decomposition of a precomposed Hangul syllable into leading, vowel and trailing jamo.
    private static void AppendHangulJamo(StringBuilder sb, int cp)
    {
        int s = cp - 0xAC00;
        sb.Append((char)(0x1100 + s / (21 * 28)));
        sb.Append((char)(0x1161 + s % (21 * 28) / 28));
        if (s % 28 != 0) sb.Append((char)(0x11A7 + s % 28));
    }

    /// <summary>BERT's whitespace: tab, newline, carriage return, and Unicode White_Space.</summary>
    internal static bool IsWhiteSpace(int cp) => Gpt2PreTokenizer.IsWhiteSpace(cp);

    private static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    /// <summary>BERT's punctuation: ASCII symbols like $ + &lt; ^ ` | ~ count too, plus every Unicode P* character.</summary>
    internal static bool IsPunctuation(Rune r)
    {
        int cp = r.Value;
        if (cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126)) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK Unified Ideograph blocks BERT splits into single characters.</summary>
    internal static bool IsCjk(int cp) => cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF)
        or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F)
        or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
