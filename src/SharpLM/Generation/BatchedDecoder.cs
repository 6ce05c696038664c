using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Generation;

/// <summary>
/// Continuous batching for a decoder-only model: up to <see cref="BatchedDecoderOptions.Slots"/>
/// sequences, each with its own KV cache and position, advanced together by one forward step.
/// Sequences join (<see cref="TryJoin"/>: the prompt is prefilled alone, in batched passes over
/// its tokens) and leave (<see cref="Leave"/>) between steps; each <see cref="Step"/> gathers the
/// token every active sequence queued into one <c>[B, C]</c> batch, so every linear layer is one
/// skinny matrix product over the batch — the weights stream from memory once per step instead of
/// once per sequence — while attention runs per row against that sequence's own cache. Decoding
/// is bound by memory bandwidth, so B sequences cost little more than one. A sequence decoded here
/// gets the same logits (to rounding) and, greedy, the same tokens as decoded alone with a
/// <see cref="Generator"/>. Not thread-safe: one thread drives the steps.
/// </summary>
public sealed unsafe class BatchedDecoder
{
    private readonly BatchSlot[] _slots;
    private readonly BatchForward _forward;
    private readonly BatchRows _rows;
    private readonly BatchSlot[] _rowSlots;
    private readonly Tensor _logits;

    /// <summary>A batched decoder over a float32 model (its weights are read, never changed).</summary>
    public BatchedDecoder(Gpt model, BatchedDecoderOptions? options = null)
        : this(model?.Config ?? throw new ArgumentNullException(nameof(model)), new ModelPointers(model), options, o => new Generator(model, o))
    {
    }

    /// <summary>A batched decoder over quantized weights (int8 kernels; every weight row is applied to all rows of the batch while cached).</summary>
    public BatchedDecoder(QuantizedWeights weights, BatchedDecoderOptions? options = null)
        : this(weights?.Config ?? throw new ArgumentNullException(nameof(weights)), new ModelPointers(weights), options, o => new Generator(weights, o))
    {
    }

    private BatchedDecoder(GptConfig config, ModelPointers weights, BatchedDecoderOptions? options, Func<GeneratorOptions, Generator> generator)
    {
        Options = (options ?? new BatchedDecoderOptions()).Validate();
        Config = config;
        int slots = Options.Slots;
        var generatorOptions = new GeneratorOptions { PrefillChunk = Options.PrefillChunk, Overflow = Options.Overflow };
        _slots = new BatchSlot[slots];
        for (int i = 0; i < slots; i++) _slots[i] = new BatchSlot(this, i, generator(generatorOptions));
        _forward = new BatchForward(config, weights, new InferenceState(config, slots, withCache: false));
        _rows = new BatchRows(slots);
        _rowSlots = new BatchSlot[slots];
        _logits = new Tensor(slots, config.VocabSize);
    }

    /// <summary>The model's architecture.</summary>
    public GptConfig Config { get; }

    /// <summary>Slots, prefill chunk, overflow mode.</summary>
    public BatchedDecoderOptions Options { get; }

    /// <summary>Most sequences held at once.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Sequences currently in the batch.</summary>
    public int ActiveCount { get; private set; }

    /// <summary>Every slot, active or free, in index order.</summary>
    public IReadOnlyList<BatchSlot> Slots => _slots;

    /// <summary>How many batched forward steps have run.</summary>
    public long Steps { get; private set; }

    /// <summary>How many parallel loops the batched steps have handed to the kernel threads (allocation accounting in tests).</summary>
    internal long ParallelDispatches => _forward.ParallelDispatches;

    /// <summary>
    /// Adds a sequence: takes a free slot, prefills <paramref name="prompt"/> into its cache (alone,
    /// in batched passes over the prompt) and gives it a sampler with <paramref name="sampling"/>.
    /// Returns null when every slot is taken (the caller queues the request). A prompt longer than the
    /// window slides it (keeping the last tokens) or, in overflow mode Stop, throws.
    /// </summary>
    public BatchSlot? TryJoin(ReadOnlySpan<int> prompt, SamplerOptions sampling)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        if (prompt.IsEmpty) throw new ArgumentException("batched decoder: the prompt has no tokens.", nameof(prompt));
        sampling.Validate();
        BatchSlot? slot = null;
        foreach (var s in _slots) if (!s.IsActive) { slot = s; break; }
        if (slot is null) return null;
        slot.Generator.Reset();
        slot.Generator.Prefill(prompt); // validates the ids and the window before anything changes
        slot.Sampler = new Sampler(Config.VocabSize, sampling);
        slot.ClearPending();
        slot.IsActive = true;
        ActiveCount++;
        return slot;
    }

    /// <summary>As <see cref="TryJoin"/>, but a full batch throws an <see cref="InvalidOperationException"/> saying so.</summary>
    public BatchSlot Join(ReadOnlySpan<int> prompt, SamplerOptions sampling) =>
        TryJoin(prompt, sampling) ?? throw new InvalidOperationException($"batched decoder: all {Capacity} slots are busy; wait for a sequence to leave.");

    /// <summary>Removes a sequence from the batch and frees its slot (a queued token is dropped).</summary>
    public void Leave(BatchSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (!ReferenceEquals(slot.Owner, this)) throw new ArgumentException("batched decoder: the slot belongs to another decoder.", nameof(slot));
        if (!slot.IsActive) throw new InvalidOperationException($"batched decoder: slot {slot.Index} is not in use.");
        slot.IsActive = false;
        slot.ClearPending();
        slot.Generator.Reset();
        ActiveCount--;
    }

    /// <summary>
    /// One continuous-batching step: every active sequence with a queued token (<see cref="BatchSlot.Feed"/>)
    /// appends it, all of them in one batched forward pass, and gets fresh <see cref="BatchSlot.Logits"/>.
    /// A sequence whose window is full slides it alone first (overflow mode Slide). Returns how many
    /// sequences advanced.
    /// </summary>
    public int Step()
    {
        _rows.Clear();
        int advanced = 0;
        foreach (var slot in _slots)
        {
            if (!slot.IsActive || slot.Pending is not int token) continue;
            slot.ClearPending();
            advanced++;
            var g = slot.Generator;
            if (g.IsFull) { g.Decode(token); continue; } // the window slides: its cache is recomputed by a prefill of this sequence alone
            _rowSlots[_rows.Count] = slot;
            _rows.Add(token, g.Position, g.State.KeyCache.Pointer, g.State.ValueCache.Pointer);
        }
        int n = _rows.Count;
        if (n == 0) return advanced;
        _forward.Run(_rows, everyRow: true, _logits.Pointer);
        int v = Config.VocabSize;
        for (int r = 0; r < n; r++)
        {
            var g = _rowSlots[r].Generator;
            g.AcceptForwarded(_rows.Tokens[r], new ReadOnlySpan<float>(_logits.Pointer + (long)r * v, v));
            _rowSlots[r] = null!;
        }
        Steps++;
        return advanced;
    }

    /// <summary>
    /// Samples the next token of every active sequence from its logits with its own sampler, queues it,
    /// and runs one <see cref="Step"/>. <paramref name="sampled"/>[slot index] receives each token
    /// (untouched for free slots). A sequence whose window is full in overflow mode Stop is sampled but
    /// not advanced (see <see cref="BatchSlot.IsFull"/>). Returns how many sequences advanced.
    /// </summary>
    public int SampleAndStep(Span<int> sampled)
    {
        if (sampled.Length < Capacity) throw new ArgumentException($"batched decoder: room for {Capacity} sampled tokens needed, got {sampled.Length}.", nameof(sampled));
        foreach (var slot in _slots)
        {
            if (!slot.IsActive) continue;
            int token = slot.Sample();
            sampled[slot.Index] = token;
            bool refused = slot.IsFull && Options.Overflow == ContextOverflow.Stop; // the caller ends it (context full)
            if (slot.Pending is null && !refused) slot.Feed(token);
        }
        return Step();
    }
}
