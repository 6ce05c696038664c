using SharpLM.Nn;

namespace SharpLM.Models;

/// <summary>How a decoder-only model knows where each token sits in the sequence.</summary>
public enum PositionEncoding
{
    /// <summary>A learned position embedding table <c>wpe [blockSize, C]</c> added to the token embedding (GPT-2).</summary>
    Learned,
    /// <summary>Fixed sine/cosine waves of different frequencies added to the token embedding (the original Transformer).</summary>
    Sinusoidal,
    /// <summary>
    /// Rotary position embeddings (RoPE, LLaMA): nothing is added to the token embedding; each
    /// head's queries and keys are rotated by angles proportional to their position, so
    /// <c>q·k</c> depends on the offset between positions. Hugging Face's rotate-half pairing.
    /// </summary>
    Rotary,
}

/// <summary>The nonlinearity between the MLP's two linear layers.</summary>
public enum MlpActivation
{
    /// <summary>GELU's tanh approximation <c>½x(1 + tanh(√(2/π)(x + 0.044715x³)))</c>, as GPT-2 and llm.c (Hugging Face's <c>gelu_new</c>).</summary>
    GeluTanh,
    /// <summary>The exact GELU <c>x·Φ(x)</c>, Φ the normal CDF, as PyTorch's <c>nn.GELU()</c> and nanoGPT (Hugging Face's <c>gelu</c>).</summary>
    Gelu,
    /// <summary>LLaMA's gated feed-forward <c>down(silu(gate·x) ⊙ up·x)</c>: a third projection gates the widened vector.</summary>
    SwiGlu,
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

    /// <summary>
    /// Key/value heads (Hkv) for grouped-query attention: each serves H/Hkv query heads, so the
    /// KV cache shrinks by that factor (1 = multi-query). 0 means the same as <see cref="Heads"/>.
    /// </summary>
    public int KvHeads { get; init; }

    /// <summary>The effective number of key/value heads: <see cref="KvHeads"/>, or <see cref="Heads"/> when it is 0.</summary>
    public int KvHeadCount => KvHeads == 0 ? Heads : KvHeads;

    /// <summary>Model width: size of every token's vector (C).</summary>
    public int Width { get; init; } = 768;

    /// <summary>Probability of zeroing an activation during training (0 disables dropout).</summary>
    public float Dropout { get; init; }

    /// <summary>Whether linear layers and norms have bias terms.</summary>
    public bool Bias { get; init; } = true;

    /// <summary>Bias on the query/key/value projection even when <see cref="Bias"/> is false (Qwen2).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Whether the output head reuses the token embedding matrix (weight tying, as GPT-2).</summary>
    public bool TiedEmbeddings { get; init; } = true;

    /// <summary>How positions are encoded.</summary>
    public PositionEncoding Positions { get; init; } = PositionEncoding.Learned;

    /// <summary>Which normalization the blocks use.</summary>
    public NormKind Norm { get; init; } = NormKind.LayerNorm;

    /// <summary>The MLP's nonlinearity (GPT-2's tanh GELU by default).</summary>
    public MlpActivation Activation { get; init; } = MlpActivation.GeluTanh;

    /// <summary>Hidden width of the MLP (F); 0 means 4·C (GPT-2). LLaMA sets it (e.g. 768 for stories15M).</summary>
    public int MlpHidden { get; init; }

    /// <summary>Base θ of the rotary frequencies <c>θ^(−2i/D)</c> (10,000; Llama 3 uses 500,000).</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>Optional rotary frequency scaling (linear or Llama 3's); null for none.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Epsilon of the normalization layers.</summary>
    public float NormEps { get; init; } = 1e-5f;

    /// <summary>Vocabulary rounded up to a multiple of this for faster matrix shapes (llm.c's Vp); 1 disables padding.</summary>
    public int VocabMultiple { get; init; } = 64;

    /// <summary>The embedding/head row count: <see cref="VocabSize"/> rounded up to <see cref="VocabMultiple"/>. Rows past V are never predicted.</summary>
    public int PaddedVocabSize => (VocabSize + VocabMultiple - 1) / VocabMultiple * VocabMultiple;

    /// <summary>Size of one attention head (D = C / H).</summary>
    public int HeadSize => Width / Heads;

    /// <summary>Hidden width of the MLP: <see cref="MlpHidden"/>, or 4·C when it is 0.</summary>
    public int MlpWidth => MlpHidden == 0 ? 4 * Width : MlpHidden;

    /// <summary>Width of the fused query/key/value projection's output: <c>(H + 2·Hkv)·D</c> (3·C without grouped-query attention).</summary>
    public int QkvWidth => (Heads + 2 * KvHeadCount) * HeadSize;

    /// <summary>Width of the keys (and of the values) of one token: <c>Hkv·D</c>, what the KV cache stores per layer.</summary>
    public int KvWidth => KvHeadCount * HeadSize;

    /// <summary>Whether the query/key/value projection has a bias (<see cref="Bias"/> or <see cref="QkvBias"/>).</summary>
    public bool HasQkvBias => Bias || QkvBias;

    /// <summary>
    /// LLaMA's feed-forward width for model width C (llama2.c's rule): <c>2·4C/3</c> rounded up to a
    /// multiple of <paramref name="multipleOf"/> (288 → 768, 512 → 1376, 768 → 2048).
    /// </summary>
    public static int LlamaMlpHidden(int width, int multipleOf = 32)
    {
        int hidden = 2 * (4 * width) / 3;
        return (hidden + multipleOf - 1) / multipleOf * multipleOf;
    }

    /// <summary>
    /// This shape as a LLaMA-style model: rotary positions, RMSNorm, no biases, SwiGLU with
    /// <see cref="LlamaMlpHidden"/> (unless <see cref="MlpHidden"/> is set), untied head.
    /// </summary>
    public GptConfig AsLlama() => this with
    {
        Positions = PositionEncoding.Rotary, Norm = NormKind.RmsNorm, Bias = false, TiedEmbeddings = false,
        Activation = MlpActivation.SwiGlu, MlpHidden = MlpHidden == 0 ? LlamaMlpHidden(Width) : MlpHidden,
    };

    /// <summary>Whether this is a LLaMA-style configuration (rotary positions and the SwiGLU feed-forward).</summary>
    public bool IsLlamaStyle => Positions == PositionEncoding.Rotary && Activation == MlpActivation.SwiGlu;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field when the configuration cannot work.</summary>
    public GptConfig Validate()
    {
        if (VocabSize < 1) throw new ArgumentException($"config: vocab size must be ≥ 1, got {VocabSize}.");
        if (BlockSize < 1) throw new ArgumentException($"config: block size (context length) must be ≥ 1, got {BlockSize}.");
        if (Layers < 1) throw new ArgumentException($"config: layers must be ≥ 1, got {Layers}.");
        if (Heads < 1) throw new ArgumentException($"config: heads must be ≥ 1, got {Heads}.");
        if (Width < 1) throw new ArgumentException($"config: width must be ≥ 1, got {Width}.");
        if (Width % Heads != 0) throw new ArgumentException($"config: width {Width} is not divisible by heads {Heads} (each head gets width/heads channels).");
        if (KvHeads < 0) throw new ArgumentException($"config: kv heads must be ≥ 1 (or 0 for the same as heads), got {KvHeads}.");
        if (KvHeadCount > Heads) throw new ArgumentException($"config: kv heads {KvHeadCount} exceed heads {Heads} (each key/value head serves heads/kv heads query heads).");
        if (Heads % KvHeadCount != 0) throw new ArgumentException($"config: heads {Heads} are not divisible by kv heads {KvHeadCount} (grouped-query attention shares each key/value head among heads/kv heads query heads).");
        if (MlpHidden < 0) throw new ArgumentException($"config: MLP hidden size must be ≥ 1 (or 0 for 4·width), got {MlpHidden}.");
        if (!Enum.IsDefined(Positions)) throw new ArgumentException($"config: unknown position encoding {(int)Positions}.");
        if (Positions == PositionEncoding.Rotary)
        {
            if (HeadSize % 2 != 0) throw new ArgumentException($"config: rotary positions need an even head size, got {HeadSize} (width {Width} / heads {Heads}).");
            if (!(RopeTheta > 1) || float.IsInfinity(RopeTheta)) throw new ArgumentException($"config: rope theta must be a finite number > 1, got {RopeTheta}.");
            RopeScaling?.Validate();
        }
        if (Positions == PositionEncoding.Sinusoidal && Width % 2 != 0) throw new ArgumentException($"config: sinusoidal positions need an even width, got {Width}.");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"config: dropout must be in [0, 1), got {Dropout}.");
        if (!Enum.IsDefined(Activation)) throw new ArgumentException($"config: unknown MLP activation {(int)Activation}.");
        if (VocabMultiple < 1) throw new ArgumentException($"config: vocab multiple must be ≥ 1, got {VocabMultiple}.");
        return this;
    }

    /// <summary>Names of the built-in presets.</summary>
    public static IReadOnlyList<string> PresetNames { get; } =
    [
        "tiny", "small", "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl",
        "llama-tiny", "stories15M", "stories42M", "stories110M", "smollm-135m", "tinyllama-1.1b", "llama-3.2-1b",
    ];

    /// <summary>
    /// A preset by name: <c>tiny</c> (4 layers, 4 heads, 128 wide, 256 context; nanoGPT's CPU
    /// size), <c>small</c> (6×6×384), and GPT-2's sizes <c>gpt2</c> (124M), <c>gpt2-medium</c>
    /// (350M), <c>gpt2-large</c> (774M), <c>gpt2-xl</c> (1.5B). LLaMA-style: <c>llama-tiny</c>
    /// (4×4×128, 2 key/value heads, trains in minutes), llama2.c's <c>stories15M</c>, <c>stories42M</c>,
    /// <c>stories110M</c> (tied head, vocabulary 32000), and the shapes of the published
    /// <c>smollm-135m</c>, <c>tinyllama-1.1b</c> and <c>llama-3.2-1b</c> (their config.json values).
    /// </summary>
    public static GptConfig Preset(string name) => name.ToLowerInvariant() switch
    {
        "llama-tiny" => Llama(layers: 4, heads: 4, kvHeads: 2, width: 128, hidden: 352, block: 256, vocab: 50257, tied: false),
        "stories15m" => Llama(layers: 6, heads: 6, kvHeads: 6, width: 288, hidden: 768, block: 256, vocab: 32000, tied: true),
        "stories42m" => Llama(layers: 8, heads: 8, kvHeads: 8, width: 512, hidden: 1376, block: 1024, vocab: 32000, tied: true),
        "stories110m" => Llama(layers: 12, heads: 12, kvHeads: 12, width: 768, hidden: 2048, block: 1024, vocab: 32000, tied: true),
        "smollm-135m" => Llama(layers: 30, heads: 9, kvHeads: 3, width: 576, hidden: 1536, block: 2048, vocab: 49152, tied: true),
        "tinyllama-1.1b" => Llama(layers: 22, heads: 32, kvHeads: 4, width: 2048, hidden: 5632, block: 2048, vocab: 32000, tied: false),
        "llama-3.2-1b" => Llama(layers: 16, heads: 32, kvHeads: 8, width: 2048, hidden: 8192, block: 131072, vocab: 128256, tied: true) with
        {
            RopeTheta = 500000f,
            RopeScaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 32f, LowFreqFactor = 1f, HighFreqFactor = 4f, OriginalContext = 8192 },
        },
        "tiny" => new GptConfig { Layers = 4, Heads = 4, Width = 128, BlockSize = 256 },
        "small" => new GptConfig { Layers = 6, Heads = 6, Width = 384, BlockSize = 256 },
        "gpt2" => new GptConfig { Layers = 12, Heads = 12, Width = 768, BlockSize = 1024 },
        "gpt2-medium" => new GptConfig { Layers = 24, Heads = 16, Width = 1024, BlockSize = 1024 },
        "gpt2-large" => new GptConfig { Layers = 36, Heads = 20, Width = 1280, BlockSize = 1024 },
        "gpt2-xl" => new GptConfig { Layers = 48, Heads = 25, Width = 1600, BlockSize = 1024 },
        _ => throw new ArgumentException($"unknown preset '{name}'; known presets: {string.Join(", ", PresetNames)}."),
    };

    private static GptConfig Llama(int layers, int heads, int kvHeads, int width, int hidden, int block, int vocab, bool tied) => new()
    {
        Layers = layers, Heads = heads, KvHeads = kvHeads == heads ? 0 : kvHeads, Width = width, MlpHidden = hidden,
        BlockSize = block, VocabSize = vocab, TiedEmbeddings = tied, Positions = PositionEncoding.Rotary,
        Norm = NormKind.RmsNorm, Bias = false, Activation = MlpActivation.SwiGlu, NormEps = 1e-5f,
    };
}
