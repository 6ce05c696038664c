using System.Numerics.Tensors;
using SharpLM.Kernels;

namespace SharpLM.Generation;

/// <summary>The inference forward pass over the KV cache (no autograd tape, no allocation).</summary>
public sealed unsafe partial class Generator
{
    // Work description for the parallel attention callback (set before each call, so the
    // delegate is created once and the decode loop allocates nothing).
    private int _attLayer, _attStart, _attCount;
    private float* _attCapture;
    private int _attCaptureStride;
    private readonly Action<int, int> _attendHeads;
    private readonly DecodeMatVec _matVec = new();

    /// <summary>
    /// Runs <paramref name="n"/> tokens (already in <c>_tokens</c> at positions p0 … p0+n−1)
    /// through every layer, appending their keys and values to the cache, and leaves the last
    /// token's logits in the state. n = 1 is the decode step (matrix-vector products); n &gt; 1
    /// is a prefill chunk (matrix-matrix products, causal attention against the cache).
    /// </summary>
    private void Forward(int p0, int n, float* capture, int captureStride)
    {
        var cfg = _config;
        int c = cfg.Width, qkvWidth = cfg.QkvWidth, kvWidth = cfg.KvWidth, qWidth = cfg.Heads * cfg.HeadSize, f = cfg.MlpWidth;
        float* x = _state.Residual.Pointer, xn = _state.Normed.Pointer, qkv = _state.Qkv.Pointer;
        float* att = _state.AttentionOutput.Pointer, hid = _state.Hidden.Pointer, gate = _state.Gate.Pointer;
        float* mean = _state.RowMean.Pointer, rstd = _state.RowRstd.Pointer;

        // Embedding: token vector + position vector, x[i] = wte[id] + wpe[p0+i] (rotary positions: the token vector alone).
        for (int i = 0; i < n; i++)
        {
            var row = new Span<float>(x + (long)i * c, c);
            if (_weights.TokenEmbeddingQuantized is { } table) table.DequantizeRow(_tokens[p0 + i], row); // quantized table: widen one row
            else new ReadOnlySpan<float>(_weights.TokenEmbedding + (long)_tokens[p0 + i] * c, c).CopyTo(row);
            if (_weights.Positions is not null) TensorPrimitives.Add(row, new ReadOnlySpan<float>(_weights.Positions + (long)(p0 + i) * c, c), row);
        }

        for (int l = 0; l < cfg.Layers; l++)
        {
            ref readonly var b = ref _weights.Blocks[l];
            // Attention sub-block: x += Wo·attend(q, Kcache, Vcache) + bo, with q,k,v = Wqkv·norm1(x) + b.
            InferenceNorm.Apply(b.Norm1, x, xn, n, c, mean, rstd);
            Project(b.Qkv, xn, qkv, n, accumulate: false);
            // Rotary positions: rotate the H query heads and Hkv key heads at their absolute positions p0 … p0+n−1.
            if (_weights.RopeCos is not null)
                RopeKernel.Apply(qkv, qkv, n, qkvWidth, cfg.Heads + cfg.KvHeadCount, cfg.HeadSize, _weights.RopeCos, _weights.RopeSin, p0, inverse: false);
            long cacheRow = ((long)l * cfg.BlockSize + p0) * kvWidth;
            for (int i = 0; i < n; i++)
            {
                var row = new ReadOnlySpan<float>(qkv + (long)i * qkvWidth, qkvWidth);
                row.Slice(qWidth, kvWidth).CopyTo(new Span<float>(_state.KeyCache.Pointer + cacheRow + (long)i * kvWidth, kvWidth));
                row.Slice(qWidth + kvWidth, kvWidth).CopyTo(new Span<float>(_state.ValueCache.Pointer + cacheRow + (long)i * kvWidth, kvWidth));
            }
            _attLayer = l; _attStart = p0; _attCount = n;
            _attCapture = capture; _attCaptureStride = captureStride;
            // Short contexts are not worth a thread hand-off per layer: at least ~32k multiply-adds per chunk.
            int headsPerChunk = (int)Math.Max(1, 32768L / Math.Max(1L, 2L * n * (p0 + n) * cfg.HeadSize));
            if (KernelThreads.ChunkCount(cfg.Heads, headsPerChunk) > 1) _matVec.ParallelDispatches++;
            KernelThreads.For(cfg.Heads, _attendHeads, headsPerChunk);
            Project(b.AttentionOut, att, x, n, accumulate: true);

            // MLP sub-block: x += Wdown·gelu(Wup·norm2(x) + bup) + bdown, or SwiGLU's Wdown·(silu(Wgate·norm2(x)) ⊙ Wup·norm2(x)).
            InferenceNorm.Apply(b.Norm2, x, xn, n, c, mean, rstd);
            switch (cfg.Activation)
            {
                case Models.MlpActivation.SwiGlu:
                    if (n == 1 && b.Up.Quantized is null) _matVec.RunPair(f, c, b.Gate.Weight, b.Up.Weight, xn, b.Gate.Bias, b.Up.Bias, gate, hid); // decode: gate and up in one dispatch
                    else { Project(b.Gate, xn, gate, n, accumulate: false); Project(b.Up, xn, hid, n, accumulate: false); }
                    Activations.SwiGluForward(gate, hid, hid, n * f);
                    break;
                case Models.MlpActivation.Gelu: Project(b.Up, xn, hid, n, accumulate: false); GeluExact.Forward(hid, hid, n * f); break;
                default: Project(b.Up, xn, hid, n, accumulate: false); Activations.GeluForward(hid, hid, n * f); break;
            }
            Project(b.Down, hid, x, n, accumulate: true);
        }

        // Only the last token's logits are needed to choose the next token.
        float* last = x + (long)(n - 1) * c;
        InferenceNorm.Apply(_weights.FinalNorm, last, xn, 1, c, mean, rstd);
        if (_weights.OutputQuantized is { } head) QuantMatVec.Multiply(head, xn, _state.Logits.Pointer, false, _quantActivations);
        else _matVec.Run(cfg.VocabSize, c, _weights.Output, xn, null, _state.Logits.Pointer, accumulate: false);
    }

    /// <summary>
    /// <c>y[n,out] (+)= x[n,in]·Wᵀ + b</c>: a matrix-vector product for one token, a matrix
    /// product for several. With <paramref name="accumulate"/> the result is added to y (the
    /// residual connection), otherwise it replaces y.
    /// </summary>
    private void Project(in LinearPointers w, float* x, float* y, int n, bool accumulate)
    {
        int outF = w.Out, inF = w.In;
        if (w.Quantized is not null) { ProjectQuantized(w, x, y, n, accumulate); return; }
        if (n == 1) { _matVec.Run(outF, inF, w.Weight, x, w.Bias, y, accumulate); return; }
        bool addInto = accumulate;
        if (w.Bias is not null)
        {
            var bias = new ReadOnlySpan<float>(w.Bias, outF);
            for (int i = 0; i < n; i++)
            {
                var row = new Span<float>(y + (long)i * outF, outF);
                if (accumulate) TensorPrimitives.Add(row, bias, row);
                else bias.CopyTo(row);
            }
            addInto = true;
        }
        Gemm.Multiply(false, true, n, outF, inF, x, inF, w.Weight, inF, y, outF, addInto);
    }

    // Quantized weights: each part (q, k, v or the whole matrix) writes its rows of y with the int8 kernels, then the bias is added.
    private readonly QuantActivations _quantActivations = new();

    private void ProjectQuantized(in LinearPointers w, float* x, float* y, int n, bool accumulate)
    {
        int rowOffset = 0;
        foreach (var part in w.Quantized!)
        {
            QuantMatVec.MultiplyRows(part, x, n, w.In, y + rowOffset, w.Out, accumulate, _quantActivations);
            rowOffset += part.Rows;
        }
        if (w.Bias is null) return;
        var bias = new ReadOnlySpan<float>(w.Bias, w.Out);
        for (int i = 0; i < n; i++)
        {
            var row = new Span<float>(y + (long)i * w.Out, w.Out);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>
    /// Causal attention for query heads [h0, h1): each new query at position p scores the cached
    /// keys 0 … p of its key/value head (h / (H/Hkv)) (<c>q·k/√D</c>), softmaxes the scores and
    /// mixes the cached values by them.
    /// </summary>
    private void AttendHeads(int h0, int h1)
    {
        var cfg = _config;
        int d = cfg.HeadSize, l = _attLayer, p0 = _attStart, n = _attCount;
        int kvWidth = cfg.KvWidth, qkvWidth = cfg.QkvWidth, qWidth = cfg.Heads * d, group = cfg.Heads / cfg.KvHeadCount;
        float scale = 1f / MathF.Sqrt(d);
        float* keys = _state.KeyCache.Pointer + (long)l * cfg.BlockSize * kvWidth;
        float* values = _state.ValueCache.Pointer + (long)l * cfg.BlockSize * kvWidth;
        for (int h = h0; h < h1; h++)
        {
            float* scores = _state.Scores.Pointer + (long)h * cfg.BlockSize;
            int kv = h / group;
            for (int i = 0; i < n; i++)
            {
                int p = p0 + i;
                float* q = _state.Qkv.Pointer + (long)i * qkvWidth + h * d;
                CachedAttention.Scores(q, keys + kv * d, kvWidth, p + 1, d, scores);
                Softmax.Row(scores, scores, p + 1, scale);
                if (_attCapture is not null)
                {
                    // capture[l, h, p, 0..p] = probabilities (entries above the diagonal stay 0).
                    float* dst = _attCapture + (((long)l * cfg.Heads + h) * _attCaptureStride + p) * _attCaptureStride;
                    new ReadOnlySpan<float>(scores, p + 1).CopyTo(new Span<float>(dst, p + 1));
                }
                CachedAttention.Mix(scores, values + kv * d, kvWidth, p + 1, d, _state.AttentionOutput.Pointer + (long)i * qWidth + h * d);
            }
        }
    }
}
