using System.Text;
using SharpLM.Formats;

namespace SharpLM.Tokenizers;

/// <summary>
/// BERT's <c>vocab.txt</c>: one WordPiece per line, the line number (from 0) is the id. Read
/// with BERT's default normalization (lowercase, strip accents), as <c>bert-base-uncased</c>.
/// </summary>
public static class WordPieceVocabFile
{
    /// <summary>File name inside a model folder.</summary>
    public const string FileName = "vocab.txt";

    /// <summary>Writes the pieces of <paramref name="tokenizer"/> one per line, atomically.</summary>
    public static void Write(WordPieceTokenizer tokenizer, string path)
    {
        var sb = new StringBuilder();
        foreach (var piece in tokenizer.Vocabulary) sb.Append(piece).Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>Reads a vocab.txt; an empty line or a repeated piece throws naming the line.</summary>
    public static WordPieceTokenizer Read(string path, BertNormalizer? normalizer = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such vocab.txt.", path);
        var pieces = File.ReadAllLines(path).ToList();
        while (pieces.Count > 0 && pieces[^1].Length == 0) pieces.RemoveAt(pieces.Count - 1);
        for (int i = 0; i < pieces.Count; i++)
        {
            pieces[i] = pieces[i].TrimEnd('\r');
            if (pieces[i].Length == 0) throw new TokenizerFormatException(path, $"line {i + 1}", "is empty (every line is one WordPiece)");
        }
        try { return new WordPieceTokenizer(pieces, normalizer); }
        catch (ArgumentException e) { throw new TokenizerFormatException(path, "vocabulary", e.Message); }
    }

    /// <summary>BERT's normalization as a Hugging Face <c>tokenizer_config.json</c> describes it (<c>do_lower_case</c>); the default when absent.</summary>
    private static BertNormalizer? NormalizerFromConfig(string path)
    {
        if (!File.Exists(path)) return null;
        using var doc = JsonLimits.ParseFile(path, JsonLimits.MaxSmallFileBytes, (field, problem) => new TokenizerFormatException(path, field, problem));
        var root = doc.RootElement;
        if (root.ValueKind == System.Text.Json.JsonValueKind.Null) return null;
        if (root.ValueKind != System.Text.Json.JsonValueKind.Object) throw new TokenizerFormatException(path, "root", "is not a JSON object");
        if (!root.TryGetProperty("do_lower_case", out var lower) || lower.ValueKind == System.Text.Json.JsonValueKind.Null) return null;
        return lower.ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False
            ? new BertNormalizer(Lowercase: lower.GetBoolean())
            : throw new TokenizerFormatException(path, "do_lower_case", $"is {lower.GetRawText()}, expected true or false");
    }

    /// <summary>The WordPiece tokenizer of a model folder: its tokenizer.json, else its vocab.txt.</summary>
    public static WordPieceTokenizer LoadFolder(string directory)
    {
        var json = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(json))
            return TokenizerJsonReader.Load(json) as WordPieceTokenizer
                ?? throw new TokenizerFormatException(json, "model.type", "is not WordPiece (a BERT needs a WordPiece tokenizer)");
        var vocab = Path.Combine(directory, FileName);
        if (File.Exists(vocab)) return Read(vocab, NormalizerFromConfig(Path.Combine(directory, "tokenizer_config.json")));
        throw new FileNotFoundException($"{directory}: no tokenizer.json or vocab.txt (the BERT's WordPiece vocabulary).", vocab);
    }
}
