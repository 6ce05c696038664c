using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>What one evaluation on held-out data measured: the mean loss and any task metrics (e.g. <c>mlm_accuracy</c>).</summary>
public sealed record EvaluationResult(float Loss, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>An evaluation that measured only a loss.</summary>
    public static EvaluationResult LossOnly(float loss) => new(loss, new Dictionary<string, double>());
}

/// <summary>
/// A training objective: what the model learns to predict, from which data — next tokens
/// (causal LM), masked tokens and sentence order (MLM + NSP), corrupted spans (T5), a label…
/// The <see cref="Trainer"/> is the same for all of them: it asks the objective for one
/// micro-batch's loss, backpropagates, and lets AdamW update the weights.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Short name recorded in the run folder: "causal-lm", "mlm-nsp", "span-corruption", …</summary>
    string Name { get; }

    /// <summary>The model being trained.</summary>
    ITrainableModel Model { get; }

    /// <summary>Tokens in one micro-batch (for throughput figures).</summary>
    int TokensPerBatch { get; }

    /// <summary>Training FLOPs per token of one forward + backward pass (0 when unknown), for achieved GFLOP/s.</summary>
    double TrainingFlopsPerToken { get; }

    /// <summary>Draws one training micro-batch with <paramref name="batchRng"/> and records its mean loss on <paramref name="tape"/>.</summary>
    Variable TrainLoss(Tape tape, Rng batchRng, Rng dropoutRng);

    /// <summary>Whether there is held-out data to evaluate on.</summary>
    bool HasValidation { get; }

    /// <summary>Mean loss (and metrics) on held-out data without gradients or dropout; deterministic, it draws no shared random numbers.</summary>
    EvaluationResult Evaluate(Tape evalTape);

    /// <summary>Size and hash of the training data, so a resumed run refuses different data.</summary>
    (long Count, ulong Hash) DataFingerprint { get; }
}
