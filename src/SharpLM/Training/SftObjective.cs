using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// Supervised fine-tuning (instruction tuning) of a decoder: each micro-batch is B conversations
/// drawn at random, right-padded to the longest of them; the loss is the mean cross-entropy of the
/// next-token predictions whose target is an assistant token (every other target is −1, which the
/// fused head + cross-entropy ignores). Padding needs no attention mask of its own: pad ids come
/// after every real token of their row, and causal attention never lets a position see later
/// ones, so the real positions compute exactly what they would alone (pad positions produce
/// logits nobody reads). Conversations are not packed into shared rows. Evaluation is the mean
/// loss over every assistant token of the held-out conversations (token-weighted, in order).
/// </summary>
public sealed class SftObjective : ITrainingObjective
{
    private readonly SftExample[] _train, _eval;
    private readonly int _batchSize, _padId;

    /// <summary>Fine-tunes <paramref name="model"/> on <paramref name="train"/>; <paramref name="padId"/> fills the rows past a conversation's end (any id in the vocabulary).</summary>
    public SftObjective(Gpt model, IReadOnlyList<SftExample> train, IReadOnlyList<SftExample>? eval, int batchSize, int padId = 0)
    {
        Gpt = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("no training conversations.", nameof(train));
        if (batchSize < 1) throw new ArgumentException($"batch size must be ≥ 1, got {batchSize}.", nameof(batchSize));
        if ((uint)padId >= (uint)model.Config.VocabSize) throw new ArgumentException($"pad id {padId} is outside the vocabulary 0..{model.Config.VocabSize - 1}.", nameof(padId));
        _train = train.ToArray();
        _eval = (eval ?? []).OrderBy(e => e.Length).ToArray();
        _batchSize = batchSize;
        _padId = padId;
        foreach (var e in _train.Concat(_eval))
            if (e.Length > model.Config.BlockSize)
                throw new ArgumentException($"a conversation of {e.Ids.Length} tokens is longer than the model's context of {model.Config.BlockSize} + 1.");
        MeanLength = _train.Average(e => (double)e.Length);
        TrainingFlopsPerToken = GptBudget.TrainingFlopsPerToken(model.Config, Math.Max(1, (int)Math.Round(MeanLength)));
        var h = new Fingerprint();
        foreach (var e in _train.Concat(_eval))
        {
            h.Add(e.Ids);
            for (int i = 0; i < e.IsAssistant.Length; i++) h.Add(e.IsAssistant[i] ? 1UL : 0UL);
            h.Add(0xFFFF_FFFF_0000UL);
        }
        DataFingerprint = (_train.Sum(e => (long)e.Ids.Length) + _eval.Sum(e => (long)e.Ids.Length), h.Value);
    }

    /// <summary>The decoder being tuned.</summary>
    public Gpt Gpt { get; }

    /// <summary>Mean positions per training conversation.</summary>
    public double MeanLength { get; }

    /// <summary>The training conversations.</summary>
    public IReadOnlyList<SftExample> Train => _train;

    /// <summary>The held-out conversations (shortest first).</summary>
    public IReadOnlyList<SftExample> Validation => _eval;

    /// <inheritdoc/>
    public string Name => "sft";

    /// <inheritdoc/>
    public ITrainableModel Model => Gpt;

    /// <inheritdoc/>
    public int TokensPerBatch => Math.Max(1, (int)Math.Round(_batchSize * MeanLength));

    /// <inheritdoc/>
    public double TrainingFlopsPerToken { get; }

    /// <inheritdoc/>
    public bool HasValidation => _eval.Length > 0;

    /// <inheritdoc/>
    public (long Count, ulong Hash) DataFingerprint { get; }

    /// <inheritdoc/>
    public Variable TrainLoss(Tape tape, Rng batchRng, Rng dropoutRng)
    {
        var batch = new SftExample[_batchSize];
        for (int i = 0; i < batch.Length; i++) batch[i] = _train[batchRng.NextInt(_train.Length)];
        var (ids, targets, t) = Pad(batch, _padId);
        return Gpt.Loss(tape, ids, targets, batch.Length, t, dropoutRng);
    }

    /// <inheritdoc/>
    public EvaluationResult Evaluate(Tape evalTape) => EvaluationResult.LossOnly(HasValidation ? AnswerLoss(evalTape, _eval) : float.NaN);

    /// <summary>Mean cross-entropy per assistant token over <paramref name="examples"/>, without gradients or dropout.</summary>
    public float AnswerLoss(Tape evalTape, IReadOnlyList<SftExample> examples)
    {
        double sum = 0;
        long count = 0;
        for (int s = 0; s < examples.Count; s += _batchSize)
        {
            var batch = examples.Skip(s).Take(_batchSize).ToArray();
            var (ids, targets, t) = Pad(batch, _padId);
            int n = targets.Count(x => x >= 0);
            if (n == 0) continue;
            evalTape.Reset();
            sum += Gpt.Loss(evalTape, ids, targets, batch.Length, t).Data[0] * (double)n;
            count += n;
        }
        evalTape.Reset();
        return count == 0 ? float.NaN : (float)(sum / count);
    }

    /// <summary>
    /// Right-pads a batch into <c>[B,T]</c> inputs and targets, T the longest example's length: pad
    /// inputs are <paramref name="padId"/>, pad targets −1 (ignored), and so are targets that are not the assistant's.
    /// </summary>
    public static (int[] Ids, int[] Targets, int T) Pad(IReadOnlyList<SftExample> batch, int padId)
    {
        int t = batch.Max(e => e.Length);
        var ids = new int[batch.Count * t];
        var targets = new int[ids.Length];
        Array.Fill(ids, padId);
        Array.Fill(targets, -1);
        for (int b = 0; b < batch.Count; b++)
        {
            var e = batch[b];
            e.Ids.AsSpan(0, e.Length).CopyTo(ids.AsSpan(b * t));
            e.Targets().CopyTo(targets.AsSpan(b * t));
        }
        return (ids, targets, t);
    }
}
