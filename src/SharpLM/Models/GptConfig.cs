using SharpLM.Nn;

namespace SharpLM.Models;

/// <summary>How a decoder-only model knows where each token sits in the sequence.</summary>
public enum PositionEncoding
{
    /// <summary>A learned position embedding table <c>wpe [blockSize, C]</c> added to the token embedding (GPT-2).</summary>
    Learned,
    /// <summary>Fixed sine/cosine waves of different frequencies added to the token embedding (the original Transformer).</summary>
    Sinusoidal,
}

/// <summary>The nonlinearity between the MLP's two linear layers.</summary>
public enum MlpActivation
{
    /// <summary>GELU's tanh approximation <c>½x(1 + tanh(√(2/π)(x + 0.044715x³)))</c>, as GPT-2 and llm.c (Hugging Face's <c>gelu_new</c>).</summary>
    GeluTanh,
    /// <summary>The exact GELU <c>x·Φ(x)</c>, Φ the normal CDF, as PyTorch's <c>nn.GELU()</c> and nanoGPT (Hugging Face's <c>gelu</c>).</summary>
    Gelu,
}

/// <summary>
/// The shape of a decoder-only (GPT-style) transformer: vocabulary, context length, depth,
/// heads, width and the architectural choices. Presets give GPT-2's sizes and small
/// models that train in minutes on a CPU.
/// </summary>
public sealed record GptConfig
{
    /// <summary>Number of distinct tokens the tokenizer can produce (V).</summary>
    public int VocabSize { get; init; } = 50257;

    /// <summary>Context length: the most tokens the model attends over (T max).</summary>
    public int BlockSize { get; init; } = 1024;

    /// <summary>Number of transformer blocks stacked (L).</summary>
    public int Layers { get; init; } = 12;

    /// <summary>Number of attention heads per block (H).</summary>
    public int Heads { get; init; } = 12;

    /// <summary>Model width: size of every token's vector (C).</summary>
    public int Width { get; init; } = 768;

    /// <summary>Probability of zeroing an activation during training (0 disables dropout).</summary>
    public float Dropout { get; init; }

    /// <summary>Whether linear layers and norms have bias terms.</summary>
    public bool Bias { get; init; } = true;

    /// <summary>Whether the output head reuses the token embedding matrix (weight tying, as GPT-2).</summary>
    public bool TiedEmbeddings { get; init; } = true;

    /// <summary>How positions are encoded.</summary>
    public PositionEncoding Positions { get; init; } = PositionEncoding.Learned;

    /// <summary>Which normalization the blocks use.</summary>
    public NormKind Norm { get; init; } = NormKind.LayerNorm;

    /// <summary>The MLP's nonlinearity (GPT-2's tanh GELU by default).</summary>
    public MlpActivation Activation { get; init; } = MlpActivation.GeluTanh;

    /// <summary>Epsilon of the normalization layers.</summary>
    public float NormEps { get; init; } = 1e-5f;

    /// <summary>Vocabulary rounded up to a multiple of this for faster matrix shapes (llm.c's Vp); 1 disables padding.</summary>
    public int VocabMultiple { get; init; } = 64;

    /// <summary>The embedding/head row count: <see cref="VocabSize"/> rounded up to <see cref="VocabMultiple"/>. Rows past V are never predicted.</summary>
    public int PaddedVocabSize => (VocabSize + VocabMultiple - 1) / VocabMultiple * VocabMultiple;

    /// <summary>Size of one attention head (D = C / H).</summary>
    public int HeadSize => Width / Heads;

    /// <summary>Hidden width of the MLP (4·C).</summary>
    public int MlpWidth => 4 * Width;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field when the configuration cannot work.</summary>
    public GptConfig Validate()
    {
        if (VocabSize < 1) throw new ArgumentException($"config: vocab size must be ≥ 1, got {VocabSize}.");
        if (BlockSize < 1) throw new ArgumentException($"config: block size (context length) must be ≥ 1, got {BlockSize}.");
        if (Layers < 1) throw new ArgumentException($"config: layers must be ≥ 1, got {Layers}.");
        if (Heads < 1) throw new ArgumentException($"config: heads must be ≥ 1, got {Heads}.");
        if (Width < 1) throw new ArgumentException($"config: width must be ≥ 1, got {Width}.");
        if (Width % Heads != 0) throw new ArgumentException($"config: width {Width} is not divisible by heads {Heads} (each head gets width/heads channels).");
        if (Positions == PositionEncoding.Sinusoidal && Width % 2 != 0) throw new ArgumentException($"config: sinusoidal positions need an even width, got {Width}.");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"config: dropout must be in [0, 1), got {Dropout}.");
        if (!Enum.IsDefined(Activation)) throw new ArgumentException($"config: unknown MLP activation {(int)Activation}.");
        if (VocabMultiple < 1) throw new ArgumentException($"config: vocab multiple must be ≥ 1, got {VocabMultiple}.");
        return this;
    }

    /// <summary>Names of the built-in presets.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"];

    /// <summary>
    /// A preset by name: <c>tiny</c> (4 layers, 4 heads, 128 wide, 256 context; nanoGPT's CPU
    /// size), <c>small</c> (6×6×384), and GPT-2's sizes <c>gpt2</c> (124M), <c>gpt2-medium</c>
    /// (350M), <c>gpt2-large</c> (774M), <c>gpt2-xl</c> (1.5B).
    /// </summary>
    public static GptConfig Preset(string name) => name.ToLowerInvariant() switch
    {
        "tiny" => new GptConfig { Layers = 4, Heads = 4, Width = 128, BlockSize = 256 },
        "small" => new GptConfig { Layers = 6, Heads = 6, Width = 384, BlockSize = 256 },
        "gpt2" => new GptConfig { Layers = 12, Heads = 12, Width = 768, BlockSize = 1024 },
        "gpt2-medium" => new GptConfig { Layers = 24, Heads = 16, Width = 1024, BlockSize = 1024 },
        "gpt2-large" => new GptConfig { Layers = 36, Heads = 20, Width = 1280, BlockSize = 1024 },
        "gpt2-xl" => new GptConfig { Layers = 48, Heads = 25, Width = 1600, BlockSize = 1024 },
        _ => throw new ArgumentException($"unknown preset '{name}'; known presets: {string.Join(", ", PresetNames)}."),
    };
}
