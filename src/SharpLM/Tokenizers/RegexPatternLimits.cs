using System.Text.RegularExpressions;

namespace SharpLM.Tokenizers;

/// <summary>
/// Limits on the pre-tokenizer regex a tokenizer file may carry (tokenizer.json's <c>Split</c> pattern):
/// the pattern is code from a stranger, so it is bounded in size and shape before it is compiled, and
/// every match runs under <see cref="MatchTimeout"/>, so a catastrophically backtracking pattern
/// (<c>(a+)+$</c>) fails with a clear error instead of hanging encode. Normalizer <c>Replace</c> regexes
/// are never compiled: the readers only recognize the few fixed patterns SentencePiece files write.
/// </summary>
public static class RegexPatternLimits
{
    /// <summary>Longest pattern accepted, in characters (real ones — GPT-2, cl100k, Llama 3, Qwen2 — are under 300).</summary>
    public const int MaxPatternLength = 4096;

    /// <summary>Deepest nesting of groups accepted (real patterns nest at most 2).</summary>
    public const int MaxGroupNesting = 32;

    /// <summary>Largest bound in a <c>{n}</c>, <c>{n,}</c> or <c>{n,m}</c> repetition (real patterns use <c>{1,3}</c>).</summary>
    public const int MaxRepetition = 1000;

    /// <summary>How long one regex match may run before encode gives up on the pattern.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>Null when <paramref name="pattern"/> is inside the limits, else what is wrong with it.</summary>
    public static string? Problem(string pattern)
    {
        if (pattern.Length == 0) return "the pattern is empty";
        if (pattern.Length > MaxPatternLength) return $"the pattern is {pattern.Length} characters long; the limit is {MaxPatternLength}";
        int depth = 0;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\') { i++; continue; }
            if (c == '[') { i = ClassEnd(pattern, i); continue; }
            if (c == '(' && ++depth > MaxGroupNesting) return $"groups nest deeper than {MaxGroupNesting} at character {i}";
            if (c == ')') depth = Math.Max(0, depth - 1);
            if (c == '{' && RepetitionBound(pattern, i) is long bound && bound > MaxRepetition)
                return $"the repetition at character {i} asks for {bound} repeats; the limit is {MaxRepetition}";
        }
        return null;
    }

    /// <summary>Compiles <paramref name="dotNetPattern"/> with <see cref="MatchTimeout"/>; a pattern .NET cannot parse is an <see cref="ArgumentException"/> saying why.</summary>
    internal static Regex Compile(string dotNetPattern)
    {
        try { return new Regex(dotNetPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, MatchTimeout); }
        catch (RegexParseException e) { throw new ArgumentException($"the pre-tokenizer pattern is not a valid regex: {e.Message}", e); }
    }

    // The index of the ']' closing the character class that opens at i (or the last index).
    private static int ClassEnd(string p, int i)
    {
        int j = i + 1;
        if (j < p.Length && p[j] == '^') j++;
        if (j < p.Length && p[j] == ']') j++;
        for (; j < p.Length; j++)
        {
            if (p[j] == '\\') { j++; continue; }
            if (p[j] == ']') return j;
        }
        return p.Length - 1;
    }

    // The largest number in a {n}, {n,} or {n,m} quantifier starting at i, or null when '{' is a literal.
    private static long? RepetitionBound(string p, int i)
    {
        int end = p.IndexOf('}', i);
        if (end < 0) return null;
        var body = p.AsSpan(i + 1, end - i - 1);
        if (body.Length == 0 || !char.IsAsciiDigit(body[0])) return null;
        long largest = 0, current = 0;
        foreach (char ch in body)
        {
            if (char.IsAsciiDigit(ch)) { current = Math.Min(current * 10 + (ch - '0'), long.MaxValue / 20); largest = Math.Max(largest, current); }
            else if (ch == ',') current = 0;
            else return null;
        }
        return largest;
    }
}
