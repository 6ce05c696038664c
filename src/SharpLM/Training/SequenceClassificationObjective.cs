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
public sealed class SequenceClassificationObjective : ITrainingObjective
{
    private readonly ClassificationExample[] _train, _eval;
    private readonly int _batchSize, _maxLength;

    /// <summary>Fine-tunes <paramref name="model"/> (a <see cref="BertTask.SequenceClassification"/> BERT).</summary>
    public SequenceClassificationObjective(Bert model, IReadOnlyList<ClassificationExample> train, IReadOnlyList<ClassificationExample>? eval, int batchSize, int maxLength)
    {
        Bert = model ?? throw new ArgumentNullException(nameof(model));
        if (model.Task != BertTask.SequenceClassification) throw new ArgumentException($"classification needs a BertForSequenceClassification model, got {model.Task}.", nameof(model));
        if (train.Count == 0) throw new ArgumentException("no training examples.", nameof(train));
        _train = train.ToArray();
        _eval = eval?.ToArray() ?? [];
        _batchSize = batchSize;
        _maxLength = maxLength;
        foreach (var e in _train.Concat(_eval))
            if ((uint)e.Label >= (uint)model.Labels.Count) throw new ArgumentException($"label id {e.Label} is outside the model's {model.Labels.Count} labels.");
        var c = model.Config;
        TrainingFlopsPerToken = BertBudget.EncoderTrainingFlopsPerToken(c, maxLength);
        var h = new Fingerprint();
        foreach (var e in _train.Concat(_eval)) { h.Add(e.Ids); h.Add((ulong)e.Label + 0x1_0000_0000UL); }
        DataFingerprint = (_train.Sum(e => (long)e.Ids.Length) + _eval.Sum(e => (long)e.Ids.Length), h.Value);
    }

    /// <summary>The classifier being trained.</summary>
    public Bert Bert { get; }

    /// <inheritdoc/>
    public string Name => "classification";

    /// <inheritdoc/>
    public ITrainableModel Model => Bert;

    /// <inheritdoc/>
    public int TokensPerBatch => _batchSize * _maxLength;

    /// <inheritdoc/>
    public double TrainingFlopsPerToken { get; }

    /// <inheritdoc/>
    public bool HasValidation => _eval.Length > 0;

    /// <inheritdoc/>
    public (long Count, ulong Hash) DataFingerprint { get; }

    /// <inheritdoc/>
    public Variable TrainLoss(Tape tape, Rng batchRng, Rng dropoutRng)
    {
        var batch = new ClassificationExample[_batchSize];
        for (int i = 0; i < batch.Length; i++) batch[i] = _train[batchRng.NextInt(_train.Length)];
        return tape.CrossEntropy(Logits(tape, batch, dropoutRng), batch.Select(e => e.Label).ToArray());
    }

    /// <inheritdoc/>
    public EvaluationResult Evaluate(Tape evalTape)
    {
        if (_eval.Length == 0) return EvaluationResult.LossOnly(float.NaN);
        var (loss, predicted) = Predict(evalTape, _eval);
        var metrics = new ClassificationMetrics(Bert.Labels, _eval.Select(e => e.Label).ToArray(), predicted);
        return new EvaluationResult(loss, new Dictionary<string, double> { ["accuracy"] = metrics.Accuracy, ["macro_f1"] = metrics.MacroF1 });
    }

    /// <summary>Mean loss over <paramref name="examples"/> and the predicted class of each, without gradients or dropout.</summary>
    public (float Loss, int[] Predicted) Predict(Tape evalTape, IReadOnlyList<ClassificationExample> examples)
    {
        var predicted = new int[examples.Count];
        double loss = 0;
        for (int s = 0; s < examples.Count; s += _batchSize)
        {
            var batch = examples.Skip(s).Take(_batchSize).ToArray();
            evalTape.Reset();
            var logits = Logits(evalTape, batch, null);
            loss += evalTape.CrossEntropy(logits, batch.Select(e => e.Label).ToArray()).Data[0] * (double)batch.Length;
            Argmax(logits.Data, predicted.AsSpan(s, batch.Length));
        }
        evalTape.Reset();
        return ((float)(loss / examples.Count), predicted);
    }

    private Variable Logits(Tape tape, ClassificationExample[] batch, Rng? dropoutRng) =>
        Bert.ClassifierLogits(tape, BertBatch.Pad(batch.Select(e => (e.Ids, e.TypeIds)).ToArray(), Bert.Config.PadTokenId), dropoutRng);

    /// <summary>The index of each row's largest value of <paramref name="logits"/> <c>[N,K]</c>.</summary>
    public static void Argmax(Tensor logits, Span<int> result)
    {
        int k = logits.Dim(-1);
        var s = logits.Span;
        for (int i = 0; i < result.Length; i++)
        {
            var row = s.Slice(i * k, k);
            int best = 0;
            for (int j = 1; j < k; j++) if (row[j] > row[best]) best = j;
            result[i] = best;
        }
    }
}
