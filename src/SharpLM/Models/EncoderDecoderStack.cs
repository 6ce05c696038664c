using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// The encoder or the decoder: a stack of <see cref="EncoderDecoderLayer"/>s plus what the
/// family puts around it — T5: a final RMS norm (<c>final_layer_norm</c>), the relative
/// position table living in layer 0; BART: learned positions (<c>embed_positions</c>, rows
/// offset by 2) and the LayerNorm applied to the embeddings (<c>layernorm_embedding</c>).
/// </summary>
public sealed class EncoderDecoderStack : Module
{
    /// <summary>The row offset of BART's learned position table (position p uses row p + 2).</summary>
    public const int BartPositionOffset = 2;

    /// <summary>Creates the encoder (<paramref name="isDecoder"/> false) or the decoder.</summary>
    public EncoderDecoderStack(EncoderDecoderConfig config, bool isDecoder, Rng? rng)
    {
        IsDecoder = isDecoder;
        bool t5 = config.Family == EncoderDecoderFamily.T5;
        int n = isDecoder ? config.DecoderLayers : config.EncoderLayers;
        if (!t5)
        {
            PositionEmbedding = AddModule("embed_positions", new Embedding(config.MaxPositions + BartPositionOffset, config.Width, 0.02f, rng));
            EmbeddingNorm = AddModule("layernorm_embedding", new Norm(NormKind.LayerNorm, config.Width, bias: true, config.NormEps));
        }
        Layers = new EncoderDecoderLayer[n];
        for (int l = 0; l < n; l++)
            Layers[l] = AddModule(t5 ? $"block.{l}" : $"layers.{l}", new EncoderDecoderLayer(config, isDecoder, relativeBias: t5 && l == 0, rng));
        if (t5) FinalNorm = AddModule("final_layer_norm", new Norm(NormKind.RmsNorm, config.Width, bias: false, config.NormEps));
    }

    /// <summary>True for the decoder.</summary>
    public bool IsDecoder { get; }

    /// <summary>The layers.</summary>
    public EncoderDecoderLayer[] Layers { get; }

    /// <summary>T5: the final norm after the last layer; null for BART (post-norm layers end normalized).</summary>
    public Norm? FinalNorm { get; }

    /// <summary>BART: the learned positions <c>[MaxPositions + 2, C]</c>; null for T5.</summary>
    public Embedding? PositionEmbedding { get; }

    /// <summary>BART: the LayerNorm on token + position embeddings; null for T5.</summary>
    public Norm? EmbeddingNorm { get; }

    /// <summary>T5: the stack's relative position table (in layer 0, shared by every layer); null for BART.</summary>
    public Embedding? RelativeBias => Layers[0].SelfAttention.RelativeBias;
}
