using System.Text;

namespace SharpLM.Tests.Tokenizers;

/// <summary>Random valid (and invalid) UTF-16 strings mixing ASCII, whitespace, accents, CJK, Hangul and astral characters.</summary>
internal static class RandomText
{
    private static readonly string[] Pool =
    [
        "a", "b", "z", "Q", "'", "'s", "'ll", " ", "  ", "\n", "\t", "\r\n", "0", "7", "42", ".", ",", "!", "?", "-", "_", "(", ")",
        "é", "ñ", "Å", "\u0301", "中", "文", "한", "국", "ア", "\u00a0", "\u3000", "\u2028", "\u0085", "\u000b", "\u0000", "\u001f",
        "😀", "👍", "𝐀", "𝟙", "\U00020000", "\ufeff", "½", "٣", "ß", "İ",
    ];

    public static string Valid(Random rng, int parts)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < parts; i++)
        {
            if (rng.Next(8) == 0)
            {
                // Any scalar value, astral ones included (never a surrogate code point).
                int cp;
                do cp = rng.Next(0x30000); while (cp is >= 0xD800 and <= 0xDFFF);
                sb.Append(char.ConvertFromUtf32(cp));
            }
            else sb.Append(Pool[rng.Next(Pool.Length)]);
        }
        return sb.ToString();
    }
}
