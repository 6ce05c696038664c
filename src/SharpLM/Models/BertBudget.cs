namespace SharpLM.Models;

/// <summary>
/// The compute of training a BERT encoder, for achieved-GFLOP/s figures: forward + backward
/// ≈ 6 FLOPs per weight of the blocks' matrix products per token, plus the attention scores and
/// mixing, 12·L·T·C (the encoder's counterpart of <see cref="GptBudget"/>).
/// </summary>
public static class BertBudget
{
    /// <summary>Training FLOPs per token of the encoder stack at sequence length <paramref name="t"/> (heads not included).</summary>
    public static double EncoderTrainingFlopsPerToken(BertConfig c, int t)
    {
        ArgumentNullException.ThrowIfNull(c);
        return 6.0 * c.Layers * (4.0 * c.Width * c.Width + 2.0 * c.Width * c.Intermediate) + 12.0 * c.Layers * t * c.Width;
    }
}
