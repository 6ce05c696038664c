using SharpLM.Autograd;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// An encoder-decoder transformer, T5 or BART by configuration: the encoder reads the whole
/// source bidirectionally; the decoder predicts the target one token at a time with causal
/// self-attention plus cross-attention whose keys and values come from the encoder's output.
/// One token embedding (<c>shared</c>) serves the encoder, the decoder and (when tied) the
/// output head. Parameter names are Hugging Face's (<c>T5ForConditionalGeneration</c>:
/// <c>shared.weight</c>, <c>encoder.block.0.layer.0.SelfAttention.q.weight</c>, …;
/// <c>BartForConditionalGeneration</c>: <c>model.shared.weight</c>, <c>model.encoder.layers.0.self_attn.q_proj.weight</c>, …).
/// </summary>
public sealed partial class EncoderDecoder : Module
{
    /// <summary>Creates a model with its family's initialization (T5: Mesh TensorFlow's scaled normals; BART: Normal(0, 0.02)).</summary>
    public EncoderDecoder(EncoderDecoderConfig config, ulong seed) : this(config, new Rng(seed)) { }

    /// <summary>A model whose weights are all zero (norm scales one), for loaders that overwrite every weight.</summary>
    public static EncoderDecoder Uninitialized(EncoderDecoderConfig config) => new(config, rng: null);

    private EncoderDecoder(EncoderDecoderConfig config, Rng? rng)
    {
        Config = config.Validate();
        bool t5 = config.Family == EncoderDecoderFamily.T5;
        string root = t5 ? "" : "model.";
        int c = config.Width, v = config.VocabSize;
        Shared = AddModule(root + "shared", new Embedding(v, c, t5 ? 1f : 0.02f, rng));
        Encoder = AddModule(root + "encoder", new EncoderDecoderStack(config, isDecoder: false, rng));
        Decoder = AddModule(root + "decoder", new EncoderDecoderStack(config, isDecoder: true, rng));
        if (!config.TiedEmbeddings) LmHead = AddModule("lm_head", new Linear(c, v, bias: false, t5 ? 1f : 0.02f, rng));
        if (!t5) FinalLogitsBias = AddParameter("final_logits_bias", new Variable(new Tensor(1, v)));
    }

    /// <summary>The architecture.</summary>
    public EncoderDecoderConfig Config { get; }

    /// <summary>The shared token embedding <c>[V, C]</c> (encoder input, decoder input, and the head when tied).</summary>
    public Embedding Shared { get; }

    /// <summary>The encoder stack.</summary>
    public EncoderDecoderStack Encoder { get; }

    /// <summary>The decoder stack.</summary>
    public EncoderDecoderStack Decoder { get; }

    /// <summary>A separate output head <c>[V, C]</c> when embeddings are untied (T5 v1.1); null when tied.</summary>
    public Linear? LmHead { get; }

    /// <summary>BART's per-token logit offset <c>[1, V]</c> (zeros unless trained); null for T5.</summary>
    public Variable? FinalLogitsBias { get; }

    /// <summary>The matrix mapping the decoder's final hidden vector to logits, <c>[V, C]</c>.</summary>
    public Variable OutputWeight => LmHead?.Weight ?? Shared.Weight;

    /// <summary>
    /// What the decoder's final hidden state is multiplied by before the head: T5 with a tied head
    /// rescales by <c>C^-½</c> (its embedding is initialized at unit scale); otherwise 1.
    /// </summary>
    public float HeadScale => Config.Family == EncoderDecoderFamily.T5 && Config.TiedEmbeddings ? 1f / MathF.Sqrt(Config.Width) : 1f;

    /// <summary>One line: family, shape and parameter count.</summary>
    public string Describe()
    {
        var c = Config;
        string ff = c.FeedForward switch { FeedForwardKind.Relu => "ReLU", FeedForwardKind.GatedGelu => "gated GELU", _ => "GELU" };
        return $"{c.Family} encoder-decoder: {c.EncoderLayers}+{c.DecoderLayers} layers, width {c.Width}, {c.Heads} heads × {c.HeadWidth}, " +
               $"FFN {c.FeedForwardWidth} {ff}, vocabulary {c.VocabSize}, {(c.TiedEmbeddings ? "tied" : "untied")} head, {ParameterCount():N0} parameters";
    }
}
