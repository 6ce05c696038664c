using SharpLM.Adapters;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tests.Training;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Tests.Adapters;

public sealed class LoraCheckpointTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-lora-resume-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static TrainingOptions Options => TrainerLearningTests.TinyOptions(steps: 10) with { EvalEvery = 5, EvalBatches = 2 };

    private static Gpt NewLoraModel(int vocab)
    {
        var model = new Gpt(TrainerLearningTests.TinyConfig(vocab) with { Dropout = 0.1f }, seed: 21);
        Lora.Apply(model, LoraOptions.Parse("r=4,alpha=8,targets=c_attn,c_fc"), new Rng(5));
        return model;
    }

    [Fact]
    public void ALoraRunCheckpointsItsAdapterAndResumesBitForBit()
    {
        var chain = new MarkovCorpus(symbols: 6, seed: 11);
        var text = new string(chain.Sample(6000, seed: 12).Select(i => (char)('a' + i)).ToArray());
        var tok = CharTokenizer.Train([text]);
        var tokens = tok.Encode(text);
        string straight = Path.Combine(_root, "straight"), split = Path.Combine(_root, "split");
        var expected = new List<MetricsRecord>();
        var whole = TrainingRun.Start(straight, NewLoraModel(tok.VocabSize), tok, tokens, 0.1, Options, "markov");
        Assert.All(whole.Trainer.Optimizer.Names, n => Assert.Contains(".lora_", n));
        whole.Run(default, expected.Add);
        Assert.True(PeftAdapter.Exists(straight));

        var records = new List<MetricsRecord>();
        using var cts = new CancellationTokenSource();
        TrainingRun.Start(split, NewLoraModel(tok.VocabSize), tok, tokens, 0.1, Options, "markov")
            .Run(cts.Token, r => { records.Add(r); if (r.Step == 4) cts.Cancel(); });
        var resumed = TrainingRun.Resume(split, _ => (tokens, "markov"));
        Assert.All(resumed.Trainer.Optimizer.Names, n => Assert.Contains(".lora_", n));
        resumed.Run(default, records.Add);
        for (int step = 1; step <= Options.MaxSteps; step++)
            Assert.True(expected.Single(r => r.Step == step).TrainLoss == records.Single(r => r.Step == step).TrainLoss, $"step {step} differs after resuming");

        // The base in both folders is the untouched initialization; the adapters are equal bit for bit.
        var a = Checkpoint.LoadModel(straight);
        var b = Checkpoint.LoadModel(split);
        Assert.Equal(new Gpt(TrainerLearningTests.TinyConfig(tok.VocabSize), seed: 21).TokenEmbedding.Weight.Data.ToArray(), a.TokenEmbedding.Weight.Data.ToArray());
        var la = Lora.AllAdapters(a).ToList(); var lb = Lora.AllAdapters(b).ToList();
        Assert.NotEmpty(la);
        for (int i = 0; i < la.Count; i++) Assert.Equal(la[i].B.Data.ToArray(), lb[i].B.Data.ToArray());
    }
}
