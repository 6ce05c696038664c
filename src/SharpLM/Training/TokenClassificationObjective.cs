using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// Fine-tuning a BERT to tag tokens, e.g. named entities ("token-classification"): each
/// micro-batch is B sentences drawn at random; the loss is the cross-entropy on each word's
/// first WordPiece (other pieces are ignored). Evaluation tags the held-out sentences word
/// by word and reports loss, tag accuracy and conlleval entity F1 (<see cref="EntityMetrics"/>).
/// </summary>
public sealed class TokenClassificationObjective : ITrainingObjective
{
    private readonly TokenExample[] _train, _eval;
    private readonly int _batchSize, _maxLength;

    /// <summary>Fine-tunes <paramref name="model"/> (a <see cref="BertTask.TokenClassification"/> BERT).</summary>
    public TokenClassificationObjective(Bert model, IReadOnlyList<TokenExample> train, IReadOnlyList<TokenExample>? eval, int batchSize, int maxLength)
    {
        Bert = model ?? throw new ArgumentNullException(nameof(model));
        if (model.Task != BertTask.TokenClassification) throw new ArgumentException($"token classification needs a BertForTokenClassification model, got {model.Task}.", nameof(model));
        if (train.Count == 0) throw new ArgumentException("no training sentences.", nameof(train));
        _train = train.ToArray();
        _eval = eval?.ToArray() ?? [];
        _batchSize = batchSize;
        _maxLength = maxLength;
        var c = model.Config;
        TrainingFlopsPerToken = BertBudget.EncoderTrainingFlopsPerToken(c, maxLength);
        var h = new Fingerprint();
        foreach (var e in _train.Concat(_eval))
            for (int i = 0; i < e.Ids.Length; i++) h.Add((uint)e.Ids[i] ^ ((ulong)(uint)e.Targets[i] << 32));
        DataFingerprint = (_train.Sum(e => (long)e.Ids.Length) + _eval.Sum(e => (long)e.Ids.Length), h.Value);
    }

    /// <summary>The tagger being trained.</summary>
    public Bert Bert { get; }

    /// <inheritdoc/>
    public string Name => "token-classification";

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
        var batch = new TokenExample[_batchSize];
        for (int i = 0; i < batch.Length; i++) batch[i] = _train[batchRng.NextInt(_train.Length)];
        var (logits, targets) = Logits(tape, batch, dropoutRng);
        return tape.CrossEntropy(logits, targets);
    }

    /// <inheritdoc/>
    public EvaluationResult Evaluate(Tape evalTape)
    {
        if (_eval.Length == 0) return EvaluationResult.LossOnly(float.NaN);
        var (loss, tags) = Predict(evalTape, _eval);
        var metrics = new EntityMetrics(_eval.Select(e => e.GoldTags).ToArray(), tags);
        return new EvaluationResult(loss, new Dictionary<string, double>
        {
            ["entity_f1"] = metrics.F1, ["entity_precision"] = metrics.Precision, ["entity_recall"] = metrics.Recall, ["tag_accuracy"] = metrics.TokenAccuracy,
        });
    }

    /// <summary>
    /// Mean loss over <paramref name="examples"/> and the predicted tag of every word (the tag of
    /// its first piece; <c>O</c> for a word that did not fit), without gradients or dropout.
    /// </summary>
    public (float Loss, string[][] Tags) Predict(Tape evalTape, IReadOnlyList<TokenExample> examples)
    {
        var tags = new string[examples.Count][];
        double loss = 0;
        int batches = 0;
        for (int s = 0; s < examples.Count; s += _batchSize)
        {
            var batch = examples.Skip(s).Take(_batchSize).ToArray();
            evalTape.Reset();
            var (logits, targets) = Logits(evalTape, batch, null);
            loss += evalTape.CrossEntropy(logits, targets).Data[0];
            batches++;
            int t = logits.Data.Dim(1), k = logits.Data.Dim(2);
            var best = new int[batch.Length * t];
            ClassificationObjective.Argmax(evalTape.Reshape(logits, batch.Length * t, k).Data, best);
            for (int i = 0; i < batch.Length; i++)
                tags[s + i] = batch[i].WordStarts.Select(p => p < 0 ? "O" : Bert.Labels[best[i * t + p]]).ToArray();
        }
        evalTape.Reset();
        return ((float)(loss / batches), tags);
    }

    private (Variable Logits, int[] Targets) Logits(Tape tape, TokenExample[] batch, Rng? dropoutRng)
    {
        var input = BertBatch.Pad(batch.Select(e => (e.Ids, new int[e.Ids.Length])).ToArray(), Bert.Config.PadTokenId);
        var targets = new int[input.B * input.T];
        Array.Fill(targets, -1);
        for (int i = 0; i < batch.Length; i++) batch[i].Targets.CopyTo(targets, i * input.T);
        return (Bert.ClassifierLogits(tape, input, dropoutRng), targets);
    }
}
