using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Multi-head attention of an encoder-decoder layer with separate query, key, value and
/// output projections: self-attention (queries, keys and values from one sequence) or
/// cross-attention (queries from the decoder, keys and values from the encoder's output).
/// T5 names them <c>q, k, v, o</c> without biases and keeps the learned relative position
/// table (<c>relative_attention_bias [buckets, H]</c>) in each stack's first self-attention;
/// BART names them <c>q_proj, k_proj, v_proj, out_proj</c> with biases.
/// </summary>
public sealed class EncoderDecoderAttention : Module
{
    /// <summary>Creates the projections; <paramref name="relativeBias"/> adds T5's relative position table.</summary>
    public EncoderDecoderAttention(EncoderDecoderConfig config, bool relativeBias, Rng? rng)
    {
        int c = config.Width, inner = config.InnerWidth;
        bool t5 = config.Family == EncoderDecoderFamily.T5;
        bool bias = !t5;
        // T5's initialization (Mesh TensorFlow): the missing 1/√D score scale is folded into q's std.
        float qStd = t5 ? 1f / MathF.Sqrt((float)c * config.HeadWidth) : 0.02f;
        float kvStd = t5 ? 1f / MathF.Sqrt(c) : 0.02f;
        float oStd = t5 ? 1f / MathF.Sqrt(inner) : 0.02f;
        Query = AddModule(t5 ? "q" : "q_proj", new Linear(c, inner, bias, qStd, rng));
        Key = AddModule(t5 ? "k" : "k_proj", new Linear(c, inner, bias, kvStd, rng));
        Value = AddModule(t5 ? "v" : "v_proj", new Linear(c, inner, bias, kvStd, rng));
        Output = AddModule(t5 ? "o" : "out_proj", new Linear(inner, c, bias, oStd, rng));
        if (relativeBias)
            RelativeBias = AddModule("relative_attention_bias", new Embedding(config.RelativeBuckets, config.Heads, 1f / MathF.Sqrt(c), rng));
    }

    /// <summary>Query projection <c>[H·D, C]</c>.</summary>
    public Linear Query { get; }

    /// <summary>Key projection <c>[H·D, C]</c>.</summary>
    public Linear Key { get; }

    /// <summary>Value projection <c>[H·D, C]</c>.</summary>
    public Linear Value { get; }

    /// <summary>Output projection <c>[C, H·D]</c>.</summary>
    public Linear Output { get; }

    /// <summary>T5's learned relative position bias table <c>[buckets, H]</c>, or null (every layer but a stack's first, cross-attention, BART).</summary>
    public Embedding? RelativeBias { get; }
}
