using System.Text;
using SharpLM.Formats;

namespace SharpLM.Training;

/// <summary>
/// CoNLL files for token classification: one token per line, columns separated by whitespace,
/// the tag in the last column, a blank line between sentences (<c>-DOCSTART-</c> lines are
/// skipped). Tags are BIO / IOB2 (<c>O</c>, <c>B-TYPE</c>, <c>I-TYPE</c>).
/// </summary>
public static class ConllFile
{
    /// <summary>Reads the sentences of <paramref name="path"/>; a line without a tag column or with a malformed tag throws naming the line.</summary>
    public static List<TaggedSentence> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such CoNLL file.", path);
        var sentences = new List<TaggedSentence>();
        var words = new List<string>();
        var tags = new List<string>();
        int lineNumber = 0;
        void Flush()
        {
            if (words.Count > 0) sentences.Add(new TaggedSentence(words.ToArray(), tags.ToArray()));
            words.Clear();
            tags.Clear();
        }
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0) { Flush(); continue; }
            var columns = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (columns[0] == "-DOCSTART-") { Flush(); continue; }
            if (columns.Length < 2)
                throw new InvalidDataException($"{path}, line {lineNumber}: '{line}' has no tag column (expected 'token … TAG', tag last).");
            string tag = columns[^1];
            if (!(tag == "O" || tag.Length > 2 && tag[1] == '-' && tag[0] is 'B' or 'I' or 'E' or 'S'))
                throw new InvalidDataException($"{path}, line {lineNumber}: tag '{tag}' is not O, B-TYPE or I-TYPE.");
            words.Add(columns[0]);
            tags.Add(tag);
        }
        Flush();
        if (sentences.Count == 0) throw new InvalidDataException($"{path}: no sentences (expected 'token TAG' lines, a blank line between sentences).");
        return sentences;
    }

    /// <summary>Writes <paramref name="sentences"/> as "word TAG" lines, atomically.</summary>
    public static void Write(string path, IEnumerable<TaggedSentence> sentences)
    {
        var sb = new StringBuilder();
        foreach (var s in sentences)
        {
            for (int i = 0; i < s.Words.Length; i++) sb.Append(s.Words[i]).Append(' ').Append(s.Tags[i]).Append('\n');
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
