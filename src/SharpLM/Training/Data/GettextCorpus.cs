using System.Text.RegularExpressions;
using SharpLM.Formats;

namespace SharpLM.Training.Data;

/// <summary>The three splits of a parallel corpus, each a list of whole groups (catalogs or packages), never random lines.</summary>
public sealed record CorpusSplits(List<TextPair> Train, List<TextPair> Validation, List<TextPair> Test, List<string> ValidationGroups, List<string> TestGroups);

/// <summary>
/// English → LANG sentence pairs from the gettext catalogs installed on the machine
/// (<c>/usr/share/locale/LANG/LC_MESSAGES/*.mo</c>): translations of program messages made by
/// people. Pairs are cleaned (accelerator marks removed, whitespace collapsed, format specifiers
/// kept as they are), deduplicated, and split by catalog so whole programs are held out.
/// </summary>
public static partial class GettextCorpus
{
    /// <summary>Where Debian installs catalogs.</summary>
    public const string LocaleRoot = "/usr/share/locale";

    /// <summary>The .mo files of <paramref name="language"/> under <paramref name="root"/> (LANG and LANG_* variants such as de_DE), sorted.</summary>
    public static List<string> FindCatalogs(string language, string root = LocaleRoot)
    {
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateDirectories(root)
            .Where(d => Path.GetFileName(d) == language || Path.GetFileName(d).StartsWith(language + "_", StringComparison.Ordinal) || Path.GetFileName(d).StartsWith(language + "@", StringComparison.Ordinal))
            .SelectMany(d => Directory.Exists(Path.Combine(d, "LC_MESSAGES")) ? Directory.EnumerateFiles(Path.Combine(d, "LC_MESSAGES"), "*.mo") : [])
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The cleaned pairs of one catalog (group = the catalog's name, e.g. <c>coreutils</c>).</summary>
    public static IEnumerable<TextPair> Pairs(string moPath)
    {
        string group = Path.GetFileNameWithoutExtension(moPath);
        foreach (var m in GettextMo.Read(moPath))
        {
            if (m.Translations.Count == 0) continue;
            if (Clean(m.Id, m.Translations[0]) is { } first) yield return first with { Group = group };
            if (m.IdPlural is not null && m.Translations.Count > 1 && Clean(m.IdPlural, m.Translations[1]) is { } plural) yield return plural with { Group = group };
        }
    }

    /// <summary>
    /// A cleaned pair, or null when it is not useful: accelerator marks (<c>_File</c>, <c>&amp;Open</c>,
    /// Korean's <c>(_F)</c>) removed, whitespace collapsed; dropped when empty, untranslated (target = source),
    /// longer than 400 characters, or without a letter.
    /// </summary>
    public static TextPair? Clean(string source, string target)
    {
        string s = TextPairFile.OneLine(RemoveAccelerators(source)), t = TextPairFile.OneLine(RemoveAccelerators(target));
        if (s.Length == 0 || t.Length == 0 || s == t || s.Length > 400 || t.Length > 400) return null;
        if (!s.Any(char.IsLetter)) return null;
        return new TextPair(s, t);
    }

    [GeneratedRegex(@"\(\s*[_&][A-Za-z0-9]\s*\)")] private static partial Regex BracketedAccelerator();
    [GeneratedRegex(@"(?<![_&\w])[_&](?=\w)")] private static partial Regex AcceleratorMark();

    /// <summary>Removes keyboard accelerator marks: a bracketed "(_F)" after a translation, or a '_' / '&amp;' starting a word.</summary>
    public static string RemoveAccelerators(string text)
    {
        text = BracketedAccelerator().Replace(text, "");
        return text.Contains("&amp;") || text.Contains("&&") ? text : AcceleratorMark().Replace(text, "");
    }

    /// <summary>
    /// Deduplicates and splits pairs by group: groups are ordered by a stable hash of their name and
    /// dealt to test and validation until each holds about <paramref name="heldOutFraction"/> of the
    /// pairs; the rest train. Pairs whose source also occurs in a held-out split are removed from train.
    /// </summary>
    public static CorpusSplits Split(IEnumerable<TextPair> pairs, double heldOutFraction = 0.1)
    {
        var unique = new List<TextPair>();
        var seen = new HashSet<(string, string)>();
        foreach (var p in pairs) if (seen.Add((p.Source, p.Target))) unique.Add(p);
        var groups = unique.GroupBy(p => p.Group).OrderBy(g => StableHash(g.Key)).ToList();
        long budget = (long)Math.Ceiling(unique.Count * heldOutFraction);
        var test = new List<TextPair>(); var validation = new List<TextPair>(); var train = new List<TextPair>();
        var testGroups = new List<string>(); var validationGroups = new List<string>();
        foreach (var g in groups)
        {
            // Deal small and mid-sized groups; a group bigger than the whole budget stays in train.
            if (test.Count < budget && g.Count() <= budget) { test.AddRange(g); testGroups.Add(g.Key); }
            else if (validation.Count < budget && g.Count() <= budget) { validation.AddRange(g); validationGroups.Add(g.Key); }
            else train.AddRange(g);
        }
        var heldOutSources = test.Concat(validation).Select(p => p.Source).ToHashSet();
        train.RemoveAll(p => heldOutSources.Contains(p.Source));
        var testSources = test.Select(p => p.Source).ToHashSet();
        validation.RemoveAll(p => testSources.Contains(p.Source));
        return new CorpusSplits(train, validation, test, validationGroups, testGroups);
    }

    /// <summary>FNV-1a of a string: the same order on every machine and run.</summary>
    public static ulong StableHash(string text)
    {
        var h = new Fingerprint();
        foreach (char c in text) h.Add(c);
        return h.Value;
    }
}
