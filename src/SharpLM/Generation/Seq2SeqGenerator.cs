using SharpLM.Models;

namespace SharpLM.Generation;

/// <summary>
/// Turns one text's token ids into another's with an encoder-decoder: the encoder runs once,
/// then the decoder generates token by token from the decoder start token until EOS or the
/// length limit — by greedy choice or the shared <see cref="Sampler"/> (temperature, top-k, top-p…),
/// or by <see cref="BeamSearch"/> when more than one beam is asked for.
/// </summary>
public sealed class Seq2SeqGenerator
{
    /// <summary>Creates a generator for <paramref name="model"/>.</summary>
    public Seq2SeqGenerator(EncoderDecoder model) => Model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>The model.</summary>
    public EncoderDecoder Model { get; }

    /// <summary>
    /// Generates with <paramref name="sampler"/> (null = greedy): returns the output ids, EOS excluded.
    /// <paramref name="onToken"/> sees each token as it is chosen; <paramref name="engine"/> reuses
    /// buffers (and its <see cref="Seq2SeqEngine.CrossAttentionProbabilities"/> map) across calls.
    /// </summary>
    public int[] Generate(int[] source, int maxLength, Sampler? sampler = null, Action<int>? onToken = null, Seq2SeqEngine? engine = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), $"max length {maxLength} must be ≥ 1.");
        engine ??= new Seq2SeqEngine(Model, 1, maxLength);
        var cache = engine.Start([source]);
        var output = new List<int>();
        var token = new int[1];
        token[0] = Model.Config.DecoderStartTokenId;
        for (int step = 0; step < maxLength; step++)
        {
            var logits = engine.Step(cache, token);
            int next = sampler is null ? ArgMax(logits) : sampler.Sample(logits, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(output));
            if (next == Model.Config.EosTokenId) break;
            output.Add(next);
            onToken?.Invoke(next);
            token[0] = next;
        }
        return output.ToArray();
    }

    /// <summary>Beam search (beams batched as decoder rows): the best hypothesis's ids, EOS excluded.</summary>
    public int[] GenerateBeam(int[] source, BeamSearchOptions options) => BeamSearchAll(source, options)[0].Tokens;

    /// <summary>Beam search: every finished hypothesis, best first.</summary>
    public IReadOnlyList<BeamHypothesis> BeamSearchAll(int[] source, BeamSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        var engine = new Seq2SeqEngine(Model, options.Beams, options.MaxLength);
        var stepper = new Seq2SeqStepper(engine, engine.Start([source], options.Beams));
        var result = BeamSearch.Run(stepper, Model.Config.DecoderStartTokenId, Model.Config.EosTokenId, options);
        return result.Count > 0 ? result : [new BeamHypothesis([], double.NegativeInfinity)];
    }

    /// <summary>The index of the largest value (the greedy choice).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
