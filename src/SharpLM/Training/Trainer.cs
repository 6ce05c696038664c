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
/// The training loop's single step and evaluation for a GPT: sample a batch, run the forward
/// pass and the loss on the tape, backpropagate, (accumulate micro-batches), clip the
/// gradient norm, set the scheduled learning rate and let AdamW update the weights. Holds
/// everything a resumed run needs to continue identically: step, optimizer moments and
/// the random generators for batches and dropout.
/// </summary>
public sealed class Trainer
{
    private readonly Tape _tape = new();
    private readonly Tape _evalTape = new(recordGradients: false) { Training = false };
    private readonly int[] _inputs, _targets;

    /// <summary>Creates a trainer at step 0 with fresh optimizer moments and generators seeded from the options.</summary>
    public Trainer(Gpt model, TokenDataset data, TrainingOptions options)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Data = data ?? throw new ArgumentNullException(nameof(data));
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        if (options.BlockSize > model.Config.BlockSize)
            throw new ArgumentException($"--block-size {options.BlockSize} exceeds the model's context length {model.Config.BlockSize}.");
        if (data.BlockSize != options.BlockSize)
            throw new ArgumentException($"the dataset's block size {data.BlockSize} differs from the options' {options.BlockSize}.");
        Optimizer = new AdamW(model.NamedParameters(), options.Beta1, options.Beta2, 1e-8f, options.WeightDecay);
        BatchRng = new Rng(options.Seed);
        DropoutRng = new Rng(options.Seed ^ 0xD50F_0A7D_5EEDUL);
        _inputs = new int[options.BatchSize * options.BlockSize];
        _targets = new int[_inputs.Length];
    }

    /// <summary>The model being trained.</summary>
    public Gpt Model { get; }

    /// <summary>The token data (train and validation splits).</summary>
    public TokenDataset Data { get; }

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

    /// <summary>Tokens one step trains on: B·T·accum.</summary>
    public int TokensPerStep => Options.BatchSize * Options.BlockSize * Options.GradAccumSteps;

    /// <summary>Runs one optimizer step (all micro-batches) and returns what happened.</summary>
    public StepResult TrainStep()
    {
        int b = Options.BatchSize, t = Options.BlockSize, accum = Options.GradAccumSteps;
        float lr = Options.Schedule.At(Step);
        double forwardMs = 0, backwardMs = 0;
        double lossSum = 0;
        var clock = Stopwatch.StartNew();
        Optimizer.ZeroGradients();
        for (int micro = 0; micro < accum; micro++)
        {
            Data.SampleBatch(Data.Train.Span, BatchRng, b, _inputs, _targets);
            _tape.Reset();
            _tape.Training = true;
            long start = clock.ElapsedTicks;
            var loss = Model.Loss(_tape, _inputs, _targets, b, t, DropoutRng);
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

    /// <summary>Mean validation loss over <see cref="TrainingOptions.EvalBatches"/> fixed batches (the same windows every time).</summary>
    public float EvaluateValidation() =>
        Data.HasValidation ? Evaluate(Data.Validation.Span, Options.EvalBatches) : float.NaN;

    /// <summary>
    /// Mean loss on <paramref name="batches"/> batches of windows spread evenly over
    /// <paramref name="split"/>, without gradients or dropout. Deterministic: it draws no
    /// random numbers, so evaluating does not change the training run.
    /// </summary>
    public float Evaluate(ReadOnlySpan<int> split, int batches)
    {
        int b = Options.BatchSize, t = Options.BlockSize;
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
            _evalTape.Reset();
            sum += Model.Loss(_evalTape, _inputs, _targets, b, t).Data[0];
        }
        _evalTape.Reset();
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
