using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// BERT pretraining ("mlm-nsp"): each micro-batch is B sentence pairs (<see cref="SentencePairs"/>,
/// half IsNext) joined as <c>[CLS] A [SEP] B [SEP]</c>, MLM-corrupted (<see cref="MlmMasker"/>);
/// the loss is the masked-token cross-entropy (on the chosen positions only) plus the
/// next-sentence cross-entropy, as Hugging Face's <c>BertForPreTraining</c>. Evaluation runs a
/// fixed set of pairs and masks drawn once from the held-out documents and reports MLM loss
/// and accuracy and NSP accuracy.
/// </summary>
public sealed class MlmNspObjective : ITrainingObjective
{
    private readonly int _batchSize, _maxLength, _cls, _sep;
    private readonly List<Example[]> _evalBatches = new();
    private readonly ulong _hash;

    private sealed record Example(int[] Ids, int[] TypeIds, int[] Targets, int NspLabel);

    /// <summary>Pretrains <paramref name="model"/> (a <see cref="BertTask.PreTraining"/> BERT).</summary>
    /// <param name="model">The model.</param>
    /// <param name="train">Training documents' pairs.</param>
    /// <param name="validation">Held-out documents' pairs, or null.</param>
    /// <param name="masker">The MLM corruption.</param>
    /// <param name="cls">Id of [CLS].</param>
    /// <param name="sep">Id of [SEP].</param>
    /// <param name="batchSize">Pairs per micro-batch (B).</param>
    /// <param name="maxLength">Longest joined pair (T max), at most the model's positions.</param>
    /// <param name="evalBatches">Batches of held-out pairs per evaluation.</param>
    public MlmNspObjective(Bert model, SentencePairs train, SentencePairs? validation, MlmMasker masker,
        int cls, int sep, int batchSize, int maxLength, int evalBatches)
    {
        Bert = model ?? throw new ArgumentNullException(nameof(model));
        if (model.Task != BertTask.PreTraining) throw new ArgumentException($"MLM + NSP pretraining needs a BertForPreTraining model, got {model.Task}.", nameof(model));
        Train = train ?? throw new ArgumentNullException(nameof(train));
        Validation = validation;
        Masker = masker ?? throw new ArgumentNullException(nameof(masker));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be ≥ 1, got {batchSize}.");
        if (maxLength > model.Config.MaxPositions) throw new ArgumentException($"--block-size {maxLength} exceeds the model's {model.Config.MaxPositions} positions.", nameof(maxLength));
        if (evalBatches < 1) throw new ArgumentOutOfRangeException(nameof(evalBatches), $"eval batches must be ≥ 1, got {evalBatches}.");
        _batchSize = batchSize;
        _maxLength = maxLength;
        _cls = cls;
        _sep = sep;
        var c = model.Config;
        // Forward + backward ≈ 6 FLOPs per weight per token; attention adds 12·L·T·C; the MLM head runs on ~15% of tokens.
        TrainingFlopsPerToken = BertBudget.EncoderTrainingFlopsPerToken(c, maxLength) + 0.15 * 6.0 * (c.Width * (double)c.Width + c.Width * (double)c.VocabSize);
        _hash = Hash(train, validation);
        if (validation is not null)
        {
            var rng = new Rng(0x5EED_E7A1UL); // the same held-out pairs and masks at every evaluation
            for (int k = 0; k < evalBatches; k++) _evalBatches.Add(DrawBatch(validation, rng));
        }
    }

    /// <summary>The encoder being pretrained.</summary>
    public Bert Bert { get; }

    /// <summary>Training pairs.</summary>
    public SentencePairs Train { get; }

    /// <summary>Held-out pairs, or null.</summary>
    public SentencePairs? Validation { get; }

    /// <summary>The MLM corruption.</summary>
    public MlmMasker Masker { get; }

    /// <inheritdoc/>
    public string Name => "mlm-nsp";

    /// <inheritdoc/>
    public ITrainableModel Model => Bert;

    /// <inheritdoc/>
    public int TokensPerBatch => _batchSize * _maxLength;

    /// <inheritdoc/>
    public double TrainingFlopsPerToken { get; }

    /// <inheritdoc/>
    public bool HasValidation => Validation is not null;

    /// <inheritdoc/>
    public (long Count, ulong Hash) DataFingerprint => (Train.Tokens + (Validation?.Tokens ?? 0), _hash);

    /// <inheritdoc/>
    public Variable TrainLoss(Tape tape, Rng batchRng, Rng dropoutRng)
    {
        var batch = DrawBatch(Train, batchRng);
        return Loss(tape, batch, dropoutRng, out _, out _, out _, out _, out _);
    }

    /// <inheritdoc/>
    public EvaluationResult Evaluate(Tape evalTape)
    {
        if (Validation is null) return EvaluationResult.LossOnly(float.NaN);
        double loss = 0, mlmLossSum = 0;
        long masked = 0, mlmRight = 0, pairs = 0, nspRight = 0;
        foreach (var batch in _evalBatches)
        {
            evalTape.Reset();
            loss += Loss(evalTape, batch, null, out float mlmLoss, out int count, out int right, out int nspOk, out _).Data[0];
            mlmLossSum += mlmLoss * (double)count;
            masked += count;
            mlmRight += right;
            nspRight += nspOk;
            pairs += batch.Length;
        }
        evalTape.Reset();
        return new EvaluationResult((float)(loss / _evalBatches.Count), new Dictionary<string, double>
        {
            ["mlm_loss"] = masked == 0 ? double.NaN : mlmLossSum / masked,
            ["mlm_accuracy"] = masked == 0 ? double.NaN : (double)mlmRight / masked,
            ["nsp_accuracy"] = (double)nspRight / pairs,
        });
    }

    /// <summary>MLM loss + NSP loss of one batch, and what an evaluation counts.</summary>
    private Variable Loss(Tape tape, Example[] examples, Rng? dropoutRng,
        out float mlmLoss, out int maskedCount, out int mlmRight, out int nspRight, out BertBatch batch)
    {
        batch = BertBatch.Pad(examples.Select(e => (e.Ids, e.TypeIds)).ToArray(), Bert.Config.PadTokenId);
        var positions = new List<int>();
        var targets = new List<int>();
        for (int i = 0; i < examples.Length; i++)
            for (int p = 0; p < examples[i].Targets.Length; p++)
                if (examples[i].Targets[p] >= 0) { positions.Add(i * batch.T + p); targets.Add(examples[i].Targets[p]); }
        var targetArray = targets.ToArray();
        var nspLabels = examples.Select(e => e.NspLabel).ToArray();

        var hidden = Bert.Encode(tape, batch, dropoutRng);
        var mlmLogits = Bert.MlmLogits(tape, hidden, positions.ToArray());
        var nspLogits = Bert.NspLogits(tape, Bert.Pool(tape, hidden));
        var mlm = tape.CrossEntropy(mlmLogits, targetArray);
        var nsp = tape.CrossEntropy(nspLogits, nspLabels);
        mlmLoss = mlm.Data[0];
        maskedCount = targetArray.Length;
        mlmRight = CountArgmaxHits(mlmLogits.Data, targetArray);
        nspRight = CountArgmaxHits(nspLogits.Data, nspLabels);
        return tape.Add(mlm, nsp);
    }

    /// <summary>How many rows of <paramref name="logits"/> <c>[N,K]</c> have their largest score at the target.</summary>
    public static int CountArgmaxHits(Tensor logits, int[] targets)
    {
        int k = logits.Dim(-1), hits = 0;
        var s = logits.Span;
        for (int i = 0; i < targets.Length; i++)
        {
            var row = s.Slice(i * k, k);
            int best = 0;
            for (int j = 1; j < k; j++) if (row[j] > row[best]) best = j;
            if (best == targets[i]) hits++;
        }
        return hits;
    }

    private Example[] DrawBatch(SentencePairs pairs, Rng rng)
    {
        var batch = new Example[_batchSize];
        for (int i = 0; i < batch.Length; i++)
        {
            var (a, b, isNext, _, _) = pairs.Sample(rng);
            var (ids, types) = SentencePairs.Join(a, b, _cls, _sep, _maxLength);
            var targets = new int[ids.Length];
            Masker.Mask(ids, targets, rng);
            batch[i] = new Example(ids, types, targets, isNext ? 0 : 1); // Hugging Face: label 0 = IsNext, 1 = NotNext
        }
        return batch;
    }

    private static ulong Hash(SentencePairs train, SentencePairs? validation)
    {
        var h = new Fingerprint();
        foreach (var split in validation is null ? [train] : new[] { train, validation })
        {
            foreach (var doc in split.Documents)
            {
                foreach (var sentence in doc)
                {
                    h.Add(sentence);
                    h.Add(0xFFFF_FFFEUL);    // end of sentence
                }
                h.Add(0xFFFF_FFFFUL);        // end of document
            }
        }
        return h.Value;
    }
}
