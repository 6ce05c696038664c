using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// T5's pretraining on raw text: random windows of the token stream are span-corrupted
/// (<see cref="SpanCorruption"/>); the encoder reads the text with sentinels where spans were cut,
/// the decoder writes the cut spans. Validation windows are corrupted once with a fixed seed.
/// </summary>
public sealed class SpanCorruptionObjective : EncoderDecoderObjective
{
    private readonly int[] _train;
    private readonly int _window;
    private readonly Seq2SeqExample[] _batch;

    /// <summary>
    /// Trains on windows of <paramref name="window"/> tokens of <paramref name="train"/>; the encoder input is
    /// about window·(1 − 0.15) + spans + 1 tokens long, the target about window·0.15 + spans + 1.
    /// </summary>
    public SpanCorruptionObjective(EncoderDecoder model, SpanCorruption noise, int[] train, int[] validation, int window, int batchSize, int evalWindows = 32)
        : base(model, batchSize, window + 1, TargetBudget(noise, window), Windows(noise, validation, window, evalWindows))
    {
        Noise = noise ?? throw new ArgumentNullException(nameof(noise));
        ArgumentNullException.ThrowIfNull(train);
        if (train.Length < window) throw new ArgumentException($"span corruption: {train.Length} training tokens are fewer than one window of {window}.", nameof(train));
        _train = train;
        _window = window;
        _batch = new Seq2SeqExample[batchSize];
        ulong h = TrainerState.HashTokens(train) ^ (TrainerState.HashTokens(validation ?? []) * 31);
        DataFingerprint = (train.Length + (validation?.Length ?? 0), h);
    }

    /// <summary>The noise.</summary>
    public SpanCorruption Noise { get; }

    /// <inheritdoc/>
    public override string Name => "span-corruption";

    /// <inheritdoc/>
    public override (long Count, ulong Hash) DataFingerprint { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<Seq2SeqExample> DrawBatch(Rng batchRng)
    {
        for (int i = 0; i < _batch.Length; i++)
        {
            int start = batchRng.NextInt(_train.Length - _window + 1);
            var (input, target) = Noise.Apply(_train.AsSpan(start, _window), batchRng);
            _batch[i] = new Seq2SeqExample(input, target);
        }
        return _batch;
    }

    private static int TargetBudget(SpanCorruption noise, int window)
    {
        int noiseTokens = (int)Math.Round(window * noise.NoiseDensity);
        return noiseTokens + Math.Max(1, (int)Math.Round(noiseTokens / noise.MeanSpanLength)) + 1;
    }

    private static List<Seq2SeqExample> Windows(SpanCorruption noise, int[]? tokens, int window, int count)
    {
        var examples = new List<Seq2SeqExample>();
        if (tokens is null || tokens.Length < window) return examples;
        var rng = new Rng(0x5EED_5CA1);
        int room = tokens.Length - window;
        for (int w = 0; w < count; w++)
        {
            int start = count == 1 ? 0 : (int)((long)room * w / (count - 1));
            var (input, target) = noise.Apply(tokens.AsSpan(start, window), rng);
            examples.Add(new Seq2SeqExample(input, target));
        }
        return examples;
    }
}
