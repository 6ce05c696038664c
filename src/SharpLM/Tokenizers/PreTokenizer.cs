using System.Text.RegularExpressions;

namespace SharpLM.Tokenizers;

/// <summary>
/// Pre-tokenization: cuts text into "words" (letters, numbers, punctuation runs, whitespace)
/// before BPE merges bytes inside each word. Merges never cross a word boundary.
/// </summary>
public abstract class PreTokenizer
{
    /// <summary>GPT-2 / r50k_base pattern, as tiktoken and the GPT-2 encoder.py write it.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>GPT-4 / cl100k_base pattern, as tiktoken writes it (possessive quantifiers).</summary>
    public const string Cl100kPattern = @"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+";

    /// <summary>Llama 3's pattern, as its tokenizer.json writes it (cuts text exactly as <see cref="Cl100kPattern"/>).</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The reference regex this pre-tokenizer implements (what tokenizer files record).</summary>
    public abstract string Pattern { get; }

    /// <summary>Appends (start, length) of every word of <paramref name="text"/>, in order.</summary>
    public abstract void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> pieces);

    /// <summary>The word pieces as strings (handy for tests and the learner's view).</summary>
    public List<string> SplitToStrings(string text)
    {
        var pieces = new List<(int, int)>();
        Split(text, pieces);
        return pieces.Select(p => text.Substring(p.Item1, p.Item2)).ToList();
    }

    /// <summary>The GPT-2 pre-tokenizer (hand-written, exact equivalent of <see cref="Gpt2Pattern"/>).</summary>
    public static PreTokenizer Gpt2 { get; } = new Gpt2PreTokenizer();

    /// <summary>The cl100k (GPT-4) pre-tokenizer (hand-written, exact equivalent of <see cref="Cl100kPattern"/>).</summary>
    public static PreTokenizer Cl100k { get; } = new Cl100kPreTokenizer();

    /// <summary>Llama 3's pre-tokenizer (hand-written; the cl100k scanner under Llama 3's pattern text).</summary>
    public static PreTokenizer Llama3 { get; } = new Llama3PreTokenizer();

    /// <summary>
    /// Picks the pre-tokenizer for a reference pattern: a fast hand-written scanner for GPT-2, cl100k and Llama 3, else a regex
    /// (checked against <see cref="RegexPatternLimits"/>; <paramref name="source"/> is the file it came from, named in errors).
    /// </summary>
    public static PreTokenizer FromPattern(string pattern, string? source = null) =>
        pattern == Gpt2Pattern ? Gpt2 : pattern == Cl100kPattern ? Cl100k : pattern == Llama3Pattern ? Llama3 : new RegexPreTokenizer(pattern, source);
}

/// <summary>
/// A pre-tokenizer driven by a .NET Regex. Possessive quantifiers (<c>?+</c>, <c>++</c>), which
/// .NET lacks, are rewritten as atomic groups. .NET matches UTF-16 units, so letters and digits
/// outside the Basic Multilingual Plane count as "other" here (the hand-written GPT-2 one has no such gap).
/// The pattern comes from a file, so it is bounded by <see cref="RegexPatternLimits"/> and each match by its timeout.
/// </summary>
public sealed class RegexPreTokenizer : PreTokenizer
{
    private readonly Regex _regex;
    private readonly string _source;

    /// <summary>
    /// Compiles a reference (Rust/PCRE-style) pattern read from <paramref name="source"/> (a file path, named in errors).
    /// A pattern past <see cref="RegexPatternLimits"/> or one .NET cannot parse is an <see cref="ArgumentException"/>.
    /// </summary>
    public RegexPreTokenizer(string pattern, string? source = null)
    {
        if (RegexPatternLimits.Problem(pattern) is string problem) throw new ArgumentException($"the pre-tokenizer pattern is refused: {problem}");
        Pattern = pattern;
        _source = source ?? "pre-tokenizer";
        _regex = RegexPatternLimits.Compile(ToDotNet(pattern));
    }

    /// <inheritdoc />
    public override string Pattern { get; }

    /// <inheritdoc />
    /// <exception cref="TokenizerFormatException">A match ran past <see cref="RegexPatternLimits.MatchTimeout"/> (a backtracking blow-up in the file's pattern).</exception>
    public override void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> pieces)
    {
        try
        {
            foreach (var m in _regex.EnumerateMatches(text)) pieces.Add((m.Index, m.Length));
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new TokenizerFormatException(_source, "pre_tokenizer pattern",
                $"matching a {text.Length}-character text took longer than {RegexPatternLimits.MatchTimeout.TotalMilliseconds:F0} ms (the pattern backtracks catastrophically): {Pattern}", e);
        }
    }

    /// <summary>Rewrites possessive quantifiers (X?+, X++, X*+, X{n,m}+) as .NET atomic groups (?>X?), X = one atom.</summary>
    internal static string ToDotNet(string pattern)
    {
        var sb = new System.Text.StringBuilder();
        int i = 0;
        while (i < pattern.Length)
        {
            int atomEnd = AtomEnd(pattern, i);
            string atom = pattern[i..atomEnd];
            i = atomEnd;
            if (atom is "|" or ")") { sb.Append(atom); continue; }
            if (atom.Length > 1 && atom[0] == '(' && atom[^1] == ')')
            {
                int prefix = GroupPrefixLength(atom);
                atom = atom[..prefix] + ToDotNet(atom[prefix..^1]) + ")";
            }
            int q = QuantifierEnd(pattern, i);
            string quant = pattern[i..q];
            i = q;
            if (quant.Length > 0 && i < pattern.Length && pattern[i] == '+')
            {
                sb.Append("(?>").Append(atom).Append(quant).Append(')');
                i++;
            }
            else sb.Append(atom).Append(quant);
        }
        return sb.ToString();
    }

    // One regex atom starting at i: an escape (with \p{..}), a [class], a (group) or a single character.
    private static int AtomEnd(string p, int i)
    {
        char c = p[i];
        if (c == '\\')
        {
            if (i + 2 < p.Length && p[i + 1] is 'p' or 'P' && p[i + 2] == '{') return p.IndexOf('}', i) + 1;
            return Math.Min(i + 2, p.Length);
        }
        if (c == '[')
        {
            int j = i + 1;
            if (j < p.Length && p[j] == '^') j++;
            if (j < p.Length && p[j] == ']') j++;
            while (j < p.Length && p[j] != ']') j += p[j] == '\\' ? 2 : p[j] == '[' ? AtomEnd(p, j) - j : 1;
            return Math.Min(j + 1, p.Length);
        }
        if (c == '(')
        {
            int depth = 0, j = i;
            for (; j < p.Length; j++)
            {
                if (p[j] == '\\') { j++; continue; }
                if (p[j] == '[') { j = AtomEnd(p, j) - 1; continue; }
                if (p[j] == '(') depth++;
                else if (p[j] == ')' && --depth == 0) return j + 1;
            }
            return p.Length;
        }
        return i + 1;
    }

    // Length of "(", "(?:", "(?!", "(?<=", "(?i:" … before a group's body.
    private static int GroupPrefixLength(string group)
    {
        if (group.Length < 2 || group[1] != '?') return 1;
        if (group.Length > 2 && group[2] is ':' or '!' or '=' or '>') return 3;
        if (group.Length > 3 && group[2] == '<' && group[3] is '!' or '=') return 4;
        int colon = group.IndexOf(':');
        return colon > 0 ? colon + 1 : 1;
    }

    private static int QuantifierEnd(string p, int i)
    {
        if (i >= p.Length) return i;
        if (p[i] is '?' or '+' or '*') return i + 1;
        if (p[i] == '{')
        {
            int e = p.IndexOf('}', i);
            if (e > i && p[(i + 1)..e].All(ch => char.IsAsciiDigit(ch) || ch == ',')) return e + 1;
        }
        return i;
    }
}
