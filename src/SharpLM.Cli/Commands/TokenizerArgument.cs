using System.Buffers.Binary;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary>
/// Loads the tokenizer a <c>--tokenizer</c> option names: anything <see cref="TokenizerFiles"/> reads
/// (tokenizer.json, vocab.json + merges.txt, tiktoken files) or llama2.c's <c>tokenizer.bin</c>;
/// llm.c's decode-only tokenizer file is refused with the reason.
/// </summary>
internal static class TokenizerArgument
{
    /// <summary>The magic number of llm.c's tokenizer file (<c>gpt2_tokenizer.bin</c>), recognised only to explain why it cannot be used.</summary>
    private const int LlmcTokenizerMagic = 20240328;

    /// <summary>True when <paramref name="path"/> is a file that should be read as llama2.c's tokenizer.bin.</summary>
    public static bool IsLlama2cTokenizer(string path) =>
        File.Exists(path) && path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) && !IsLlmcTokenizer(path);

    /// <summary>Reads the tokenizer at <paramref name="path"/>; problems become CLI errors naming <paramref name="option"/>.</summary>
    public static ITokenizer Load(string path, string option = "--tokenizer")
    {
        if (File.Exists(path) && IsLlmcTokenizer(path))
            throw new CliException($"'{path}' is llm.c's tokenizer file: it only maps ids to bytes for printing (no merges), so it cannot encode text. Pass the GPT-2 vocabulary instead (a folder with vocab.json + merges.txt, e.g. ../shared/data/gpt2).");
        try
        {
            return IsLlama2cTokenizer(path) ? Llama2cTokenizer.Load(path) : TokenizerFiles.Load(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or TokenizerFormatException or ArgumentException or FormatException)
        {
            throw new CliException($"{option} '{path}': {e.Message}");
        }
    }

    private static bool IsLlmcTokenizer(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return f.Read(head) == 4 && BinaryPrimitives.ReadInt32LittleEndian(head) == LlmcTokenizerMagic;
    }
}
