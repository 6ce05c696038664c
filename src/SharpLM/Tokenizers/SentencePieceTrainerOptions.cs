namespace SharpLM.Tokenizers;

/// <summary>Settings for training a SentencePiece vocabulary (the subset of <c>TrainerSpec</c> SharpLM's trainers honour).</summary>
public sealed record SentencePieceTrainerOptions
{
    /// <summary>Add the 256 byte pieces so any text encodes without &lt;unk&gt; (Llama's setting).</summary>
    public bool ByteFallback { get; init; } = true;

    /// <summary>Share of character occurrences the vocabulary's single characters must cover (rarer characters are left to byte fallback / unk).</summary>
    public double CharacterCoverage { get; init; } = 0.9995;

    /// <summary>Never merge digits: each digit is its own piece (Llama's setting).</summary>
    public bool SplitDigits { get; init; } = true;

    /// <summary>Longest piece, in characters.</summary>
    public int MaxPieceLength { get; init; } = 16;

    /// <summary>How text is normalized before training (and by the trained tokenizer); Llama's by default.</summary>
    public SentencePieceNormalizerSpec Normalizer { get; init; } = SentencePieceNormalizerSpec.Llama;

    /// <summary>Symbols that are always one piece (placed right after &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;).</summary>
    public IReadOnlyList<string> UserDefinedSymbols { get; init; } = [];

    /// <summary>Unigram: how many seed pieces (most frequent substrings) EM starts from.</summary>
    public int SeedPieces { get; init; } = 1_000_000;

    /// <summary>Unigram: share of pieces kept at each pruning round.</summary>
    public double ShrinkingFactor { get; init; } = 0.75;

    /// <summary>Unigram: EM iterations per pruning round.</summary>
    public int EmIterations { get; init; } = 2;
}
