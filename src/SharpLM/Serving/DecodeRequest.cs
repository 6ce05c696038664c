using SharpLM.Generation;

namespace SharpLM.Serving;

/// <summary>
/// What a decode engine is asked to do for one sequence: the prompt's token ids, the sampling
/// rule, how many new tokens at most, the token that ends the sequence, and whether to report
/// each sampled token's log-probability with the <see cref="TopLogprobs"/> most likely alternatives.
/// </summary>
public sealed record DecodeRequest
{
    /// <summary>The prompt as token ids (at least one, fewer than the context window).</summary>
    public required int[] PromptIds { get; init; }

    /// <summary>The sampling rule. Penalties look at the tokens generated so far (OpenAI's definition), not at the prompt.</summary>
    public SamplerOptions Sampling { get; init; } = new();

    /// <summary>Most new tokens (the end token included when it comes).</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>The end-of-sequence id: the sequence ends when it is sampled (it is reported, flagged <see cref="FinishReason.StopToken"/>); null never stops on a token.</summary>
    public int? StopToken { get; init; }

    /// <summary>Report each sampled token's log-probability (<see cref="DecodedToken.Logprob"/>).</summary>
    public bool Logprobs { get; init; }

    /// <summary>With <see cref="Logprobs"/>, how many of the most likely tokens to report at each step (0–20).</summary>
    public int TopLogprobs { get; init; }

    /// <summary>Most alternatives per token a request may ask for (OpenAI's limit).</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field when a value cannot work.</summary>
    public DecodeRequest Validate(int vocabSize)
    {
        if (PromptIds is null || PromptIds.Length == 0) throw new ArgumentException("decode request: the prompt has no tokens.");
        foreach (var id in PromptIds)
            if ((uint)id >= (uint)vocabSize) throw new ArgumentException($"decode request: prompt token id {id} is outside the vocabulary 0..{vocabSize - 1}.");
        if (MaxTokens < 1) throw new ArgumentException($"decode request: max tokens must be ≥ 1, got {MaxTokens}.");
        if (TopLogprobs is < 0 or > MaxTopLogprobs) throw new ArgumentException($"decode request: top logprobs must be in 0..{MaxTopLogprobs}, got {TopLogprobs}.");
        Sampling.Validate();
        return this;
    }
}
