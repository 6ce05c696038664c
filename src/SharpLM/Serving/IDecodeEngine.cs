namespace SharpLM.Serving;

/// <summary>
/// The token-level door of serving: something that decodes sequences for many callers at once.
/// Each call to <see cref="GenerateAsync"/> is one sequence in one slot (its own KV cache); the
/// engine may run sequences one after another, in parallel generators (<see cref="GeneratorSlotEngine"/>),
/// or together in one batched forward step per token (continuous batching). The text layer
/// (<see cref="LanguageModelService"/>) — detokenizing, stop sequences, usage — sits above it,
/// so any engine serves the chat client and the HTTP server alike.
/// </summary>
public interface IDecodeEngine : IDisposable
{
    /// <summary>The context window in tokens (prompt plus new tokens).</summary>
    int ContextLength { get; }

    /// <summary>The model's vocabulary size (logits per step).</summary>
    int VocabSize { get; }

    /// <summary>How many sequences can decode at once.</summary>
    int Slots { get; }

    /// <summary>Sequences decoding now and callers waiting for a slot.</summary>
    EngineLoad Load { get; }

    /// <summary>
    /// Decodes one sequence: waits for a free slot (or throws <see cref="EngineBusyException"/> at
    /// once when the wait queue is full), prefills the prompt, then yields each sampled token until
    /// the stop token, the token limit or a full context (the last token carries the finish reason).
    /// Cancelling <paramref name="cancellation"/> or disposing the enumerator early ends the sequence
    /// and frees its slot before the next step.
    /// </summary>
    IAsyncEnumerable<DecodedToken> GenerateAsync(DecodeRequest request, CancellationToken cancellation = default);
}

/// <summary>A snapshot of an engine's occupancy.</summary>
/// <param name="Busy">Sequences holding a slot.</param>
/// <param name="Queued">Callers waiting for a slot.</param>
/// <param name="Slots">Slots in all.</param>
/// <param name="QueueLimit">Most callers that may wait; one more is refused.</param>
public readonly record struct EngineLoad(int Busy, int Queued, int Slots, int QueueLimit);

/// <summary>Every slot is busy and the wait queue is full: the caller should retry later (HTTP 429).</summary>
public sealed class EngineBusyException(EngineLoad load)
    : Exception($"all {load.Slots} decode slots are busy and {load.Queued} requests are already waiting (queue limit {load.QueueLimit}); retry later.")
{
    /// <summary>The occupancy when the request was refused.</summary>
    public EngineLoad Load { get; } = load;
}
