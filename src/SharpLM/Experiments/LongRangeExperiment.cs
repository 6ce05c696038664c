using System.Diagnostics;
using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Models.Recurrent;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Experiments;

/// <summary>Sizes and budget of a <see cref="LongRangeExperiment"/> run; every model gets the same steps, batch and learning rate.</summary>
public sealed record LongRangeOptions
{
    /// <summary>Distractor counts k to test (dependency distance k + 1).</summary>
    public IReadOnlyList<int> Ks { get; init; } = [2, 8, 32, 128, 256];

    /// <summary>Optimizer steps per model and k.</summary>
    public int Steps { get; init; } = 600;

    /// <summary>Examples per step.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>AdamW learning rate (no weight decay).</summary>
    public float LearningRate { get; init; } = 3e-3f;

    /// <summary>Global gradient-norm clip (the remedy for exploding gradients).</summary>
    public float GradClip { get; init; } = 1f;

    /// <summary>Held-out examples for the accuracy.</summary>
    public int EvalExamples { get; init; } = 256;

    /// <summary>Embedding width of the recurrent models.</summary>
    public int Embedding { get; init; } = 32;

    /// <summary>Elman RNN hidden size.</summary>
    public int RnnHidden { get; init; } = 128;

    /// <summary>LSTM hidden size (4 gates per unit, so smaller for a similar parameter count).</summary>
    public int LstmHidden { get; init; } = 64;

    /// <summary>Transformer width.</summary>
    public int GptWidth { get; init; } = 32;

    /// <summary>Transformer layers.</summary>
    public int GptLayers { get; init; } = 2;

    /// <summary>Transformer heads.</summary>
    public int GptHeads { get; init; } = 2;

    /// <summary>Seed for weights, training data and held-out data.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The small preset used by <c>--quick</c>: about a minute on 2 cores.</summary>
    public static LongRangeOptions Quick { get; } = new()
    {
        Ks = [2, 8, 32, 64], Steps = 300, Batch = 16, EvalExamples = 128, RnnHidden = 48, LstmHidden = 24, Embedding = 16, GptWidth = 16, GptLayers = 1,
    };

    /// <summary>Checks the options, naming the first bad one.</summary>
    public LongRangeOptions Validate()
    {
        if (Ks.Count == 0) throw new ArgumentException("long-range: give at least one k.");
        foreach (int k in Ks) if (k < 1 || k > 4096) throw new ArgumentException($"long-range: k = {k} must be in 1..4096.");
        if (Steps < 1) throw new ArgumentException($"long-range: steps {Steps} must be ≥ 1.");
        if (Batch < 1) throw new ArgumentException($"long-range: batch {Batch} must be ≥ 1.");
        if (EvalExamples < 1) throw new ArgumentException($"long-range: eval examples {EvalExamples} must be ≥ 1.");
        if (!(LearningRate > 0)) throw new ArgumentException($"long-range: learning rate {LearningRate} must be > 0.");
        if (GptWidth % GptHeads != 0) throw new ArgumentException($"long-range: transformer width {GptWidth} must be divisible by heads {GptHeads}.");
        return this;
    }
}

/// <summary>One model trained at one k: held-out accuracy at the query position, final training loss, parameters, seconds.</summary>
public sealed record LongRangeRun(string Model, int K, long Parameters, double Accuracy, double FinalLoss, double Seconds);

/// <summary>‖∂loss/∂x_t‖ of a recurrent model's embedded input at each distance d = (query position − t), averaged over a batch, at initialization and after training.</summary>
public sealed record GradientProfile(string Model, int K, IReadOnlyList<int> Distances, IReadOnlyList<double> AtInit, IReadOnlyList<double> Trained);

/// <summary>Everything a long-range run measured.</summary>
public sealed record LongRangeResults(LongRangeOptions Options, double Chance, IReadOnlyList<LongRangeRun> Runs, IReadOnlyList<GradientProfile> Gradients, double Seconds);

/// <summary>
/// The long-range dependency experiment: for each distractor count k, train an Elman RNN, an LSTM and a small
/// GPT (learned positions) on <see cref="LongRangeTask"/> with the same budget, and measure held-out recall
/// accuracy. For the recurrent models it also measures how the loss gradient reaching the input shrinks with
/// distance — the vanishing gradient that makes long dependencies hard to learn through a recurrence, and that
/// attention's direct path to every position avoids.
/// </summary>
public static class LongRangeExperiment
{
    /// <summary>The model names in report order.</summary>
    public static readonly string[] Models = ["RNN", "LSTM", "Transformer"];

    /// <summary>Runs the experiment; <paramref name="log"/> receives a line per trained model.</summary>
    public static LongRangeResults Run(LongRangeOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var total = Stopwatch.StartNew();
        var runs = new List<LongRangeRun>();
        var grads = new List<GradientProfile>();
        int maxK = options.Ks.Max();
        foreach (int k in options.Ks)
            foreach (string name in Models)
            {
                var clock = Stopwatch.StartNew();
                ulong seed = options.Seed * 1000003UL + (ulong)k * 7919UL + (ulong)Array.IndexOf(Models, name);
                var model = Create(name, options, maxK, seed);
                double[]? init = k == maxK && model.Recurrent is not null ? InputGradientNorms(model.Recurrent, k, options, seed + 1) : null;
                double loss = Train(model, k, options, seed + 2);
                double acc = Accuracy(model, k, options, options.Seed ^ 0xE7A1UL ^ (ulong)k);
                if (init is not null)
                {
                    var trained = InputGradientNorms(model.Recurrent!, k, options, seed + 1);
                    grads.Add(new GradientProfile(name, k, Enumerable.Range(1, k + 1).ToArray(), init, trained));
                }
                var run = new LongRangeRun(name, k, model.Parameters, acc, loss, clock.Elapsed.TotalSeconds);
                runs.Add(run);
                log?.Invoke($"k={k,4} {name,-11} params {run.Parameters,7:N0}  accuracy {acc:P1}  loss {loss:F3}  {run.Seconds:F1}s");
            }
        return new LongRangeResults(options, 1.0 / LongRangeTask.Keys, runs, grads, total.Elapsed.TotalSeconds);
    }

    private sealed record Candidate(RecurrentLm? Recurrent, Gpt? Transformer, AdamW Optimizer, long Parameters)
    {
        public Variable Logits(Tape tape, int[] ids, int b, int t) => Recurrent is not null ? Recurrent.Forward(tape, ids, b, t) : Transformer!.Forward(tape, ids, b, t);

        public Variable Loss(Tape tape, int[] ids, int[] targets, int b, int t) =>
            Recurrent is not null ? Recurrent.Loss(tape, ids, targets, b, t) : Transformer!.Loss(tape, ids, targets, b, t);
    }

    private static Candidate Create(string name, LongRangeOptions o, int maxK, ulong seed)
    {
        if (name == "Transformer")
        {
            var gpt = new Gpt(new GptConfig
            {
                VocabSize = LongRangeTask.VocabSize, BlockSize = maxK + 2, Layers = o.GptLayers, Heads = o.GptHeads, Width = o.GptWidth,
                Positions = PositionEncoding.Learned, Bias = true,
            }.Validate(), seed);
            return new Candidate(null, gpt, new AdamW(gpt.NamedParameters(), weightDecay: 0f), gpt.ParameterCount());
        }
        var cell = name == "LSTM" ? RecurrentCell.Lstm : RecurrentCell.Rnn;
        var rnn = new RecurrentLm(new RecurrentConfig
        {
            VocabSize = LongRangeTask.VocabSize, EmbeddingWidth = o.Embedding, Hidden = cell == RecurrentCell.Lstm ? o.LstmHidden : o.RnnHidden, Cell = cell,
        }, seed);
        return new Candidate(rnn, null, new AdamW(rnn.NamedParameters(), weightDecay: 0f), rnn.ParameterCount());
    }

    private static double Train(Candidate m, int k, LongRangeOptions o, ulong seed)
    {
        var rng = new Rng(seed);
        int t = k + 2, b = o.Batch;
        var ids = new int[b * t]; var targets = new int[b * t];
        var tape = new Tape();
        double last = double.NaN, ema = double.NaN;
        for (int step = 0; step < o.Steps; step++)
        {
            LongRangeTask.Sample(rng, b, k, ids, targets);
            tape.Reset();
            m.Optimizer.ZeroGradients();
            var loss = m.Loss(tape, ids, targets, b, t);
            tape.Backward(loss);
            last = loss.Data[0];
            ema = double.IsNaN(ema) ? last : 0.9 * ema + 0.1 * last;
            tape.Reset();
            double norm = m.Optimizer.GradientNorm();
            if (o.GradClip > 0 && norm > o.GradClip) m.Optimizer.ScaleGradients((float)(o.GradClip / (norm + 1e-6)));
            float lr = o.LearningRate * Math.Min(1f, (step + 1) / 20f); // short warm-up
            m.Optimizer.Update(lr);
        }
        return ema;
    }

    private static double Accuracy(Candidate m, int k, LongRangeOptions o, ulong seed)
    {
        var rng = new Rng(seed);
        int t = k + 2, chunk = Math.Min(o.EvalExamples, 64), correct = 0, seen = 0;
        var tape = new Tape(recordGradients: false) { Training = false };
        while (seen < o.EvalExamples)
        {
            int b = Math.Min(chunk, o.EvalExamples - seen);
            var ids = new int[b * t]; var targets = new int[b * t];
            LongRangeTask.Sample(rng, b, k, ids, targets);
            tape.Reset();
            var logits = m.Logits(tape, ids, b, t).Data.Span;
            int stride = logits.Length / (b * t);
            for (int i = 0; i < b; i++)
            {
                var row = logits.Slice(((i * t) + t - 1) * stride, LongRangeTask.VocabSize);
                int best = 0;
                for (int v = 1; v < row.Length; v++) if (row[v] > row[best]) best = v;
                if (best == targets[i * t + t - 1]) correct++;
            }
            seen += b;
        }
        return (double)correct / o.EvalExamples;
    }

    /// <summary>Mean over a batch of ‖∂loss/∂x_t‖₂ at each distance d = 1..k+1 before the query (index d − 1).</summary>
    private static double[] InputGradientNorms(RecurrentLm model, int k, LongRangeOptions o, ulong seed)
    {
        var rng = new Rng(seed);
        int t = k + 2, b = o.Batch, e = model.Config.EmbeddingWidth;
        var ids = new int[b * t]; var targets = new int[b * t];
        LongRangeTask.Sample(rng, b, k, ids, targets);
        var tape = new Tape();
        foreach (var p in model.Parameters()) p.ZeroGrad();
        var loss = model.Head.Forward(tape, model.Hidden(tape, ids, b, t, out var embedded));
        var l = tape.CrossEntropy(loss, targets);
        tape.Backward(l);
        var g = embedded.Grad!.Span;
        var norms = new double[k + 1];
        for (int i = 0; i < b; i++)
            for (int d = 1; d <= k + 1; d++)
            {
                var x = g.Slice((i * t + (t - 1 - d)) * e, e);
                double s = 0;
                foreach (float v in x) s += (double)v * v;
                norms[d - 1] += Math.Sqrt(s) / b;
            }
        tape.Reset();
        foreach (var p in model.Parameters()) p.ZeroGrad();
        return norms;
    }
}
