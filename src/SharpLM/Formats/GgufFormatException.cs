namespace SharpLM.Formats;

/// <summary>
/// A GGUF file that is malformed, truncated, hostile or uses something SharpLM does not read;
/// the message names the file and the field (key or tensor) that was wrong.
/// </summary>
public sealed class GgufFormatException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>'s <paramref name="field"/>.</summary>
    public GgufFormatException(string path, string field, string problem)
        : base($"GGUF file '{path}': {field}: {problem}")
    {
        FilePath = path;
        Field = field;
    }

    /// <summary>The file that was being read or written.</summary>
    public string FilePath { get; }

    /// <summary>The header field, metadata key or tensor at fault.</summary>
    public string Field { get; }
}
