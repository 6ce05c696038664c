using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Generation;

/// <summary>
/// Runs a trained GPT forward for inference with a KV cache: <see cref="Prefill"/> feeds
/// the prompt through the model in one batched pass (matrix products over all its tokens),
/// storing every layer's keys and values; <see cref="Decode"/> then adds one token at a
/// time, computing only that token's query, key and value and attending over the cache.
/// This is what makes generation fast: the past is never recomputed. Buffers are allocated
/// once, so decoding allocates nothing. One generator holds one sequence and is not
/// thread-safe; create one per conversation.
/// </summary>
public sealed unsafe partial class Generator
{
    private readonly GptConfig _config;
    private readonly ModelPointers _weights;
    private readonly InferenceState _state;
    private readonly int[] _tokens;
    private readonly BatchForward _forward;
    private readonly BatchRows _rows;
    private int _position;

    /// <summary>Creates a generator for <paramref name="model"/> (the model's weights are read, never changed).</summary>
    public Generator(Gpt model, GeneratorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Options = options ?? new GeneratorOptions();
        _config = model.Config;
        _weights = new ModelPointers(model);
        _state = new InferenceState(_config, Options.PrefillChunk);
        _tokens = new int[_config.BlockSize];
        _forward = new BatchForward(_config, _weights, _state);
        _rows = new BatchRows(_state.ChunkCapacity);
    }

    /// <summary>Creates a generator over quantized weights (GGUF-mapped or quantized in memory), decoding with the int8 kernels.</summary>
    public Generator(QuantizedWeights weights, GeneratorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Options = options ?? new GeneratorOptions();
        _config = weights.Config;
        _weights = new ModelPointers(weights);
        _state = new InferenceState(_config, Options.PrefillChunk);
        _tokens = new int[_config.BlockSize];
        _forward = new BatchForward(_config, _weights, _state);
        _rows = new BatchRows(_state.ChunkCapacity);
    }

    /// <summary>The model being run (throws for a generator over <see cref="QuantizedWeights"/>).</summary>
    public Gpt Model => _weights.Model ?? throw new InvalidOperationException("this generator runs quantized weights, not a float32 Gpt");

    /// <summary>The quantized weights being run, or null for a float32 model.</summary>
    public QuantizedWeights? Quantized => _weights.Quantized;

    /// <summary>The model's architecture.</summary>
    public GptConfig Config => _config;

    /// <summary>Prefill chunk size and overflow behaviour.</summary>
    public GeneratorOptions Options { get; }

    /// <summary>The preallocated buffers, including the KV cache.</summary>
    public InferenceState State => _state;

    /// <summary>How many tokens are in the context window (and in the KV cache).</summary>
    public int Position => _position;

    /// <summary>The tokens in the context window, oldest first.</summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, _position);

    /// <summary>True when the window holds <see cref="GptConfig.BlockSize"/> tokens.</summary>
    public bool IsFull => _position == _config.BlockSize;

    /// <summary>How many times the window has slid (oldest tokens dropped, cache recomputed).</summary>
    public int Slides { get; private set; }

    /// <summary>The next-token logits after the last token added, one per vocabulary entry (V, padding excluded); overwritten by the next call.</summary>
    public ReadOnlySpan<float> Logits => _state.Logits.Span[.._config.VocabSize];

    /// <summary>How many parallel loops the forward passes have handed to the kernel threads so far (for allocation accounting in tests).</summary>
    internal long ParallelDispatches => _forward.ParallelDispatches;

    /// <summary>Forgets the sequence: the window and cache become empty.</summary>
    public void Reset() => _position = 0;

    /// <summary>
    /// Appends <paramref name="ids"/> to the sequence in batched forward passes and returns
    /// the logits predicting the token after the last one. When the window would overflow,
    /// <see cref="GeneratorOptions.Overflow"/> decides (slide, or throw).
    /// </summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> ids)
    {
        if (ids.IsEmpty) throw new ArgumentException("prefill: no tokens given.", nameof(ids));
        CheckIds(ids);
        int block = _config.BlockSize;
        if (_position + ids.Length > block)
        {
            if (Options.Overflow == ContextOverflow.Stop)
                throw new InvalidOperationException($"context window full: {_position} + {ids.Length} tokens exceed the block size {block} (overflow mode Stop).");
            SlideAndAppend(ids);
            return Logits;
        }
        int start = _position;
        ids.CopyTo(_tokens.AsSpan(start));
        RunFrom(start, ids.Length, null, 0);
        return Logits;
    }

    /// <summary>Appends one token (the decode step: matrix-vector products, attention over the cache) and returns the next-token logits (a view of <see cref="Logits"/>).</summary>
    public ReadOnlySpan<float> Decode(int id)
    {
        if ((uint)id >= (uint)_config.VocabSize) throw BadId(id);
        if (_position == _config.BlockSize)
        {
            if (Options.Overflow == ContextOverflow.Stop)
                throw new InvalidOperationException($"context window full: {_position} tokens fill the block size (overflow mode Stop).");
            SlideAndAppend([id]);
            return Logits;
        }
        _tokens[_position] = id;
        Forward(_position, 1, null, 0);
        _position++;
        return Logits;
    }

    /// <summary>
    /// Runs <paramref name="ids"/> from an empty window and returns every layer's attention
    /// probabilities, <c>[L, H, T, T]</c>: row t of head h says how much the token at t looked
    /// at each earlier token (zero above the diagonal: a causal model cannot look ahead).
    /// </summary>
    public Tensor CaptureAttention(ReadOnlySpan<int> ids)
    {
        if (ids.IsEmpty) throw new ArgumentException("attention capture: no tokens given.", nameof(ids));
        if (ids.Length > _config.BlockSize)
            throw new ArgumentException($"attention capture: {ids.Length} tokens exceed the block size {_config.BlockSize}.", nameof(ids));
        CheckIds(ids);
        int t = ids.Length;
        var maps = new Tensor(_config.Layers, _config.Heads, t, t);
        Reset();
        ids.CopyTo(_tokens);
        RunFrom(0, t, maps.Pointer, t);
        return maps;
    }

    /// <summary>
    /// Records <paramref name="id"/> as the token at <see cref="Position"/> after a <see cref="BatchedDecoder"/>
    /// ran it through the batched forward (its keys and values are already in this cache) and computed
    /// <paramref name="logits"/> (V floats), which become this generator's next-token logits.
    /// </summary>
    internal void AcceptForwarded(int id, ReadOnlySpan<float> logits)
    {
        if (_position == _config.BlockSize) throw new InvalidOperationException("batched decode: the window is full.");
        _tokens[_position++] = id;
        logits.CopyTo(_state.Logits.Span);
    }

    private void RunFrom(int start, int count, float* capture, int captureStride)
    {
        int chunk = _state.ChunkCapacity;
        for (int p = start; p < start + count; p += chunk)
        {
            int n = Math.Min(chunk, start + count - p);
            Forward(p, n, capture, captureStride);
            _position = p + n;
        }
    }

    private void SlideAndAppend(ReadOnlySpan<int> ids)
    {
        int block = _config.BlockSize;
        int total = _position + ids.Length;
        int keep = Math.Min(block, Math.Max(block / 2, Math.Min(ids.Length, block)));
        keep = Math.Min(keep, total);
        // The last `keep` tokens of (window ++ ids), oldest first.
        var combined = new int[total];
        _tokens.AsSpan(0, _position).CopyTo(combined);
        ids.CopyTo(combined.AsSpan(_position));
        combined.AsSpan(total - keep).CopyTo(_tokens);
        Slides++;
        _position = 0;
        RunFrom(0, keep, null, 0);
    }

    private void CheckIds(ReadOnlySpan<int> ids)
    {
        foreach (var id in ids)
            if ((uint)id >= (uint)_config.VocabSize) throw BadId(id);
    }

    private ArgumentOutOfRangeException BadId(int id) =>
        new("ids", $"token id {id} is outside the vocabulary 0..{_config.VocabSize - 1}.");
}
