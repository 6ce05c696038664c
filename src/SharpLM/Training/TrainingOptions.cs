namespace SharpLM.Training;

/// <summary>
/// The hyperparameters of a training run (nanoGPT's names and defaults for its small CPU
/// recipe): batch and context size, learning-rate schedule, AdamW settings, clipping,
/// evaluation cadence and the seed every random choice flows from.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Sequences per micro-batch (B).</summary>
    public int BatchSize { get; init; } = 12;

    /// <summary>Tokens per sequence (T), at most the model's context length.</summary>
    public int BlockSize { get; init; } = 64;

    /// <summary>Micro-batches whose gradients are summed (then averaged) before one optimizer step: an effective batch of B·accum.</summary>
    public int GradAccumSteps { get; init; } = 1;

    /// <summary>Total optimizer steps.</summary>
    public int MaxSteps { get; init; } = 2000;

    /// <summary>Peak learning rate reached after warmup.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Learning rate at the end of the cosine decay.</summary>
    public float MinLearningRate { get; init; } = 1e-4f;

    /// <summary>Steps of linear warmup.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Step at which the cosine decay reaches the minimum (default: <see cref="MaxSteps"/>).</summary>
    public int? DecaySteps { get; init; }

    /// <summary>AdamW decoupled weight decay (matrices only).</summary>
    public float WeightDecay { get; init; } = 0.1f;

    /// <summary>AdamW β1.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>AdamW β2 (0.99 for small models/batches, as nanoGPT's Shakespeare recipe).</summary>
    public float Beta2 { get; init; } = 0.99f;

    /// <summary>Clip gradients to this global L2 norm (0 disables).</summary>
    public float GradClip { get; init; } = 1f;

    /// <summary>Evaluate on the validation split every this many steps (and always at the last step).</summary>
    public int EvalEvery { get; init; } = 250;

    /// <summary>Batches averaged for one validation loss.</summary>
    public int EvalBatches { get; init; } = 20;

    /// <summary>Save a checkpoint every this many steps (0: only at the end or on interrupt).</summary>
    public int SaveEvery { get; init; }

    /// <summary>Seed of batch sampling and dropout.</summary>
    public ulong Seed { get; init; } = 1337;

    /// <summary>The learning-rate schedule these options describe.</summary>
    public LearningRateSchedule Schedule => new(LearningRate, MinLearningRate, WarmupSteps, DecaySteps ?? MaxSteps);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option when a value cannot work.</summary>
    public TrainingOptions Validate()
    {
        Check(BatchSize >= 1, "--batch-size", "≥ 1", BatchSize);
        Check(BlockSize >= 1, "--block-size", "≥ 1", BlockSize);
        Check(GradAccumSteps >= 1, "--grad-accum", "≥ 1", GradAccumSteps);
        Check(MaxSteps >= 1, "--max-steps", "≥ 1", MaxSteps);
        Check(LearningRate > 0, "--lr", "> 0", LearningRate);
        Check(MinLearningRate >= 0 && MinLearningRate <= LearningRate, "--min-lr", "in [0, lr]", MinLearningRate);
        Check(WarmupSteps >= 0, "--warmup", "≥ 0", WarmupSteps);
        Check(WeightDecay >= 0, "--weight-decay", "≥ 0", WeightDecay);
        Check(Beta1 is >= 0 and < 1, "--beta1", "in [0, 1)", Beta1);
        Check(Beta2 is >= 0 and < 1, "--beta2", "in [0, 1)", Beta2);
        Check(GradClip >= 0, "--clip", "≥ 0", GradClip);
        Check(EvalEvery >= 1, "--eval-every", "≥ 1", EvalEvery);
        Check(EvalBatches >= 1, "--eval-batches", "≥ 1", EvalBatches);
        Check(SaveEvery >= 0, "--save-every", "≥ 0", SaveEvery);
        return this;
    }

    private static void Check(bool ok, string option, string expected, object value)
    {
        if (!ok) throw new ArgumentException($"{option} must be {expected}, got {value}.");
    }
}
