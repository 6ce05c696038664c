using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// Text-to-text fine-tuning: each training example is a (source, target) pair — an English
/// message and its translation, a man page's description and its one-line summary — and the
/// model learns to produce the target from the source. Batches draw pairs uniformly at random.
/// </summary>
public sealed class Seq2SeqObjective : EncoderDecoderObjective
{
    private readonly IReadOnlyList<Seq2SeqExample> _train;
    private readonly Seq2SeqExample[] _batch;

    /// <summary>Trains on <paramref name="train"/>, evaluating on <paramref name="validation"/>.</summary>
    public Seq2SeqObjective(EncoderDecoder model, IReadOnlyList<Seq2SeqExample> train, IReadOnlyList<Seq2SeqExample> validation,
        int batchSize, int maxSource, int maxTarget) : base(model, batchSize, maxSource, maxTarget, validation)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("fine-tuning needs at least one training pair.", nameof(train));
        _train = train;
        _batch = new Seq2SeqExample[batchSize];
        DataFingerprint = Seq2SeqExample.Fingerprint(train.Concat(validation));
    }

    /// <summary>The training pairs.</summary>
    public IReadOnlyList<Seq2SeqExample> Train => _train;

    /// <inheritdoc/>
    public override string Name => "seq2seq";

    /// <inheritdoc/>
    public override (long Count, ulong Hash) DataFingerprint { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<Seq2SeqExample> DrawBatch(Rng batchRng)
    {
        for (int i = 0; i < _batch.Length; i++) _batch[i] = _train[batchRng.NextInt(_train.Count)];
        return _batch;
    }
}
