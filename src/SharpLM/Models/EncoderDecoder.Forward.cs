using SharpLM.Autograd;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

public sealed partial class EncoderDecoder
{
    private readonly Dictionary<(int Tq, int Tk, int Start, bool Bidirectional), int[]> _bucketCache = new();

    private bool IsT5 => Config.Family == EncoderDecoderFamily.T5;

    /// <summary>
    /// The encoder: source ids <c>[B,S]</c> → hidden states <c>[B,S,C]</c>, every token attending to
    /// every real (non-padding) source token. T5: embedding, pre-norm layers with the shared
    /// bidirectional relative position bias, final RMS norm. BART: embedding + learned positions,
    /// embedding LayerNorm, post-norm layers.
    /// </summary>
    public Variable Encode(Tape tape, int[] sourceIds, int[] sourceLengths, int B, int S, Rng? dropoutRng = null)
    {
        CheckIds(sourceIds, B, S, "source");
        var rng = Config.Dropout > 0 && tape.Training ? dropoutRng : null;
        var x = Embed(tape, Encoder, sourceIds, B, S, rng);
        var bias = IsT5 ? RelativeBias(tape, Encoder, S, S, 0, bidirectional: true) : null;
        foreach (var layer in Encoder.Layers)
        {
            x = SubLayer(tape, x, layer.SelfAttentionNorm, rng,
                h => Attend(tape, layer.SelfAttention, h, h, B, S, S, causal: false, sourceLengths, bias));
            x = SubLayer(tape, x, layer.FeedForwardNorm, rng, h => FeedForward(tape, layer.FeedForward, h));
        }
        return IsT5 ? Dropout(tape, Norm(tape, Encoder.FinalNorm!, x), rng) : x;
    }

    /// <summary>
    /// The decoder up to the head: decoder input ids <c>[B,T]</c> and the encoder output → final
    /// hidden states <c>[B,T,C]</c>. Each layer: causal self-attention (T5: with the causal
    /// relative position bias), cross-attention over the real source tokens, feed-forward.
    /// </summary>
    public Variable DecodeHidden(Tape tape, Variable encoded, int[] sourceLengths, int[] decoderIds, int B, int T, Rng? dropoutRng = null)
    {
        CheckIds(decoderIds, B, T, "decoder input");
        int s = encoded.Data.Dim(1);
        var rng = Config.Dropout > 0 && tape.Training ? dropoutRng : null;
        var x = Embed(tape, Decoder, decoderIds, B, T, rng);
        var bias = IsT5 ? RelativeBias(tape, Decoder, T, T, 0, bidirectional: false) : null;
        foreach (var layer in Decoder.Layers)
        {
            x = SubLayer(tape, x, layer.SelfAttentionNorm, rng,
                h => Attend(tape, layer.SelfAttention, h, h, B, T, T, causal: true, null, bias));
            x = SubLayer(tape, x, layer.CrossAttentionNorm!, rng,
                h => Attend(tape, layer.CrossAttention!, h, encoded, B, T, s, causal: false, sourceLengths, null));
            x = SubLayer(tape, x, layer.FeedForwardNorm, rng, h => FeedForward(tape, layer.FeedForward, h));
        }
        return IsT5 ? Dropout(tape, Norm(tape, Decoder.FinalNorm!, x), rng) : x;
    }

    /// <summary>Decoder hidden states <c>[B,T,C]</c> → logits <c>[B,T,V]</c> (T5's tied head scales by C^-½; BART adds <c>final_logits_bias</c>).</summary>
    public Variable Head(Tape tape, Variable hidden)
    {
        if (HeadScale != 1f) hidden = tape.Scale(hidden, HeadScale);
        var bias = FinalLogitsBias is null ? null : tape.Reshape(FinalLogitsBias, Config.VocabSize);
        return tape.Linear(hidden, OutputWeight, bias);
    }

    /// <summary>The whole model on a teacher-forced batch: logits <c>[B,T,V]</c> for every target position.</summary>
    public Variable Forward(Tape tape, EncoderDecoderBatch batch, Rng? dropoutRng = null)
    {
        batch.Validate();
        var encoded = Encode(tape, batch.Source, batch.SourceLengths, batch.BatchSize, batch.SourceLength, dropoutRng);
        return Head(tape, DecodeHidden(tape, encoded, batch.SourceLengths, batch.DecoderInput, batch.BatchSize, batch.TargetLength, dropoutRng));
    }

    /// <summary>
    /// The sequence-to-sequence loss: mean cross-entropy of every target token (targets of −1 are
    /// ignored) given the source and the target's earlier tokens (teacher forcing).
    /// </summary>
    public Variable Loss(Tape tape, EncoderDecoderBatch batch, Rng? dropoutRng = null)
    {
        batch.Validate();
        var encoded = Encode(tape, batch.Source, batch.SourceLengths, batch.BatchSize, batch.SourceLength, dropoutRng);
        var hidden = DecodeHidden(tape, encoded, batch.SourceLengths, batch.DecoderInput, batch.BatchSize, batch.TargetLength, dropoutRng);
        if (FinalLogitsBias is not null) return tape.CrossEntropy(Head(tape, hidden), batch.Targets);
        if (HeadScale != 1f) hidden = tape.Scale(hidden, HeadScale);
        // Head and loss fused: the [B,T,V] logits and their gradient share one buffer.
        return tape.LinearCrossEntropy(hidden, OutputWeight, batch.Targets);
    }

    /// <summary>Token embedding (BART: scaled when configured, plus learned positions from row 2, then LayerNorm), then dropout.</summary>
    private Variable Embed(Tape tape, EncoderDecoderStack stack, int[] ids, int B, int T, Rng? rng)
    {
        var x = tape.Embedding(Shared.Weight, ids, B, T);                               // [B,T,C]
        if (!IsT5)
        {
            if (Config.ScaleEmbedding) x = tape.Scale(x, MathF.Sqrt(Config.Width));
            if (T > Config.MaxPositions) throw new ArgumentException($"sequence length {T} exceeds the model's {Config.MaxPositions} positions.");
            var positions = Enumerable.Range(EncoderDecoderStack.BartPositionOffset, T).ToArray();
            x = tape.AddBroadcast(x, tape.Embedding(stack.PositionEmbedding!.Weight, positions, T));   // + [T,C]
            x = Norm(tape, stack.EmbeddingNorm!, x);
        }
        return Dropout(tape, x, rng);
    }

    /// <summary>
    /// One residual sub-layer. T5 (pre-norm): <c>x + f(norm(x))</c>. BART (post-norm):
    /// <c>norm(x + f(x))</c>. Dropout on f's output while training.
    /// </summary>
    private Variable SubLayer(Tape tape, Variable x, Norm norm, Rng? rng, Func<Variable, Variable> f) => IsT5
        ? tape.Add(x, Dropout(tape, f(Norm(tape, norm, x)), rng))
        : Norm(tape, norm, tape.Add(x, Dropout(tape, f(x), rng)));

    /// <summary>
    /// Multi-head attention: queries from <paramref name="queries"/> <c>[B,Tq,C]</c>, keys and values
    /// from <paramref name="keysValues"/> <c>[B,Tk,C]</c> (the same sequence for self-attention, the
    /// encoder output for cross-attention). T5 adds the relative position bias and does not scale
    /// scores by 1/√D (its initialization does); BART scales.
    /// </summary>
    private Variable Attend(Tape tape, EncoderDecoderAttention attention, Variable queries, Variable keysValues,
        int B, int tq, int tk, bool causal, int[]? keyLengths, Variable? bias)
    {
        var q = SplitHeads(tape, attention.Query.Forward(tape, queries), B, tq);
        var k = SplitHeads(tape, attention.Key.Forward(tape, keysValues), B, tk);
        var v = SplitHeads(tape, attention.Value.Forward(tape, keysValues), B, tk);
        var y = tape.ScaledDotProductAttention(q, k, v, causal, keyLengths, scoreBias: bias, scale: ScoreScale);   // [B,H,Tq,D]
        y = tape.Reshape(tape.Permute(y, 0, 2, 1, 3), B, tq, Config.InnerWidth);                                     // [B,Tq,H·D]
        return attention.Output.Forward(tape, y);
    }

    /// <summary>The attention score scale: 1 for T5, 1/√D for BART.</summary>
    public float ScoreScale => IsT5 ? 1f : 1f / MathF.Sqrt(Config.HeadWidth);

    /// <summary><c>[B,T,H·D]</c> → <c>[B,H,T,D]</c>.</summary>
    private Variable SplitHeads(Tape tape, Variable x, int B, int t) =>
        tape.Permute(tape.Reshape(x, B, t, Config.Heads, Config.HeadWidth), 0, 2, 1, 3);

    /// <summary>The feed-forward network for the config's kind.</summary>
    private static Variable FeedForward(Tape tape, EncoderDecoderFeedForward ff, Variable h)
    {
        var up = ff.Up.Forward(tape, h);
        var act = ff.Kind switch
        {
            FeedForwardKind.Relu => tape.Relu(up),
            FeedForwardKind.GatedGelu => tape.Multiply(tape.Gelu(ff.Gate!.Forward(tape, h)), up),
            _ => tape.GeluExact(up),
        };
        return ff.Down.Forward(tape, act);
    }

    /// <summary>T5's relative position bias <c>[H,Tq,Tk]</c> for queries at <paramref name="queryStart"/>… from the stack's shared table.</summary>
    internal Variable RelativeBias(Tape tape, EncoderDecoderStack stack, int tq, int tk, int queryStart, bool bidirectional) =>
        tape.RelativePositionBias(stack.RelativeBias!.Weight, BucketsFor(tq, tk, queryStart, bidirectional), tq, tk);

    /// <summary>The (cached) bucket matrix for a query/key shape.</summary>
    internal int[] BucketsFor(int tq, int tk, int queryStart, bool bidirectional)
    {
        var key = (tq, tk, queryStart, bidirectional);
        lock (_bucketCache)
        {
            if (!_bucketCache.TryGetValue(key, out var buckets))
            {
                if (_bucketCache.Count > 4096) _bucketCache.Clear();
                _bucketCache[key] = buckets = EncoderDecoderRelativePositions.Buckets(tq, tk, queryStart, bidirectional, Config.RelativeBuckets, Config.RelativeMaxDistance);
            }
            return buckets;
        }
    }

    private static Variable Norm(Tape tape, Norm norm, Variable x) => norm.Kind == NormKind.RmsNorm
        ? tape.RmsNorm(x, norm.Weight, norm.Eps)
        : tape.LayerNorm(x, norm.Weight, norm.Bias, norm.Eps);

    private Variable Dropout(Tape tape, Variable x, Rng? rng) =>
        rng is null || Config.Dropout <= 0 ? x : tape.Dropout(x, Config.Dropout, rng);

    private void CheckIds(int[] ids, int B, int T, string what)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (B < 1 || T < 1) throw new ArgumentException($"{what}: batch {B} and length {T} must be ≥ 1.");
        if (ids.Length != B * T) throw new ArgumentException($"{what}: {ids.Length} ids given for B={B} × T={T}.");
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)Config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), $"{what}: token id {ids[i]} at position {i} is outside the vocabulary 0..{Config.VocabSize - 1}.");
    }
}
