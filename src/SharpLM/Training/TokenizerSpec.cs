using System.Globalization;
using SharpLM.Tokenizers;

namespace SharpLM.Training;

/// <summary>
/// Which tokenizer a training run uses, from the <c>--tokenizer</c> option: <c>char</c> (one
/// token per character, learned from the data), <c>bpe:N</c> (byte-level BPE with N ids,
/// trained on the data) or the path of an existing tokenizer file or folder.
/// </summary>
public static class TokenizerSpec
{
    /// <summary>Creates the tokenizer <paramref name="spec"/> describes, training it on <paramref name="text"/> when needed.</summary>
    public static ITokenizer Create(string spec, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(spec);
        if (spec == "char") return CharTokenizer.Train([text]);
        if (spec.StartsWith("bpe:", StringComparison.Ordinal))
        {
            if (!int.TryParse(spec.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 257)
                throw new ArgumentException($"--tokenizer '{spec}': expected bpe:N with N ≥ 257 (256 bytes + merges), e.g. bpe:4096.");
            return BpeTrainer.Train(SplitForTraining(text), size, ["<|endoftext|>"]);
        }
        if (File.Exists(spec) || Directory.Exists(spec)) return TokenizerFiles.Load(spec);
        throw new ArgumentException($"--tokenizer '{spec}' is not 'char', 'bpe:N' or an existing tokenizer.json / tokenizer folder.");
    }

    // The BPE trainer counts words per text; handing it paragraphs keeps memory flat on big corpora.
    private static IEnumerable<string> SplitForTraining(string text)
    {
        const int chunk = 1 << 20;
        int start = 0;
        while (start < text.Length)
        {
            int end = Math.Min(text.Length, start + chunk);
            while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
            yield return text[start..end];
            start = end;
        }
    }
}
