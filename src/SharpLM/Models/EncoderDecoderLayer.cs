using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// One layer of the encoder (self-attention, feed-forward) or of the decoder (causal
/// self-attention, cross-attention over the encoder output, feed-forward), each sub-layer
/// with its norm. T5 applies the norm before each sub-layer (pre-norm, RMS without bias);
/// BART after the residual addition (post-norm LayerNorm). Names follow Hugging Face:
/// T5 <c>layer.0.SelfAttention</c>, <c>layer.0.layer_norm</c>, … ; BART <c>self_attn</c>,
/// <c>self_attn_layer_norm</c>, <c>encoder_attn</c>, <c>fc1</c>, <c>final_layer_norm</c>.
/// </summary>
public sealed class EncoderDecoderLayer : Module
{
    /// <summary>Creates a layer; <paramref name="isDecoder"/> adds cross-attention, <paramref name="relativeBias"/> the relative position table.</summary>
    public EncoderDecoderLayer(EncoderDecoderConfig config, bool isDecoder, bool relativeBias, Rng? rng)
    {
        bool t5 = config.Family == EncoderDecoderFamily.T5;
        Norm NewNorm() => t5
            ? new Norm(NormKind.RmsNorm, config.Width, bias: false, config.NormEps)
            : new Norm(NormKind.LayerNorm, config.Width, bias: true, config.NormEps);
        if (t5)
        {
            SelfAttention = AddModule("layer.0.SelfAttention", new EncoderDecoderAttention(config, relativeBias, rng));
            SelfAttentionNorm = AddModule("layer.0.layer_norm", NewNorm());
            if (isDecoder)
            {
                CrossAttention = AddModule("layer.1.EncDecAttention", new EncoderDecoderAttention(config, false, rng));
                CrossAttentionNorm = AddModule("layer.1.layer_norm", NewNorm());
            }
            string ff = isDecoder ? "layer.2" : "layer.1";
            FeedForward = AddModule(ff + ".DenseReluDense", new EncoderDecoderFeedForward(config, rng));
            FeedForwardNorm = AddModule(ff + ".layer_norm", NewNorm());
        }
        else
        {
            SelfAttention = AddModule("self_attn", new EncoderDecoderAttention(config, false, rng));
            SelfAttentionNorm = AddModule("self_attn_layer_norm", NewNorm());
            if (isDecoder)
            {
                CrossAttention = AddModule("encoder_attn", new EncoderDecoderAttention(config, false, rng));
                CrossAttentionNorm = AddModule("encoder_attn_layer_norm", NewNorm());
            }
            FeedForward = AddModule("", new EncoderDecoderFeedForward(config, rng));
            FeedForwardNorm = AddModule("final_layer_norm", NewNorm());
        }
    }

    /// <summary>Self-attention (bidirectional in the encoder, causal in the decoder).</summary>
    public EncoderDecoderAttention SelfAttention { get; }

    /// <summary>The self-attention sub-layer's norm.</summary>
    public Norm SelfAttentionNorm { get; }

    /// <summary>Cross-attention over the encoder output (decoder layers only), else null.</summary>
    public EncoderDecoderAttention? CrossAttention { get; }

    /// <summary>The cross-attention sub-layer's norm (decoder layers only), else null.</summary>
    public Norm? CrossAttentionNorm { get; }

    /// <summary>The feed-forward network.</summary>
    public EncoderDecoderFeedForward FeedForward { get; }

    /// <summary>The feed-forward sub-layer's norm.</summary>
    public Norm FeedForwardNorm { get; }
}
