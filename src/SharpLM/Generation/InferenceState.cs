using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Generation;

/// <summary>
/// Every buffer the inference forward needs, allocated once (as llama2.c's <c>RunState</c>):
/// the KV cache that remembers each layer's keys and values for the tokens already seen,
/// the activations of a prefill chunk, the attention scores and the logits. Decoding a
/// token then only reads and writes these; nothing is allocated per token.
/// </summary>
public sealed class InferenceState
{
    /// <summary>Allocates the buffers for <paramref name="config"/>, with prefill chunks of at most <paramref name="prefillChunk"/> tokens.</summary>
    public InferenceState(GptConfig config, int prefillChunk) : this(config, Math.Min(prefillChunk, config.BlockSize), withCache: true)
    {
    }

    /// <summary>
    /// Buffers for passes of up to <paramref name="rows"/> rows; without <paramref name="withCache"/> the
    /// KV cache is left empty (a batched decoder's shared activations: each sequence keeps its own cache).
    /// </summary>
    internal InferenceState(GptConfig config, int rows, bool withCache)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), $"prefill chunk must be ≥ 1 token, got {rows}.");
        int c = config.Width, t = config.BlockSize, l = config.Layers;
        ChunkCapacity = rows;
        int n = ChunkCapacity;
        long cacheFloats = (long)l * t * config.KvWidth;
        if (withCache && cacheFloats > Array.MaxLength)
            throw new ArgumentException($"KV cache of {l} layers × {t} positions × {config.KvWidth} channels is too large for one buffer; use a shorter context (block size).");
        KeyCache = new Tensor(l, withCache ? t : 0, config.KvWidth);
        ValueCache = new Tensor(l, withCache ? t : 0, config.KvWidth);
        Residual = new Tensor(n, c);
        Normed = new Tensor(n, c);
        Qkv = new Tensor(n, config.QkvWidth);
        AttentionOutput = new Tensor(n, config.Heads * config.HeadSize);
        Hidden = new Tensor(n, config.MlpWidth);
        Gate = new Tensor(config.Activation == MlpActivation.SwiGlu ? n : 1, config.Activation == MlpActivation.SwiGlu ? config.MlpWidth : 1);
        Scores = new Tensor(config.Heads, t);
        RowMean = new Tensor(n);
        RowRstd = new Tensor(n);
        Logits = new Tensor(config.PaddedVocabSize);
    }

    /// <summary>Most tokens one prefill pass processes at once (longer prompts are prefilled in chunks).</summary>
    public int ChunkCapacity { get; }

    /// <summary>Keys of every layer and position seen so far, <c>[L, T, Hkv·D]</c> (key/value head h owns channels h·D … h·D+D−1; with rotary positions the keys are stored rotated).</summary>
    public Tensor KeyCache { get; }

    /// <summary>Values of every layer and position seen so far, <c>[L, T, Hkv·D]</c>: grouped-query attention stores only the Hkv key/value heads.</summary>
    public Tensor ValueCache { get; }

    /// <summary>The residual stream of the tokens being processed, <c>[n, C]</c>.</summary>
    public Tensor Residual { get; }

    /// <summary>The residual after a norm, input to the next projection, <c>[n, C]</c>.</summary>
    public Tensor Normed { get; }

    /// <summary>Query, key and value of each token, <c>[n, (H+2·Hkv)·D]</c>.</summary>
    public Tensor Qkv { get; }

    /// <summary>The heads' mixed values before the output projection, <c>[n, H·D]</c>.</summary>
    public Tensor AttentionOutput { get; }

    /// <summary>The MLP's widened activations, <c>[n, F]</c> (SwiGLU's up projection, then the gated product).</summary>
    public Tensor Hidden { get; }

    /// <summary>SwiGLU's gate projection of each token, <c>[n, F]</c> (a single unused float for other MLPs).</summary>
    public Tensor Gate { get; }

    /// <summary>Attention scores then probabilities of one query per head, <c>[H, T]</c>.</summary>
    public Tensor Scores { get; }

    /// <summary>Per-row mean from the last norm (LayerNorm's statistics; scratch), <c>[n]</c>.</summary>
    public Tensor RowMean { get; }

    /// <summary>Per-row reciprocal standard deviation (or RMS) from the last norm (scratch), <c>[n]</c>.</summary>
    public Tensor RowRstd { get; }

    /// <summary>Logits of the last token, <c>[Vp]</c>; only the first V are meaningful.</summary>
    public Tensor Logits { get; }
}
