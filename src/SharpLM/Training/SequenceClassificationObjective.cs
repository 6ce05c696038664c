using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// Fine-tuning a BERT to classify texts or text pairs ("classification"): each micro-batch is B
/// examples drawn at random; the loss is the cross-entropy of the classifier on the pooled
/// [CLS] vector. Evaluation scores the held-out examples (in order) and reports loss,
/// accuracy and macro-F1.
/// </summary>
public sealed class SequenceClassificationObjective : ClassificationObjective
{
    private readonly int _maxLength;

    /// <summary>Fine-tunes <paramref name="model"/> (a <see cref="BertTask.SequenceClassification"/> BERT).</summary>
    public SequenceClassificationObjective(Bert model, IReadOnlyList<ClassificationExample> train, IReadOnlyList<ClassificationExample>? eval, int batchSize, int maxLength)
        : base(train, eval, batchSize, CheckTask(model).Labels)
    {
        Bert = model;
        _maxLength = maxLength;
        TrainingFlopsPerToken = BertBudget.EncoderTrainingFlopsPerToken(model.Config, maxLength);
    }

    private static Bert CheckTask(Bert model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Task != BertTask.SequenceClassification) throw new ArgumentException($"classification needs a BertForSequenceClassification model, got {model.Task}.", nameof(model));
        return model;
    }

    /// <summary>The classifier being trained.</summary>
    public Bert Bert { get; }

    /// <inheritdoc/>
    public override string Name => "classification";

    /// <inheritdoc/>
    public override ITrainableModel Model => Bert;

    /// <inheritdoc/>
    public override int TokensPerBatch => BatchSize * _maxLength;

    /// <inheritdoc/>
    public override double TrainingFlopsPerToken { get; }

    /// <inheritdoc/>
    protected override Variable Logits(Tape tape, ClassificationExample[] batch, Rng? dropoutRng) =>
        Bert.ClassifierLogits(tape, BertBatch.Pad(batch.Select(e => (e.Ids, e.TypeIds)).ToArray(), Bert.Config.PadTokenId), dropoutRng);
}
