using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using SharpLM.Cli.Commands;
using SharpLM.Training;

namespace SharpLM.Cli.Data;

/// <summary>One documentation summary of the .NET SDK: its plain text, the spans its markup marked, and where it came from.</summary>
/// <param name="Assembly">The documented assembly (the XML file's name), the unit of the train/validation/test split.</param>
/// <param name="Member">The documented member id (<c>T:System.String</c>, <c>M:System.String.Split(System.Char)</c>, …).</param>
/// <param name="Namespace">The member's namespace.</param>
/// <param name="Text">The summary as plain text (whitespace collapsed).</param>
/// <param name="Entities">Character spans of the text with their type: TYPE, MEMBER, PARAM or KEYWORD.</param>
public sealed record SdkSummary(string Assembly, string Member, string Namespace, string Text, IReadOnlyList<EntitySpan> Entities)
{
    /// <summary>The API area: the namespace's first two components (<c>System.Collections</c>), or the whole namespace when shorter.</summary>
    public string Area => string.Join('.', Namespace.Split('.').Take(2));
}

/// <summary>
/// Reads the .NET SDK's XML API documentation (found as the quickstart corpus finds it) into
/// summaries whose markup becomes named-entity spans: <c>&lt;see cref="T:…"/&gt;</c> → TYPE;
/// <c>M:</c>, <c>P:</c>, <c>F:</c>, <c>E:</c> crefs → MEMBER; <c>&lt;paramref&gt;</c> and
/// <c>&lt;typeparamref&gt;</c> → PARAM; <c>&lt;see langword&gt;</c> → KEYWORD. The entity's text
/// is the text shown for the markup.
/// </summary>
public static partial class SdkDocs
{
    /// <summary>The documentation files of this machine's SDK; throws a clear error when there are none.</summary>
    public static IReadOnlyList<string> Files()
    {
        var files = QuickstartCorpus.FindDocumentationFiles();
        if (files.Count == 0)
            throw new CliException("no .NET SDK XML documentation found (looked for <dotnet root>/packs/Microsoft.NETCore.App.Ref/<version>/ref/net*/*.xml; set DOTNET_ROOT).");
        return files;
    }

    /// <summary>
    /// Every documented member of <paramref name="files"/> with its assembly name and member id
    /// (e.g. <c>M:System.String.IsNullOrEmpty(System.String)</c>); files that are not readable XML are skipped.
    /// </summary>
    public static IEnumerable<(string Assembly, string Id, XElement Member)> Members(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            XDocument doc;
            try { doc = XDocument.Load(file); }
            catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException) { continue; }
            string assembly = (string?)doc.Root?.Element("assembly")?.Element("name") ?? Path.GetFileNameWithoutExtension(file);
            foreach (var member in doc.Descendants("member"))
                yield return (assembly, (string?)member.Attribute("name") ?? "", member);
        }
    }

    /// <summary>Every summary of <paramref name="files"/> with at least 12 characters, identical texts kept once (the first).</summary>
    public static List<SdkSummary> ReadSummaries(IEnumerable<string> files)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<SdkSummary>();
        foreach (var (assembly, id, member) in Members(files))
        {
            if (id.Length < 3 || member.Element("summary") is not { } summary) continue;
            var (text, entities) = Render(summary);
            if (text.Length < 12 || !seen.Add(text)) continue;
            result.Add(new SdkSummary(assembly, id, NamespaceOf(id), text, entities));
        }
        return result;
    }

    /// <summary>The namespace of a member id: <c>T:System.IO.File</c> → <c>System.IO</c>; <c>M:System.IO.File.Open(…)</c> → <c>System.IO</c>.</summary>
    public static string NamespaceOf(string memberId)
    {
        string s = memberId.Length > 2 && memberId[1] == ':' ? memberId[2..] : memberId;
        int paren = s.IndexOf('(');
        if (paren >= 0) s = s[..paren];
        var parts = s.Split('.');
        int drop = memberId.StartsWith("T:", StringComparison.Ordinal) ? 1 : 2;   // a type drops its name; a member its name and its type's
        return parts.Length > drop ? string.Join('.', parts[..^drop]) : parts[0];
    }

    /// <summary>Plain text of a summary and the spans of its entity markup.</summary>
    public static (string Text, List<EntitySpan> Entities) Render(XElement element)
    {
        var sb = new StringBuilder();
        var entities = new List<EntitySpan>();
        Append(element, sb, entities);
        // Collapse whitespace, moving the spans with their text.
        var text = sb.ToString();
        var map = new int[text.Length + 1];
        var outText = new StringBuilder();
        bool pendingSpace = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i])) { pendingSpace = outText.Length > 0; map[i] = outText.Length; continue; }
            if (pendingSpace) { outText.Append(' '); pendingSpace = false; }
            map[i] = outText.Length;
            outText.Append(text[i]);
        }
        map[text.Length] = outText.Length;
        var moved = new List<EntitySpan>();
        foreach (var e in entities)
        {
            int start = map[e.Start];
            int end = e.Start + e.Length;
            while (end > e.Start && char.IsWhiteSpace(text[end - 1])) end--;
            int stop = end == e.Start ? start : map[end - 1] + 1;
            if (stop > start) moved.Add(new EntitySpan(start, stop - start, e.Type));
        }
        return (outText.ToString(), moved);
    }

    private static void Append(XElement element, StringBuilder sb, List<EntitySpan> entities)
    {
        foreach (var node in element.Nodes())
        {
            if (node is XText t) { sb.Append(t.Value); continue; }
            if (node is not XElement e) continue;
            int start = sb.Length;
            string? type = null;
            switch (e.Name.LocalName)
            {
                case "see" or "seealso":
                    if (e.Attribute("langword") is { } lw) { sb.Append(e.IsEmpty || e.Value.Length == 0 ? lw.Value : e.Value); type = "KEYWORD"; }
                    else if (e.Attribute("cref") is { } cref)
                    {
                        sb.Append(e.IsEmpty || e.Value.Length == 0 ? QuickstartCorpus.ShortName(cref.Value) : e.Value);
                        type = cref.Value.Length > 1 && cref.Value[1] == ':' ? cref.Value[0] switch
                        {
                            'T' => "TYPE",
                            'M' or 'P' or 'F' or 'E' => "MEMBER",
                            _ => null,
                        } : null;
                    }
                    else if (e.Attribute("href") is { } href) sb.Append(e.IsEmpty || e.Value.Length == 0 ? href.Value : e.Value);
                    break;
                case "paramref" or "typeparamref":
                    sb.Append(e.Attribute("name")?.Value);
                    type = "PARAM";
                    break;
                case "code":
                    break;
                case "para" or "list" or "item" or "description" or "term" or "listheader" or "br":
                    sb.Append(' ');
                    Append(e, sb, entities);
                    sb.Append(' ');
                    break;
                default:
                    Append(e, sb, entities);
                    break;
            }
            if (type is not null && sb.Length > start && sb.ToString(start, sb.Length - start).Trim().Length > 0)
            {
                while (start < sb.Length && char.IsWhiteSpace(sb[start])) start++;
                entities.Add(new EntitySpan(start, sb.Length - start, type));
            }
        }
    }

    /// <summary>
    /// Assigns whole assemblies to test, validation and train (shuffled with <paramref name="seed"/>,
    /// filling about <paramref name="testFraction"/> and <paramref name="validationFraction"/> of the items), so no text's assembly is in two splits.
    /// </summary>
    public static (List<T> Train, List<T> Validation, List<T> Test) SplitByAssembly<T>(IReadOnlyList<T> items, Func<T, string> assembly,
        double validationFraction, double testFraction, ulong seed)
    {
        var groups = items.GroupBy(assembly, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var rng = new Tensors.Rng(seed);
        for (int i = groups.Count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (groups[i], groups[j]) = (groups[j], groups[i]);
        }
        var train = new List<T>();
        var validation = new List<T>();
        var test = new List<T>();
        foreach (var g in groups)
        {
            if (test.Count < testFraction * items.Count) test.AddRange(g);
            else if (validation.Count < validationFraction * items.Count) validation.AddRange(g);
            else train.AddRange(g);
        }
        return (train, validation, test);
    }

    /// <summary>Words of a text for CoNLL, with their character offsets (<see cref="TaggedSentence.SplitWords"/>).</summary>
    public static IEnumerable<(int Start, int Length)> Words(string text) => TaggedSentence.SplitWords(text);
}
