namespace SharpLM.Tokenizers;

/// <summary>A tokenizer file is corrupt or does not match what it claims to be; the message names the file and line or field.</summary>
public sealed class TokenizerFormatException : FormatException
{
    /// <summary>Creates the error for <paramref name="path"/> at <paramref name="where"/> (e.g. "line 12" or "model.vocab").</summary>
    public TokenizerFormatException(string path, string where, string problem, Exception? inner = null)
        : base($"{path}: {where}: {problem}", inner)
    {
        FilePath = path;
        Where = where;
    }

    /// <summary>The file that is wrong.</summary>
    public string FilePath { get; }

    /// <summary>The line or JSON field that is wrong.</summary>
    public string Where { get; }
}
