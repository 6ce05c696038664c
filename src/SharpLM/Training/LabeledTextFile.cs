using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Formats;

namespace SharpLM.Training;

/// <summary>One example of a text-classification data set: a text, an optional second text (for pairs), and its label.</summary>
/// <param name="Text">The text.</param>
/// <param name="Pair">The second text of a pair, or null.</param>
/// <param name="Label">The label.</param>
/// <param name="Line">Where it was read (1-based line), for errors.</param>
public sealed record LabeledText(string Text, string? Pair, string Label, int Line = 0);

/// <summary>
/// Text-classification files: JSONL (one object per line with <c>text</c>, optional
/// <c>text_pair</c>, <c>label</c>), CSV or TSV (a header naming those columns; CSV fields may be
/// quoted with <c>"</c>, doubled to escape). The format follows the extension.
/// </summary>
public static class LabeledTextFile
{
    /// <summary>Reads <paramref name="path"/>; errors name the file, line and field.</summary>
    public static List<LabeledText> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such data file.", path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        var rows = ext switch
        {
            ".jsonl" or ".json" => ReadJsonl(path),
            ".csv" => ReadDelimited(path, ','),
            ".tsv" or ".tab" => ReadDelimited(path, '\t'),
            _ => throw new InvalidDataException($"{path}: unknown format '{ext}' (expected .jsonl, .csv or .tsv)."),
        };
        if (rows.Count == 0) throw new InvalidDataException($"{path}: no examples.");
        return rows;
    }

    /// <summary>Writes examples as JSONL, atomically.</summary>
    public static void WriteJsonl(string path, IEnumerable<LabeledText> rows)
    {
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            var o = new JsonObject { ["text"] = r.Text };
            if (r.Pair is not null) o["text_pair"] = r.Pair;
            o["label"] = r.Label;
            sb.Append(o.ToJsonString()).Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    private static List<LabeledText> ReadJsonl(string path)
    {
        var rows = new List<LabeledText>();
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonObject o;
            // JsonLimits rejects bad strings (lone surrogates) up front; Count builds the object's key table now, so a repeated key fails here.
            using (JsonLimits.Parse(line, (field, problem) => new InvalidDataException($"{path}, line {n}: not valid JSON at {field} ({problem})."))) { }
            try { o = JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"{path}, line {n}: expected a JSON object."); _ = o.Count; }
            catch (ArgumentException e) { throw new InvalidDataException($"{path}, line {n}: a key appears twice ({e.Message}).", e); }
            string text = Field(o, "text", path, n) ?? throw new InvalidDataException($"{path}, line {n}: field 'text' is missing.");
            string label = Field(o, "label", path, n) ?? throw new InvalidDataException($"{path}, line {n}: field 'label' is missing.");
            rows.Add(new LabeledText(text, Field(o, "text_pair", path, n), label, n));
        }
        return rows;
    }

    private static string? Field(JsonObject o, string key, string path, int line)
    {
        var node = o[key];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        if (key == "label" && node is JsonValue num) return num.ToJsonString();   // numeric labels are names too
        throw new InvalidDataException($"{path}, line {line}: field '{key}' must be a string.");
    }

    private static List<LabeledText> ReadDelimited(string path, char separator)
    {
        var records = ParseDelimited(File.ReadAllText(path), separator, path);
        if (records.Count == 0) throw new InvalidDataException($"{path}: empty file (expected a header with text and label columns).");
        var header = records[0].Fields.Select(h => h.Trim()).ToList();
        int text = header.IndexOf("text"), pair = header.IndexOf("text_pair"), label = header.IndexOf("label");
        if (text < 0 || label < 0)
            throw new InvalidDataException($"{path}: the header ({string.Join(", ", header)}) must name a 'text' and a 'label' column.");
        var rows = new List<LabeledText>();
        foreach (var (fields, line) in records.Skip(1))
        {
            if (fields.Count == 1 && fields[0].Length == 0) continue;
            if (fields.Count != header.Count)
                throw new InvalidDataException($"{path}, line {line}: {fields.Count} fields, the header has {header.Count}.");
            rows.Add(new LabeledText(fields[text], pair >= 0 && fields[pair].Length > 0 ? fields[pair] : null, fields[label], line));
        }
        return rows;
    }

    /// <summary>RFC 4180-style records: quoted fields may hold separators, newlines and doubled quotes.</summary>
    private static List<(List<string> Fields, int Line)> ParseDelimited(string content, char separator, string path)
    {
        var records = new List<(List<string>, int)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1;
        bool quoted = false, any = false;
        for (int i = 0; i < content.Length; i++)
        {
            char c = content[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < content.Length && content[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else { if (c == '\n') line++; field.Append(c); }
                continue;
            }
            if (c == '"' && field.Length == 0) { quoted = true; any = true; }
            else if (c == separator) { fields.Add(field.ToString()); field.Clear(); any = true; }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < content.Length && content[i + 1] == '\n') i++;
                fields.Add(field.ToString());
                field.Clear();
                records.Add((fields, recordLine));
                fields = new List<string>();
                any = false;
                recordLine = ++line;
            }
            else { field.Append(c); any = true; }
        }
        if (quoted) throw new InvalidDataException($"{path}, line {recordLine}: a quoted field is never closed.");
        if (any || field.Length > 0) { fields.Add(field.ToString()); records.Add((fields, recordLine)); }
        return records;
    }
}
