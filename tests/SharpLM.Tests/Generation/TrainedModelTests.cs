using SharpLM.Autograd;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tests.Training;
using SharpLM.Training;

namespace SharpLM.Tests.Generation;

public class TrainedModelTests
{
    private static readonly Lazy<(Gpt Model, MarkovCorpus Corpus)> Trained = new(() =>
    {
        // A briefly trained tiny GPT (the training library's own trainer) on a Markov chain.
        var corpus = new MarkovCorpus(symbols: 8, seed: 11);
        var options = new TrainingOptions
        {
            BatchSize = 8, BlockSize = 16, MaxSteps = 60, LearningRate = 2e-2f, MinLearningRate = 1e-3f,
            WarmupSteps = 10, EvalBatches = 4, EvalEvery = 1000, Seed = 3,
        };
        var data = new TokenDataset(corpus.Sample(20_000, seed: 12), 0.1, options.BlockSize);
        var config = new GptConfig { VocabSize = 8, BlockSize = 32, Layers = 2, Heads = 2, Width = 32, VocabMultiple = 16 };
        var trainer = new Trainer(new Gpt(config, seed: 13), data, options);
        for (int i = 0; i < options.MaxSteps; i++) trainer.TrainStep();
        return ((Gpt)trainer.Model, corpus);
    });

    [Fact]
    public void KvCacheDecodeEqualsTheTrainingForwardAtEveryStepOnATrainedModel()
    {
        var model = Trained.Value.Model;
        var gen = new Generator(model);
        var sampler = new Sampler(model.Config.VocabSize, new SamplerOptions { Seed = 5 });
        var ids = new List<int> { 0, 3, 1 };
        var steps = new List<float[]> { gen.Prefill(ids.ToArray()).ToArray() };
        for (int step = 0; step < 28; step++)
        {
            int next = sampler.Sample(steps[^1], gen.Tokens);
            ids.Add(next);
            steps.Add(gen.Decode(next).ToArray());
        }
        // The training forward (autograd tape, the whole sequence recomputed): row t predicts the token after ids[t].
        var tape = new Tape(recordGradients: false) { Training = false };
        var full = model.Forward(tape, ids.ToArray(), 1, ids.Count).Data.Span;
        int vp = model.Config.PaddedVocabSize, v = model.Config.VocabSize;
        for (int k = 0; k < steps.Count; k++)
        {
            int t = 2 + k; // the prompt's last position, then one more per decode step
            KvCacheTests.AssertClose(full.Slice(t * vp, v).ToArray(), steps[k], $"step {k} (position {t})");
        }
    }

    [Fact]
    public void GreedyFollowsTheChainsMostLikelyTransitionAndIsDeterministic()
    {
        var (model, corpus) = Trained.Value;
        int[] Run()
        {
            var gen = new Generator(model);
            var sampler = new Sampler(model.Config.VocabSize, SamplerOptions.Greedy);
            var output = new List<int>();
            int next = sampler.Sample(gen.Prefill([2]), gen.Tokens);
            for (int i = 0; i < 20; i++) { output.Add(next); next = sampler.Sample(gen.Decode(next), gen.Tokens); }
            return output.ToArray();
        }
        var a = Run();
        Assert.Equal(a, Run());
        // A learned first-order chain: greedy should pick the chain's most likely successor almost always.
        int agree = 0, prev = 2;
        foreach (var id in a)
        {
            int best = 0;
            for (int j = 1; j < corpus.Symbols; j++) if (corpus.Transitions[prev, j] > corpus.Transitions[prev, best]) best = j;
            if (id == best) agree++;
            prev = id;
        }
        Assert.True(agree >= 18, $"greedy picked the chain's most likely successor {agree}/20 times");
    }

    [Fact]
    public void SeededSamplingReproducesAndDifferentSeedsDiffer()
    {
        var model = Trained.Value.Model;
        int[] Run(ulong seed)
        {
            var gen = new Generator(model);
            var sampler = new Sampler(model.Config.VocabSize, new SamplerOptions { Seed = seed, Temperature = 1.5f });
            var output = new List<int>();
            int next = sampler.Sample(gen.Prefill([1]), gen.Tokens);
            for (int i = 0; i < 30; i++) { output.Add(next); next = sampler.Sample(gen.Decode(next), gen.Tokens); }
            return output.ToArray();
        }
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
    }
}
