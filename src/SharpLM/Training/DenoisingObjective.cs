using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// BART's pretraining on raw text: a run of consecutive sentences (up to a token budget) is
/// noised by sentence permutation and text infilling (<see cref="TextInfilling"/>); the decoder
/// reconstructs the original. Validation documents are noised once with a fixed seed.
/// </summary>
public sealed class DenoisingObjective : EncoderDecoderObjective
{
    private readonly IReadOnlyList<int[]> _sentences;
    private readonly int _maxTokens, _eos;
    private readonly Seq2SeqExample[] _batch;

    /// <summary>
    /// Trains on documents of consecutive <paramref name="train"/> sentences (token ids each) of at most
    /// <paramref name="maxTokens"/> tokens; <paramref name="eosId"/> ends sources and targets.
    /// </summary>
    public DenoisingObjective(EncoderDecoder model, TextInfilling noise, IReadOnlyList<int[]> train, IReadOnlyList<int[]> validation,
        int maxTokens, int eosId, int batchSize, int evalDocuments = 32)
        : base(model, batchSize, maxTokens + 1, maxTokens + 1, Documents(noise, validation, maxTokens, eosId, evalDocuments))
    {
        Noise = noise ?? throw new ArgumentNullException(nameof(noise));
        ArgumentNullException.ThrowIfNull(train);
        _sentences = train.Where(s => s.Length > 0).ToList();
        if (_sentences.Count == 0) throw new ArgumentException("denoising: the training text has no sentences.", nameof(train));
        _maxTokens = maxTokens;
        _eos = eosId;
        _batch = new Seq2SeqExample[batchSize];
        DataFingerprint = Seq2SeqExample.Fingerprint(train.Concat(validation ?? []).Select(s => new Seq2SeqExample(s, [])));
    }

    /// <summary>The noise.</summary>
    public TextInfilling Noise { get; }

    /// <inheritdoc/>
    public override string Name => "denoising";

    /// <inheritdoc/>
    public override (long Count, ulong Hash) DataFingerprint { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<Seq2SeqExample> DrawBatch(Rng batchRng)
    {
        for (int i = 0; i < _batch.Length; i++)
            _batch[i] = Example(Noise, _sentences, batchRng.NextInt(_sentences.Count), _maxTokens, _eos, batchRng);
        return _batch;
    }

    /// <summary>The document of sentences starting at <paramref name="first"/> (at most <paramref name="maxTokens"/> tokens), noised.</summary>
    private static Seq2SeqExample Example(TextInfilling noise, IReadOnlyList<int[]> sentences, int first, int maxTokens, int eos, Rng rng)
    {
        var document = new List<int[]>();
        int tokens = 0;
        for (int s = first; s < sentences.Count; s++)
        {
            var sentence = sentences[s];
            if (document.Count > 0 && tokens + sentence.Length > maxTokens) break;
            if (sentence.Length > maxTokens - tokens) sentence = sentence[..(maxTokens - tokens)];
            document.Add(sentence);
            tokens += sentence.Length;
            if (tokens >= maxTokens) break;
        }
        var (input, target) = noise.Apply(document, rng);
        return new Seq2SeqExample([.. input, eos], [.. target, eos]);
    }

    private static List<Seq2SeqExample> Documents(TextInfilling noise, IReadOnlyList<int[]>? sentences, int maxTokens, int eos, int count)
    {
        var examples = new List<Seq2SeqExample>();
        var live = sentences?.Where(s => s.Length > 0).ToList() ?? [];
        if (live.Count == 0) return examples;
        var rng = new Rng(0xB0A7_5EED);
        count = Math.Min(count, live.Count);
        for (int d = 0; d < count; d++)
            examples.Add(Example(noise, live, (int)((long)(live.Count - 1) * d / Math.Max(1, count - 1)), maxTokens, eos, rng));
        return examples;
    }
}
