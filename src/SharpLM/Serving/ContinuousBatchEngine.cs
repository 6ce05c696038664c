using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using SharpLM.Generation;
using SharpLM.Models;

namespace SharpLM.Serving;

/// <summary>
/// A decode engine with continuous batching: one decode thread drives a <see cref="BatchedDecoder"/>
/// whose N slots each hold one caller's sequence (its own KV cache and sampler), and every step
/// advances all active sequences with ONE batched forward pass (each weight matrix read once for
/// the whole batch). New requests join between steps (their prompt is prefilled alone, the others
/// wait for that one pass), finished or cancelled ones leave between steps, and more callers wait
/// in a bounded queue; past its limit they are refused with <see cref="EngineBusyException"/>.
/// Each sequence gets the tokens it would get decoded alone (<see cref="GeneratorSlotEngine"/>).
/// </summary>
public sealed class ContinuousBatchEngine : IDecodeEngine
{
    private readonly BatchedDecoder _decoder;
    private readonly SemaphoreSlim _admitted;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentQueue<Run> _joining = new();
    private readonly List<Run> _active = [];
    private readonly Lock _lock = new();
    private readonly Thread _thread;
    private int _queued, _busy;
    private volatile bool _disposed;

    /// <summary>An engine of <paramref name="slots"/> batched sequences over a float32 model; at most <paramref name="queueLimit"/> callers wait.</summary>
    public ContinuousBatchEngine(Gpt model, int slots = 8, int queueLimit = 64, int prefillChunk = 256)
        : this(new BatchedDecoder(model, Options(slots, prefillChunk)), queueLimit)
    {
    }

    /// <summary>An engine of <paramref name="slots"/> batched sequences over quantized weights.</summary>
    public ContinuousBatchEngine(QuantizedWeights weights, int slots = 8, int queueLimit = 64, int prefillChunk = 256)
        : this(new BatchedDecoder(weights, Options(slots, prefillChunk)), queueLimit)
    {
    }

    private ContinuousBatchEngine(BatchedDecoder decoder, int queueLimit)
    {
        if (queueLimit < 0) throw new ArgumentOutOfRangeException(nameof(queueLimit), $"queue limit must be ≥ 0, got {queueLimit}.");
        _decoder = decoder;
        Slots = decoder.Capacity;
        QueueLimit = queueLimit;
        ContextLength = decoder.Config.BlockSize;
        VocabSize = decoder.Config.VocabSize;
        _admitted = new SemaphoreSlim(Slots, Slots);
        _thread = new Thread(Loop) { IsBackground = true, Name = "sharplm-continuous-batch" };
        _thread.Start();
    }

    /// <summary>An engine over the same weights as <paramref name="generator"/> (float32 or quantized) with its prefill chunk.</summary>
    public static ContinuousBatchEngine SharingWeightsOf(Generator generator, int slots = 8, int queueLimit = 64)
    {
        ArgumentNullException.ThrowIfNull(generator);
        int chunk = generator.Options.PrefillChunk;
        return generator.Quantized is { } q ? new ContinuousBatchEngine(q, slots, queueLimit, chunk) : new ContinuousBatchEngine(generator.Model, slots, queueLimit, chunk);
    }

    private static BatchedDecoderOptions Options(int slots, int prefillChunk)
    {
        if (slots < 1) throw new ArgumentOutOfRangeException(nameof(slots), $"slots must be ≥ 1, got {slots}.");
        // A served sequence ends with ContextFull when its window fills; it never slides.
        return new BatchedDecoderOptions { Slots = slots, PrefillChunk = prefillChunk, Overflow = ContextOverflow.Stop };
    }

    /// <inheritdoc/>
    public int ContextLength { get; }

    /// <inheritdoc/>
    public int VocabSize { get; }

    /// <inheritdoc/>
    public int Slots { get; }

    /// <summary>Most callers that may wait for a slot.</summary>
    public int QueueLimit { get; }

    /// <summary>Tokens a sequence may have sampled that its caller has not read yet; beyond them it pauses (other sequences go on).</summary>
    public const int MaxUnreadTokens = 16;

    /// <summary>Batched forward steps run so far (each advanced every active sequence).</summary>
    public long Steps => Volatile.Read(ref _steps);
    private long _steps;

    /// <summary>Most sequences one step has advanced together so far.</summary>
    public int LargestBatch => Volatile.Read(ref _largestBatch);
    private int _largestBatch;

    /// <inheritdoc/>
    public EngineLoad Load
    {
        get { lock (_lock) return new EngineLoad(_busy, _queued, Slots, QueueLimit); }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<DecodedToken> GenerateAsync(DecodeRequest request, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate(VocabSize);
        if (request.PromptIds.Length >= ContextLength)
            throw new ArgumentException($"decode request: the prompt is {request.PromptIds.Length} tokens, the context window {ContextLength}.");
        await AdmitAsync(cancellation);
        var run = new Run(request);
        _joining.Enqueue(run);
        _wake.Release();
        try
        {
            await foreach (var token in run.Tokens.Reader.ReadAllAsync(cancellation))
            {
                cancellation.ThrowIfCancellationRequested();
                if (run.Paused) { run.Paused = false; _wake.Release(); } // room again: the sequence rejoins the steps
                yield return token;
                if (token.Finish is not null) yield break;
            }
        }
        finally
        {
            // Cancelled, abandoned early, or done: the decode thread frees the slot before its next step.
            run.Abandoned = true;
            _wake.Release();
        }
    }

    private async Task AdmitAsync(CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_admitted.Wait(0))
        {
            lock (_lock)
            {
                if (_queued >= QueueLimit) throw new EngineBusyException(new EngineLoad(_busy, _queued, Slots, QueueLimit));
                _queued++;
            }
            try { await _admitted.WaitAsync(cancellation); }
            finally { lock (_lock) _queued--; }
        }
        lock (_lock) _busy++;
    }

    private void Release()
    {
        lock (_lock) _busy--;
        _admitted.Release();
    }

    /// <summary>The decode thread: admit joiners, sample and report a token for every active sequence, drop the finished, one batched step.</summary>
    private void Loop()
    {
        var sampled = new int[Slots];
        while (true)
        {
            while (_joining.TryDequeue(out var run)) Join(run);
            if (_active.Count == 0)
            {
                if (_disposed && _joining.IsEmpty) return;
                _wake.Wait(TimeSpan.FromSeconds(1));
                continue;
            }
            try
            {
                for (int i = _active.Count - 1; i >= 0; i--)
                {
                    var run = _active[i];
                    if (run.Abandoned) Leave(i);
                    // A caller that does not keep up sits the step out (its tokens wait for it) instead of stalling the batch.
                    else if (run.Tokens.Reader.Count >= MaxUnreadTokens) run.Paused = true;
                    else if (!SampleOne(run)) Leave(i);
                }
                int batch = _decoder.Step();
                if (batch > 0)
                {
                    Interlocked.Increment(ref _steps);
                    if (batch > _largestBatch) Volatile.Write(ref _largestBatch, batch);
                }
                else if (_active.Count > 0) _wake.Wait(TimeSpan.FromMilliseconds(10)); // every sequence waits for its reader
            }
            catch (Exception e)
            {
                // A failed step leaves every cache in doubt: end all the sequences with the error.
                for (int i = _active.Count - 1; i >= 0; i--) { _active[i].Tokens.Writer.TryComplete(e); Leave(i); }
            }
        }
    }

    private void Join(Run run)
    {
        if (run.Abandoned) { Release(); return; }
        try
        {
            // OpenAI's penalties count every token generated so far: the sampler sees only the new tokens, all of them.
            run.Slot = _decoder.Join(run.Request.PromptIds, run.Request.Sampling with { PenaltyWindow = 0 });
            _active.Add(run);
        }
        catch (Exception e)
        {
            run.Tokens.Writer.TryComplete(e);
            Release();
        }
    }

    /// <summary>Samples the sequence's next token, reports it, and queues it for the step; false when the sequence has ended.</summary>
    private static bool SampleOne(Run run)
    {
        var slot = run.Slot!;
        var request = run.Request;
        var logits = slot.Logits;
        int id = slot.Sampler.Sample(logits, CollectionsMarshal.AsSpan(run.Generated));
        float logprob = 0;
        IReadOnlyList<IdLogprob> top = [];
        if (request.Logprobs) (logprob, top) = NextTokenLogprobs.Compute(logits, id, request.TopLogprobs);
        run.Generated.Add(id);
        FinishReason? finish = id == request.StopToken ? FinishReason.StopToken
            : run.Generated.Count >= request.MaxTokens ? FinishReason.Length
            : slot.IsFull ? FinishReason.ContextFull
            : null;
        run.Tokens.Writer.TryWrite(new DecodedToken(id, logprob, top, finish));
        if (finish is not null) return false;
        slot.Feed(id);
        return true;
    }

    private void Leave(int index)
    {
        var run = _active[index];
        _active.RemoveAt(index);
        run.Tokens.Writer.TryComplete();
        if (run.Slot is { IsActive: true } slot) _decoder.Leave(slot);
        Release();
    }

    /// <summary>Refuses new sequences from now on; sequences already running go on to their end, then the decode thread exits.</summary>
    public void Dispose()
    {
        _disposed = true;
        _wake.Release();
    }

    /// <summary>One caller's sequence: the request, its slot once joined, the tokens generated, the stream back to the caller.</summary>
    private sealed class Run(DecodeRequest request)
    {
        public DecodeRequest Request { get; } = request;
        public BatchSlot? Slot { get; set; }
        public List<int> Generated { get; } = [];
        public Channel<DecodedToken> Tokens { get; } = Channel.CreateUnbounded<DecodedToken>(); // the multi-reader kind: it can count its unread items
        public volatile bool Abandoned;
        public volatile bool Paused;
    }
}
