using System.Diagnostics;
using SharpLM.Autograd;
using SharpLM.Models.Recurrent;
using SharpLM.Tensors;
using SharpLM.Training;
using SharpLM.Training.Data;
using SharpLM.Training.Metrics;

namespace SharpLM.Experiments;

/// <summary>Sizes and budget of a <see cref="Seq2SeqAttentionExperiment"/> run; both models get the same steps, batch and learning rate.</summary>
public sealed record Seq2SeqAttentionOptions
{
    /// <summary>Shortest generated source (reversal task).</summary>
    public int MinLength { get; init; } = 4;

    /// <summary>Longest source (reversal task); pairs read from a file longer than this (source or target) are skipped.</summary>
    public int MaxLength { get; init; } = 16;

    /// <summary>Letters of the reversal task's alphabet.</summary>
    public int Letters { get; init; } = 20;

    /// <summary>Optimizer steps per model.</summary>
    public int Steps { get; init; } = 1500;

    /// <summary>Pairs per step.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>AdamW learning rate.</summary>
    public float LearningRate { get; init; } = 1e-2f;

    /// <summary>Embedding width.</summary>
    public int Embedding { get; init; } = 32;

    /// <summary>Hidden size of encoder and decoder.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>Held-out pairs decoded greedily.</summary>
    public int EvalPairs { get; init; } = 300;

    /// <summary>Seed of weights and data.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The small preset used by <c>--quick</c>: about a minute on 2 cores.</summary>
    public static Seq2SeqAttentionOptions Quick { get; } = new() { MinLength = 6, MaxLength = 14, Steps = 600, Hidden = 48, Embedding = 24, EvalPairs = 120 };

    /// <summary>Checks the options, naming the first bad one.</summary>
    public Seq2SeqAttentionOptions Validate()
    {
        if (MinLength < 1 || MaxLength < MinLength || MaxLength > 200) throw new ArgumentException($"seq2seq-attention: lengths {MinLength}..{MaxLength} must satisfy 1 ≤ min ≤ max ≤ 200.");
        if (Letters is < 2 or > 26) throw new ArgumentException($"seq2seq-attention: letters {Letters} must be in 2..26.");
        if (Steps < 1 || Batch < 1 || EvalPairs < 1) throw new ArgumentException($"seq2seq-attention: steps {Steps}, batch {Batch} and eval pairs {EvalPairs} must be ≥ 1.");
        if (!(LearningRate > 0)) throw new ArgumentException($"seq2seq-attention: learning rate {LearningRate} must be > 0.");
        if (Embedding < 1 || Hidden < 1) throw new ArgumentException($"seq2seq-attention: embedding {Embedding} and hidden {Hidden} must be ≥ 1.");
        return this;
    }
}

/// <summary>One trained model's held-out scores (percentages 0–100): exact match, chrF, and exact match per source length; a few sample decodes.</summary>
public sealed record Seq2SeqRun(string Model, long Parameters, double ExactMatch, double ChrF, double FinalLoss, double Seconds,
    IReadOnlyDictionary<int, double> ExactMatchByLength, IReadOnlyList<(string Source, string Reference, string Output)> Samples);

/// <summary>Everything a seq2seq-attention run measured.</summary>
public sealed record Seq2SeqAttentionResults(Seq2SeqAttentionOptions Options, string Task, int TrainPairs, int HeldOutPairs, IReadOnlyList<Seq2SeqRun> Runs, double Seconds);

/// <summary>
/// Why attention was invented (Bahdanau et al., 2015; Luong et al., 2015): two LSTM encoder–decoders of
/// the same size and budget, one whose decoder sees the source only through the encoder's final state and
/// one that also attends over every encoder state, trained on the same pairs and scored on held-out pairs
/// by greedy decoding (exact match and chrF). The default task is string reversal, where the first output
/// character depends on the last input one and the fixed-size summary is the bottleneck; any text-pair file
/// (.tsv/.jsonl, as the seq2seq commands read) can be used instead.
/// </summary>
public static class Seq2SeqAttentionExperiment
{
    /// <summary>The two models, in report order.</summary>
    public static readonly string[] Models = ["LSTM encoder-decoder", "LSTM encoder-decoder + attention"];

    /// <summary>The reversal task: random strings of lowercase letters and their reverses.</summary>
    public static List<TextPair> ReversalPairs(int count, Seq2SeqAttentionOptions o, Rng rng)
    {
        var pairs = new List<TextPair>(count);
        for (int n = 0; n < count; n++)
        {
            var chars = new char[o.MinLength + rng.NextInt(o.MaxLength - o.MinLength + 1)];
            for (int i = 0; i < chars.Length; i++) chars[i] = (char)('a' + rng.NextInt(o.Letters));
            var source = new string(chars);
            Array.Reverse(chars);
            pairs.Add(new TextPair(source, new string(chars)));
        }
        return pairs;
    }

    /// <summary>Runs on the reversal task (fresh random pairs each step; held-out pairs drawn with another seed).</summary>
    public static Seq2SeqAttentionResults RunReversal(Seq2SeqAttentionOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var train = ReversalPairs(options.Steps * options.Batch, options, new Rng(options.Seed * 7 + 1));
        var held = ReversalPairs(options.EvalPairs, options, new Rng(options.Seed * 7 + 2));
        return Run($"reversal of {options.MinLength}–{options.MaxLength} random letters (alphabet {options.Letters})", train, held, options, log);
    }

    /// <summary>Runs on given pairs: pairs longer than <see cref="Seq2SeqAttentionOptions.MaxLength"/> are dropped, the rest split 90/10 by a seeded shuffle.</summary>
    public static Seq2SeqAttentionResults RunPairs(string name, IReadOnlyList<TextPair> pairs, Seq2SeqAttentionOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        options.Validate();
        var usable = pairs.Where(p => p.Source.Length is > 0 && p.Source.Length <= options.MaxLength && p.Target.Length is > 0 && p.Target.Length <= options.MaxLength).ToList();
        if (usable.Count < 20) throw new ArgumentException($"seq2seq-attention: only {usable.Count} of {pairs.Count} pairs have source and target of 1..{options.MaxLength} characters (need ≥ 20).");
        var rng = new Rng(options.Seed * 7 + 3);
        for (int i = usable.Count - 1; i > 0; i--) { int j = rng.NextInt(i + 1); (usable[i], usable[j]) = (usable[j], usable[i]); }
        int heldCount = Math.Min(options.EvalPairs, Math.Max(1, usable.Count / 10));
        return Run(name, usable[heldCount..], usable[..heldCount], options, log);
    }

    private static Seq2SeqAttentionResults Run(string task, List<TextPair> train, List<TextPair> held, Seq2SeqAttentionOptions o, Action<string>? log)
    {
        var total = Stopwatch.StartNew();
        var alphabet = train.Concat(held).SelectMany(p => p.Source.Concat(p.Target)).Distinct().Order().ToArray();
        var ids = alphabet.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i + 3); // 0 pad, 1 BOS, 2 EOS
        int vocab = alphabet.Length + 3;
        var runs = new List<Seq2SeqRun>();
        foreach (var name in Models)
        {
            var clock = Stopwatch.StartNew();
            var model = new Seq2SeqLstm(new Seq2SeqLstmConfig
            {
                VocabSize = vocab, EmbeddingWidth = o.Embedding, Hidden = o.Hidden, Attention = name == Models[1],
            }, o.Seed + 11);
            double loss = Train(model, train, ids, o);
            var run = Evaluate(name, model, held, ids, alphabet, o, loss, clock);
            runs.Add(run);
            log?.Invoke($"{name,-34} params {run.Parameters,7:N0}  exact match {run.ExactMatch:F1}%  chrF {run.ChrF:F1}  loss {loss:F3}  {run.Seconds:F0}s");
        }
        return new Seq2SeqAttentionResults(o, task, train.Count, held.Count, runs, total.Elapsed.TotalSeconds);
    }

    /// <summary>A padded teacher-forced batch: sources, their lengths, decoder inputs (BOS + target) and targets (target + EOS, −1 padding).</summary>
    private static (int[] Source, int[] Lengths, int S, int[] Input, int[] Targets, int T) Batch(IReadOnlyList<TextPair> pairs, Dictionary<char, int> ids)
    {
        int b = pairs.Count, s = pairs.Max(p => p.Source.Length), t = pairs.Max(p => p.Target.Length) + 1;
        var source = new int[b * s]; var lengths = new int[b]; var input = new int[b * t]; var targets = new int[b * t];
        Array.Fill(targets, -1);
        for (int i = 0; i < b; i++)
        {
            var p = pairs[i];
            lengths[i] = p.Source.Length;
            for (int j = 0; j < p.Source.Length; j++) source[i * s + j] = ids[p.Source[j]];
            input[i * t] = Seq2SeqLstm.Bos;
            for (int j = 0; j < p.Target.Length; j++)
            {
                targets[i * t + j] = ids[p.Target[j]];
                if (j + 1 < t) input[i * t + j + 1] = ids[p.Target[j]];
            }
            targets[i * t + p.Target.Length] = Seq2SeqLstm.Eos;
        }
        return (source, lengths, s, input, targets, t);
    }

    private static double Train(Seq2SeqLstm model, List<TextPair> train, Dictionary<char, int> ids, Seq2SeqAttentionOptions o)
    {
        var opt = new AdamW(model.NamedParameters(), weightDecay: 0f);
        var tape = new Tape();
        var rng = new Rng(o.Seed * 7 + 5);
        double ema = double.NaN;
        for (int step = 0; step < o.Steps; step++)
        {
            var pairs = Enumerable.Range(0, o.Batch).Select(_ => train[rng.NextInt(train.Count)]).ToList();
            var (src, len, s, input, targets, t) = Batch(pairs, ids);
            double l = ExperimentTraining.Step(tape, opt, tp => model.Loss(tp, src, len, pairs.Count, s, input, targets, t), step, o.LearningRate);
            ema = double.IsNaN(ema) ? l : 0.95 * ema + 0.05 * l;
        }
        return ema;
    }

    private static Seq2SeqRun Evaluate(string name, Seq2SeqLstm model, List<TextPair> held, Dictionary<char, int> ids, char[] alphabet, Seq2SeqAttentionOptions o, double loss, Stopwatch clock)
    {
        var outputs = new List<string>();
        for (int start = 0; start < held.Count; start += 64)
        {
            var chunk = held.GetRange(start, Math.Min(64, held.Count - start));
            var (src, len, s, _, _, _) = Batch(chunk, ids);
            int maxOut = chunk.Max(p => p.Target.Length) + 5;
            foreach (var row in model.Greedy(src, len, chunk.Count, s, maxOut))
                outputs.Add(new string(row.Where(id => id >= 3).Select(id => alphabet[id - 3]).ToArray()));
        }
        var refs = held.Select(p => p.Target).ToList();
        var byLength = held.Select((p, i) => (p.Source.Length, ok: outputs[i] == p.Target))
            .GroupBy(x => x.Length).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Average(x => x.ok ? 100.0 : 0.0));
        var samples = held.Take(6).Select((p, i) => (p.Source, p.Target, outputs[i])).ToList();
        return new Seq2SeqRun(name, model.ParameterCount(), ExactMatch.Corpus(outputs, refs), ChrF.Corpus(outputs, refs), loss, clock.Elapsed.TotalSeconds, byLength, samples);
    }
}
