using SharpLM.Autograd;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// A decoder-only transformer (GPT-2, and LLaMA as a configuration of it: rotary positions,
/// RMSNorm, SwiGLU, grouped-query attention): token embedding + positions, then L pre-norm blocks
/// (<c>x + attn(norm(x))</c>, <c>x + mlp(norm(x))</c>), a final norm and the LM head that
/// turns each position's vector into logits over the vocabulary. Parameter names follow
/// Hugging Face's <c>gpt2</c> checkpoint (<c>wte.weight</c>, <c>h.0.attn.c_attn.weight</c>, …);
/// linear weights are held <c>[out, in]</c> (Hugging Face's Conv1D stores <c>[in, out]</c>).
/// </summary>
public sealed partial class Gpt : Module
{
    /// <summary>Creates a model with GPT-2's initialization: Normal(0, 0.02) weights, zero biases, residual projections scaled by 1/√(2L).</summary>
    public Gpt(GptConfig config, ulong seed) : this(config, new Rng(seed)) { }

    /// <summary>
    /// A model whose weights are all zero (norm scales one), for loaders that overwrite every
    /// weight from a file: skips drawing ~N random numbers.
    /// </summary>
    public static Gpt Uninitialized(GptConfig config) => new(config, rng: null);

    private Gpt(GptConfig config, Rng? rng)
    {
        Config = config.Validate();
        int c = config.Width, vp = config.PaddedVocabSize;
        const float std = 0.02f;
        float residualStd = std / MathF.Sqrt(2f * config.Layers);

        TokenEmbedding = AddModule("wte", new Embedding(vp, c, std, rng));
        if (config.Positions == PositionEncoding.Learned)
            PositionEmbedding = AddModule("wpe", new Embedding(config.BlockSize, c, std, rng));
        else if (config.Positions == PositionEncoding.Sinusoidal)
            SinusoidalTable = Models.SinusoidalPositions.Create(config.BlockSize, c);
        else
            Rotary = new RotaryEmbedding(config);
        // Rows past the real vocabulary are padding: keep them zero so they never matter.
        TokenEmbedding.Weight.Data.Span[(config.VocabSize * c)..].Clear();

        Blocks = new GptBlock[config.Layers];
        for (int l = 0; l < config.Layers; l++)
            Blocks[l] = AddModule($"h.{l}", new GptBlock(config, std, residualStd, rng));
        FinalNorm = AddModule("ln_f", new Norm(config.Norm, c, config.Bias, config.NormEps));
        if (!config.TiedEmbeddings)
        {
            LmHead = AddModule("lm_head", new Linear(c, vp, bias: false, std, rng));
            LmHead.Weight.Data.Span[(config.VocabSize * c)..].Clear();
        }
    }

    /// <summary>The architecture.</summary>
    public GptConfig Config { get; }

    /// <summary>Token embedding <c>wte [Vp, C]</c>; also the output head when embeddings are tied.</summary>
    public Embedding TokenEmbedding { get; }

    /// <summary>Learned position embedding <c>wpe [blockSize, C]</c>, or null for sinusoidal or rotary positions.</summary>
    public Embedding? PositionEmbedding { get; }

    /// <summary>The fixed sinusoidal table <c>[blockSize, C]</c> when positions are sinusoidal, else null.</summary>
    public Tensor? SinusoidalTable { get; }

    /// <summary>The rotary cos/sin tables when positions are rotary (LLaMA), else null.</summary>
    public RotaryEmbedding? Rotary { get; }

    /// <summary>The stack of transformer blocks <c>h.0 … h.{L-1}</c>.</summary>
    public GptBlock[] Blocks { get; }

    /// <summary>The final normalization before the head (<c>ln_f</c>).</summary>
    public Norm FinalNorm { get; }

    /// <summary>A separate output head <c>[Vp, C]</c> when embeddings are not tied; null when tied.</summary>
    public Linear? LmHead { get; }

    /// <summary>The matrix that maps a final hidden vector to logits, <c>[Vp, C]</c>: the head, or the token embedding when tied.</summary>
    public Variable OutputWeight => LmHead?.Weight ?? TokenEmbedding.Weight;
}
