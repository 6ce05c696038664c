using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace SharpLM.Training.Data;

/// <summary>
/// Summarization pairs from the manual pages installed on the machine (<c>/usr/share/man/man*/*.gz</c>):
/// each page's DESCRIPTION section (roff macros and escapes stripped, the first
/// <see cref="MaxWords"/> words) → its NAME line's one-line summary ("ls \- list directory
/// contents" → "list directory contents"). Grouped by the Debian package that installed the page
/// (from <c>/var/lib/dpkg/info/*.list</c>), so splits hold out whole packages.
/// </summary>
public static partial class ManPageCorpus
{
    /// <summary>Words of the description kept as the source.</summary>
    public const int MaxWords = 200;

    /// <summary>The English manual pages under <paramref name="root"/> (<c>man1</c> … <c>man9</c>, not translations).</summary>
    public static List<string> FindPages(string root = "/usr/share/man") =>
        !Directory.Exists(root) ? [] :
        Directory.EnumerateDirectories(root, "man*").SelectMany(d => Directory.EnumerateFiles(d, "*.gz")).Order(StringComparer.Ordinal).ToList();

    /// <summary>Which package installed each file, from dpkg's file lists (empty when there are none).</summary>
    public static Dictionary<string, string> PackageOwners(string dpkgInfo = "/var/lib/dpkg/info")
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(dpkgInfo)) return owners;
        foreach (var list in Directory.EnumerateFiles(dpkgInfo, "*.list").Order(StringComparer.Ordinal))
        {
            string package = Path.GetFileNameWithoutExtension(list).Split(':')[0];
            foreach (var line in File.ReadLines(list))
                if (line.StartsWith("/usr/share/man/", StringComparison.Ordinal)) owners.TryAdd(line, package);
        }
        return owners;
    }

    /// <summary>The pair of one page, or null when it has no usable NAME summary or DESCRIPTION (or is a <c>.so</c> redirect).</summary>
    public static TextPair? FromPage(string path, string group)
    {
        string roff;
        try
        {
            using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var reader = new StreamReader(gz, Encoding.UTF8);
            roff = reader.ReadToEnd();
        }
        catch (InvalidDataException) { return null; }
        return FromRoff(roff, group);
    }

    /// <summary>The pair of a page's roff source (man or mdoc macros), or null.</summary>
    public static TextPair? FromRoff(string roff, string group = "")
    {
        var sections = Sections(roff);
        if (!sections.TryGetValue("NAME", out var name) || !sections.TryGetValue("DESCRIPTION", out var description)) return null;
        string nameText = PlainText(name);
        int dash = nameText.IndexOf(" - ", StringComparison.Ordinal);
        string summary = dash >= 0 ? nameText[(dash + 3)..].Trim() : sections.TryGetValue("ND", out var nd) ? PlainText(nd) : "";
        if (summary.Length == 0 && dash < 0) return null;
        var words = PlainText(description).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 5 || summary.Length == 0) return null;
        return new TextPair(string.Join(' ', words.Take(MaxWords)), summary, group);
    }

    /// <summary>Section name (upper case) → its roff lines; mdoc's <c>.Nd</c> one-liner is kept as "ND".</summary>
    private static Dictionary<string, List<string>> Sections(string roff)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var raw in roff.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith(".so ", StringComparison.Ordinal)) return [];
            var m = SectionHeading().Match(line);
            if (m.Success)
            {
                string title = m.Groups[2].Value.Trim().Trim('"').ToUpperInvariant();
                current = sections.ContainsKey(title) ? null : sections[title] = [];
                continue;
            }
            if (line.StartsWith(".Nd ", StringComparison.Ordinal)) sections.TryAdd("ND", [line[4..]]);
            current?.Add(line);
        }
        return sections;
    }

    [GeneratedRegex(@"^\.(SH|Sh)\s+(.*)$")] private static partial Regex SectionHeading();
    [GeneratedRegex(@"\\f(\[[^\]]*\]|\(..|.)")] private static partial Regex FontEscape();
    [GeneratedRegex(@"\\\(..|\\\[[^\]]*\]|\\[*n]\(..|\\[*n].|\\s[-+]?\d|\\[&|^%:)c]")] private static partial Regex OtherEscape();

    /// <summary>Roff lines → plain text: requests dropped (their text arguments kept for font macros), escapes decoded or removed.</summary>
    public static string PlainText(IEnumerable<string> lines)
    {
        var sb = new StringBuilder();
        foreach (var line in lines)
        {
            if (line.StartsWith(".\\\"", StringComparison.Ordinal) || line.StartsWith("'\\\"", StringComparison.Ordinal)) continue;   // comments
            string text = line;
            if (text.StartsWith('.') || text.StartsWith('\''))
            {
                var parts = text[1..].Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 2) continue;                       // .PP, .br, .TP, …: no text
                string macro = parts[0];
                // Font and mdoc macros carry text; other requests (.TH, .de, .ds, .if, .nr …) do not.
                if (macro is "B" or "I" or "BR" or "BI" or "IB" or "IR" or "RB" or "RI" or "SM" or "SB" or "IP" or "TP" or "Nm" or "Ar" or "Fl" or "Cm" or "Pa" or "Xr" or "Em" or "Sy" or "Dq" or "Ql" or "Li" or "Va" or "Ev" or "Nd")
                    text = string.Join(' ', parts[1].Replace("\"", "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                        .Where(w => !(macro is "Nm" or "Ar" or "Fl" or "Cm" or "Pa" or "Xr" or "Em" or "Sy" or "Dq" or "Ql" or "Li" or "Va" or "Ev") || w is not ("Ns" or "No" or "Pq" or "Op")));
                else continue;
            }
            text = FontEscape().Replace(text, "");
            text = text.Replace("\\-", "-").Replace("\\(em", "—").Replace("\\(en", "–").Replace("\\e", "\\").Replace("\\ ", " ").Replace("\\~", " ");
            text = OtherEscape().Replace(text, "");
            text = text.Replace("\\\\", "\\");
            sb.Append(text).Append(' ');
        }
        return TextPairFile.OneLine(sb.ToString());
    }
}
