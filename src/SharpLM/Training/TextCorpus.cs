using System.Text;

namespace SharpLM.Training;

/// <summary>
/// Reads the text a model trains on: one file, or every text file in a folder (sorted by
/// path, joined by blank lines). Missing or empty input gets an error naming the path.
/// </summary>
public static class TextCorpus
{
    /// <summary>File extensions read from a folder.</summary>
    public static readonly string[] TextExtensions = [".txt", ".md", ".text", ".csv", ".json", ".xml", ".html", ".cs", ".py"];

    /// <summary>The text of <paramref name="path"/> (a file, or a folder of text files).</summary>
    public static string Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => TextExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
                throw new FileNotFoundException($"data folder '{path}' has no text files ({string.Join(", ", TextExtensions)}).", path);
            var sb = new StringBuilder();
            foreach (var f in files)
            {
                if (sb.Length > 0) sb.Append("\n\n");
                sb.Append(File.ReadAllText(f));
            }
            text = sb.ToString();
        }
        else if (File.Exists(path)) text = File.ReadAllText(path);
        else throw new FileNotFoundException($"data '{path}' does not exist (expected a text file or a folder of text files).", path);
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidDataException($"data '{path}' is empty: there is no text to train on.");
        return text;
    }
}
