namespace SharpLM.Models;

/// <summary>Which encoder-decoder recipe a model follows.</summary>
public enum EncoderDecoderFamily
{
    /// <summary>T5: shared embedding, relative position bias, pre-norm RMS ("T5 LayerNorm") blocks, no biases.</summary>
    T5,
    /// <summary>BART: learned positions (offset 2), embedding LayerNorm, post-norm blocks with biases, GELU, <c>final_logits_bias</c>.</summary>
    Bart,
}

/// <summary>The feed-forward network inside every encoder and decoder layer.</summary>
public enum FeedForwardKind
{
    /// <summary><c>wo(relu(wi x))</c>: the original Transformer and T5 v1.0.</summary>
    Relu,
    /// <summary><c>wo(gelu_tanh(wi_0 x) ⊙ wi_1 x)</c>: T5 v1.1's gated GELU (GeGLU).</summary>
    GatedGelu,
    /// <summary><c>fc2(gelu(fc1 x))</c> with the exact GELU: BART.</summary>
    Gelu,
}

/// <summary>
/// The shape of an encoder-decoder transformer (T5 or BART): the encoder reads the whole
/// source bidirectionally; the decoder generates the target with causal self-attention
/// plus cross-attention over the encoder's output. Presets give T5's and BART's sizes and
/// tiny versions that train here in minutes.
/// </summary>
public sealed record EncoderDecoderConfig
{
    /// <summary>T5 or BART.</summary>
    public EncoderDecoderFamily Family { get; init; } = EncoderDecoderFamily.T5;

    /// <summary>Vocabulary size (V), shared by encoder and decoder.</summary>
    public int VocabSize { get; init; } = 32128;

    /// <summary>Model width <c>d_model</c> (C).</summary>
    public int Width { get; init; } = 512;

    /// <summary>Attention heads per layer (H).</summary>
    public int Heads { get; init; } = 8;

    /// <summary>Size of one head <c>d_kv</c> (D); T5 lets H·D differ from C. 0 = C / H.</summary>
    public int HeadSize { get; init; }

    /// <summary>Feed-forward inner width <c>d_ff</c>.</summary>
    public int FeedForwardWidth { get; init; } = 2048;

    /// <summary>Encoder layers.</summary>
    public int EncoderLayers { get; init; } = 6;

    /// <summary>Decoder layers.</summary>
    public int DecoderLayers { get; init; } = 6;

    /// <summary>The feed-forward network's kind.</summary>
    public FeedForwardKind FeedForward { get; init; } = FeedForwardKind.Relu;

    /// <summary>T5: number of relative-position buckets (half per direction in the encoder).</summary>
    public int RelativeBuckets { get; init; } = 32;

    /// <summary>T5: distances at or past this share the last (logarithmic) bucket.</summary>
    public int RelativeMaxDistance { get; init; } = 128;

    /// <summary>BART: the most positions the learned table covers (its table has 2 more rows: positions start at offset 2).</summary>
    public int MaxPositions { get; init; } = 1024;

    /// <summary>Whether the output head is the shared token embedding (T5 v1.0, BART) or a separate <c>lm_head</c> (T5 v1.1).</summary>
    public bool TiedEmbeddings { get; init; } = true;

    /// <summary>BART: multiply token embeddings by √C (<c>scale_embedding</c>); false for bart-base.</summary>
    public bool ScaleEmbedding { get; init; }

    /// <summary>Epsilon of the norms (T5 1e-6, BART 1e-5).</summary>
    public float NormEps { get; init; } = 1e-6f;

    /// <summary>Dropout probability on residual branches and attention outputs during training (0 disables).</summary>
    public float Dropout { get; init; }

    /// <summary>Padding token id (T5 0, BART 1).</summary>
    public int PadTokenId { get; init; }

    /// <summary>End-of-sequence token id (T5 1, BART 2).</summary>
    public int EosTokenId { get; init; } = 1;

    /// <summary>The token the decoder input starts with (T5: pad 0; BART: eos 2).</summary>
    public int DecoderStartTokenId { get; init; }

    /// <summary>Head size actually used: <see cref="HeadSize"/> or C / H.</summary>
    public int HeadWidth => HeadSize > 0 ? HeadSize : Width / Math.Max(1, Heads);

    /// <summary>Width of all heads together, H·D (the q/k/v projections' output).</summary>
    public int InnerWidth => Heads * HeadWidth;

    /// <summary>Checks the shape is consistent and returns it.</summary>
    public EncoderDecoderConfig Validate()
    {
        void Require(bool ok, string message) { if (!ok) throw new ArgumentException($"EncoderDecoderConfig: {message}"); }
        Require(VocabSize >= 2, $"vocabulary size {VocabSize} must be ≥ 2.");
        Require(Width >= 1 && Heads >= 1 && FeedForwardWidth >= 1, $"width {Width}, heads {Heads} and feed-forward width {FeedForwardWidth} must be ≥ 1.");
        Require(HeadSize > 0 || Width % Heads == 0, $"{Heads} heads do not divide width {Width} (or set HeadSize).");
        Require(EncoderLayers >= 1 && DecoderLayers >= 1, $"encoder layers {EncoderLayers} and decoder layers {DecoderLayers} must be ≥ 1.");
        Require(Dropout is >= 0 and < 1, $"dropout {Dropout} must be in [0, 1).");
        foreach (var (name, id) in new[] { ("pad", PadTokenId), ("eos", EosTokenId), ("decoder start", DecoderStartTokenId) })
            Require(id >= 0 && id < VocabSize, $"{name} token id {id} is outside the vocabulary 0..{VocabSize - 1}.");
        if (Family == EncoderDecoderFamily.T5)
        {
            Require(RelativeBuckets >= 4 && RelativeMaxDistance > RelativeBuckets / 2, $"relative buckets {RelativeBuckets} (≥ 4) and max distance {RelativeMaxDistance} (> buckets/2) are inconsistent.");
            Require(FeedForward != FeedForwardKind.Gelu, "T5 uses a ReLU or gated-GELU feed-forward.");
        }
        else
        {
            Require(MaxPositions >= 1, $"max positions {MaxPositions} must be ≥ 1.");
            Require(FeedForward == FeedForwardKind.Gelu, "BART uses the GELU feed-forward.");
        }
        return this;
    }

    /// <summary>Preset names accepted by <see cref="Preset"/>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["t5-tiny", "t5-small", "t5-v1_1-small", "bart-tiny", "bart-base"];

    /// <summary>
    /// A named shape: <c>t5-tiny</c> (C 128, 2+2 layers; trains here in minutes), <c>t5-small</c>
    /// (Hugging Face's t5-small: C 512, 6+6 layers, 8 heads, ReLU, tied), <c>t5-v1_1-small</c>
    /// (gated GELU, untied), <c>bart-tiny</c> (C 128, 2+2) and <c>bart-base</c> (C 768, 6+6, 12 heads).
    /// <paramref name="vocabSize"/> overrides the preset's vocabulary (a tokenizer trained here).
    /// </summary>
    public static EncoderDecoderConfig Preset(string name, int? vocabSize = null)
    {
        var t5 = new EncoderDecoderConfig { Family = EncoderDecoderFamily.T5, NormEps = 1e-6f, PadTokenId = 0, EosTokenId = 1, DecoderStartTokenId = 0 };
        var bart = new EncoderDecoderConfig
        {
            Family = EncoderDecoderFamily.Bart, VocabSize = 50265, FeedForward = FeedForwardKind.Gelu, NormEps = 1e-5f,
            PadTokenId = 1, EosTokenId = 2, DecoderStartTokenId = 2,
        };
        var config = name switch
        {
            "t5-tiny" => t5 with { VocabSize = 8192, Width = 128, Heads = 4, HeadSize = 32, FeedForwardWidth = 512, EncoderLayers = 2, DecoderLayers = 2 },
            "t5-small" => t5,
            "t5-v1_1-small" => t5 with { Width = 512, Heads = 6, HeadSize = 64, FeedForwardWidth = 1024, EncoderLayers = 8, DecoderLayers = 8, FeedForward = FeedForwardKind.GatedGelu, TiedEmbeddings = false },
            "bart-tiny" => bart with { VocabSize = 8192, Width = 128, Heads = 4, FeedForwardWidth = 512, EncoderLayers = 2, DecoderLayers = 2, MaxPositions = 512 },
            "bart-base" => bart with { Width = 768, Heads = 12, FeedForwardWidth = 3072 },
            _ => throw new ArgumentException($"unknown encoder-decoder preset '{name}'; known: {string.Join(", ", PresetNames)}.", nameof(name)),
        };
        return (vocabSize is int v ? config with { VocabSize = v } : config).Validate();
    }
}
