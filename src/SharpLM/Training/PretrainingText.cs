using SharpLM.Tokenizers;

namespace SharpLM.Training;

/// <summary>
/// Raw text for BERT pretraining in the original BERT's layout: one sentence per line and a
/// blank line between documents. Documents are what next-sentence pairs stay inside and what the
/// held-out split is made of.
/// </summary>
public static class PretrainingText
{
    /// <summary>The documents of <paramref name="path"/> as lists of sentences.</summary>
    public static List<string[]> ReadDocuments(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such pretraining text file.", path);
        var docs = new List<string[]>();
        var current = new List<string>();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length > 0) { current.Add(line); continue; }
            if (current.Count > 0) docs.Add(current.ToArray());
            current.Clear();
        }
        if (current.Count > 0) docs.Add(current.ToArray());
        if (docs.Count < 4) throw new InvalidDataException($"{path}: {docs.Count} document(s); pretraining needs several (one sentence per line, a blank line between documents).");
        return docs;
    }

    /// <summary>Tokenizes every sentence (sentences that encode to nothing are dropped, and so are documents left empty).</summary>
    public static int[][][] Tokenize(IEnumerable<string[]> documents, ITokenizer tokenizer) =>
        documents.Select(d => d.Select(s => tokenizer.Encode(s)).Where(ids => ids.Length > 0).ToArray())
            .Where(d => d.Length > 0).ToArray();
}
