using System.Diagnostics;
using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// One bare training step the way llm.c's <c>train_gpt2</c> runs it, for measuring speed:
/// forward + loss on a batch of random tokens, backpropagate, AdamW
/// update (lr 1e-4, β2 0.999, no weight decay, no clipping: llm.c's settings). Reuses one tape, so after the first step its
/// activation and gradient buffers come from the pool.
/// </summary>
public sealed class TrainStepRunner
{
    private readonly Tape _tape = new();
    private readonly Rng _tokens;
    private readonly int[] _inputs, _targets;

    /// <summary>Creates the runner for batches of <paramref name="batch"/> × <paramref name="time"/> tokens drawn from <paramref name="seed"/>.</summary>
    public TrainStepRunner(Gpt model, int batch, int time, ulong seed, float learningRate = 1e-4f)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        if (batch < 1 || time < 1 || time > model.Config.BlockSize)
            throw new ArgumentException($"TrainStepRunner: batch {batch} must be ≥ 1 and time {time} in 1..{model.Config.BlockSize}.");
        B = batch; T = time; LearningRate = learningRate;
        Optimizer = new AdamW(model.NamedParameters(), beta1: 0.9f, beta2: 0.999f, eps: 1e-8f, weightDecay: 0f); // llm.c's settings
        _tokens = new Rng(seed ^ 0x70_4E5_5EEDUL);
        _inputs = new int[batch * time];
        _targets = new int[batch * time];
    }

    /// <summary>The model being stepped.</summary>
    public Gpt Model { get; }

    /// <summary>The optimizer (its moments live as long as the runner).</summary>
    public AdamW Optimizer { get; }

    /// <summary>B, sequences per step.</summary>
    public int B { get; }

    /// <summary>T, tokens per sequence.</summary>
    public int T { get; }

    /// <summary>The constant learning rate of every update.</summary>
    public float LearningRate { get; }

    /// <summary>When set, every op of the following steps is timed into it (plus the AdamW update).</summary>
    public TapeProfiler? Profiler { get => _tape.Profiler; set => _tape.Profiler = value; }

    /// <summary>How many buffers the tape's pool has allocated so far (constant once steps repeat).</summary>
    public int PoolAllocations => _tape.PoolAllocations;

    /// <summary>Runs one step on fresh random tokens and returns its loss and phase times.</summary>
    public StepResult Run()
    {
        int v = Model.Config.VocabSize;
        for (int i = 0; i < _inputs.Length; i++) _inputs[i] = _tokens.NextInt(v);
        for (int i = 0; i < _targets.Length; i++) _targets[i] = i + 1 < _inputs.Length ? _inputs[i + 1] : _tokens.NextInt(v);
        var profiler = Profiler;

        long start = Stopwatch.GetTimestamp();
        _tape.Reset();
        profiler?.BeginForward();
        var loss = Model.Loss(_tape, _inputs, _targets, B, T);
        long mid = Stopwatch.GetTimestamp();
        _tape.Backward(loss);
        long end = Stopwatch.GetTimestamp();
        Optimizer.Update(LearningRate, releaseGradients: true); // the next backward overwrites the gradients: no zeroing pass
        long zeroed = Stopwatch.GetTimestamp();
        profiler?.Add("AdamW", "update", "optimizer", Stopwatch.GetElapsedTime(end, zeroed).TotalMilliseconds);
        return new StepResult((int)Optimizer.Step, loss.Data[0], LearningRate, 0, B * T,
            Stopwatch.GetElapsedTime(start, mid).TotalMilliseconds,
            Stopwatch.GetElapsedTime(mid, end).TotalMilliseconds,
            Stopwatch.GetElapsedTime(end, zeroed).TotalMilliseconds);
    }
}
