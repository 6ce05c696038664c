using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpLM.Generation;

namespace SharpLM.Serving;

/// <summary>
/// A decode engine with N slots, each its own <see cref="Generator"/> (its own KV cache and
/// buffers) over the same read-only weights: up to N sequences decode in parallel, each with
/// matrix-vector steps of its own. More callers wait in a bounded queue; past its limit they
/// are refused with <see cref="EngineBusyException"/>. A continuous-batching engine (one batched
/// forward for all active sequences) implements the same <see cref="IDecodeEngine"/>.
/// </summary>
public sealed class GeneratorSlotEngine : IDecodeEngine
{
    private readonly Stack<Generator> _free = new();
    private readonly SemaphoreSlim _slotsFree;
    private readonly Lock _lock = new();
    private int _queued;
    private bool _disposed;

    /// <summary>Creates an engine of <paramref name="slots"/> generators made by <paramref name="newGenerator"/>; at most <paramref name="queueLimit"/> callers wait for one.</summary>
    public GeneratorSlotEngine(Func<Generator> newGenerator, int slots = 1, int queueLimit = 64)
    {
        ArgumentNullException.ThrowIfNull(newGenerator);
        if (slots < 1) throw new ArgumentOutOfRangeException(nameof(slots), $"slots must be ≥ 1, got {slots}.");
        if (queueLimit < 0) throw new ArgumentOutOfRangeException(nameof(queueLimit), $"queue limit must be ≥ 0, got {queueLimit}.");
        for (int i = 0; i < slots; i++)
        {
            var g = newGenerator();
            if (i > 0 && (g.Config != _free.Peek().Config)) throw new ArgumentException("every slot's generator must run the same model.");
            _free.Push(g);
        }
        Slots = slots;
        QueueLimit = queueLimit;
        ContextLength = _free.Peek().Config.BlockSize;
        VocabSize = _free.Peek().Config.VocabSize;
        _slotsFree = new SemaphoreSlim(slots, slots);
    }

    /// <summary>
    /// An engine whose slots run the same weights as <paramref name="generator"/> (a float32
    /// <see cref="Models.Gpt"/> or <see cref="QuantizedWeights"/>): the weights are shared, each slot
    /// gets its own cache. The first slot reuses <paramref name="generator"/> itself.
    /// </summary>
    public static GeneratorSlotEngine SharingWeightsOf(Generator generator, int slots = 1, int queueLimit = 64)
    {
        ArgumentNullException.ThrowIfNull(generator);
        bool first = true;
        return new GeneratorSlotEngine(() =>
        {
            if (first) { first = false; return generator; }
            return generator.Quantized is { } q ? new Generator(q, generator.Options) : new Generator(generator.Model, generator.Options);
        }, slots, queueLimit);
    }

    /// <inheritdoc/>
    public int ContextLength { get; }

    /// <inheritdoc/>
    public int VocabSize { get; }

    /// <inheritdoc/>
    public int Slots { get; }

    /// <summary>Most callers that may wait for a slot.</summary>
    public int QueueLimit { get; }

    /// <inheritdoc/>
    public EngineLoad Load
    {
        get { lock (_lock) return new EngineLoad(Slots - _free.Count, _queued, Slots, QueueLimit); }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<DecodedToken> GenerateAsync(DecodeRequest request, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate(VocabSize);
        if (request.PromptIds.Length >= ContextLength)
            throw new ArgumentException($"decode request: the prompt is {request.PromptIds.Length} tokens, the context window {ContextLength}.");
        var generator = await AcquireAsync(cancellation);
        try
        {
            await Task.Yield(); // the steps run off the caller's synchronous context
            var run = new Run(generator, request);
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                var token = run.Step();
                yield return token;
                if (token.Finish is not null) yield break;
            }
        }
        finally { Release(generator); }
    }

    private async Task<Generator> AcquireAsync(CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_slotsFree.Wait(0))
        {
            lock (_lock)
            {
                if (_queued >= QueueLimit) throw new EngineBusyException(new EngineLoad(Slots - _free.Count, _queued, Slots, QueueLimit));
                _queued++;
            }
            try { await _slotsFree.WaitAsync(cancellation); }
            finally { lock (_lock) _queued--; }
        }
        lock (_lock) return _free.Pop();
    }

    private void Release(Generator generator)
    {
        lock (_lock) _free.Push(generator);
        _slotsFree.Release();
    }

    /// <summary>Refuses new sequences from now on; sequences already running go on to their end.</summary>
    public void Dispose() => _disposed = true;

    /// <summary>One sequence in one generator: prefill, then a sample and a decode step per token.</summary>
    private sealed class Run
    {
        private readonly Generator _generator;
        private readonly DecodeRequest _request;
        private readonly Sampler _sampler;
        private readonly List<int> _generated = [];
        private bool _prefilled;

        public Run(Generator generator, DecodeRequest request)
        {
            _generator = generator;
            _request = request;
            // OpenAI's penalties count every token generated so far: the sampler sees only the new tokens, all of them.
            _sampler = new Sampler(generator.Config.VocabSize, request.Sampling with { PenaltyWindow = 0 });
        }

        public DecodedToken Step()
        {
            ReadOnlySpan<float> logits;
            if (!_prefilled)
            {
                _generator.Reset();
                logits = _generator.Prefill(_request.PromptIds);
                _prefilled = true;
            }
            else logits = _generator.Decode(_generated[^1]);

            int id = _sampler.Sample(logits, CollectionsMarshal.AsSpan(_generated));
            float logprob = 0;
            IReadOnlyList<IdLogprob> top = [];
            if (_request.Logprobs) (logprob, top) = NextTokenLogprobs.Compute(logits, id, _request.TopLogprobs);
            _generated.Add(id);
            FinishReason? finish = id == _request.StopToken ? FinishReason.StopToken
                : _generated.Count >= _request.MaxTokens ? FinishReason.Length
                : _generator.IsFull ? FinishReason.ContextFull
                : null;
            return new DecodedToken(id, logprob, top, finish);
        }
    }
}
