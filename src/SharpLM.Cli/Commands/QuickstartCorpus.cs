using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using SharpLM.Tensors;

namespace SharpLM.Cli.Commands;

/// <summary>
/// The English corpus every .NET machine already has: the XML API documentation shipped in
/// the SDK's reference packs (<c>&lt;dotnet root&gt;/packs/Microsoft.NETCore.App.Ref/&lt;version&gt;/ref/net*/ *.xml</c>).
/// Finds those files and turns their summaries, remarks, parameter and return descriptions
/// into plain sentences (tags resolved to their words, entities decoded, duplicates dropped).
/// </summary>
public static partial class QuickstartCorpus
{
    /// <summary>The reference packs whose documentation is used, in order.</summary>
    public static readonly string[] Packs = ["Microsoft.NETCore.App.Ref", "Microsoft.AspNetCore.App.Ref", "Microsoft.WindowsDesktop.App.Ref"];

    /// <summary>Candidate .NET install folders: DOTNET_ROOT, the running runtime's root, the <c>dotnet</c> on PATH, and the usual locations.</summary>
    public static IEnumerable<string> DotnetRoots()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<string?> Candidates()
        {
            yield return Environment.GetEnvironmentVariable("DOTNET_ROOT");
            // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>
            var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();
            yield return Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
            var processPath = Environment.ProcessPath;
            if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet") yield return Path.GetDirectoryName(Resolve(processPath));
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var exe = Path.Combine(dir, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
                if (File.Exists(exe)) yield return Path.GetDirectoryName(Resolve(exe));
            }
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            yield return Path.Combine(home, ".dotnet");
            if (OperatingSystem.IsWindows()) yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), "dotnet");
            else { yield return "/usr/share/dotnet"; yield return "/usr/lib/dotnet"; yield return "/usr/local/share/dotnet"; yield return "/opt/dotnet"; }
        }
        foreach (var c in Candidates())
            if (!string.IsNullOrEmpty(c) && Directory.Exists(Path.Combine(c, "packs")) && seen.Add(Path.GetFullPath(c))) yield return Path.GetFullPath(c);
    }

    /// <summary>The XML documentation files of the newest version of each reference pack under the first .NET root that has any.</summary>
    public static IReadOnlyList<string> FindDocumentationFiles()
    {
        foreach (var root in DotnetRoots())
        {
            var files = new List<string>();
            foreach (var pack in Packs)
            {
                var packDir = Path.Combine(root, "packs", pack);
                if (!Directory.Exists(packDir)) continue;
                var newest = Directory.GetDirectories(packDir)
                    .Select(d => (dir: d, version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version(0, 0)))
                    .OrderByDescending(x => x.version).FirstOrDefault().dir;
                if (newest is null || !Directory.Exists(Path.Combine(newest, "ref"))) continue;
                var tfm = Directory.GetDirectories(Path.Combine(newest, "ref")).Order(StringComparer.Ordinal).LastOrDefault();
                if (tfm is not null) files.AddRange(Directory.GetFiles(tfm, "*.xml").Order(StringComparer.Ordinal));
            }
            if (files.Count > 0) return files;
        }
        return [];
    }

    /// <summary>
    /// Plain-text paragraphs from the documentation <paramref name="files"/>: one per distinct
    /// summary, remarks, returns, value, param or exception text, shuffled with
    /// <paramref name="seed"/> (so validation text is drawn like training text) and joined by
    /// newlines, stopping near <paramref name="maxChars"/> characters.
    /// </summary>
    public static string Extract(IEnumerable<string> files, int maxChars, ulong seed)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var paragraphs = new List<string>();
        foreach (var file in files)
        {
            XDocument doc;
            try { doc = XDocument.Load(file); }
            catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException) { continue; }
            foreach (var member in doc.Descendants("member"))
                foreach (var part in member.Elements())
                {
                    if (part.Name.LocalName is not ("summary" or "remarks" or "returns" or "value" or "param" or "exception" or "typeparam")) continue;
                    var text = Collapse(Render(part));
                    if (text.Length < 12 || !char.IsLetter(text[0])) continue;
                    if (seen.Add(text)) paragraphs.Add(text);
                }
        }
        var rng = new Rng(seed);
        for (int i = paragraphs.Count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (paragraphs[i], paragraphs[j]) = (paragraphs[j], paragraphs[i]);
        }
        var sb = new StringBuilder();
        foreach (var p in paragraphs)
        {
            if (sb.Length + p.Length + 1 > maxChars) break;
            sb.Append(p).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The readable text of a documentation element: <c>&lt;see cref&gt;</c> becomes the member's short name, <c>langword</c> its word, <c>paramref</c> the name.</summary>
    private static string Render(XElement element)
    {
        var sb = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            if (node is XText t) { sb.Append(t.Value); continue; }
            if (node is not XElement e) continue;
            switch (e.Name.LocalName)
            {
                case "see" or "seealso":
                    if (!e.IsEmpty && e.Value.Length > 0) sb.Append(e.Value);
                    else if (e.Attribute("langword") is { } lw) sb.Append(lw.Value);
                    else if (e.Attribute("cref") is { } cref) sb.Append(ShortName(cref.Value));
                    else if (e.Attribute("href") is { } href) sb.Append(href.Value);
                    break;
                case "paramref" or "typeparamref":
                    sb.Append(e.Attribute("name")?.Value);
                    break;
                case "code":
                    break;                                  // code blocks are not English
                case "para" or "list" or "item" or "description" or "term" or "listheader" or "br":
                    sb.Append(' ').Append(Render(e)).Append(' ');
                    break;
                default:
                    sb.Append(Render(e));                   // c, b, i, em, a, …: keep the text
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary><c>T:System.Collections.Generic.List`1</c> → <c>List</c>; <c>M:System.String.Split(System.Char)</c> → <c>String.Split</c>.</summary>
    internal static string ShortName(string cref)
    {
        var s = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        int paren = s.IndexOf('(');
        if (paren >= 0) s = s[..paren];
        s = GenericArity().Replace(s, "");
        var parts = s.Split('.');
        return cref.StartsWith("T:", StringComparison.Ordinal) || parts.Length < 2 ? parts[^1] : parts[^2] + "." + parts[^1].Replace("#ctor", parts[^2]);
    }

    private static string Collapse(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"`+\d+")]
    private static partial Regex GenericArity();

    private static string Resolve(string path)
    {
        try { return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path; }
        catch (IOException) { return path; }
    }
}
