using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Tests.Generation;

// The allocation test sets the global kernel thread count and counts parallel dispatches: it must not run
// beside tests that change the count (the collection runs with parallelization off).
[Collection("KernelThreadCount")]
public class KvCacheTests
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string> Variants => new() { "gpt2-like", "rms-sinusoidal-nobias-untied", "dyt", "head-64", "head-48", "head-80", "exact-gelu",
        "llama", "llama-gqa", "llama-mqa", "llama-qkv-bias", "llama-head-64-gqa", "llama3-scaling", "linear-scaling" };

    private static GptConfig Variant(string name) => name switch
    {
        "gpt2-like" => TestModels.Tiny(),
        "rms-sinusoidal-nobias-untied" => TestModels.Tiny() with
        {
            Norm = NormKind.RmsNorm, Positions = PositionEncoding.Sinusoidal, Bias = false, TiedEmbeddings = false,
        },
        // Head sizes that take the SIMD attention paths (64 channels per block, a narrower block, both).
        "head-64" => TestModels.Tiny() with { Width = 128, Heads = 2 },
        "head-48" => TestModels.Tiny() with { Width = 96, Heads = 2 },
        "head-80" => TestModels.Tiny() with { Width = 160, Heads = 2, Layers = 1 },
        // nanoGPT's MLP: the exact GELU x·Φ(x) in both the training forward and the generator.
        "exact-gelu" => TestModels.Tiny() with { Activation = MlpActivation.Gelu },
        // LLaMA: rotary positions, RMSNorm, SwiGLU, no biases, untied; grouped-query and multi-query attention; Qwen2's q/k/v bias.
        "llama" => TestModels.TinyLlama(),
        "llama-gqa" => TestModels.TinyLlama() with { KvHeads = 2 },
        "llama-mqa" => TestModels.TinyLlama() with { KvHeads = 1 },
        "llama-qkv-bias" => TestModels.TinyLlama() with { KvHeads = 2, QkvBias = true },
        "llama-head-64-gqa" => TestModels.TinyLlama() with { Width = 256, Heads = 4, KvHeads = 2, MlpHidden = 96, Layers = 1 },
        "llama3-scaling" => TestModels.TinyLlama() with
        {
            KvHeads = 2, RopeTheta = 500000f,
            RopeScaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalContext = 16 },
        },
        "linear-scaling" => TestModels.TinyLlama() with { RopeScaling = new RopeScaling { Kind = RopeScalingKind.Linear, Factor = 4 } },
        _ => TestModels.Tiny() with { Norm = NormKind.DyT },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void DecodeLogitsEqualFullRecomputeAtEveryStep(string variant)
    {
        var model = TestModels.Random(Variant(variant), seed: 7);
        var ids = new List<int> { 5, 17, 3, 60, 0, 42, 11 };
        int promptLength = ids.Count;
        for (int step = 0; step < 12; step++) ids.Add((step * 37 + 11) % model.Config.VocabSize);
        // One full recompute of the whole sequence: row t holds the logits a fresh forward over ids[0..t] gives (causality).
        var reference = ReferenceForward.Logits(model, ids);
        foreach (int chunk in new[] { 256, 3 })
        {
            var gen = new Generator(model, new GeneratorOptions { PrefillChunk = chunk });
            var logits = gen.Prefill(ids.Take(promptLength).ToArray()).ToArray();
            AssertClose(reference[promptLength - 1], logits, $"{variant} chunk {chunk} after prefill");
            for (int t = promptLength; t < ids.Count; t++)
            {
                logits = gen.Decode(ids[t]).ToArray();
                AssertClose(reference[t], logits, $"{variant} chunk {chunk} decode at position {t}");
            }
            Assert.Equal(ids, gen.Tokens.ToArray());
        }
    }

    [Fact]
    public void PrefillLogitsEqualOneTokenAtATimeDecode()
    {
        var model = TestModels.Random(TestModels.Tiny(), seed: 3);
        int[] ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        var batched = new Generator(model).Prefill(ids).ToArray();
        var single = new Generator(model);
        float[] last = [];
        foreach (var id in ids) last = single.Decode(id).ToArray();
        AssertClose(batched, last, "batched prefill vs decode");
    }

    [Fact]
    public void FullWindowSlidesToTheLastHalfAndRecomputesTheCache()
    {
        var model = TestModels.Random(TestModels.Tiny(block: 16), seed: 5);
        var gen = new Generator(model);
        var all = Enumerable.Range(0, 16).Select(i => (i * 7) % 61).ToList();
        gen.Prefill(all.ToArray());
        Assert.True(gen.IsFull);
        var logits = gen.Decode(33).ToArray();
        all.Add(33);
        Assert.Equal(1, gen.Slides);
        Assert.Equal(8, gen.Position);
        var window = all.Skip(all.Count - 8).ToList();
        Assert.Equal(window, gen.Tokens.ToArray());
        AssertClose(ReferenceForward.Logits(model, window)[^1], logits, "after slide");
        // Decoding continues on the slid window and stays exact.
        window.Add(12);
        AssertClose(ReferenceForward.Logits(model, window)[^1], gen.Decode(12).ToArray(), "after slide + 1");
    }

    [Fact]
    public void RotaryPositionsRestartWhenTheWindowSlides()
    {
        // After a slide the kept tokens sit at positions 0 … keep−1 again: the cache is recomputed with
        // those rotations, so the logits equal a fresh run over the window (not the old absolute positions).
        var model = TestModels.Random(TestModels.TinyLlama(block: 16) with { KvHeads = 2 }, seed: 15);
        var gen = new Generator(model, new GeneratorOptions { PrefillChunk = 5 });
        var all = Enumerable.Range(0, 16).Select(i => (i * 11 + 3) % 61).ToList();
        gen.Prefill(all.ToArray());
        var logits = gen.Decode(29).ToArray();
        all.Add(29);
        Assert.Equal(1, gen.Slides);
        var window = all.Skip(all.Count - 8).ToList();
        Assert.Equal(window, gen.Tokens.ToArray());
        AssertClose(ReferenceForward.Logits(model, window)[^1], logits, "rotary after slide");
        // The same tokens at their old absolute positions 9 … 16 would give other logits (positions matter).
        var shifted = ReferenceForward.Logits(model, all)[^1];
        Assert.True(shifted.Zip(logits).Max(p => Math.Abs(p.First - p.Second)) > 1e-3f, "rotary positions had no effect");
        for (int step = 0; step < 4; step++)
        {
            int id = (step * 13 + 5) % 61;
            window.Add(id);
            AssertClose(ReferenceForward.Logits(model, window)[^1], gen.Decode(id).ToArray(), $"rotary after slide + {step + 1}");
        }
    }

    [Fact]
    public void GroupedQueryCacheHoldsOnlyTheKeyValueHeads()
    {
        var cfg = TestModels.TinyLlama() with { KvHeads = 1 };
        var gen = new Generator(TestModels.Random(cfg, seed: 2));
        Assert.Equal([cfg.Layers, cfg.BlockSize, cfg.HeadSize], gen.State.KeyCache.Shape.ToArray());
        Assert.Equal([cfg.Layers, cfg.BlockSize, cfg.HeadSize], gen.State.ValueCache.Shape.ToArray());
        Assert.Equal((long)(gen.State.KeyCache.Length + gen.State.ValueCache.Length) * 4 / cfg.BlockSize, GptBudget.KvCacheBytesPerToken(cfg));
    }

    [Fact]
    public void APromptLongerThanTheWindowKeepsItsNewestTokens()
    {
        var model = TestModels.Random(TestModels.Tiny(block: 16), seed: 6);
        var gen = new Generator(model, new GeneratorOptions { PrefillChunk = 5 });
        var ids = Enumerable.Range(0, 23).Select(i => (i * 5 + 1) % 61).ToArray();
        var logits = gen.Prefill(ids).ToArray();
        var kept = ids[^16..];
        Assert.Equal(kept, gen.Tokens.ToArray());
        AssertClose(ReferenceForward.Logits(model, kept)[^1], logits, "long prompt");
    }

    [Fact]
    public void StopModeRefusesToOverflowAndBadIdsAreRejected()
    {
        var model = TestModels.Random(TestModels.Tiny(block: 8), seed: 5);
        var gen = new Generator(model, new GeneratorOptions { Overflow = ContextOverflow.Stop });
        gen.Prefill([1, 2, 3, 4, 5, 6, 7, 8]);
        var e = Assert.Throws<InvalidOperationException>(() => gen.Decode(1));
        Assert.Contains("context window full", e.Message);
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => new Generator(model).Prefill([1, 61]));
        Assert.Contains("61", bad.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DecodeAllocatesNothingPerToken(bool llama)
    {
        // The LLaMA model is wide enough (C = 256, F = 1024) that its mat-vecs, the fused SwiGLU one included, split across threads.
        var model = TestModels.Random(llama ? TestModels.TinyLlama(block: 160) with { Width = 256, Heads = 4, KvHeads = 2, MlpHidden = 1024 } : TestModels.Tiny(block: 160), seed: 9);
        foreach (int threads in new[] { 1, 2 })
        {
            int saved = KernelThreads.Count;
            KernelThreads.Count = threads;
            try
            {
                var gen = new Generator(model);
                var sampler = new Sampler(model.Config.VocabSize, new SamplerOptions { TopK = 10, TopP = 0.9f, RepetitionPenalty = 1.1f, Seed = 1 });
                gen.Prefill([1, 2, 3]);
                int id = 4;
                for (int i = 0; i < 20; i++) id = sampler.Sample(gen.Decode(id), gen.Tokens); // warm up (JIT, tiering)
                // The kernel worker pool's own cost of one parallel loop (it is outside the generator).
                Action<int, int> noop = (_, _) => { };
                KernelThreads.For(4, noop);
                long p0 = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++) KernelThreads.For(4, noop);
                long poolBytesPerLoop = (GC.GetAllocatedBytesForCurrentThread() - p0) / 100;

                long dispatches = gen.ParallelDispatches;
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++) id = sampler.Sample(gen.Decode(id), gen.Tokens);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                dispatches = gen.ParallelDispatches - dispatches;
                long generatorBytes = allocated - dispatches * poolBytesPerLoop;
                Assert.True(threads > 1 || dispatches == 0);
                Assert.True(threads == 1 || !llama || dispatches >= 100, $"the LLaMA decode should run its mat-vecs on {threads} threads");
                Assert.True(generatorBytes <= 0,
                    $"{threads} thread(s): decode + sample allocated {allocated / 100.0:F0} bytes per token, of which the pool's {dispatches / 100.0:F1} loops × {poolBytesPerLoop} bytes explain {dispatches * poolBytesPerLoop / 100.0:F0}");
            }
            finally { KernelThreads.Count = saved; }
        }
    }

    internal static void AssertClose(float[] expected, float[] actual, string where)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"{where}: logit {i} is {actual[i]}, full recompute gives {expected[i]}");
    }
}
