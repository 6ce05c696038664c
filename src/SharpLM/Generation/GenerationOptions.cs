namespace SharpLM.Generation;

/// <summary>
/// What to generate: the decoding rule and when to stop (a number of new tokens, an
/// end-of-text token, or a stop sequence in the text).
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Most new tokens to generate.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>The decoding rule (penalties, temperature, top-k, top-p, min-p, seed).</summary>
    public SamplerOptions Sampling { get; init; } = new();

    /// <summary>Texts that end generation when they appear; the stop text itself is not returned.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>A token id that ends generation when sampled (not returned); null uses the tokenizer's <c>&lt;|endoftext|&gt;</c> if it has one.</summary>
    public int? StopToken { get; init; }

    /// <summary>Never stop on a token (even the tokenizer's end-of-text): generate until another rule stops.</summary>
    public bool IgnoreStopToken { get; init; }

    /// <summary>
    /// Start a fresh context with the tokenizer's beginning-of-sequence token (<c>&lt;s&gt;</c> or
    /// <c>&lt;|begin_of_text|&gt;</c>), as Llama checkpoints were trained and as llama2.c's <c>run</c> and
    /// Hugging Face's Llama tokenizers do. Models trained here on plain text windows never saw it, so it is off by default.
    /// </summary>
    public bool PrependBos { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option when a value cannot work.</summary>
    public GenerationOptions Validate()
    {
        if (MaxTokens < 1) throw new ArgumentException($"max tokens must be ≥ 1, got {MaxTokens}.");
        foreach (var s in StopSequences)
            if (string.IsNullOrEmpty(s)) throw new ArgumentException("stop sequences must not be empty.");
        Sampling.Validate();
        return this;
    }
}

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>The requested number of new tokens was reached.</summary>
    Length,
    /// <summary>The stop token (e.g. <c>&lt;|endoftext|&gt;</c>) was sampled.</summary>
    StopToken,
    /// <summary>A stop sequence appeared in the text.</summary>
    StopSequence,
    /// <summary>The context window filled and the generator's overflow mode is Stop.</summary>
    ContextFull,
    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>What one generation did and how fast: prompt and new token counts, prefill and decode time.</summary>
/// <param name="PromptTokens">Tokens fed in the prefill.</param>
/// <param name="GeneratedTokens">New tokens sampled (including a final stop token).</param>
/// <param name="PrefillSeconds">Time of the batched prompt forward.</param>
/// <param name="DecodeSeconds">Time of the token-by-token loop (forward + sampling + text decoding).</param>
/// <param name="Finish">Why generation ended.</param>
public sealed record GenerationStats(int PromptTokens, int GeneratedTokens, double PrefillSeconds, double DecodeSeconds, FinishReason Finish)
{
    /// <summary>Prompt tokens processed per second.</summary>
    public double PrefillTokensPerSecond => PromptTokens / Math.Max(1e-9, PrefillSeconds);

    /// <summary>Decode steps per second: every new token after the first (which the prefill's logits give) costs one step.</summary>
    public double DecodeTokensPerSecond => Math.Max(0, GeneratedTokens - 1) / Math.Max(1e-9, DecodeSeconds);
}
