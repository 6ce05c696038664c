using System.Numerics.Tensors;
using SharpLM.Kernels;
using SharpLM.Models;

namespace SharpLM.Generation;

/// <summary>
/// The decoder's inference forward over a set of rows (<see cref="BatchRows"/>), each a token at
/// a position in its own sequence's KV cache: embeddings, then per layer norm → one projection
/// for all rows → rotary positions → keys and values appended to each row's cache → causal
/// attention of each row over its own cache → output projection → norm → MLP, then the logits.
/// The one forward of the engine: a <see cref="Generator"/> runs it over one sequence (a prefill
/// chunk at consecutive positions, or one decode token), a <see cref="BatchedDecoder"/> over one
/// row per active sequence, so every linear layer is a single matrix product over the batch
/// (its weights are read once per step for all sequences). No autograd tape, no allocation.
/// </summary>
internal sealed unsafe class BatchForward
{
    /// <summary>Up to this many rows the projections run the skinny <see cref="BatchMatVec"/> (weights streamed once, no packing); above it the packed GEMM.</summary>
    internal const int SkinnyRows = 16;

    /// <summary>Whether few-row projections take <see cref="BatchMatVec"/> (true) or the packed GEMM (false: <c>sharplm bench batch --kernel gemm</c> measures the difference).</summary>
    internal static bool UseSkinnyKernel { get; set; } = true;

    private readonly GptConfig _config;
    private readonly ModelPointers _weights;
    private readonly InferenceState _scratch;
    private readonly DecodeMatVec _matVec = new();
    private readonly BatchMatVec _batchMatVec = new();
    private readonly QuantActivations _quantActivations = new();
    private readonly Action<int, int> _attendHeads;

    // Work description for the parallel attention callback (set before each call, so the
    // delegate is created once and the decode loop allocates nothing).
    private BatchRows? _attRows;
    private int _attLayer;
    private float* _attCapture;
    private int _attCaptureStride;

    /// <summary>A forward over <paramref name="weights"/> whose activations live in <paramref name="scratch"/> (rows ≤ its chunk capacity; its KV cache is not used).</summary>
    public BatchForward(GptConfig config, ModelPointers weights, InferenceState scratch)
    {
        _config = config;
        _weights = weights;
        _scratch = scratch;
        _attendHeads = AttendHeads;
    }

    /// <summary>Most rows one pass can take.</summary>
    public int RowCapacity => _scratch.ChunkCapacity;

    /// <summary>How many parallel loops the passes have handed to the kernel threads so far.</summary>
    public long ParallelDispatches => _matVec.ParallelDispatches + _batchMatVec.ParallelDispatches;

    /// <summary>
    /// Runs <paramref name="rows"/> through every layer, appending their keys and values to their
    /// caches. With <paramref name="everyRow"/> the logits of every row are written to
    /// <paramref name="logits"/> (<c>[rows, V]</c>, one sequence's next token per row); otherwise only
    /// the last row's (<c>[V]</c>: a prefill chunk needs only its last token's prediction).
    /// <paramref name="capture"/> (or null) receives attention probabilities <c>[L, H, S, S]</c>
    /// indexed by position (one sequence only).
    /// </summary>
    public void Run(BatchRows rows, bool everyRow, float* logits, float* capture = null, int captureStride = 0)
    {
        var cfg = _config;
        int n = rows.Count;
        if (n < 1 || n > RowCapacity) throw new ArgumentOutOfRangeException(nameof(rows), $"forward: {n} rows, room for 1 … {RowCapacity}.");
        int c = cfg.Width, qkvWidth = cfg.QkvWidth, kvWidth = cfg.KvWidth, qWidth = cfg.Heads * cfg.HeadSize, f = cfg.MlpWidth;
        var s = _scratch;
        float* x = s.Residual.Pointer, xn = s.Normed.Pointer, qkv = s.Qkv.Pointer;
        float* att = s.AttentionOutput.Pointer, hid = s.Hidden.Pointer, gate = s.Gate.Pointer;
        float* mean = s.RowMean.Pointer, rstd = s.RowRstd.Pointer;

        // Embedding: token vector + position vector, x[i] = wte[id] + wpe[pos] (rotary positions: the token vector alone).
        for (int i = 0; i < n; i++)
        {
            var row = new Span<float>(x + (long)i * c, c);
            int token = rows.Tokens[i], pos = rows.Positions[i];
            if (_weights.TokenEmbeddingQuantized is { } table) table.DequantizeRow(token, row); // quantized table: widen one row
            else new ReadOnlySpan<float>(_weights.TokenEmbedding + (long)token * c, c).CopyTo(row);
            if (_weights.Positions is not null) TensorPrimitives.Add(row, new ReadOnlySpan<float>(_weights.Positions + (long)pos * c, c), row);
        }

        for (int l = 0; l < cfg.Layers; l++)
        {
            ref readonly var b = ref _weights.Blocks[l];
            // Attention sub-block: x += Wo·attend(q, Kcache, Vcache) + bo, with q,k,v = Wqkv·norm1(x) + b.
            InferenceNorm.Apply(b.Norm1, x, xn, n, c, mean, rstd);
            Project(b.Qkv, xn, qkv, n, accumulate: false);
            long layerOffset = (long)l * cfg.BlockSize;
            for (int i = 0; i < n; i++)
            {
                int pos = rows.Positions[i];
                float* rowQkv = qkv + (long)i * qkvWidth;
                // Rotary positions: rotate the H query heads and Hkv key heads at the row's absolute position.
                if (_weights.RopeCos is not null)
                    RopeKernel.Apply(rowQkv, rowQkv, 1, qkvWidth, cfg.Heads + cfg.KvHeadCount, cfg.HeadSize, _weights.RopeCos, _weights.RopeSin, pos, inverse: false);
                long cacheRow = (layerOffset + pos) * kvWidth;
                new ReadOnlySpan<float>(rowQkv + qWidth, kvWidth).CopyTo(new Span<float>(rows.KeyCaches[i] + cacheRow, kvWidth));
                new ReadOnlySpan<float>(rowQkv + qWidth + kvWidth, kvWidth).CopyTo(new Span<float>(rows.ValueCaches[i] + cacheRow, kvWidth));
            }
            _attRows = rows; _attLayer = l;
            _attCapture = capture; _attCaptureStride = captureStride;
            // Short contexts are not worth a thread hand-off per layer: at least ~32k multiply-adds per chunk.
            int headsPerChunk = (int)Math.Max(1, 32768L / Math.Max(1L, 2L * n * (rows.MaxPosition + 1) * cfg.HeadSize));
            if (KernelThreads.ChunkCount(cfg.Heads, headsPerChunk) > 1) _matVec.ParallelDispatches++;
            KernelThreads.For(cfg.Heads, _attendHeads, headsPerChunk);
            _attRows = null;
            Project(b.AttentionOut, att, x, n, accumulate: true);

            // MLP sub-block: x += Wdown·gelu(Wup·norm2(x) + bup) + bdown, or SwiGLU's Wdown·(silu(Wgate·norm2(x)) ⊙ Wup·norm2(x)).
            InferenceNorm.Apply(b.Norm2, x, xn, n, c, mean, rstd);
            switch (cfg.Activation)
            {
                case MlpActivation.SwiGlu:
                    if (n == 1 && b.Up.Quantized is null) _matVec.RunPair(f, c, b.Gate.Weight, b.Up.Weight, xn, b.Gate.Bias, b.Up.Bias, gate, hid); // decode: gate and up in one dispatch
                    else { Project(b.Gate, xn, gate, n, accumulate: false); Project(b.Up, xn, hid, n, accumulate: false); }
                    Activations.SwiGluForward(gate, hid, hid, n * f);
                    break;
                case MlpActivation.Gelu: Project(b.Up, xn, hid, n, accumulate: false); GeluExact.Forward(hid, hid, n * f); break;
                default: Project(b.Up, xn, hid, n, accumulate: false); Activations.GeluForward(hid, hid, n * f); break;
            }
            Project(b.Down, hid, x, n, accumulate: true);
        }

        // The logits: of the last row only (a prefill chunk), or of every row (one per sequence).
        int m = everyRow ? n : 1;
        float* first = everyRow ? x : x + (long)(n - 1) * c;
        InferenceNorm.Apply(_weights.FinalNorm, first, xn, m, c, mean, rstd);
        int v = cfg.VocabSize;
        if (_weights.OutputQuantized is { } head) QuantMatVec.MultiplyRows(head, xn, m, c, logits, v, false, _quantActivations);
        else if (m == 1) _matVec.Run(v, c, _weights.Output, xn, null, logits, accumulate: false);
        else if (m <= SkinnyRows && UseSkinnyKernel) _batchMatVec.Run(m, v, c, _weights.Output, xn, null, logits, accumulate: false);
        else Gemm.Multiply(false, true, m, v, c, xn, c, _weights.Output, c, logits, v, false);
    }

    /// <summary>
    /// <c>y[n,out] (+)= x[n,in]·Wᵀ + b</c>: a matrix-vector product for one token, the skinny
    /// batch product for a few rows, the packed GEMM for many. With <paramref name="accumulate"/>
    /// the result is added to y (the residual connection), otherwise it replaces y.
    /// </summary>
    private void Project(in LinearPointers w, float* x, float* y, int n, bool accumulate)
    {
        int outF = w.Out, inF = w.In;
        if (w.Quantized is not null) { ProjectQuantized(w, x, y, n, accumulate); return; }
        if (n == 1) { _matVec.Run(outF, inF, w.Weight, x, w.Bias, y, accumulate); return; }
        if (n <= SkinnyRows && UseSkinnyKernel) { _batchMatVec.Run(n, outF, inF, w.Weight, x, w.Bias, y, accumulate); return; }
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

    // Quantized weights: each part (q, k, v or the whole matrix) writes its rows of y with the int8 kernels
    // (every weight row applied to all n rows while it is in cache), then the bias is added.
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
    /// Causal attention for query heads [h0, h1): each row's query at position p scores its own
    /// cache's keys 0 … p of its key/value head (h / (H/Hkv)) (<c>q·k/√D</c>), softmaxes the
    /// scores and mixes that cache's values by them.
    /// </summary>
    private void AttendHeads(int h0, int h1)
    {
        var cfg = _config;
        var rows = _attRows!;
        int d = cfg.HeadSize, l = _attLayer, n = rows.Count;
        int kvWidth = cfg.KvWidth, qkvWidth = cfg.QkvWidth, qWidth = cfg.Heads * d, group = cfg.Heads / cfg.KvHeadCount;
        float scale = 1f / MathF.Sqrt(d);
        long layerOffset = (long)l * cfg.BlockSize * kvWidth;
        for (int h = h0; h < h1; h++)
        {
            float* scores = _scratch.Scores.Pointer + (long)h * cfg.BlockSize;
            int kv = h / group;
            for (int i = 0; i < n; i++)
            {
                int p = rows.Positions[i];
                float* keys = rows.KeyCaches[i] + layerOffset, values = rows.ValueCaches[i] + layerOffset;
                float* q = _scratch.Qkv.Pointer + (long)i * qkvWidth + h * d;
                CachedAttention.Scores(q, keys + kv * d, kvWidth, p + 1, d, scores);
                Softmax.Row(scores, scores, p + 1, scale);
                if (_attCapture is not null)
                {
                    // capture[l, h, p, 0..p] = probabilities (entries above the diagonal stay 0).
                    float* dst = _attCapture + (((long)l * cfg.Heads + h) * _attCaptureStride + p) * _attCaptureStride;
                    new ReadOnlySpan<float>(scores, p + 1).CopyTo(new Span<float>(dst, p + 1));
                }
                CachedAttention.Mix(scores, values + kv * d, kvWidth, p + 1, d, _scratch.AttentionOutput.Pointer + (long)i * qWidth + h * d);
            }
        }
    }
}
