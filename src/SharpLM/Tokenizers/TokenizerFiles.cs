namespace SharpLM.Tokenizers;

/// <summary>
/// One door for tokenizer files: load a Hugging Face <c>tokenizer.json</c>, a SentencePiece
/// <c>.model</c>, llama2.c's <c>tokenizer.bin</c>, a tiktoken rank file, or a folder holding one of
/// them or <c>vocab.json</c> + <c>merges.txt</c>; save any SharpLM tokenizer as tokenizer.json (or a
/// SentencePiece tokenizer as <c>.model</c>, a llama2.c one as <c>.bin</c>).
/// </summary>
public static class TokenizerFiles
{
    /// <summary>
    /// Loads a tokenizer from <paramref name="path"/>: a folder (its tokenizer.json, else tokenizer.model
    /// or spiece.model, else vocab.json + merges.txt, else tokenizer.bin), vocab.json or merges.txt (the
    /// pair beside it), a <c>.model</c> file (SentencePiece), a <c>.bin</c> file (llama2.c), another JSON file (tokenizer.json),
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
            foreach (var file in new[] { "tokenizer.model", "spiece.model", "sentencepiece.bpe.model" })
                if (File.Exists(Path.Combine(path, file))) return SentencePieceTokenizer.Load(Path.Combine(path, file));
            var vocab = Path.Combine(path, "vocab.json");
            var merges = Path.Combine(path, "merges.txt");
            if (File.Exists(vocab) && File.Exists(merges)) return Gpt2VocabFiles.LoadFolder(path);
            if (File.Exists(Path.Combine(path, "tokenizer.bin"))) return Llama2cTokenizer.Load(Path.Combine(path, "tokenizer.bin"));
            throw new FileNotFoundException($"{path}: folder has no tokenizer.json, tokenizer.model, vocab.json + merges.txt or tokenizer.bin", path);
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
        if (path.EndsWith(".model", StringComparison.OrdinalIgnoreCase)) return SentencePieceTokenizer.Load(path);
        if (path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase)) return Llama2cTokenizer.Load(path);
        if (LooksLikeJson(path)) return TokenizerJsonReader.Load(path);
        var specialsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "special_tokens.json");
        var specials = File.Exists(specialsPath) ? Gpt2VocabFiles.ReadSpecialTokens(specialsPath) : null;
        var pattern = Path.GetFileName(path).Contains("cl100k", StringComparison.OrdinalIgnoreCase) ? PreTokenizer.Cl100kPattern : PreTokenizer.Gpt2Pattern;
        return TiktokenRankFile.Load(path, specials, pattern);
    }

    /// <summary>
    /// Saves <paramref name="tokenizer"/> (atomically) as a Hugging Face tokenizer.json; a path ending in
    /// <c>.model</c> saves a SentencePiece tokenizer as a SentencePiece model, one ending in <c>.bin</c>
    /// a llama2.c tokenizer (or a SentencePiece one, converted) as llama2.c's tokenizer.bin.
    /// </summary>
    public static void Save(ITokenizer tokenizer, string path)
    {
        if (path.EndsWith(".model", StringComparison.OrdinalIgnoreCase))
        {
            if (tokenizer is not SentencePieceTokenizer sp) throw new ArgumentException($"{path}: only a SentencePiece tokenizer can be saved as .model (this is {tokenizer.Kind})", nameof(path));
            sp.SaveModel(path);
        }
        else if (path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase))
        {
            var l2c = tokenizer as Llama2cTokenizer ?? (tokenizer is SentencePieceTokenizer s ? Llama2cTokenizer.FromSentencePiece(s)
                : throw new ArgumentException($"{path}: only a llama2.c or SentencePiece tokenizer can be saved as tokenizer.bin (this is {tokenizer.Kind})", nameof(path)));
            l2c.Save(path);
        }
        else TokenizerJsonWriter.Save(tokenizer, path);
    }

    private static bool LooksLikeJson(string path)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return true;
        using var f = File.OpenRead(path);
        int b;
        while ((b = f.ReadByte()) is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF) { }
        return b == '{';
    }
}
