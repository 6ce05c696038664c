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
public sealed class DecoderClassificationObjective : ClassificationObjective
{
    private readonly int _padId;

    /// <summary>Fine-tunes <paramref name="model"/> on <paramref name="train"/> (token ids of each text and its label id).</summary>
    public DecoderClassificationObjective(DecoderClassifier model, IReadOnlyList<ClassificationExample> train, IReadOnlyList<ClassificationExample>? eval, int batchSize, int padId = 0)
        : base(train, eval, batchSize, (model ?? throw new ArgumentNullException(nameof(model))).Labels)
    {
        Classifier = model;
        _padId = padId;
        foreach (var e in train.Concat(eval ?? []))
            if (e.Ids.Length == 0 || e.Ids.Length > model.Decoder.Config.BlockSize)
                throw new ArgumentException($"a text of {e.Ids.Length} tokens does not fit the decoder's context of {model.Decoder.Config.BlockSize} (and must not be empty).");
        double mean = train.Average(e => (double)e.Ids.Length);
        TokensPerBatch = Math.Max(1, (int)Math.Round(batchSize * mean));
        TrainingFlopsPerToken = GptBudget.TrainingFlopsPerToken(model.Decoder.Config, Math.Max(1, (int)Math.Round(mean)));
    }

    /// <summary>The classifier being trained.</summary>
    public DecoderClassifier Classifier { get; }

    /// <inheritdoc/>
    public override string Name => "decoder-classification";

    /// <inheritdoc/>
    public override ITrainableModel Model => Classifier;

    /// <inheritdoc/>
    public override int TokensPerBatch { get; }

    /// <inheritdoc/>
    public override double TrainingFlopsPerToken { get; }

    /// <inheritdoc/>
    protected override Variable Logits(Tape tape, ClassificationExample[] batch, Rng? dropoutRng)
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
