using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// What the encoder-decoder objectives share: a micro-batch of B examples padded into one
/// teacher-forced batch, the model's sequence-to-sequence loss on it, and a deterministic
/// evaluation over fixed held-out examples. Subclasses decide where examples come from —
/// pairs (fine-tuning), span-corrupted text (T5), noised documents (BART).
/// </summary>
public abstract class EncoderDecoderObjective : ITrainingObjective
{
    private readonly IReadOnlyList<Seq2SeqExample> _validation;

    /// <summary>Creates the objective; <paramref name="validation"/> is fixed (already noised) held-out data.</summary>
    protected EncoderDecoderObjective(EncoderDecoder model, int batchSize, int maxSource, int maxTarget, IReadOnlyList<Seq2SeqExample> validation)
    {
        EncoderDecoder = model ?? throw new ArgumentNullException(nameof(model));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size {batchSize} must be ≥ 1.");
        if (maxSource < 1 || maxTarget < 1) throw new ArgumentOutOfRangeException(nameof(maxSource), $"source ({maxSource}) and target ({maxTarget}) lengths must be ≥ 1.");
        BatchSize = batchSize;
        MaxSource = maxSource;
        MaxTarget = maxTarget;
        _validation = validation ?? [];
    }

    /// <summary>The encoder-decoder being trained.</summary>
    public EncoderDecoder EncoderDecoder { get; }

    /// <summary>Examples per micro-batch (B).</summary>
    public int BatchSize { get; }

    /// <summary>Longest source kept (tokens).</summary>
    public int MaxSource { get; }

    /// <summary>Longest target kept (tokens).</summary>
    public int MaxTarget { get; }

    /// <summary>The fixed held-out examples.</summary>
    public IReadOnlyList<Seq2SeqExample> Validation => _validation;

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public ITrainableModel Model => EncoderDecoder;

    /// <inheritdoc/>
    public int TokensPerBatch => BatchSize * (MaxSource + MaxTarget);

    /// <inheritdoc/>
    public double TrainingFlopsPerToken => 6.0 * EncoderDecoder.ParameterCount();

    /// <inheritdoc/>
    public bool HasValidation => _validation.Count > 0;

    /// <inheritdoc/>
    public abstract (long Count, ulong Hash) DataFingerprint { get; }

    /// <summary>Draws the B training examples of one micro-batch.</summary>
    protected abstract IReadOnlyList<Seq2SeqExample> DrawBatch(Rng batchRng);

    /// <inheritdoc/>
    public Variable TrainLoss(Tape tape, Rng batchRng, Rng dropoutRng) =>
        EncoderDecoder.Loss(tape, Seq2SeqExample.Batch(DrawBatch(batchRng), EncoderDecoder.Config, MaxSource, MaxTarget), dropoutRng);

    /// <inheritdoc/>
    public virtual EvaluationResult Evaluate(Tape evalTape) => EvaluationResult.LossOnly(ValidationLoss(evalTape));

    /// <summary>Mean loss over the held-out examples (each batch weighted by its target tokens), without gradients or dropout.</summary>
    public float ValidationLoss(Tape evalTape)
    {
        if (_validation.Count == 0) return float.NaN;
        double sum = 0;
        long tokens = 0;
        for (int start = 0; start < _validation.Count; start += BatchSize)
        {
            var slice = _validation.Skip(start).Take(BatchSize).ToList();
            var batch = Seq2SeqExample.Batch(slice, EncoderDecoder.Config, MaxSource, MaxTarget);
            int count = batch.Targets.Count(t => t >= 0);
            evalTape.Reset();
            sum += (double)EncoderDecoder.Loss(evalTape, batch).Data[0] * count;
            tokens += count;
        }
        evalTape.Reset();
        return (float)(sum / Math.Max(1, tokens));
    }
}
