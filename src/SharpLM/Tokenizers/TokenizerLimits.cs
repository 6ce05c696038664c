using SharpLM.Formats;

namespace SharpLM.Tokenizers;

/// <summary>
/// The documented limits tokenizer readers check before allocating (hostile input defence): a
/// token id or rank read from a file sizes the id table, so it is capped; text files are capped
/// in size before they are read. Breaking one throws <see cref="TokenizerFormatException"/>.
/// </summary>
public static class TokenizerLimits
{
    /// <summary>Largest token id (or tiktoken rank) accepted: 2^22 − 1. Real vocabularies stay under 2^18 (Gemma's 262,144).</summary>
    public const int MaxVocabSize = 1 << 22;

    /// <summary>The message for an id past <see cref="MaxVocabSize"/>.</summary>
    internal static string IdTooLarge(long id) => $"id {id} is beyond the limit of {MaxVocabSize - 1} (a vocabulary this large is not a real tokenizer)";

    /// <summary>
    /// Checks, before an id table of <paramref name="maxId"/> + 1 slots is allocated for <paramref name="entries"/>
    /// tokens, that the largest id is below <see cref="MaxVocabSize"/> and that at most about half the table
    /// would be holes (ids &lt; 2 · entries + 1024): real vocabularies are dense, a hostile one is not.
    /// </summary>
    internal static void CheckIdTable(string path, string where, long maxId, long entries)
    {
        if (maxId >= MaxVocabSize) throw new TokenizerFormatException(path, where, IdTooLarge(maxId));
        if (maxId >= 2 * entries + 1024)
            throw new TokenizerFormatException(path, where, $"the largest id is {maxId} but there are only {entries} tokens (ids must be nearly dense: below 2 × tokens + 1024)");
    }

    /// <summary>Checks a tokenizer text file (merges.txt, a tiktoken rank file) against <see cref="JsonLimits.MaxTokenizerFileBytes"/> before it is read.</summary>
    internal static void CheckFileSize(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > JsonLimits.MaxTokenizerFileBytes)
            throw new TokenizerFormatException(path, "file size", $"{length} bytes is more than the {JsonLimits.MaxTokenizerFileBytes}-byte limit for a tokenizer file");
    }
}
