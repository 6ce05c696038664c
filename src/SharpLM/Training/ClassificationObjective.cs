using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// What every text-classification objective shares, whichever family carries the head (BERT's pooled
/// [CLS] vector, a decoder's last or mean hidden state): each micro-batch is B labeled examples drawn at
/// random, the loss is the cross-entropy of the class logits, and evaluation scores the held-out examples
/// in order and reports loss, accuracy and macro-F1. A family supplies only how a batch becomes logits.
/// </summary>
public abstract class ClassificationObjective : ITrainingObjective
{
    private readonly ClassificationExample[] _train, _eval;

    /// <summary>Checks the examples against the model's <paramref name="labels"/> and fingerprints them.</summary>
    protected ClassificationObjective(IReadOnlyList<ClassificationExample> train, IReadOnlyList<ClassificationExample>? eval, int batchSize, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("no training examples.", nameof(train));
        if (batchSize < 1) throw new ArgumentException($"batch size must be ≥ 1, got {batchSize}.", nameof(batchSize));
        _train = train.ToArray();
        _eval = eval?.ToArray() ?? [];
        BatchSize = batchSize;
        ClassLabels = labels;
        foreach (var e in _train.Concat(_eval))
            if ((uint)e.Label >= (uint)labels.Count) throw new ArgumentException($"label id {e.Label} is outside the model's {labels.Count} labels.");
        var h = new Fingerprint();
        foreach (var e in _train.Concat(_eval)) { h.Add(e.Ids); h.Add((ulong)e.Label + 0x1_0000_0000UL); }
        DataFingerprint = (_train.Sum(e => (long)e.Ids.Length) + _eval.Sum(e => (long)e.Ids.Length), h.Value);
    }

    /// <summary>The training examples.</summary>
    protected IReadOnlyList<ClassificationExample> TrainExamples => _train;

    /// <summary>Examples per micro-batch.</summary>
    protected int BatchSize { get; }

    /// <summary>The class names, by label id.</summary>
    protected IReadOnlyList<string> ClassLabels { get; }

    /// <summary>The class logits <c>[B, K]</c> of <paramref name="batch"/> (dropout when <paramref name="dropoutRng"/> is given).</summary>
    protected abstract Variable Logits(Tape tape, ClassificationExample[] batch, Rng? dropoutRng);

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract ITrainableModel Model { get; }

    /// <inheritdoc/>
    public abstract int TokensPerBatch { get; }

    /// <inheritdoc/>
    public abstract double TrainingFlopsPerToken { get; }

    /// <inheritdoc/>
    public bool HasValidation => _eval.Length > 0;

    /// <inheritdoc/>
    public (long Count, ulong Hash) DataFingerprint { get; }

    /// <inheritdoc/>
    public Variable TrainLoss(Tape tape, Rng batchRng, Rng dropoutRng)
    {
        var batch = new ClassificationExample[BatchSize];
        for (int i = 0; i < batch.Length; i++) batch[i] = _train[batchRng.NextInt(_train.Length)];
        return tape.CrossEntropy(Logits(tape, batch, dropoutRng), batch.Select(e => e.Label).ToArray());
    }

    /// <inheritdoc/>
    public EvaluationResult Evaluate(Tape evalTape)
    {
        if (_eval.Length == 0) return EvaluationResult.LossOnly(float.NaN);
        var (loss, predicted) = Predict(evalTape, _eval);
        var metrics = new ClassificationMetrics(ClassLabels, _eval.Select(e => e.Label).ToArray(), predicted);
        return new EvaluationResult(loss, new Dictionary<string, double> { ["accuracy"] = metrics.Accuracy, ["macro_f1"] = metrics.MacroF1 });
    }

    /// <summary>Mean loss over <paramref name="examples"/> and the predicted class of each, without gradients or dropout.</summary>
    public (float Loss, int[] Predicted) Predict(Tape evalTape, IReadOnlyList<ClassificationExample> examples)
    {
        var predicted = new int[examples.Count];
        double loss = 0;
        for (int s = 0; s < examples.Count; s += BatchSize)
        {
            var batch = examples.Skip(s).Take(BatchSize).ToArray();
            evalTape.Reset();
            var logits = Logits(evalTape, batch, null);
            loss += evalTape.CrossEntropy(logits, batch.Select(e => e.Label).ToArray()).Data[0] * (double)batch.Length;
            Argmax(logits.Data, predicted.AsSpan(s, batch.Length));
        }
        evalTape.Reset();
        return ((float)(loss / examples.Count), predicted);
    }

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
