namespace SharpLM.Tokenizers;

/// <summary>What one SentencePiece vocabulary entry is (the <c>SentencePiece.Type</c> enum of <c>sentencepiece_model.proto</c>; GGUF's <c>tokenizer.ggml.token_type</c> uses the same numbers).</summary>
public enum SentencePieceType
{
    /// <summary>An ordinary piece produced by segmentation.</summary>
    Normal = 1,
    /// <summary>The unknown piece (<c>&lt;unk&gt;</c>), used for text the vocabulary cannot cover.</summary>
    Unknown = 2,
    /// <summary>A control symbol such as <c>&lt;s&gt;</c>: never produced from text, decodes to nothing.</summary>
    Control = 3,
    /// <summary>A user-defined symbol: always kept whole when it appears in text.</summary>
    UserDefined = 4,
    /// <summary>A piece kept in the vocabulary but never emitted (split back into its parts).</summary>
    Unused = 5,
    /// <summary>A byte-fallback piece <c>&lt;0xNN&gt;</c> standing for one raw UTF-8 byte.</summary>
    Byte = 6,
}

/// <summary>The segmentation algorithm of a SentencePiece model (<c>TrainerSpec.model_type</c>).</summary>
public enum SentencePieceModelKind
{
    /// <summary>Unigram language model: the segmentation with the highest total piece log-probability (Viterbi).</summary>
    Unigram = 1,
    /// <summary>Byte-pair encoding: repeatedly merge the adjacent pair whose merged piece has the highest score.</summary>
    Bpe = 2,
    /// <summary>Whole words (read for completeness; encoding is not supported).</summary>
    Word = 3,
    /// <summary>Single characters (read for completeness; encoding is not supported).</summary>
    Char = 4,
}

/// <summary>One vocabulary entry of a SentencePiece model: its text (spaces written as ▁), score and type.</summary>
/// <param name="Piece">The piece text; a space is U+2581 (▁), a byte piece is <c>&lt;0xNN&gt;</c>.</param>
/// <param name="Score">Merge priority (BPE) or log-probability (Unigram).</param>
/// <param name="Type">What kind of entry this is.</param>
public sealed record SentencePieceEntry(string Piece, float Score, SentencePieceType Type);

/// <summary>
/// How SentencePiece normalizes text before segmenting it (<c>NormalizerSpec</c>): a character map
/// (e.g. NFKC, <c>nmt_nfkc</c>) plus the whitespace rules. The defaults are the protobuf defaults.
/// </summary>
public sealed record SentencePieceNormalizerSpec
{
    /// <summary>Name of the rule set (<c>identity</c>, <c>nmt_nfkc</c>, <c>nfkc</c>, ...); informational.</summary>
    public string Name { get; init; } = "identity";

    /// <summary>The compiled character map (a double-array trie plus replacement strings); empty for identity.</summary>
    public byte[] PrecompiledCharsMap { get; init; } = [];

    /// <summary>Put a space (▁) before the text, so the first word looks like every other word.</summary>
    public bool AddDummyPrefix { get; init; } = true;

    /// <summary>Drop leading and trailing spaces and collapse runs of spaces into one.</summary>
    public bool RemoveExtraWhitespaces { get; init; } = true;

    /// <summary>Write spaces as ▁ (U+2581) so that they can live inside pieces.</summary>
    public bool EscapeWhitespaces { get; init; } = true;

    /// <summary>The dummy space goes after the text instead of before it (<c>TrainerSpec.treat_whitespace_as_suffix</c>).</summary>
    public bool TreatWhitespaceAsSuffix { get; init; }

    /// <summary>The custom rule TSV the map was built from, when the model kept it.</summary>
    public string NormalizationRuleTsv { get; init; } = "";

    /// <summary>Llama 2's settings: no character map, dummy prefix, spaces kept as they are.</summary>
    public static SentencePieceNormalizerSpec Llama { get; } = new() { Name = "identity", RemoveExtraWhitespaces = false };
}
