namespace SharpLM.Tokenizers;

/// <summary>
/// One door for tokenizer files: load a Hugging Face <c>tokenizer.json</c>, a tiktoken rank file,
/// or a folder holding <c>vocab.json</c> + <c>merges.txt</c>; save any SharpLM tokenizer as tokenizer.json.
/// </summary>
public static class TokenizerFiles
{
    /// <summary>
    /// Loads a tokenizer from <paramref name="path"/>: a folder (its tokenizer.json, else vocab.json +
    /// merges.txt), vocab.json or merges.txt (the pair beside it), another JSON file (tokenizer.json),
    /// or anything else as a tiktoken rank file (special
    /// tokens from a special_tokens.json beside it; the cl100k pattern if the name says cl100k, else GPT-2's).
    /// </summary>
    public static ITokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            var json = Path.Combine(path, "tokenizer.json");
            if (File.Exists(json)) return TokenizerJsonReader.Load(json);
            var vocab = Path.Combine(path, "vocab.json");
            var merges = Path.Combine(path, "merges.txt");
            if (File.Exists(vocab) && File.Exists(merges)) return Gpt2VocabFiles.LoadFolder(path);
            throw new FileNotFoundException($"{path}: folder has neither tokenizer.json nor vocab.json + merges.txt", path);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such tokenizer file or folder", path);
        var name = Path.GetFileName(path);
        if (name is "vocab.json" or "merges.txt")
        {
            // One file of the GPT-2 pair: load both from its folder.
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var other = Path.Combine(folder, name == "vocab.json" ? "merges.txt" : "vocab.json");
            if (!File.Exists(other)) throw new FileNotFoundException($"{path}: {Path.GetFileName(other)} must be beside it", other);
            return Gpt2VocabFiles.LoadFolder(folder);
        }
        if (LooksLikeJson(path)) return TokenizerJsonReader.Load(path);
        var specialsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "special_tokens.json");
        var specials = File.Exists(specialsPath) ? Gpt2VocabFiles.ReadSpecialTokens(specialsPath) : null;
        var pattern = Path.GetFileName(path).Contains("cl100k", StringComparison.OrdinalIgnoreCase) ? PreTokenizer.Cl100kPattern : PreTokenizer.Gpt2Pattern;
        return TiktokenRankFile.Load(path, specials, pattern);
    }

    /// <summary>Saves <paramref name="tokenizer"/> as a Hugging Face tokenizer.json (written atomically).</summary>
    public static void Save(ITokenizer tokenizer, string path) => TokenizerJsonWriter.Save(tokenizer, path);

    private static bool LooksLikeJson(string path)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return true;
        using var f = File.OpenRead(path);
        int b;
        while ((b = f.ReadByte()) is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF) { }
        return b == '{';
    }
}
