using SharpLM.Nn;

namespace SharpLM.Models;

/// <summary>
/// Back-of-the-envelope numbers for planning a GPT run, computed from the config alone:
/// parameter count, memory for weights, gradients, AdamW moments and activations, FLOPs
/// per token (≈ 6·N for the matrix products forward and backward, plus attention), and
/// the Chinchilla compute-optimal token count (≈ 20 tokens per parameter).
/// </summary>
public static class GptBudget
{
    /// <summary>Trainable numbers in a model of this config (with the vocabulary padded to Vp rows, as held in memory).</summary>
    public static long Parameters(GptConfig c)
    {
        long C = c.Width, vp = c.PaddedVocabSize;
        long normParams = C + (c.Bias && c.Norm != NormKind.RmsNorm ? C : 0) + (c.Norm == NormKind.DyT ? 1 : 0);
        long bias = c.Bias ? 1 : 0, qkvBias = c.HasQkvBias ? 1 : 0;
        long qkv = c.QkvWidth, f = c.MlpWidth, attnOut = (long)c.Heads * c.HeadSize;
        long perLayer = 2 * normParams
            + qkv * C + qkvBias * qkv                   // c_attn: q (H·D), k and v (Hkv·D each)
            + attnOut * C + bias * C                    // attn.c_proj
            + f * C + bias * f                          // c_fc (up)
            + (c.Activation == MlpActivation.SwiGlu ? f * C + bias * f : 0)   // gate (SwiGLU)
            + f * C + bias * C;                         // mlp.c_proj (down)
        return vp * C
            + (c.Positions == PositionEncoding.Learned ? (long)c.BlockSize * C : 0)
            + c.Layers * perLayer + normParams
            + (c.TiedEmbeddings ? 0 : vp * C);
    }

    /// <summary>
    /// Parameters that take part in matrix products: the N of 6·N. Everything except the position table and,
    /// with an untied head, the token embedding (a lookup, no product; tied, it is the head's matrix).
    /// </summary>
    public static long MatmulParameters(GptConfig c) =>
        Parameters(c) - (c.Positions == PositionEncoding.Learned ? (long)c.BlockSize * c.Width : 0)
        - (c.TiedEmbeddings ? 0 : (long)c.PaddedVocabSize * c.Width);

    /// <summary>
    /// Training FLOPs per token at sequence length <paramref name="t"/>: 6·N (forward 2·N, backward
    /// 4·N) plus attention's score and mix products, 12·L·H·D·T (forward and backward, full T×T as PaLM
    /// counts it). Grouped-query attention shrinks N (fewer key/value rows) but not the attention term:
    /// every query head still scores and mixes D channels; SwiGLU's gate is part of N.
    /// </summary>
    public static double TrainingFlopsPerToken(GptConfig c, int t) =>
        6.0 * MatmulParameters(c) + AttentionFlopsPerToken(c, t);

    /// <summary>Training FLOPs per token of attention's two products (scores and mix, forward and backward), 12·L·H·D·T.</summary>
    public static double AttentionFlopsPerToken(GptConfig c, int t) => 12.0 * c.Layers * c.Heads * c.HeadSize * t;

    /// <summary>Bytes the inference KV cache holds per token in float32: keys and values of every layer, 2·L·Hkv·D·4.</summary>
    public static long KvCacheBytesPerToken(GptConfig c) => 2L * c.Layers * c.KvHeadCount * c.HeadSize * 4;

    /// <summary>Bytes of float32 weights.</summary>
    public static long WeightBytes(GptConfig c) => 4 * Parameters(c);

    /// <summary>Bytes of float32 gradients (one per weight).</summary>
    public static long GradientBytes(GptConfig c) => 4 * Parameters(c);

    /// <summary>Bytes of AdamW state (two moments per weight).</summary>
    public static long OptimizerBytes(GptConfig c) => 8 * Parameters(c);

    /// <summary>
    /// Estimated bytes of activations kept from the forward pass for the backward pass at
    /// batch <paramref name="b"/> and length <paramref name="t"/>: per layer and token about
    /// 17·C numbers (norm outputs, qkv, attention output, MLP's 4·C hidden twice, residuals; with rotary
    /// positions the rotated qkv again, with SwiGLU three F-wide vectors) plus H·T attention
    /// probabilities, then the final norm and the logits (Vp, and V for the loss).
    /// Backward needs roughly as much again for activation gradients.
    /// </summary>
    public static long ActivationBytes(GptConfig c, int b, int t)
    {
        long tokens = (long)b * t, C = c.Width;
        long qkv = c.QkvWidth, f = c.MlpWidth;
        long perLayer = 6 * C + qkv * (c.Positions == PositionEncoding.Rotary ? 2 : 1)
            + f * (c.Activation == MlpActivation.SwiGlu ? 3 : 2) + 4 + (long)c.Heads * t;
        long floats = tokens * (2 * C + c.Layers * perLayer + C + c.PaddedVocabSize + c.VocabSize);
        return 4 * floats;
    }

    /// <summary>Chinchilla's compute-optimal number of training tokens: about 20 per parameter.</summary>
    public static long ChinchillaTokens(GptConfig c) => 20 * Parameters(c);
}
