namespace SharpLM.Generation;

/// <summary>
/// What a generator does when the context window (the model's block size) is full and
/// another token must be added: the model cannot attend further back than it was trained to.
/// </summary>
public enum ContextOverflow
{
    /// <summary>
    /// Slide the window: drop the oldest tokens, keep the most recent half of the window
    /// (or all the new tokens when there are more), and recompute the KV cache from them
    /// with one prefill. Generation goes on, forgetting the distant past.
    /// </summary>
    Slide,

    /// <summary>Stop: generation ends with a "context full" finish reason; appending throws.</summary>
    Stop,
}
