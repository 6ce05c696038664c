using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// Fine-tuning a decoder to classify texts (<see cref="DecoderClassifier"/>): each micro-batch is B
/// texts drawn at random, right-padded to the longest; the loss is the cross-entropy of the head
/// on each text's pooled hidden state. Evaluation scores the held-out texts in order and reports
/// loss, accuracy and macro-F1, as the encoder's <see cref="SequenceClassificationObjective"/> does.
/// </summary>
public sealed class DecoderClassificationObjective : ITrainingObjective
{
    private readonly ClassificationExample[] _train, _eval;
    private readonly int _batchSize, _padId;

    /// <summary>Fine-tunes <paramref name="model"/> on <paramref name="train"/> (token ids of each text and its label id).</summary>
    public DecoderClassificationObjective(DecoderClassifier model, IReadOnlyList<ClassificationExample> train, IReadOnlyList<ClassificationExample>? eval, int batchSize, int padId = 0)
    {
        Classifier = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("no training examples.", nameof(train));
        if (batchSize < 1) throw new ArgumentException($"batch size must be ≥ 1, got {batchSize}.", nameof(batchSize));
        _train = train.ToArray();
        _eval = eval?.ToArray() ?? [];
        _batchSize = batchSize;
        _padId = padId;
        foreach (var e in _train.Concat(_eval))
        {
            if ((uint)e.Label >= (uint)model.Labels.Count) throw new ArgumentException($"label id {e.Label} is outside the model's {model.Labels.Count} labels.");
            if (e.Ids.Length == 0 || e.Ids.Length > model.Decoder.Config.BlockSize)
                throw new ArgumentException($"a text of {e.Ids.Length} tokens does not fit the decoder's context of {model.Decoder.Config.BlockSize} (and must not be empty).");
        }
        double mean = _train.Average(e => (double)e.Ids.Length);
        TokensPerBatch = Math.Max(1, (int)Math.Round(batchSize * mean));
        TrainingFlopsPerToken = GptBudget.TrainingFlopsPerToken(model.Decoder.Config, Math.Max(1, (int)Math.Round(mean)));
        var h = new Fingerprint();
        foreach (var e in _train.Concat(_eval)) { h.Add(e.Ids); h.Add((ulong)e.Label + 0x1_0000_0000UL); }
        DataFingerprint = (_train.Sum(e => (long)e.Ids.Length) + _eval.Sum(e => (long)e.Ids.Length), h.Value);
    }

    /// <summary>The classifier being trained.</summary>
    public DecoderClassifier Classifier { get; }

    /// <inheritdoc/>
    public string Name => "decoder-classification";

    /// <inheritdoc/>
    public ITrainableModel Model => Classifier;

    /// <inheritdoc/>
    public int TokensPerBatch { get; }

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
        var metrics = new ClassificationMetrics(Classifier.Labels, _eval.Select(e => e.Label).ToArray(), predicted);
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
            SequenceClassificationObjective.Argmax(logits.Data, predicted.AsSpan(s, batch.Length));
        }
        evalTape.Reset();
        return ((float)(loss / examples.Count), predicted);
    }

    private Variable Logits(Tape tape, ClassificationExample[] batch, Rng? dropoutRng)
    {
        int t = batch.Max(e => e.Ids.Length);
        var ids = new int[batch.Length * t];
        Array.Fill(ids, _padId);
        for (int i = 0; i < batch.Length; i++) batch[i].Ids.CopyTo(ids, i * t);
        return Classifier.Logits(tape, ids, batch.Select(e => e.Ids.Length).ToArray(), batch.Length, t, dropoutRng);
    }

    /// <summary>
    /// A labeled text as decoder input: its tokens (a pair joined by a newline). Longer than
    /// <paramref name="maxLength"/> is an error naming the line, unless <paramref name="truncate"/> (then its first tokens are kept).
    /// </summary>
    public static ClassificationExample Encode(Tokenizers.ITokenizer tokenizer, LabeledText row, int label, int maxLength, bool truncate, string source)
    {
        var ids = tokenizer.Encode(row.Pair is null ? row.Text : row.Text + "\n" + row.Pair);
        if (ids.Length == 0) throw new InvalidDataException($"{source}, line {row.Line}: the text is empty.");
        if (ids.Length > maxLength)
        {
            if (!truncate) throw new InvalidDataException($"{source}, line {row.Line}: the text is {ids.Length} tokens, longer than the max length {maxLength} (raise --max-length up to the model's context or pass --truncate).");
            ids = ids[..maxLength];
        }
        return new ClassificationExample(ids, [], label);
    }
}
