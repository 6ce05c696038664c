namespace SharpLM.Generation;

/// <summary>
/// The decoding rule that turns next-token logits into one chosen token. Stages run in the
/// usual order: penalties → temperature → top-k → top-p → min-p → draw. The defaults
/// sample from the model's plain distribution; <see cref="Greedy"/> always takes the most
/// likely token.
/// </summary>
public sealed record SamplerOptions
{
    /// <summary>Divides the logits before softmax: &lt;1 sharpens, &gt;1 flattens, 0 means greedy (argmax).</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set of most likely tokens whose probability mass reaches p (1 = off).</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens whose probability is below min_p × the top token's probability (0 = off).</summary>
    public float MinP { get; init; }

    /// <summary>CTRL repetition penalty: a token already in the recent context has a positive logit divided by it, a negative one multiplied (1 = off).</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>OpenAI frequency penalty: subtract this × (times the token occurs in the recent context) from its logit (0 = off).</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>OpenAI presence penalty: subtract this once from the logit of every token present in the recent context (0 = off).</summary>
    public float PresencePenalty { get; init; }

    /// <summary>How many of the most recent tokens the penalties look at (0 = the whole context window).</summary>
    public int PenaltyWindow { get; init; } = 64;

    /// <summary>Seed of the random draw: the same seed, model and prompt give the same text.</summary>
    public ulong Seed { get; init; } = 1234;

    /// <summary>Always pick the most likely token (temperature 0).</summary>
    public static SamplerOptions Greedy { get; } = new() { Temperature = 0f };

    /// <summary>True when any of the three penalties is active.</summary>
    public bool HasPenalties => RepetitionPenalty != 1f || FrequencyPenalty != 0f || PresencePenalty != 0f;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option when a value cannot work.</summary>
    public SamplerOptions Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentException($"temperature must be a finite number ≥ 0, got {Temperature}.");
        if (TopK < 0) throw new ArgumentException($"top-k must be ≥ 0 (0 = off), got {TopK}.");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top-p must be in (0, 1] (1 = off), got {TopP}.");
        if (!(MinP >= 0 && MinP <= 1)) throw new ArgumentException($"min-p must be in [0, 1] (0 = off), got {MinP}.");
        if (!(RepetitionPenalty > 0) || float.IsInfinity(RepetitionPenalty)) throw new ArgumentException($"repetition penalty must be a finite number > 0 (1 = off), got {RepetitionPenalty}.");
        if (!float.IsFinite(FrequencyPenalty)) throw new ArgumentException($"frequency penalty must be finite, got {FrequencyPenalty}.");
        if (!float.IsFinite(PresencePenalty)) throw new ArgumentException($"presence penalty must be finite, got {PresencePenalty}.");
        if (PenaltyWindow < 0) throw new ArgumentException($"penalty window must be ≥ 0 (0 = whole context), got {PenaltyWindow}.");
        return this;
    }
}
