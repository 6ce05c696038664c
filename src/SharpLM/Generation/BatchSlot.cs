namespace SharpLM.Generation;

/// <summary>
/// One sequence in a <see cref="BatchedDecoder"/>: its own KV cache and position (a
/// <see cref="Generator"/> that holds them and prefills the prompt), its own sampler (options and
/// seed), and the token waiting for the next batched step. A slot is handed out by
/// <see cref="BatchedDecoder.TryJoin"/> and goes back with <see cref="BatchedDecoder.Leave"/>;
/// after that this object must not be used (the slot may already serve another sequence).
/// </summary>
public sealed class BatchSlot
{
    internal BatchSlot(BatchedDecoder owner, int index, Generator generator)
    {
        Owner = owner;
        Index = index;
        Generator = generator;
    }

    internal BatchedDecoder Owner { get; }

    /// <summary>Position of the slot in the decoder (0 … slots−1).</summary>
    public int Index { get; }

    /// <summary>True while a sequence holds the slot.</summary>
    public bool IsActive { get; internal set; }

    /// <summary>The generator that holds this slot's window and KV cache (prefill and window sliding run on it alone).</summary>
    internal Generator Generator { get; }

    /// <summary>The decoding rule of this sequence (its own options and seed).</summary>
    public Sampler Sampler { get; internal set; } = null!;

    /// <summary>The tokens in the sequence's window, oldest first (prompt, then the generated tokens fed so far).</summary>
    public ReadOnlySpan<int> Tokens => Generator.Tokens;

    /// <summary>Tokens in the window (and in the KV cache).</summary>
    public int Position => Generator.Position;

    /// <summary>True when the window holds the model's block size of tokens: the next token slides the window or is refused (<see cref="BatchedDecoderOptions.Overflow"/>).</summary>
    public bool IsFull => Generator.IsFull;

    /// <summary>How many times the window has slid.</summary>
    public int Slides => Generator.Slides;

    /// <summary>The logits predicting the sequence's next token (after the prompt, or after the last step); overwritten by the next step.</summary>
    public ReadOnlySpan<float> Logits => Generator.Logits;

    /// <summary>The token queued for the next <see cref="BatchedDecoder.Step"/>, or null.</summary>
    public int? Pending { get; private set; }

    /// <summary>Chooses the next token from <see cref="Logits"/> with this sequence's sampler (does not queue it).</summary>
    public int Sample()
    {
        EnsureActive();
        return Sampler.Sample(Logits, Tokens);
    }

    /// <summary>Queues <paramref name="token"/> to be appended to this sequence by the next batched step.</summary>
    public void Feed(int token)
    {
        EnsureActive();
        int vocab = Generator.Config.VocabSize;
        if ((uint)token >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(token), $"token id {token} is outside the vocabulary 0..{vocab - 1}.");
        if (Pending is not null) throw new InvalidOperationException($"slot {Index}: a token is already queued for the next step.");
        if (IsFull && Generator.Options.Overflow == ContextOverflow.Stop)
            throw new InvalidOperationException($"slot {Index}: context window full ({Position} tokens fill the block size; overflow mode Stop).");
        Pending = token;
    }

    internal void ClearPending() => Pending = null;

    private void EnsureActive()
    {
        if (!IsActive) throw new InvalidOperationException($"slot {Index} is not in use: the sequence left the batch.");
    }
}
