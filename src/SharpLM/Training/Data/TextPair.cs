using System.Text;
using System.Text.Json;
using SharpLM.Formats;

namespace SharpLM.Training.Data;

/// <summary>A source text and its target (an English message and its translation; a description and its summary), from the named group (catalog or package).</summary>
public sealed record TextPair(string Source, string Target, string Group = "");

/// <summary>
/// Reads and writes text-to-text pairs: TSV (<c>source TAB target</c>, one pair a line) or JSONL
/// (<c>{"source": …, "target": …}</c>). Bad lines get an error naming file and line.
/// </summary>
public static class TextPairFile
{
    /// <summary>Reads pairs from a <c>.tsv</c> or <c>.jsonl</c> file.</summary>
    public static List<TextPair> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"pairs file '{path}' does not exist.", path);
        bool jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        var pairs = new List<TextPair>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            string source, target;
            if (jsonl)
            {
                try
                {
                    using var doc = JsonLimits.Parse(line, (field, problem) => new InvalidDataException($"{path}:{lineNumber}: not valid JSON at {field} ({problem})."));
                    var root = doc.RootElement;
                    source = Field(root, "source", "input") ?? throw new InvalidDataException($"{path}:{lineNumber}: no \"source\" (or \"input\") string.");
                    target = Field(root, "target", "output") ?? throw new InvalidDataException($"{path}:{lineNumber}: no \"target\" (or \"output\") string.");
                }
                catch (JsonException e) { throw new InvalidDataException($"{path}:{lineNumber}: not a JSON object ({e.Message}).", e); }
            }
            else
            {
                int tab = line.IndexOf('\t');
                if (tab < 0) throw new InvalidDataException($"{path}:{lineNumber}: no tab; each line must be 'source<TAB>target'.");
                source = line[..tab];
                target = line[(tab + 1)..];
                if (target.Contains('\t')) throw new InvalidDataException($"{path}:{lineNumber}: more than one tab; each line must be 'source<TAB>target'.");
            }
            if (string.IsNullOrWhiteSpace(source)) throw new InvalidDataException($"{path}:{lineNumber}: the source is empty.");
            if (string.IsNullOrWhiteSpace(target)) throw new InvalidDataException($"{path}:{lineNumber}: the target is empty.");
            pairs.Add(new TextPair(source, target));
        }
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: no pairs.");
        return pairs;
    }

    private static string? Field(JsonElement root, string name, string alternative) =>
        root.ValueKind == JsonValueKind.Object && (root.TryGetProperty(name, out var v) || root.TryGetProperty(alternative, out v)) && v.ValueKind == JsonValueKind.String
            ? v.GetString() : null;

    /// <summary>Writes pairs as TSV, atomically; tabs and newlines inside texts become spaces.</summary>
    public static void WriteTsv(string path, IEnumerable<TextPair> pairs)
    {
        var sb = new StringBuilder();
        foreach (var p in pairs) sb.Append(OneLine(p.Source)).Append('\t').Append(OneLine(p.Target)).Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>The text with tabs, newlines and runs of whitespace collapsed to single spaces, trimmed.</summary>
    public static string OneLine(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
