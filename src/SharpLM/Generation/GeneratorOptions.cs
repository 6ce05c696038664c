namespace SharpLM.Generation;

/// <summary>How a <see cref="Generator"/> runs the model: prefill chunk size and what to do when the context window fills.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Most prompt tokens processed in one batched forward pass; longer prompts are prefilled in chunks of this size.</summary>
    public int PrefillChunk { get; init; } = 256;

    /// <summary>Behaviour when the window is full (default: slide and recompute the cache).</summary>
    public ContextOverflow Overflow { get; init; } = ContextOverflow.Slide;
}
