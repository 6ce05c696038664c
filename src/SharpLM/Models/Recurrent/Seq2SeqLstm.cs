using SharpLM.Autograd;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models.Recurrent;

/// <summary>Shape of a <see cref="Seq2SeqLstm"/>: vocabulary (shared by source and target), embedding width, hidden size, and whether the decoder attends.</summary>
public sealed record Seq2SeqLstmConfig
{
    /// <summary>Vocabulary size V (source and target share one table).</summary>
    public int VocabSize { get; init; } = 64;

    /// <summary>Token embedding width E.</summary>
    public int EmbeddingWidth { get; init; } = 32;

    /// <summary>Hidden size H of encoder and decoder.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>True: Luong global attention over every encoder state; false: the decoder sees only the encoder's final state.</summary>
    public bool Attention { get; init; } = true;

    /// <summary>Checks the sizes, naming the first bad one.</summary>
    public Seq2SeqLstmConfig Validate()
    {
        if (VocabSize < 2) throw new ArgumentException($"seq2seq LSTM config: vocabulary size {VocabSize} must be ≥ 2.");
        if (EmbeddingWidth < 1) throw new ArgumentException($"seq2seq LSTM config: embedding width {EmbeddingWidth} must be ≥ 1.");
        if (Hidden < 1) throw new ArgumentException($"seq2seq LSTM config: hidden size {Hidden} must be ≥ 1.");
        return this;
    }
}

/// <summary>
/// The pre-transformer sequence-to-sequence model: an LSTM encoder reads the source into states
/// e_1..e_S; an LSTM decoder reads the target shifted right (teacher forcing), each input joined with
/// the encoder's final state e_S (the fixed-size summary of Cho et al., 2014). With
/// <see cref="Seq2SeqLstmConfig.Attention"/>, every decoder state d_t also attends over all encoder
/// states — Luong et al.'s (2015) global attention, <c>c_t = softmax(d_t·eᵀ/√H)·e</c> (padding masked) —
/// and predicts from <c>tanh(W_c[d_t; c_t])</c>; without it, c_t is e_S for every t, so the only path from
/// the source is one H-sized vector. Both LSTMs are the fused <see cref="Ops.LstmSequence"/> op
/// (backpropagation through time), attention is <see cref="Ops.ScaledDotProductAttention"/> with one head.
/// </summary>
public sealed class Seq2SeqLstm : Module
{
    /// <summary>Padding id (sources are padded with it; never predicted).</summary>
    public const int Pad = 0;

    /// <summary>The decoder's start token.</summary>
    public const int Bos = 1;

    /// <summary>End of the target.</summary>
    public const int Eos = 2;

    private readonly Linear _encoderInput, _decoderInput, _combine;
    private readonly Variable _encoderRecurrent, _decoderRecurrent;

    /// <summary>Creates a model with small random weights from <paramref name="seed"/> (forget-gate biases 1).</summary>
    public Seq2SeqLstm(Seq2SeqLstmConfig config, ulong seed)
    {
        Config = (config ?? throw new ArgumentNullException(nameof(config))).Validate();
        var rng = new Rng(seed);
        int e = config.EmbeddingWidth, h = config.Hidden;
        Embedding = AddModule("embed", new Embedding(config.VocabSize, e, 0.1f, rng));
        _encoderInput = AddModule("encoder.input", new Linear(e, 4 * h, bias: true, 1f / MathF.Sqrt(e), rng));
        _encoderRecurrent = AddParameter("encoder.recurrent.weight", Recurrent(h, rng));
        _decoderInput = AddModule("decoder.input", new Linear(e + h, 4 * h, bias: true, 1f / MathF.Sqrt(e + h), rng));
        _decoderRecurrent = AddParameter("decoder.recurrent.weight", Recurrent(h, rng));
        _encoderInput.Bias!.Data.Span.Slice(h, h).Fill(1f);
        _decoderInput.Bias!.Data.Span.Slice(h, h).Fill(1f);
        _combine = AddModule("combine", new Linear(2 * h, h, bias: true, 1f / MathF.Sqrt(2 * h), rng));
        Head = AddModule("head", new Linear(h, config.VocabSize, bias: true, 1f / MathF.Sqrt(h), rng));
    }

    private static Variable Recurrent(int h, Rng rng)
    {
        var w = new Tensor(4 * h, h);
        rng.FillNormal(w.Span, 0f, 1f / MathF.Sqrt(h));
        return new Variable(w);
    }

    /// <summary>The shape.</summary>
    public Seq2SeqLstmConfig Config { get; }

    /// <summary>The shared token embedding <c>[V,E]</c>.</summary>
    public Embedding Embedding { get; }

    /// <summary>The output head <c>[V,H]</c>.</summary>
    public Linear Head { get; }

    /// <summary>
    /// Teacher-forced logits <c>[B,T,V]</c>: sources <c>[B,S]</c> (row i real for its first
    /// <paramref name="sourceLengths"/>[i] ids, then padding), decoder inputs <c>[B,T]</c> (BOS, then the target shifted right).
    /// </summary>
    public Variable Forward(Tape tape, int[] source, int[] sourceLengths, int b, int s, int[] decoderInput, int t)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sourceLengths);
        ArgumentNullException.ThrowIfNull(decoderInput);
        if (source.Length != b * s) throw new ArgumentException($"Seq2SeqLstm: {source.Length} source ids for B={b} × S={s}.", nameof(source));
        if (decoderInput.Length != b * t) throw new ArgumentException($"Seq2SeqLstm: {decoderInput.Length} decoder ids for B={b} × T={t}.", nameof(decoderInput));
        if (sourceLengths.Length != b) throw new ArgumentException($"Seq2SeqLstm: {sourceLengths.Length} source lengths for B={b}.", nameof(sourceLengths));
        foreach (int len in sourceLengths)
            if (len < 1 || len > s) throw new ArgumentOutOfRangeException(nameof(sourceLengths), $"Seq2SeqLstm: source length {len} outside 1..{s}.");
        int h = Config.Hidden;

        // Encoder: states e_1..e_S [B,S,H]; the summary e at each row's last real position [B,H].
        var encoded = tape.LstmSequence(_encoderInput.Forward(tape, tape.Embedding(Embedding.Weight, source, b, s)), _encoderRecurrent);
        var flat = tape.Reshape(encoded, b * s, h);
        var summary = tape.Embedding(flat, Enumerable.Range(0, b).Select(i => i * s + sourceLengths[i] - 1).ToArray(), b); // [B,H]
        var summaryEveryStep = tape.Embedding(summary, Enumerable.Range(0, b * t).Select(i => i / t).ToArray(), b, t);    // [B,T,H]

        // Decoder: [embedding; summary] at every step → states d_1..d_T [B,T,H].
        var input = tape.Concat([tape.Embedding(Embedding.Weight, decoderInput, b, t), summaryEveryStep], axis: 2);
        var decoded = tape.LstmSequence(_decoderInput.Forward(tape, input), _decoderRecurrent);

        // Context: attention over the encoder states, or the summary alone.
        var context = Config.Attention
            ? tape.Reshape(tape.ScaledDotProductAttention(tape.Reshape(decoded, b, 1, t, h), tape.Reshape(encoded, b, 1, s, h), tape.Reshape(encoded, b, 1, s, h),
                keyLengths: sourceLengths), b, t, h)
            : summaryEveryStep;
        var combined = tape.Tanh(_combine.Forward(tape, tape.Concat([decoded, context], axis: 2)));
        return Head.Forward(tape, combined);
    }

    /// <summary>Mean cross-entropy of the teacher-forced predictions against <paramref name="targets"/> <c>[B,T]</c> (−1 = ignored).</summary>
    public Variable Loss(Tape tape, int[] source, int[] sourceLengths, int b, int s, int[] decoderInput, int[] targets, int t) =>
        tape.CrossEntropy(Forward(tape, source, sourceLengths, b, s, decoderInput, t), targets);

    /// <summary>
    /// Greedy decoding of a batch: starting from BOS, append the most likely token until every row has
    /// produced EOS or <paramref name="maxLength"/> tokens; returns each row's tokens before its EOS.
    /// (The decoder re-reads its prefix each step: the fused sequence op has no incremental state, and outputs are short.)
    /// </summary>
    public int[][] Greedy(int[] source, int[] sourceLengths, int b, int s, int maxLength)
    {
        var tape = new Tape(recordGradients: false) { Training = false };
        var outputs = Enumerable.Range(0, b).Select(_ => new List<int>()).ToArray();
        var done = new bool[b];
        var prefix = new List<int>[b];
        for (int i = 0; i < b; i++) prefix[i] = [Bos];
        for (int step = 0; step < maxLength && !done.All(x => x); step++)
        {
            int t = step + 1;
            var input = new int[b * t];
            for (int i = 0; i < b; i++) prefix[i].CopyTo(input, i * t);
            tape.Reset();
            var logits = Forward(tape, source, sourceLengths, b, s, input, t).Data.Span;
            int v = Config.VocabSize;
            for (int i = 0; i < b; i++)
            {
                var row = logits.Slice((i * t + t - 1) * v, v);
                int best = 0;
                for (int j = 1; j < v; j++) if (row[j] > row[best]) best = j;
                prefix[i].Add(best);
                if (done[i]) continue;
                if (best == Eos) done[i] = true; else outputs[i].Add(best);
            }
        }
        tape.Reset();
        return outputs.Select(o => o.ToArray()).ToArray();
    }
}
