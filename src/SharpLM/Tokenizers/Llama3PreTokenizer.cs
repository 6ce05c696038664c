namespace SharpLM.Tokenizers;

/// <summary>
/// Llama 3's pre-tokenizer (its tokenizer.json <c>Split</c> regex, <see cref="PreTokenizer.Llama3Pattern"/>).
/// The pattern differs from cl100k's only in spelling — contractions written as
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)</c>, greedy instead of possessive quantifiers where backtracking
/// cannot change the match, <c>\s*[\r\n]+</c> for <c>\s*[\r\n]</c> (both end at the run's last
/// newline) — so it cuts text exactly as the cl100k scanner does and reuses it, while keeping
/// Llama 3's pattern text so that a saved tokenizer.json records what it read.
/// </summary>
internal sealed class Llama3PreTokenizer : ScanningPreTokenizer
{
    private readonly Cl100kPreTokenizer _scanner = new();

    /// <inheritdoc />
    public override string Pattern => Llama3Pattern;

    /// <inheritdoc />
    internal override int NextPieceLength(ReadOnlySpan<char> text, int start) => _scanner.NextPieceLength(text, start);
}
