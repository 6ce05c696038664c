using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// Causal language modeling, the decoder's objective (GPT, LLaMA): from random windows of
/// the token stream, predict every next token; the loss is the mean cross-entropy of those
/// predictions. Evaluation uses fixed windows spread evenly over the validation split.
/// </summary>
public sealed class CausalLmObjective : ITrainingObjective
{
    private readonly int[] _inputs, _targets;
    private readonly int _batchSize, _blockSize, _evalBatches;

    /// <summary>Trains <paramref name="model"/> on <paramref name="data"/> with B·T micro-batches from <paramref name="options"/>.</summary>
    public CausalLmObjective(Gpt model, TokenDataset data, TrainingOptions options)
    {
        Gpt = model ?? throw new ArgumentNullException(nameof(model));
        Data = data ?? throw new ArgumentNullException(nameof(data));
        ArgumentNullException.ThrowIfNull(options);
        if (options.BlockSize > model.Config.BlockSize)
            throw new ArgumentException($"--block-size {options.BlockSize} exceeds the model's context length {model.Config.BlockSize}.");
        if (data.BlockSize != options.BlockSize)
            throw new ArgumentException($"the dataset's block size {data.BlockSize} differs from the options' {options.BlockSize}.");
        _batchSize = options.BatchSize;
        _blockSize = options.BlockSize;
        _evalBatches = options.EvalBatches;
        _inputs = new int[_batchSize * _blockSize];
        _targets = new int[_inputs.Length];
        TrainingFlopsPerToken = GptBudget.TrainingFlopsPerToken(model.Config, _blockSize);
    }

    /// <summary>The decoder being trained.</summary>
    public Gpt Gpt { get; }

    /// <summary>The token data (train and validation splits).</summary>
    public TokenDataset Data { get; }

    /// <inheritdoc/>
    public string Name => "causal-lm";

    /// <inheritdoc/>
    public ITrainableModel Model => Gpt;

    /// <inheritdoc/>
    public int TokensPerBatch => _batchSize * _blockSize;

    /// <inheritdoc/>
    public double TrainingFlopsPerToken { get; }

    /// <inheritdoc/>
    public bool HasValidation => Data.HasValidation;

    /// <inheritdoc/>
    public (long Count, ulong Hash) DataFingerprint => (Data.Train.Length + Data.Validation.Length, Data.Hash);

    /// <inheritdoc/>
    public Variable TrainLoss(Tape tape, Rng batchRng, Rng dropoutRng)
    {
        Data.SampleBatch(Data.Train.Span, batchRng, _batchSize, _inputs, _targets);
        return Gpt.Loss(tape, _inputs, _targets, _batchSize, _blockSize, dropoutRng);
    }

    /// <inheritdoc/>
    public EvaluationResult Evaluate(Tape evalTape) =>
        EvaluationResult.LossOnly(HasValidation ? Evaluate(evalTape, Data.Validation.Span, _evalBatches) : float.NaN);

    /// <summary>
    /// Mean loss on <paramref name="batches"/> batches of windows spread evenly over
    /// <paramref name="split"/>, without gradients or dropout. Deterministic: it draws no
    /// random numbers, so evaluating does not change the training run.
    /// </summary>
    public float Evaluate(Tape evalTape, ReadOnlySpan<int> split, int batches)
    {
        int b = _batchSize, t = _blockSize;
        if (split.Length < t + 1) throw new InvalidOperationException($"{Data.Source}: {split.Length} tokens are too few to evaluate a window of {t} + 1.");
        var starts = EvaluationWindowStarts(split.Length, t, batches * b);
        double sum = 0;
        for (int k = 0; k < batches; k++)
        {
            for (int i = 0; i < b; i++)
            {
                int s = starts[k * b + i];
                split.Slice(s, t).CopyTo(_inputs.AsSpan(i * t, t));
                split.Slice(s + 1, t).CopyTo(_targets.AsSpan(i * t, t));
            }
            evalTape.Reset();
            sum += Gpt.Loss(evalTape, _inputs, _targets, b, t).Data[0];
        }
        evalTape.Reset();
        return (float)(sum / batches);
    }

    /// <summary>Start offsets of <paramref name="windows"/> evaluation windows of T+1 tokens spread evenly over a split of <paramref name="length"/> tokens.</summary>
    public static int[] EvaluationWindowStarts(int length, int t, int windows)
    {
        long room = length - t - 1;
        var starts = new int[windows];
        for (int w = 0; w < windows; w++) starts[w] = windows == 1 ? 0 : (int)(room * w / (windows - 1));
        return starts;
    }
}
