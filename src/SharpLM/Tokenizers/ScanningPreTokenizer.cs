namespace SharpLM.Tokenizers;

/// <summary>
/// A pre-tokenizer written as a hand-made scanner instead of a regex: it reports the length of the
/// next word directly, so the BPE encoder can walk the text without building a list of pieces.
/// </summary>
public abstract class ScanningPreTokenizer : PreTokenizer
{
    /// <summary>Length (in UTF-16 units) of the word starting at <paramref name="start"/> (at least 1).</summary>
    internal abstract int NextPieceLength(ReadOnlySpan<char> text, int start);

    /// <inheritdoc />
    public override void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> pieces)
    {
        for (int pos = 0; pos < text.Length;)
        {
            int length = NextPieceLength(text, pos);
            pieces.Add((pos, length));
            pos += length;
        }
    }
}
