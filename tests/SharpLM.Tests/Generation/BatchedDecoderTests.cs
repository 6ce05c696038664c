using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;

namespace SharpLM.Tests.Generation;

/// <summary>
/// Continuous batching: sequences decoded together in one batched forward per step get the same
/// logits (to rounding) and the same greedy tokens as each decoded alone with a <see cref="Generator"/>,
/// whatever joins or leaves around them; a full batch and a full context window behave as documented.
/// </summary>
public class BatchedDecoderTests
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string> Variants => new() { "gpt2-like", "llama-gqa", "gpt2-head-64", "llama-head-64-gqa" };

    private static GptConfig Variant(string name, int block = 40) => name switch
    {
        "gpt2-like" => TestModels.Tiny(block: block),
        "gpt2-head-64" => TestModels.Tiny(block: block) with { Width = 128, Heads = 2 },
        "llama-gqa" => TestModels.TinyLlama(block: block) with { KvHeads = 2 },
        "llama-head-64-gqa" => TestModels.TinyLlama(block: block) with { Width = 256, Heads = 4, KvHeads = 2, MlpHidden = 96, Layers = 1 },
        _ => throw new ArgumentException(name),
    };

    private static readonly int[][] Prompts = [[5, 17, 3], [42], [7, 7, 8, 1, 60, 0, 11, 23, 9, 30, 2, 15], [33, 4, 12, 50, 6], [19, 28]];

    /// <summary>Decodes one sequence alone: the tokens chosen and the logits before each choice.</summary>
    private static (List<int> Tokens, List<float[]> Logits) Alone(Gpt model, int[] prompt, int steps, SamplerOptions sampling, ContextOverflow overflow = ContextOverflow.Slide)
    {
        var gen = new Generator(model, new GeneratorOptions { Overflow = overflow });
        var sampler = new Sampler(model.Config.VocabSize, sampling);
        var logits = gen.Prefill(prompt);
        var tokens = new List<int>();
        var seen = new List<float[]>();
        for (int i = 0; i < steps; i++)
        {
            seen.Add(logits.ToArray());
            int t = sampler.Sample(logits, gen.Tokens);
            tokens.Add(t);
            logits = gen.Decode(t);
        }
        return (tokens, seen);
    }

    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = Math.Max(1f, expected.Max(MathF.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= Tolerance * scale, $"{what}: logit {i} is {actual[i]}, alone {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void BatchedGreedyEqualsEachSequenceDecodedAlone(string variant)
    {
        var model = TestModels.Random(Variant(variant), seed: 3);
        const int steps = 14;
        var alone = Prompts.Select(p => Alone(model, p, steps, SamplerOptions.Greedy)).ToArray();

        var decoder = new BatchedDecoder(model, new BatchedDecoderOptions { Slots = Prompts.Length, PrefillChunk = 4 });
        var slots = Prompts.Select(p => decoder.Join(p, SamplerOptions.Greedy)).ToArray();
        var sampled = new int[decoder.Capacity];
        for (int step = 0; step < steps; step++)
        {
            for (int s = 0; s < slots.Length; s++) AssertClose(alone[s].Logits[step], slots[s].Logits, $"{variant} sequence {s} step {step}");
            Assert.Equal(Prompts.Length, decoder.SampleAndStep(sampled));
            for (int s = 0; s < slots.Length; s++) Assert.Equal(alone[s].Tokens[step], sampled[slots[s].Index]);
        }
        Assert.Equal(steps, decoder.Steps);
        for (int s = 0; s < slots.Length; s++)
            Assert.Equal(Prompts[s].Concat(alone[s].Tokens).ToArray(), slots[s].Tokens.ToArray());
    }

    [Theory]
    [InlineData("gpt2-like")]
    [InlineData("llama-gqa")]
    public void SequencesJoiningAndLeavingMidRunDecodeAsAlone(string variant)
    {
        // Three slots for five sequences of different lengths: a waiting sequence joins as soon as one leaves,
        // so the batch's membership and its rows' positions change from step to step.
        var model = TestModels.Random(Variant(variant), seed: 5);
        int[] lengths = [9, 3, 12, 6, 4];
        var alone = Prompts.Select((p, i) => Alone(model, p, lengths[i], SamplerOptions.Greedy)).ToArray();
        var decoder = new BatchedDecoder(model, new BatchedDecoderOptions { Slots = 3 });
        var got = Prompts.Select(_ => new List<int>()).ToArray();
        var owner = new int[decoder.Capacity];
        var waiting = new Queue<int>(Enumerable.Range(0, Prompts.Length));
        var sampled = new int[decoder.Capacity];
        int maxBatch = 0, guard = 0;
        while (waiting.Count > 0 || decoder.ActiveCount > 0)
        {
            while (waiting.Count > 0 && decoder.TryJoin(Prompts[waiting.Peek()], SamplerOptions.Greedy) is { } slot) owner[slot.Index] = waiting.Dequeue();
            maxBatch = Math.Max(maxBatch, decoder.ActiveCount);
            foreach (var slot in decoder.Slots.Where(s => s.IsActive).ToArray())
            {
                int seq = owner[slot.Index];
                AssertClose(alone[seq].Logits[got[seq].Count], slot.Logits, $"sequence {seq} token {got[seq].Count}");
                int token = slot.Sample();
                got[seq].Add(token);
                if (got[seq].Count == lengths[seq]) decoder.Leave(slot); // done: leaves before the step, its slot is free for the next
                else slot.Feed(token);
            }
            decoder.Step();
            Assert.True(++guard < 100, "the schedule did not finish");
        }
        Assert.Equal(3, maxBatch);
        for (int s = 0; s < Prompts.Length; s++) Assert.Equal(alone[s].Tokens, got[s]);
    }

    [Fact]
    public void SampledSequencesKeepTheirOwnSamplerAndSeed()
    {
        var model = TestModels.Random(Variant("llama-gqa"), seed: 8);
        var options = Prompts.Select((_, i) => new SamplerOptions { Temperature = 0.9f, TopK = 20, TopP = 0.95f, RepetitionPenalty = 1.1f, Seed = 100 + (ulong)i }).ToArray();
        var alone = Prompts.Select((p, i) => Alone(model, p, 10, options[i]).Tokens).ToArray();
        var decoder = new BatchedDecoder(model, new BatchedDecoderOptions { Slots = 8 });
        var slots = Prompts.Select((p, i) => decoder.Join(p, options[i])).ToArray();
        var sampled = new int[decoder.Capacity];
        var got = slots.Select(_ => new List<int>()).ToArray();
        for (int step = 0; step < 10; step++)
        {
            decoder.SampleAndStep(sampled);
            for (int s = 0; s < slots.Length; s++) got[s].Add(sampled[slots[s].Index]);
        }
        for (int s = 0; s < slots.Length; s++) Assert.Equal(alone[s], got[s]);
    }

    [Fact]
    public void QuantizedWeightsDecodeBatchedAsAlone()
    {
        var model = TestModels.Random(Variant("llama-head-64-gqa"), seed: 4);
        var weights = QuantizedWeights.FromModel(model, QuantType.Q8_0);
        var decoder = new BatchedDecoder(weights, new BatchedDecoderOptions { Slots = 4 });
        var slots = Prompts.Take(4).Select(p => decoder.Join(p, SamplerOptions.Greedy)).ToArray();
        var gens = Prompts.Take(4).Select(p => { var g = new Generator(weights); g.Prefill(p); return g; }).ToArray();
        var sampled = new int[4];
        var greedy = new Sampler(model.Config.VocabSize, SamplerOptions.Greedy);
        for (int step = 0; step < 8; step++)
        {
            for (int s = 0; s < 4; s++) AssertClose(gens[s].Logits.ToArray(), slots[s].Logits, $"Q8_0 sequence {s} step {step}");
            decoder.SampleAndStep(sampled);
            for (int s = 0; s < 4; s++)
            {
                int t = greedy.Sample(gens[s].Logits, gens[s].Tokens);
                Assert.Equal(t, sampled[slots[s].Index]);
                gens[s].Decode(t);
            }
        }
    }

    [Fact]
    public void AFullBatchRefusesANewSequenceUntilOneLeaves()
    {
        var model = TestModels.Random(Variant("gpt2-like"), seed: 2);
        var decoder = new BatchedDecoder(model, new BatchedDecoderOptions { Slots = 2 });
        var a = decoder.Join([1, 2], SamplerOptions.Greedy);
        var b = decoder.Join([3], SamplerOptions.Greedy);
        Assert.Null(decoder.TryJoin([4], SamplerOptions.Greedy));
        var e = Assert.Throws<InvalidOperationException>(() => decoder.Join([4], SamplerOptions.Greedy));
        Assert.Contains("all 2 slots are busy", e.Message);
        decoder.Leave(a);
        Assert.False(a.IsActive);
        Assert.Throws<InvalidOperationException>(() => a.Feed(1)); // a left: its handle is dead
        Assert.Throws<InvalidOperationException>(() => decoder.Leave(a));
        var c = decoder.Join([4, 5, 6], SamplerOptions.Greedy);
        Assert.Equal(a.Index, c.Index); // the freed slot serves the newcomer, with a fresh cache
        Assert.Equal([4, 5, 6], c.Tokens.ToArray());
        Assert.Equal(2, decoder.ActiveCount);
        // Bad input is named.
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Feed(model.Config.VocabSize));
        Assert.Throws<ArgumentException>(() => decoder.TryJoin([], SamplerOptions.Greedy));
        Assert.Throws<ArgumentException>(() => new BatchedDecoder(model, new BatchedDecoderOptions { Slots = 0 }));
        b.Feed(7);
        Assert.Throws<InvalidOperationException>(() => b.Feed(8)); // one token per step
    }

    [Fact]
    public void AFullWindowStopsInStopModeAndSlidesAsAloneInSlideMode()
    {
        var model = TestModels.Random(Variant("llama-gqa", block: 16), seed: 6);
        int[] shortPrompt = [1, 2, 3], longPrompt = [5, 9, 11, 13, 2, 4, 6, 8, 10, 12, 14];
        // Stop: a sequence whose window is full cannot take another token; its neighbour goes on.
        var stop = new BatchedDecoder(model, new BatchedDecoderOptions { Slots = 2, Overflow = ContextOverflow.Stop });
        var full = stop.Join(longPrompt, SamplerOptions.Greedy);
        var other = stop.Join(shortPrompt, SamplerOptions.Greedy);
        var sampled = new int[2];
        for (int i = 0; i < 16 - longPrompt.Length; i++) Assert.Equal(2, stop.SampleAndStep(sampled));
        Assert.True(full.IsFull);
        Assert.False(other.IsFull);
        var e = Assert.Throws<InvalidOperationException>(() => full.Feed(1));
        Assert.Contains("context window full", e.Message);
        Assert.Equal(1, stop.SampleAndStep(sampled)); // only the other sequence advances
        Assert.Equal(16, full.Position);
        stop.Leave(other);
        e = Assert.Throws<InvalidOperationException>(() => stop.Join(Enumerable.Range(0, 17).ToArray(), SamplerOptions.Greedy));
        Assert.Contains("context window full", e.Message); // a prompt over the window, overflow mode Stop
        Assert.Equal(1, stop.ActiveCount);

        // Slide: the full sequence drops its oldest tokens and recomputes its cache alone, exactly as a Generator does.
        const int steps = 12;
        var aloneLong = Alone(model, longPrompt, steps, SamplerOptions.Greedy);
        var aloneShort = Alone(model, shortPrompt, steps, SamplerOptions.Greedy);
        var slide = new BatchedDecoder(model, new BatchedDecoderOptions { Slots = 2 });
        var l = slide.Join(longPrompt, SamplerOptions.Greedy);
        var s = slide.Join(shortPrompt, SamplerOptions.Greedy);
        var gotLong = new List<int>();
        var gotShort = new List<int>();
        for (int i = 0; i < steps; i++)
        {
            AssertClose(aloneLong.Logits[i], l.Logits, $"sliding sequence step {i}");
            slide.SampleAndStep(sampled);
            gotLong.Add(sampled[l.Index]);
            gotShort.Add(sampled[s.Index]);
        }
        Assert.True(l.Slides > 0);
        Assert.Equal(aloneLong.Tokens, gotLong);
        Assert.Equal(aloneShort.Tokens, gotShort);
    }

    [Fact]
    public void SkinnyProductEqualsPlainLoops()
    {
        var rng = new SharpLM.Tensors.Rng(1);
        foreach (var (m, n, k) in new[] { (2, 9, 32), (4, 8, 48), (5, 13, 37), (8, 21, 768 / 8), (16, 7, 80), (3, 1, 5), (7, 64, 1040) })
            foreach (bool bias in new[] { false, true })
                foreach (bool accumulate in new[] { false, true })
                {
                    var w = new float[n * k]; var x = new float[m * k]; var b = new float[n]; var y = new float[m * n];
                    rng.FillNormal(w, 0, 1); rng.FillNormal(x, 0, 1); rng.FillNormal(b, 0, 1); rng.FillNormal(y, 0, 1);
                    var expected = new double[m * n];
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                        {
                            double sum = accumulate ? y[i * n + j] : 0;
                            for (int p = 0; p < k; p++) sum += (double)x[i * k + p] * w[j * k + p];
                            expected[i * n + j] = sum + (bias ? b[j] : 0);
                        }
                    unsafe
                    {
                        fixed (float* pw = w, px = x, pb = b, py = y)
                            new BatchMatVec().Run(m, n, k, pw, px, bias ? pb : null, py, accumulate);
                    }
                    for (int i = 0; i < m * n; i++)
                        Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-4 * Math.Sqrt(k), $"m={m} n={n} k={k} bias={bias} acc={accumulate}: element {i} is {y[i]}, expected {expected[i]}");
                }
    }
}
