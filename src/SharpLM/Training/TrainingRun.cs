using System.Diagnostics;
using System.Globalization;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Training;

/// <summary>How a call to <see cref="TrainingRun.Run"/> ended.</summary>
public sealed record TrainingOutcome(int FinalStep, bool Interrupted, float? FirstValLoss, float? LastValLoss, double ElapsedSeconds);

/// <summary>
/// A training run in its folder (<c>runs/NAME</c>), for any family and objective: drives the
/// <see cref="Trainer"/> step by step, evaluates every N steps and at the end, appends
/// <c>metrics.jsonl</c>, saves checkpoints (every N steps, at the end, and when cancelled,
/// e.g. by Ctrl+C) and draws <c>loss.svg</c>. <see cref="Resume(string, Func{TrainerState, ITokenizer, Trainer})"/>
/// reopens a folder and continues exactly where it stopped.
/// </summary>
public sealed class TrainingRun
{
    private readonly TrainerState _identity;

    private TrainingRun(string directory, Trainer trainer, ITokenizer tokenizer, TrainerState identity, double elapsed)
    {
        Directory = directory;
        Trainer = trainer;
        Tokenizer = tokenizer;
        _identity = identity;
        ElapsedSeconds = elapsed;
        Metrics = new MetricsLog(Path.Combine(directory, MetricsLog.FileName));
    }

    /// <summary>The run folder.</summary>
    public string Directory { get; }

    /// <summary>The trainer (objective, model, optimizer, step).</summary>
    public Trainer Trainer { get; }

    /// <summary>The tokenizer saved with the run.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>The run's log.</summary>
    public MetricsLog Metrics { get; }

    /// <summary>Training wall time so far (across resumes), in seconds.</summary>
    public double ElapsedSeconds { get; private set; }

    /// <summary>
    /// Starts a new run of <paramref name="trainer"/> in <paramref name="directory"/> (its old log is
    /// replaced); <paramref name="valFraction"/> and <paramref name="source"/> are recorded with it.
    /// </summary>
    public static TrainingRun Start(string directory, Trainer trainer, ITokenizer tokenizer, double valFraction, string source)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        var identity = Identity(trainer, valFraction, source);
        var run = new TrainingRun(directory, trainer, tokenizer, identity, 0);
        System.IO.Directory.CreateDirectory(directory);
        run.Metrics.Reset();
        return run;
    }

    /// <summary>Starts a new causal-LM run of a decoder in <paramref name="directory"/> on <paramref name="tokens"/>.</summary>
    public static TrainingRun Start(string directory, Gpt model, ITokenizer tokenizer, int[] tokens, double valFraction,
        TrainingOptions options, string source)
    {
        var data = new TokenDataset(tokens, valFraction, options.BlockSize, source);
        return Start(directory, new Trainer(model, data, options), tokenizer, valFraction, source);
    }

    /// <summary>
    /// Reopens the run in <paramref name="directory"/>: reads its state and tokenizer, lets
    /// <paramref name="rebuild"/> (the family's loader) build the model, objective and trainer
    /// from the folder and the data, checks the data is what the run was trained on, and
    /// restores optimizer moments, random generators and the step.
    /// </summary>
    public static TrainingRun Resume(string directory, Func<TrainerState, ITokenizer, Trainer> rebuild)
    {
        ArgumentNullException.ThrowIfNull(rebuild);
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"--resume: run folder '{directory}' does not exist.");
        var state = Checkpoint.ReadState(directory);
        var tokenizer = Checkpoint.LoadTokenizer(directory);
        var trainer = rebuild(state, tokenizer);
        if (trainer.Objective.Name != state.Objective)
            throw new ArgumentException($"--resume: the run in {directory} was trained with objective '{state.Objective}', not '{trainer.Objective.Name}'.");
        var (count, hash) = trainer.Objective.DataFingerprint;
        string source = trainer.Objective is CausalLmObjective lm ? lm.Data.Source : state.DataSource;
        if (count != state.DataTokens || hash != state.DataHash)
            throw new ArgumentException($"--resume: the data ({source}, {count} tokens) is not the data this run was trained on ({state.DataSource}, {state.DataTokens} tokens).");
        Checkpoint.Restore(directory, trainer, state);
        var run = new TrainingRun(directory, trainer, tokenizer, state with { DataSource = source }, state.ElapsedSeconds);
        // A run stopped before its first step evaluates step 0 again, so drop that line too.
        run.Metrics.TruncateAfter(state.Step == 0 ? -1 : state.Step);
        return run;
    }

    /// <summary>
    /// Reopens a causal-LM run: loads its decoder and re-creates the token stream with
    /// <paramref name="loadTokens"/> (given the run's tokenizer), then continues as <see cref="Resume(string, Func{TrainerState, ITokenizer, Trainer})"/>.
    /// </summary>
    public static TrainingRun Resume(string directory, Func<ITokenizer, (int[] Tokens, string Source)> loadTokens)
    {
        ArgumentNullException.ThrowIfNull(loadTokens);
        return Resume(directory, (state, tokenizer) =>
        {
            var model = Checkpoint.LoadModel(directory);
            var (tokens, source) = loadTokens(tokenizer);
            if (tokens.Length != state.DataTokens || TrainerState.HashTokens(tokens) != state.DataHash)
                throw new ArgumentException($"--resume: the data ({source}, {tokens.Length} tokens) is not the data this run was trained on ({state.DataSource}, {state.DataTokens} tokens).");
            var data = new TokenDataset(tokens, state.ValFraction, state.Options.BlockSize, source);
            return new Trainer(model, data, state.Options);
        });
    }

    /// <summary>
    /// Trains until the last step or until <paramref name="cancel"/> fires, reporting every
    /// logged record to <paramref name="onRecord"/>; then saves a checkpoint and the chart.
    /// </summary>
    public TrainingOutcome Run(CancellationToken cancel = default, Action<MetricsRecord>? onRecord = null)
    {
        var options = Trainer.Options;
        var objective = Trainer.Objective;
        double flopsPerToken = objective.TrainingFlopsPerToken;
        float? firstVal = null, lastVal = null;
        if (Trainer.Step == 0 && objective.HasValidation)
        {
            var e = Trainer.EvaluateValidation();
            firstVal = lastVal = e.Loss;
            Log(new MetricsRecord { Step = 0, ValLoss = e.Loss, ValMetrics = e.Metrics, ElapsedSeconds = ElapsedSeconds }, onRecord);
        }
        var clock = Stopwatch.StartNew();
        double startElapsed = ElapsedSeconds;
        while (Trainer.Step < options.MaxSteps && !cancel.IsCancellationRequested)
        {
            var r = Trainer.TrainStep();
            bool evaluate = r.Step % options.EvalEvery == 0 || r.Step == options.MaxSteps || cancel.IsCancellationRequested;
            var val = evaluate && objective.HasValidation ? Trainer.EvaluateValidation() : null;
            if (val is not null) lastVal = val.Loss;
            ElapsedSeconds = startElapsed + clock.Elapsed.TotalSeconds;
            Log(new MetricsRecord
            {
                Step = r.Step, TrainLoss = r.Loss, ValLoss = val?.Loss, ValMetrics = val?.Metrics, LearningRate = AsShortestDouble(r.LearningRate),
                GradNorm = r.GradNorm, TokensPerSecond = r.TokensPerSecond,
                Gflops = flopsPerToken > 0 ? r.TokensPerSecond * flopsPerToken / 1e9 : null, ElapsedSeconds = ElapsedSeconds,
            }, onRecord);
            if (options.SaveEvery > 0 && r.Step % options.SaveEvery == 0 && r.Step < options.MaxSteps) SaveCheckpoint();
        }
        SaveCheckpoint();
        WriteChart();
        return new TrainingOutcome(Trainer.Step, Trainer.Step < options.MaxSteps, firstVal, lastVal, ElapsedSeconds);
    }

    /// <summary>Saves the checkpoint (model, tokenizer, optimizer, state) into the run folder.</summary>
    public void SaveCheckpoint() =>
        Checkpoint.Save(Directory, Trainer, Tokenizer, _identity with
        {
            Step = Trainer.Step,
            BatchRng = Trainer.BatchRng.GetState(),
            DropoutRng = Trainer.DropoutRng.GetState(),
            ElapsedSeconds = ElapsedSeconds,
        });

    /// <summary>Draws <c>loss.svg</c> from the whole log.</summary>
    public void WriteChart() =>
        LossChart.Write(Path.Combine(Directory, LossChart.FileName), Metrics.ReadAll(), $"{Path.GetFileName(Path.GetFullPath(Directory))}: loss");

    // 4.4e-4f is logged as 0.00044, not as 0.00044000003254041076 (its exact double value).
    private static double AsShortestDouble(float x) => double.Parse(x.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private void Log(MetricsRecord record, Action<MetricsRecord>? onRecord)
    {
        Metrics.Append(record);
        onRecord?.Invoke(record);
    }

    private static TrainerState Identity(Trainer trainer, double valFraction, string source)
    {
        var (count, hash) = trainer.Objective.DataFingerprint;
        return new TrainerState
        {
            Step = trainer.Step,
            BatchRng = trainer.BatchRng.GetState(),
            DropoutRng = trainer.DropoutRng.GetState(),
            ElapsedSeconds = 0,
            Options = trainer.Options,
            DataTokens = count,
            DataHash = hash,
            ValFraction = valFraction,
            DataSource = source,
            Objective = trainer.Objective.Name,
        };
    }
}
