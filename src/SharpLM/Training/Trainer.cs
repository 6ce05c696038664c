using System.Diagnostics;
using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>What one optimizer step did: the loss it saw, the learning rate, the gradient norm and where the time went.</summary>
public sealed record StepResult(int Step, float Loss, float LearningRate, double GradNorm, int Tokens,
    double ForwardMs, double BackwardMs, double UpdateMs)
{
    /// <summary>Wall time of the whole step, in milliseconds.</summary>
    public double TotalMs => ForwardMs + BackwardMs + UpdateMs;

    /// <summary>Training throughput of this step.</summary>
    public double TokensPerSecond => Tokens / Math.Max(1e-9, TotalMs / 1000);
}

/// <summary>
/// The training loop's single step, for any family and objective: ask the objective for a
/// micro-batch's loss on the tape, backpropagate, (accumulate micro-batches), clip the
/// gradient norm, set the scheduled learning rate and let AdamW update the weights. Holds
/// everything a resumed run needs to continue identically: step, optimizer moments and
/// the random generators for batches and dropout.
/// </summary>
public sealed class Trainer
{
    private readonly Tape _tape = new();
    private readonly Tape _evalTape = new(recordGradients: false) { Training = false };

    /// <summary>
    /// Creates a trainer at step 0 with fresh optimizer moments and generators seeded from the options. The
    /// optimizer holds the model's trainable parameters only (frozen weights get no moments), split into
    /// <paramref name="groups"/> with their own learning-rate scale and weight decay when given.
    /// </summary>
    public Trainer(ITrainingObjective objective, TrainingOptions options, IReadOnlyList<ParameterGroup>? groups = null)
    {
        Objective = objective ?? throw new ArgumentNullException(nameof(objective));
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        Optimizer = new AdamW(objective.Model.TrainableParameters(), options.Beta1, options.Beta2, 1e-8f, options.WeightDecay, groups);
        BatchRng = new Rng(options.Seed);
        DropoutRng = new Rng(options.Seed ^ 0xD50F_0A7D_5EEDUL);
    }

    /// <summary>A causal-LM trainer: <paramref name="model"/> learns to predict the next token of <paramref name="data"/>.</summary>
    public Trainer(Gpt model, TokenDataset data, TrainingOptions options)
        : this(new CausalLmObjective(model, data, options ?? throw new ArgumentNullException(nameof(options))), options) { }

    /// <summary>What is being learned, from which data.</summary>
    public ITrainingObjective Objective { get; }

    /// <summary>The model being trained.</summary>
    public ITrainableModel Model => Objective.Model;

    /// <summary>The hyperparameters.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The optimizer and its moments.</summary>
    public AdamW Optimizer { get; }

    /// <summary>Optimizer steps completed so far.</summary>
    public int Step { get; set; }

    /// <summary>Draws the training batches (saved with a checkpoint so a resumed run sees the same batches).</summary>
    public Rng BatchRng { get; set; }

    /// <summary>Draws the dropout masks (saved with a checkpoint).</summary>
    public Rng DropoutRng { get; set; }

    /// <summary>Tokens one step trains on: the objective's micro-batch × accumulation steps.</summary>
    public int TokensPerStep => Objective.TokensPerBatch * Options.GradAccumSteps;

    /// <summary>Runs one optimizer step (all micro-batches) and returns what happened.</summary>
    public StepResult TrainStep()
    {
        int accum = Options.GradAccumSteps;
        float lr = Options.Schedule.At(Step);
        double forwardMs = 0, backwardMs = 0;
        double lossSum = 0;
        var clock = Stopwatch.StartNew();
        Optimizer.ZeroGradients();
        for (int micro = 0; micro < accum; micro++)
        {
            _tape.Reset();
            _tape.Training = true;
            long start = clock.ElapsedTicks;
            var loss = Objective.TrainLoss(_tape, BatchRng, DropoutRng);
            long mid = clock.ElapsedTicks;
            _tape.Backward(loss);
            long end = clock.ElapsedTicks;
            forwardMs += (mid - start) * 1000.0 / Stopwatch.Frequency;
            backwardMs += (end - mid) * 1000.0 / Stopwatch.Frequency;
            lossSum += loss.Data[0];
        }
        _tape.Reset();
        long updateStart = clock.ElapsedTicks;
        if (accum > 1) Optimizer.ScaleGradients(1f / accum);
        double norm = Optimizer.GradientNorm();
        if (Options.GradClip > 0 && norm > Options.GradClip)
            Optimizer.ScaleGradients((float)(Options.GradClip / (norm + 1e-6)));
        Optimizer.Update(lr);
        double updateMs = (clock.ElapsedTicks - updateStart) * 1000.0 / Stopwatch.Frequency;
        Step++;
        return new StepResult(Step, (float)(lossSum / accum), lr, norm, TokensPerStep, forwardMs, backwardMs, updateMs);
    }

    /// <summary>Loss and metrics on the held-out data (NaN loss when there is none); the same data every time.</summary>
    public EvaluationResult EvaluateValidation() =>
        Objective.HasValidation ? Objective.Evaluate(_evalTape) : EvaluationResult.LossOnly(float.NaN);
}
