using System.Diagnostics;
using SharpLM.Autograd;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Experiments;

/// <summary>Sizes of an <see cref="AttentionRankExperiment"/> run: the two trained models share shape, text, steps and learning rate.</summary>
public sealed record AttentionRankOptions
{
    /// <summary>Model width C (both models).</summary>
    public int Width { get; init; } = 64;

    /// <summary>Layers (both models).</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Attention heads per layer (both models).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Sequence length T: the attention matrices are T×T.</summary>
    public int SequenceLength { get; init; } = 64;

    /// <summary>Training steps per model.</summary>
    public int Steps { get; init; } = 400;

    /// <summary>Sequences per step.</summary>
    public int Batch { get; init; } = 16;

    /// <summary>AdamW learning rate.</summary>
    public float LearningRate { get; init; } = 3e-3f;

    /// <summary>Held-out sequences whose attention matrices are measured.</summary>
    public int EvalSequences { get; init; } = 4;

    /// <summary>Relative tolerances (σ &gt; tol·σ_max) besides NumPy's float32 default, which is always measured first.</summary>
    public IReadOnlyList<double> Tolerances { get; init; } = [1e-4, 1e-2];

    /// <summary>Context lengths n at which decode cost with and without the KV cache is counted and timed.</summary>
    public IReadOnlyList<int> CacheLengths { get; init; } = [32, 64, 128, 256, 512];

    /// <summary>Width of the (untrained) model whose decode speed is timed.</summary>
    public int SpeedWidth { get; init; } = 128;

    /// <summary>Layers of the timed model.</summary>
    public int SpeedLayers { get; init; } = 4;

    /// <summary>Decode steps timed per length and mode (median of three repetitions).</summary>
    public int SpeedSteps { get; init; } = 16;

    /// <summary>Seed of weights, training windows and held-out windows.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The small preset used by <c>--quick</c>: about a minute on 2 cores.</summary>
    public static AttentionRankOptions Quick { get; } = new()
    {
        Width = 32, Layers = 2, Heads = 2, SequenceLength = 32, Steps = 150, Batch = 8, EvalSequences = 2,
        CacheLengths = [16, 32, 64, 128], SpeedWidth = 64, SpeedLayers = 2, SpeedSteps = 4,
    };

    /// <summary>Checks the options, naming the first bad one.</summary>
    public AttentionRankOptions Validate()
    {
        if (Width < 1 || Heads < 1 || Width % Heads != 0) throw new ArgumentException($"attention-rank: width {Width} must be a positive multiple of heads {Heads}.");
        if (Layers < 1) throw new ArgumentException($"attention-rank: layers {Layers} must be ≥ 1.");
        if (SequenceLength is < 2 or > 1024) throw new ArgumentException($"attention-rank: sequence length {SequenceLength} must be in 2..1024.");
        if (Steps < 1) throw new ArgumentException($"attention-rank: steps {Steps} must be ≥ 1.");
        if (Batch < 1) throw new ArgumentException($"attention-rank: batch {Batch} must be ≥ 1.");
        if (EvalSequences < 1) throw new ArgumentException($"attention-rank: eval sequences {EvalSequences} must be ≥ 1.");
        if (!(LearningRate > 0)) throw new ArgumentException($"attention-rank: learning rate {LearningRate} must be > 0.");
        foreach (double t in Tolerances) if (!(t > 0 && t < 1)) throw new ArgumentException($"attention-rank: tolerance {t} must be in (0, 1).");
        if (CacheLengths.Count == 0) throw new ArgumentException("attention-rank: give at least one cache length.");
        foreach (int n in CacheLengths) if (n <= SpeedSteps || n > 4096) throw new ArgumentException($"attention-rank: cache length {n} must be in {SpeedSteps + 1}..4096.");
        if (SpeedWidth < 4 || SpeedWidth % 4 != 0) throw new ArgumentException($"attention-rank: speed width {SpeedWidth} must be a positive multiple of 4 (4 heads).");
        if (SpeedLayers < 1 || SpeedSteps < 1) throw new ArgumentException($"attention-rank: speed layers {SpeedLayers} and steps {SpeedSteps} must be ≥ 1.");
        return this;
    }
}

/// <summary>One head's attention matrix on one held-out sequence: its numerical rank at each tolerance, its singular values, and (for a causal model) the triangular structure.</summary>
public sealed record HeadRank(string Model, int Layer, int Head, int Sequence, IReadOnlyList<int> Ranks, IReadOnlyList<double> Singular, double MinDiagonal, double MaxAboveDiagonal);

/// <summary>Decode cost at context length n: analytic FLOPs per generated token with and without the KV cache, and measured tokens per second of both.</summary>
public sealed record CacheCost(int Length, double CachedFlops, double RecomputeFlops, double CachedTokensPerSecond, double RecomputeTokensPerSecond);

/// <summary>Everything an attention-rank run measured.</summary>
public sealed record AttentionRankResults(
    AttentionRankOptions Options, int VocabSize, IReadOnlyList<double> Tolerances,
    IReadOnlyDictionary<string, double> HeldOutLoss, IReadOnlyList<HeadRank> Heads, IReadOnlyList<CacheCost> Cache, double Seconds)
{
    /// <summary>Mean rank / T of a model's heads at tolerance index <paramref name="tol"/>.</summary>
    public double MeanRankFraction(string model, int tol) =>
        Heads.Where(h => h.Model == model).Average(h => (double)h.Ranks[tol]) / Options.SequenceLength;
}

/// <summary>
/// The "full rank" claim, measured. A causal decoder (GPT, next-token loss) and a bidirectional encoder
/// (BERT, masked-LM loss) of the same shape train for the same steps on the same character text; then the
/// numerical rank of every head's T×T attention matrix on held-out text is computed from its singular values.
/// A causal softmax attention matrix is lower-triangular with a positive diagonal (each token attends to
/// itself with nonzero weight), so its determinant is the product of that diagonal and it is full rank; a
/// bidirectional matrix <c>softmax(QKᵀ/√D)</c> comes from a rank-≤D score matrix and its spectrum can decay
/// fast. The second half counts what the KV cache saves a decoder: FLOPs per generated token with the cache
/// (one token's projections plus attention over n cached keys) against recomputing the whole prefix, and the
/// measured speed of <see cref="Generator"/> decoding from its cache against re-running the prefix each step.
/// </summary>
public static class AttentionRankExperiment
{
    /// <summary>The two trained models, in report order.</summary>
    public static readonly string[] Models = ["causal decoder (GPT)", "bidirectional encoder (BERT)"];

    /// <summary>Runs the experiment on <paramref name="text"/>; <paramref name="log"/> receives progress lines.</summary>
    public static AttentionRankResults Run(string text, AttentionRankOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var total = Stopwatch.StartNew();
        var corpus = new CharCorpus(text);
        int t = options.SequenceLength;
        var tolerances = new List<double> { SingularValues.Float32Tolerance(t, t) };
        tolerances.AddRange(options.Tolerances);

        var gpt = new Gpt(new GptConfig
        {
            VocabSize = corpus.VocabSize, BlockSize = t, Layers = options.Layers, Heads = options.Heads, Width = options.Width,
            Positions = PositionEncoding.Learned, Bias = true,
        }.Validate(), options.Seed);
        int maskId = corpus.VocabSize;
        var bert = new Bert(new BertConfig
        {
            VocabSize = corpus.VocabSize + 1, Width = options.Width, Layers = options.Layers, Heads = options.Heads,
            Intermediate = 4 * options.Width, MaxPositions = t, Dropout = 0f,
        }.Validate(), BertTask.MaskedLM, options.Seed + 1);
        var masker = new MlmMasker(corpus.VocabSize + 1, maskId, []);

        var clock = Stopwatch.StartNew();
        TrainGpt(gpt, corpus, options);
        log?.Invoke($"trained {Models[0]} ({gpt.ParameterCount():N0} parameters) in {clock.Elapsed.TotalSeconds:F0} s");
        clock.Restart();
        TrainBert(bert, masker, corpus, options);
        log?.Invoke($"trained {Models[1]} ({bert.ParameterCount():N0} parameters) in {clock.Elapsed.TotalSeconds:F0} s");

        var losses = new Dictionary<string, double>
        {
            [Models[0]] = GptHeldOutLoss(gpt, corpus, options),
            [Models[1]] = BertHeldOutLoss(bert, masker, corpus, options),
        };

        var heads = new List<HeadRank>();
        var rng = new Rng(options.Seed ^ 0x5EED_0F_E7A1UL);
        var generator = new Generator(gpt);
        var window = new int[t];
        for (int s = 0; s < options.EvalSequences; s++)
        {
            corpus.Sample(rng, 1, t, window, null, heldOut: true);
            AddHeads(heads, Models[0], s, generator.CaptureAttention(window), options, tolerances, causal: true);
            AddHeads(heads, Models[1], s, BertAttentionCapture.Capture(bert, window).Maps, options, tolerances, causal: false);
        }
        log?.Invoke($"ranks: causal {Mean(heads, Models[0], 0):F1}/{t}, bidirectional {Mean(heads, Models[1], 0):F1}/{t} (NumPy tolerance)");

        var cache = MeasureCache(options, corpus.VocabSize, log);
        return new AttentionRankResults(options, corpus.VocabSize, tolerances, losses, heads, cache, total.Elapsed.TotalSeconds);
    }

    private static double Mean(List<HeadRank> heads, string model, int tol) => heads.Where(h => h.Model == model).Average(h => (double)h.Ranks[tol]);

    private static void AddHeads(List<HeadRank> into, string model, int sequence, Tensor maps, AttentionRankOptions o, List<double> tolerances, bool causal)
    {
        int t = o.SequenceLength, tt = t * t;
        var all = maps.Span;
        for (int l = 0; l < o.Layers; l++)
            for (int h = 0; h < o.Heads; h++)
            {
                var a = all.Slice((l * o.Heads + h) * tt, tt);
                var sigma = SingularValues.Compute(a, t, t);
                double minDiag = double.PositiveInfinity, maxAbove = 0;
                for (int i = 0; i < t; i++)
                {
                    minDiag = Math.Min(minDiag, a[i * t + i]);
                    for (int j = i + 1; j < t; j++) maxAbove = Math.Max(maxAbove, a[i * t + j]);
                }
                into.Add(new HeadRank(model, l, h, sequence, tolerances.Select(tol => SingularValues.Rank(sigma, tol)).ToArray(), sigma, minDiag, maxAbove));
            }
    }

    private static void TrainGpt(Gpt gpt, CharCorpus corpus, AttentionRankOptions o)
    {
        var rng = new Rng(o.Seed * 31 + 7);
        int t = o.SequenceLength, b = o.Batch;
        var ids = new int[b * t]; var targets = new int[b * t];
        var opt = new AdamW(gpt.NamedParameters(), weightDecay: 0f);
        var tape = new Tape();
        for (int step = 0; step < o.Steps; step++)
        {
            corpus.Sample(rng, b, t, ids, targets);
            ExperimentTraining.Step(tape, opt, tp => gpt.Loss(tp, ids, targets, b, t), step, o.LearningRate);
        }
    }

    private static void TrainBert(Bert bert, MlmMasker masker, CharCorpus corpus, AttentionRankOptions o)
    {
        var rng = new Rng(o.Seed * 31 + 8);
        var opt = new AdamW(bert.NamedParameters(), weightDecay: 0f);
        var tape = new Tape();
        for (int step = 0; step < o.Steps; step++)
        {
            var (batch, positions, targets) = MaskedBatch(masker, corpus, rng, o.Batch, o.SequenceLength, heldOut: false);
            ExperimentTraining.Step(tape, opt, tp => tp.CrossEntropy(bert.MlmLogits(tp, bert.Encode(tp, batch), positions), targets), step, o.LearningRate);
        }
    }

    /// <summary>Random windows with BERT's masking: the batch, the flat masked positions and their original ids.</summary>
    internal static (BertBatch Batch, int[] Positions, int[] Targets) MaskedBatch(MlmMasker masker, CharCorpus corpus, Rng rng, int b, int t, bool heldOut)
    {
        var ids = new int[b * t];
        var all = new int[b * t];
        corpus.Sample(rng, b, t, ids, null, heldOut);
        for (int i = 0; i < b; i++) masker.Mask(ids.AsSpan(i * t, t), all.AsSpan(i * t, t), rng);
        var positions = Enumerable.Range(0, b * t).Where(i => all[i] >= 0).ToArray();
        return (new BertBatch(ids, new int[b * t], Enumerable.Repeat(t, b).ToArray(), b, t), positions, positions.Select(i => all[i]).ToArray());
    }

    private static double GptHeldOutLoss(Gpt gpt, CharCorpus corpus, AttentionRankOptions o)
    {
        var rng = new Rng(o.Seed ^ 0xA11CEUL);
        int t = o.SequenceLength, b = o.Batch;
        var ids = new int[b * t]; var targets = new int[b * t];
        var tape = new Tape(recordGradients: false) { Training = false };
        corpus.Sample(rng, b, t, ids, targets, heldOut: true);
        return gpt.Loss(tape, ids, targets, b, t).Data[0];
    }

    private static double BertHeldOutLoss(Bert bert, MlmMasker masker, CharCorpus corpus, AttentionRankOptions o)
    {
        var rng = new Rng(o.Seed ^ 0xA11CEUL);
        var tape = new Tape(recordGradients: false) { Training = false };
        var (batch, positions, targets) = MaskedBatch(masker, corpus, rng, o.Batch, o.SequenceLength, heldOut: true);
        return tape.CrossEntropy(bert.MlmLogits(tape, bert.Encode(tape, batch), positions), targets).Data[0];
    }

    /// <summary>
    /// Analytic FLOPs (multiply-add = 2) of producing one token at context length n for a GPT with width C, L layers,
    /// vocabulary V and a 4C MLP: with the cache, the new token's projections (24C² per layer) plus attention over n
    /// keys (4nC: q·kᵀ and p·v); without it, every one of the n tokens' projections again plus causal attention over
    /// the whole prefix (4C·n(n+1)/2 per layer); the head (2CV) once either way.
    /// </summary>
    public static (double Cached, double Recompute) DecodeFlops(int n, int width, int layers, int vocab)
    {
        double c = width, perTokenLayer = 24 * c * c, head = 2 * c * vocab;
        double cached = layers * (perTokenLayer + 4.0 * n * c) + head;
        double recompute = layers * (perTokenLayer * n + 4.0 * c * n * (n + 1) / 2) + head;
        return (cached, recompute);
    }

    private static List<CacheCost> MeasureCache(AttentionRankOptions o, int vocab, Action<string>? log)
    {
        int maxN = o.CacheLengths.Max(), r = o.SpeedSteps;
        var model = new Gpt(new GptConfig
        {
            VocabSize = vocab, BlockSize = maxN, Layers = o.SpeedLayers, Heads = 4, Width = o.SpeedWidth, Positions = PositionEncoding.Learned,
        }.Validate(), o.Seed + 99);
        var gen = new Generator(model);
        var rng = new Rng(o.Seed + 100);
        var prompt = Enumerable.Range(0, maxN).Select(_ => rng.NextInt(vocab)).ToArray();
        var list = new List<CacheCost>();
        bool warmUp = true; // the first length runs twice: once to warm up (JIT, buffers), discarded
        foreach (int n in o.CacheLengths.Take(1).Concat(o.CacheLengths))
        {
            var cached = new List<double>(); var recompute = new List<double>();
            for (int rep = 0; rep < 3; rep++)
            {
                gen.Reset();
                gen.Prefill(prompt.AsSpan(0, n - r));
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < r; i++) gen.Decode(prompt[n - r + i]);
                cached.Add(r / sw.Elapsed.TotalSeconds);
                sw.Restart();
                for (int i = 0; i < r; i++) { gen.Reset(); gen.Prefill(prompt.AsSpan(0, n - r + i + 1)); }
                recompute.Add(r / sw.Elapsed.TotalSeconds);
            }
            var (fc, fr) = DecodeFlops(n, o.SpeedWidth, o.SpeedLayers, vocab);
            var cost = new CacheCost(n, fc, fr, Median(cached), Median(recompute));
            if (warmUp) { warmUp = false; continue; }
            list.Add(cost);
            log?.Invoke($"n={n,5}: FLOPs/token cached {fc:E2} vs recompute {fr:E2} ({fr / fc:F1}×); measured {cost.CachedTokensPerSecond:F0} vs {cost.RecomputeTokensPerSecond:F0} tok/s");
        }
        return list;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
