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
        long bias = c.Bias ? 1 : 0;
        long perLayer = 2 * normParams
            + 3 * C * C + bias * 3 * C      // c_attn
            + C * C + bias * C              // attn.c_proj
            + 4 * C * C + bias * 4 * C      // c_fc
            + 4 * C * C + bias * C;         // mlp.c_proj
        return vp * C
            + (c.Positions == PositionEncoding.Learned ? (long)c.BlockSize * C : 0)
            + c.Layers * perLayer + normParams
            + (c.TiedEmbeddings ? 0 : vp * C);
    }

    /// <summary>Parameters that take part in matrix products (everything except the position table): the N of 6·N.</summary>
    public static long MatmulParameters(GptConfig c) =>
        Parameters(c) - (c.Positions == PositionEncoding.Learned ? (long)c.BlockSize * c.Width : 0);

    /// <summary>
    /// Training FLOPs per token at sequence length <paramref name="t"/>: 6·N (forward 2·N, backward
    /// 4·N) plus attention's score and mix products, 12·L·C·T (forward and backward, full T×T as PaLM counts it).
    /// </summary>
    public static double TrainingFlopsPerToken(GptConfig c, int t) =>
        6.0 * MatmulParameters(c) + 12.0 * c.Layers * c.Width * t;

    /// <summary>Bytes of float32 weights.</summary>
    public static long WeightBytes(GptConfig c) => 4 * Parameters(c);

    /// <summary>Bytes of float32 gradients (one per weight).</summary>
    public static long GradientBytes(GptConfig c) => 4 * Parameters(c);

    /// <summary>Bytes of AdamW state (two moments per weight).</summary>
    public static long OptimizerBytes(GptConfig c) => 8 * Parameters(c);

    /// <summary>
    /// Estimated bytes of activations kept from the forward pass for the backward pass at
    /// batch <paramref name="b"/> and length <paramref name="t"/>: per layer and token about
    /// 17·C numbers (norm outputs, qkv, attention output, MLP's 4·C hidden twice, residuals)
    /// plus H·T attention probabilities, then the final norm and the logits (Vp, and V for the loss).
    /// Backward needs roughly as much again for activation gradients.
    /// </summary>
    public static long ActivationBytes(GptConfig c, int b, int t)
    {
        long tokens = (long)b * t, C = c.Width;
        long perLayer = 17 * C + 4 + (long)c.Heads * t;
        long floats = tokens * (2 * C + c.Layers * perLayer + C + c.PaddedVocabSize + c.VocabSize);
        return 4 * floats;
    }

    /// <summary>Chinchilla's compute-optimal number of training tokens: about 20 per parameter.</summary>
    public static long ChinchillaTokens(GptConfig c) => 20 * Parameters(c);
}
