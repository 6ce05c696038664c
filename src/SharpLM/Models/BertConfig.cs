namespace SharpLM.Models;

/// <summary>
/// The shape of an encoder-only (BERT) transformer: vocabulary, how many positions and
/// segments it embeds, depth, heads, width and the MLP's inner width. Presets give Google's
/// compact BERT sizes (<c>bert-tiny</c> … <c>bert-base</c>). Field names mirror Hugging Face's
/// <c>BertConfig</c> (<c>hidden_size</c>, <c>num_hidden_layers</c>, …).
/// </summary>
public sealed record BertConfig
{
    /// <summary>Number of WordPiece tokens (V); <c>bert-base-uncased</c> has 30522.</summary>
    public int VocabSize { get; init; } = 30522;

    /// <summary>Model width: every token's vector size (C, <c>hidden_size</c>).</summary>
    public int Width { get; init; } = 768;

    /// <summary>Number of encoder blocks (L, <c>num_hidden_layers</c>).</summary>
    public int Layers { get; init; } = 12;

    /// <summary>Attention heads per block (H); each gets C/H channels.</summary>
    public int Heads { get; init; } = 12;

    /// <summary>Inner width of each block's MLP (<c>intermediate_size</c>, 4·C for every preset).</summary>
    public int Intermediate { get; init; } = 3072;

    /// <summary>Rows of the learned position table: the longest input the model can read (<c>max_position_embeddings</c>).</summary>
    public int MaxPositions { get; init; } = 512;

    /// <summary>Number of segments (<c>type_vocab_size</c>): 2, sentence A and sentence B.</summary>
    public int TypeVocabSize { get; init; } = 2;

    /// <summary>Probability of zeroing hidden activations in training (<c>hidden_dropout_prob</c>; 0 disables).</summary>
    public float Dropout { get; init; } = 0.1f;

    /// <summary>Epsilon of every LayerNorm (<c>layer_norm_eps</c>, 1e-12 as BERT).</summary>
    public float NormEps { get; init; } = 1e-12f;

    /// <summary>Id of the [PAD] token (<c>pad_token_id</c>).</summary>
    public int PadTokenId { get; init; }

    /// <summary>Size of one attention head (D = C / H).</summary>
    public int HeadSize => Width / Heads;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field when the configuration cannot work.</summary>
    public BertConfig Validate()
    {
        if (VocabSize < 1) throw new ArgumentException($"bert config: vocab size must be ≥ 1, got {VocabSize}.");
        if (Width < 1) throw new ArgumentException($"bert config: width (hidden_size) must be ≥ 1, got {Width}.");
        if (Layers < 1) throw new ArgumentException($"bert config: layers must be ≥ 1, got {Layers}.");
        if (Heads < 1 || Width % Heads != 0) throw new ArgumentException($"bert config: width {Width} is not divisible by heads {Heads}.");
        if (Intermediate < 1) throw new ArgumentException($"bert config: intermediate size must be ≥ 1, got {Intermediate}.");
        if (MaxPositions < 2) throw new ArgumentException($"bert config: max positions must be ≥ 2, got {MaxPositions}.");
        if (TypeVocabSize < 1) throw new ArgumentException($"bert config: type vocab size must be ≥ 1, got {TypeVocabSize}.");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"bert config: dropout must be in [0, 1), got {Dropout}.");
        if (!(NormEps > 0)) throw new ArgumentException($"bert config: layer norm epsilon must be > 0, got {NormEps}.");
        if ((uint)PadTokenId >= (uint)VocabSize) throw new ArgumentException($"bert config: pad token id {PadTokenId} is outside the vocabulary 0..{VocabSize - 1}.");
        return this;
    }

    /// <summary>Names of the built-in presets.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["bert-tiny", "bert-mini", "bert-small", "bert-base"];

    /// <summary>
    /// A preset by name, with the vocabulary of <paramref name="vocabSize"/> tokens:
    /// <c>bert-tiny</c> (2 layers × 128, 2 heads), <c>bert-mini</c> (4 × 256, 4 heads),
    /// <c>bert-small</c> (4 × 512, 8 heads), <c>bert-base</c> (12 × 768, 12 heads, 110M with 30522 tokens).
    /// </summary>
    public static BertConfig Preset(string name, int vocabSize = 30522)
    {
        var (layers, width) = name.ToLowerInvariant() switch
        {
            "bert-tiny" => (2, 128),
            "bert-mini" => (4, 256),
            "bert-small" => (4, 512),
            "bert-base" => (12, 768),
            _ => throw new ArgumentException($"unknown BERT preset '{name}'; known presets: {string.Join(", ", PresetNames)}."),
        };
        return new BertConfig { VocabSize = vocabSize, Layers = layers, Width = width, Heads = width / 64, Intermediate = 4 * width }.Validate();
    }
}
