namespace SharpLM.Generation;

/// <summary>How a <see cref="BatchedDecoder"/> is laid out: how many sequences it holds at once, how prompts are prefilled, and what a full context window does.</summary>
public sealed record BatchedDecoderOptions
{
    /// <summary>Most sequences decoded together (each slot owns a KV cache of the model's block size).</summary>
    public int Slots { get; init; } = 8;

    /// <summary>Most prompt tokens one prefill pass of a joining sequence processes.</summary>
    public int PrefillChunk { get; init; } = 64;

    /// <summary>
    /// What a sequence whose window is full does on its next token: <see cref="ContextOverflow.Slide"/>
    /// drops its oldest tokens and recomputes its cache alone (as a <see cref="Generator"/> does), then
    /// rejoins the batch; <see cref="ContextOverflow.Stop"/> refuses the token (<see cref="BatchSlot.Feed"/> throws).
    /// </summary>
    public ContextOverflow Overflow { get; init; } = ContextOverflow.Slide;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option when a value cannot work.</summary>
    public BatchedDecoderOptions Validate()
    {
        if (Slots < 1) throw new ArgumentException($"batched decoder: slots must be ≥ 1, got {Slots}.");
        if (PrefillChunk < 1) throw new ArgumentException($"batched decoder: prefill chunk must be ≥ 1 token, got {PrefillChunk}.");
        return this;
    }
}
