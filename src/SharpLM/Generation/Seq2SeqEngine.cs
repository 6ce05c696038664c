using SharpLM.Autograd;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Generation;

/// <summary>
/// Fast encoder-decoder inference: <see cref="Start"/> runs the encoder once and computes every
/// decoder layer's cross-attention keys and values from its output; <see cref="Step"/> then feeds
/// one new token per decoding row through the decoder, attending over the self-attention KV cache
/// instead of re-running the whole prefix, and returns the next-token logits. The same arithmetic
/// as <see cref="EncoderDecoder.DecodeHidden"/> (held to it by tests), without the tape.
/// Scratch buffers are sized for <see cref="MaxRows"/> rows once.
/// </summary>
public sealed unsafe partial class Seq2SeqEngine
{
    private readonly EncoderDecoderConfig _c;
    private readonly Tensor _x, _h, _q, _k, _v, _o, _ff, _ffGate, _logits, _rstd, _mean, _scores, _bias;

    /// <summary>Creates an engine for <paramref name="model"/> decoding up to <paramref name="maxRows"/> rows of up to <paramref name="maxLength"/> tokens.</summary>
    public Seq2SeqEngine(EncoderDecoder model, int maxRows, int maxLength)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        if (maxRows < 1 || maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxRows), $"rows {maxRows} and length {maxLength} must be ≥ 1.");
        _c = model.Config;
        if (_c.Family == EncoderDecoderFamily.Bart && maxLength > _c.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"max length {maxLength} exceeds the model's {_c.MaxPositions} positions.");
        MaxRows = maxRows;
        MaxLength = maxLength;
        int c = _c.Width, inner = _c.InnerWidth;
        _x = new Tensor(maxRows, c); _h = new Tensor(maxRows, c);
        _q = new Tensor(maxRows, inner); _k = new Tensor(maxRows, inner); _v = new Tensor(maxRows, inner); _o = new Tensor(maxRows, inner);
        _ff = new Tensor(maxRows, _c.FeedForwardWidth); _ffGate = new Tensor(maxRows, _c.FeedForwardWidth);
        _logits = new Tensor(maxRows, _c.VocabSize);
        _rstd = new Tensor(maxRows); _mean = new Tensor(maxRows);
        _scores = new Tensor(maxRows * _c.Heads, maxLength);
        _bias = new Tensor(_c.Heads, maxLength);
    }

    /// <summary>The model.</summary>
    public EncoderDecoder Model { get; }

    /// <summary>Most decoding rows a cache may have.</summary>
    public int MaxRows { get; }

    /// <summary>Most target tokens per row.</summary>
    public int MaxLength { get; }

    /// <summary>
    /// When set (<c>[decoderLayers, rows, H, S]</c> floats), each <see cref="Step"/> writes the
    /// cross-attention probabilities of the new token there: which source tokens it looked at.
    /// </summary>
    public float[]? CrossAttentionProbabilities { get; set; }

    /// <summary>
    /// Runs the encoder on <paramref name="sources"/> (one row each) and returns a cache with
    /// <paramref name="rowsPerSource"/> decoding rows per source (beams), their cross K/V computed.
    /// </summary>
    public Seq2SeqCache Start(IReadOnlyList<int[]> sources, int rowsPerSource = 1)
    {
        ArgumentNullException.ThrowIfNull(sources);
        int b = sources.Count;
        if (b == 0) throw new ArgumentException("Start: no source rows.", nameof(sources));
        if (b * rowsPerSource > MaxRows) throw new ArgumentException($"Start: {b} sources × {rowsPerSource} rows exceeds the engine's {MaxRows} rows.");
        int s = Math.Max(1, sources.Max(x => x.Length));
        var ids = new int[b * s];
        Array.Fill(ids, _c.PadTokenId);
        var lengths = new int[b];
        for (int i = 0; i < b; i++)
        {
            if (sources[i].Length == 0) throw new ArgumentException($"Start: source row {i} is empty.", nameof(sources));
            sources[i].CopyTo(ids, i * s);
            lengths[i] = sources[i].Length;
        }
        var tape = new Tape(recordGradients: false) { Training = false };
        var encoded = Model.Encode(tape, ids, lengths, b, s);                                   // [B,S,C]
        var cache = new Seq2SeqCache(_c.DecoderLayers, b * rowsPerSource, b, _c.Heads, _c.HeadWidth, MaxLength, s, lengths);
        for (int r = 0; r < cache.Rows; r++) cache.SourceRow[r] = r / rowsPerSource;
        int inner = _c.InnerWidth, c = _c.Width;
        var projected = new Tensor(b * s, inner);
        for (int l = 0; l < _c.DecoderLayers; l++)
        {
            var cross = Model.Decoder.Layers[l].CrossAttention!;
            Project(cross.Key, encoded.Data.Pointer, b * s, projected.Pointer);
            SplitHeads(projected, cache.CrossKeys[l], b, s);
            Project(cross.Value, encoded.Data.Pointer, b * s, projected.Pointer);
            SplitHeads(projected, cache.CrossValues[l], b, s);
        }
        tape.Reset();
        return cache;
    }

    /// <summary>
    /// Feeds <paramref name="tokens"/> (one per decoding row) at position <see cref="Seq2SeqCache.Length"/>
    /// and returns the next-token logits <c>[rows, V]</c> (valid until the next call).
    /// </summary>
    public ReadOnlySpan<float> Step(Seq2SeqCache cache, ReadOnlySpan<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(cache);
        int rows = cache.Rows, t = cache.Length, c = _c.Width, v = _c.VocabSize;
        if (tokens.Length != rows) throw new ArgumentException($"Step: {tokens.Length} tokens for {rows} rows.", nameof(tokens));
        if (t >= cache.MaxLength) throw new InvalidOperationException($"Step: the cache is full ({cache.MaxLength} tokens).");
        bool t5 = _c.Family == EncoderDecoderFamily.T5;
        float* x = _x.Pointer;

        // Embedding (BART: + learned position t, then LayerNorm).
        var shared = Model.Shared.Weight.Data.Span;
        for (int r = 0; r < rows; r++)
        {
            int id = tokens[r];
            if ((uint)id >= (uint)v) throw new ArgumentOutOfRangeException(nameof(tokens), $"Step: token id {id} is outside the vocabulary 0..{v - 1}.");
            shared.Slice(id * c, c).CopyTo(_x.Span.Slice(r * c, c));
        }
        if (!t5)
        {
            var stack = Model.Decoder;
            if (_c.ScaleEmbedding) System.Numerics.Tensors.TensorPrimitives.Multiply(_x.Span[..(rows * c)], MathF.Sqrt(c), _x.Span[..(rows * c)]);
            var pos = stack.PositionEmbedding!.Weight.Data.Span.Slice((t + EncoderDecoderStack.BartPositionOffset) * c, c);
            for (int r = 0; r < rows; r++) System.Numerics.Tensors.TensorPrimitives.Add(_x.Span.Slice(r * c, c), pos, _x.Span.Slice(r * c, c));
            ApplyNorm(stack.EmbeddingNorm!, x, x, rows);
        }
        else FillRelativeBias(t);

        for (int l = 0; l < _c.DecoderLayers; l++)
        {
            var layer = Model.Decoder.Layers[l];
            SubLayer(layer, SubLayerKind.SelfAttention, cache, l, rows, t);
            SubLayer(layer, SubLayerKind.CrossAttention, cache, l, rows, t);
            SubLayer(layer, SubLayerKind.FeedForward, cache, l, rows, t);
        }
        if (t5) ApplyNorm(Model.Decoder.FinalNorm!, x, x, rows);

        // Head: logits = (scale·x)·Wᵀ (+ final_logits_bias).
        if (Model.HeadScale != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(_x.Span[..(rows * c)], Model.HeadScale, _x.Span[..(rows * c)]);
        Gemm.Multiply(false, true, rows, v, c, x, c, Model.OutputWeight.Data.Pointer, c, _logits.Pointer, v, false);
        if (Model.FinalLogitsBias is not null)
            for (int r = 0; r < rows; r++)
                System.Numerics.Tensors.TensorPrimitives.Add(_logits.Span.Slice(r * v, v), Model.FinalLogitsBias.Data.Span, _logits.Span.Slice(r * v, v));
        cache.Length = t + 1;
        return _logits.Span[..(rows * v)];
    }

    private enum SubLayerKind { SelfAttention, CrossAttention, FeedForward }

    /// <summary>T5 pre-norm <c>x += f(norm(x))</c>; BART post-norm <c>x = norm(x + f(x))</c>. f reads and overwrites <c>_h</c>.</summary>
    private void SubLayer(EncoderDecoderLayer layer, SubLayerKind kind, Seq2SeqCache cache, int l, int rows, int t)
    {
        int n = rows * _c.Width;
        float* x = _x.Pointer, h = _h.Pointer;
        var norm = kind switch { SubLayerKind.SelfAttention => layer.SelfAttentionNorm, SubLayerKind.CrossAttention => layer.CrossAttentionNorm!, _ => layer.FeedForwardNorm };
        bool t5 = _c.Family == EncoderDecoderFamily.T5;
        if (t5) ApplyNorm(norm, x, h, rows);
        else _x.Span[..n].CopyTo(_h.Span);
        switch (kind)
        {
            case SubLayerKind.SelfAttention: SelfAttention(layer.SelfAttention, cache, l, rows, t); break;
            case SubLayerKind.CrossAttention: CrossAttention(layer.CrossAttention!, cache, l, rows); break;
            default: FeedForward(layer.FeedForward, rows); break;
        }
        System.Numerics.Tensors.TensorPrimitives.Add(_x.Span[..n], _h.Span[..n], _x.Span[..n]);
        if (!t5) ApplyNorm(norm, x, x, rows);
    }

    private void ApplyNorm(Norm norm, float* input, float* output, int rows)
    {
        if (norm.Kind == NormKind.RmsNorm) RmsNormKernel.Forward(input, norm.Weight.Data.Pointer, output, _rstd.Pointer, rows, _c.Width, norm.Eps);
        else LayerNormKernel.Forward(input, norm.Weight.Data.Pointer, norm.Bias!.Data.Pointer, output, _mean.Pointer, _rstd.Pointer, rows, _c.Width, norm.Eps);
    }

    /// <summary><c>y[rows, out] = x·Wᵀ + b</c>.</summary>
    private static void Project(Linear layer, float* input, int rows, float* output)
    {
        int outF = layer.OutFeatures, inF = layer.InFeatures;
        Gemm.Multiply(false, true, rows, outF, inF, input, inF, layer.Weight.Data.Pointer, inF, output, outF, false);
        if (layer.Bias is not null)
            for (int r = 0; r < rows; r++)
                System.Numerics.Tensors.TensorPrimitives.Add(new Span<float>(output + (long)r * outF, outF), layer.Bias.Data.Span, new Span<float>(output + (long)r * outF, outF));
    }

    /// <summary><c>[B·S, H·D]</c> → <c>[B, H, S, D]</c>.</summary>
    private void SplitHeads(Tensor projected, Tensor destination, int b, int s)
    {
        int h = _c.Heads, d = _c.HeadWidth;
        var src = projected.Span; var dst = destination.Span;
        for (int bi = 0; bi < b; bi++)
            for (int i = 0; i < s; i++)
                for (int hh = 0; hh < h; hh++)
                    src.Slice((bi * s + i) * h * d + hh * d, d).CopyTo(dst.Slice(((bi * h + hh) * s + i) * d, d));
    }
}
