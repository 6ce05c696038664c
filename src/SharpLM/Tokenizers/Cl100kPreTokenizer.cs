namespace SharpLM.Tokenizers;

/// <summary>
/// A hand-written scanner that cuts text exactly as GPT-4's cl100k regex
/// <c>'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+</c>
/// does: contractions in any case, one optional non-letter glued before a word, digits in groups
/// of at most three, punctuation runs that keep their trailing newlines. Reads whole code points,
/// so letters and digits outside the Basic Multilingual Plane count as in the reference.
/// </summary>
internal sealed class Cl100kPreTokenizer : ScanningPreTokenizer
{
    private const byte Other = Gpt2PreTokenizer.Other, Letter = Gpt2PreTokenizer.Letter,
        Number = Gpt2PreTokenizer.Number, Space = Gpt2PreTokenizer.Space;

    /// <inheritdoc />
    public override string Pattern => Cl100kPattern;

    /// <inheritdoc />
    internal override int NextPieceLength(ReadOnlySpan<char> text, int i)
    {
        int n = text.Length;
        char c = text[i];
        if (c == '\'' && i + 1 < n)
        {
            // (?i) folds case the Unicode way: 's' also matches 'S' and 'ſ' (U+017F).
            char d = text[i + 1];
            if (d is 's' or 'S' or '\u017F' or 'd' or 'D' or 'm' or 'M' or 't' or 'T') return 2;
            if (i + 2 < n)
            {
                char e = char.ToLowerInvariant(text[i + 2]);
                char dl = char.ToLowerInvariant(d);
                if ((dl == 'l' && e == 'l') || (dl == 'v' && e == 'e') || (dl == 'r' && e == 'e')) return 3;
            }
        }
        byte cls = Gpt2PreTokenizer.ClassAt(text, i, out int width);
        // [^\r\n\p{L}\p{N}]?+\p{L}+ : a letter run, optionally led by one non-letter, non-digit, non-newline.
        if (cls == Letter) return Run(text, i + width, Letter) - i;
        if (cls != Number && c != '\r' && c != '\n' && i + width < n && Gpt2PreTokenizer.ClassAt(text, i + width, out _) == Letter)
            return Run(text, i + width, Letter) - i;
        // \p{N}{1,3}
        if (cls == Number)
        {
            int j = i + width;
            for (int count = 1; count < 3 && j < n && Gpt2PreTokenizer.ClassAt(text, j, out int w) == Number; count++) j += w;
            return j - i;
        }
        // " ?[^\s\p{L}\p{N}]++[\r\n]*" : punctuation run (optionally after one space), then any newlines.
        int start = i;
        if (c == ' ' && i + 1 < n && Gpt2PreTokenizer.ClassAt(text, i + 1, out _) == Other) { i++; cls = Other; }
        if (cls == Other)
        {
            int j = Run(text, i, Other);
            while (j < n && text[j] is '\r' or '\n') j++;
            return j - start;
        }
        // Whitespace. "\s*[\r\n]": up to the last newline of the run, if it has one.
        int end = i, lastNewline = -1;
        while (end < n && Gpt2PreTokenizer.ClassAt(text, end, out _) == Space)
        {
            if (text[end] is '\r' or '\n') lastNewline = end;
            end++;
        }
        if (lastNewline >= 0) return lastNewline + 1 - i;
        // "\s+(?!\S)" then "\s+", as in GPT-2's pattern.
        if (end == n) return end - i;
        int run = end - i;
        return run >= 2 ? run - 1 : 1;
    }

    private static int Run(ReadOnlySpan<char> text, int j, byte cls)
    {
        while (j < text.Length && Gpt2PreTokenizer.ClassAt(text, j, out int w) == cls) j += w;
        return j;
    }
}
