using System.Text.RegularExpressions;

namespace SharpLM.Adapters;

/// <summary>
/// Chooses parameters by name for freezing and parameter groups. A pattern is a glob over the dotted
/// parameter name (<c>*</c> any run of characters, <c>?</c> one character): <c>h.11.*</c>,
/// <c>*.bias</c>, <c>*ln_*</c>. A pattern without wildcards names a parameter or a whole module:
/// <c>ln_f</c> matches <c>ln_f.weight</c> and <c>ln_f.bias</c>; <c>h.1</c> matches <c>h.1.…</c> but not <c>h.10.…</c>.
/// </summary>
public sealed class NamePattern
{
    private readonly Regex _regex;

    /// <summary>Compiles <paramref name="pattern"/>; throws naming it when it is empty.</summary>
    public NamePattern(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern)) throw new ArgumentException("a parameter name pattern must not be empty.", nameof(pattern));
        Pattern = pattern.Trim();
        bool glob = Pattern.Contains('*') || Pattern.Contains('?');
        string body = string.Concat(Pattern.Select(c => c switch { '*' => ".*", '?' => ".", _ => Regex.Escape(c.ToString()) }));
        _regex = new Regex(glob ? $"^{body}$" : $"^{body}(\\..+)?$", RegexOptions.CultureInvariant);
    }

    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }

    /// <summary>Whether <paramref name="name"/> (a parameter name) matches.</summary>
    public bool Matches(string name) => _regex.IsMatch(name);

    /// <summary>Whether any of <paramref name="patterns"/> matches <paramref name="name"/>.</summary>
    public static bool Any(IEnumerable<NamePattern> patterns, string name) => patterns.Any(p => p.Matches(name));

    /// <inheritdoc />
    public override string ToString() => Pattern;
}
