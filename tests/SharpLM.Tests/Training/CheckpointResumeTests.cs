using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Tests.Training;

public sealed class CheckpointResumeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-resume-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static (ITokenizer Tokenizer, int[] Tokens) Corpus()
    {
        var chain = new MarkovCorpus(symbols: 6, seed: 11);
        var text = new string(chain.Sample(6000, seed: 12).Select(i => (char)('a' + i)).ToArray());
        var tokenizer = CharTokenizer.Train([text]);
        return (tokenizer, tokenizer.Encode(text));
    }

    private static TrainingOptions Options => TrainerLearningTests.TinyOptions(steps: 12) with { GradAccumSteps = 2, EvalEvery = 4, EvalBatches = 2 };

    private static Gpt NewModel(int vocab) => new(TrainerLearningTests.TinyConfig(vocab) with { Dropout = 0.1f }, seed: 21);

    private static List<MetricsRecord> RunStraight(string dir, ITokenizer tok, int[] tokens)
    {
        var records = new List<MetricsRecord>();
        TrainingRun.Start(dir, NewModel(tok.VocabSize), tok, tokens, 0.1, Options, "markov").Run(default, records.Add);
        return records;
    }

    [Fact]
    public void ResumedRunReproducesTheUninterruptedLossesBitForBit()
    {
        var (tok, tokens) = Corpus();
        string straight = Path.Combine(_root, "straight"), split = Path.Combine(_root, "split");
        var expected = RunStraight(straight, tok, tokens);

        // Interrupt after step 5 (as Ctrl+C does: cancel, finish the step, save), then resume.
        var records = new List<MetricsRecord>();
        using var cts = new CancellationTokenSource();
        var first = TrainingRun.Start(split, NewModel(tok.VocabSize), tok, tokens, 0.1, Options, "markov")
            .Run(cts.Token, r => { records.Add(r); if (r.Step == 5) cts.Cancel(); });
        Assert.True(first.Interrupted);
        Assert.Equal(5, first.FinalStep);
        var outcome = TrainingRun.Resume(split, _ => (tokens, "markov")).Run(default, records.Add);
        Assert.False(outcome.Interrupted);

        Assert.Equal(Options.MaxSteps, records.Max(r => r.Step));
        for (int step = 1; step <= Options.MaxSteps; step++)
        {
            var a = expected.Single(r => r.Step == step);
            var b = records.Single(r => r.Step == step);
            Assert.True(a.TrainLoss == b.TrainLoss, $"step {step}: uninterrupted loss {a.TrainLoss:R}, resumed {b.TrainLoss:R}");
            Assert.Equal(a.LearningRate, b.LearningRate);
        }
        Assert.Equal(expected.Last().ValLoss, records.Last().ValLoss);

        // Same final weights, bit for bit.
        var wa = GptHuggingFace.Load(straight).NamedParameters().ToList();
        var wb = GptHuggingFace.Load(split).NamedParameters().ToList();
        for (int i = 0; i < wa.Count; i++) Assert.Equal(wa[i].Parameter.Data.ToArray(), wb[i].Parameter.Data.ToArray());

        // The resumed log holds each step once, and the chart was drawn.
        var logged = new MetricsLog(Path.Combine(split, MetricsLog.FileName)).ReadAll().Select(r => r.Step).ToList();
        Assert.Equal(Enumerable.Range(0, Options.MaxSteps + 1), logged);
        Assert.Contains("<polyline", File.ReadAllText(Path.Combine(split, LossChart.FileName)));
    }

    [Fact]
    public void CheckpointRoundTripIsBitExact()
    {
        var (tok, tokens) = Corpus();
        string dir = Path.Combine(_root, "ckpt");
        var run = TrainingRun.Start(dir, NewModel(tok.VocabSize), tok, tokens, 0.1, Options with { MaxSteps = 3 }, "markov");
        run.Run();
        var resumed = TrainingRun.Resume(dir, _ => (tokens, "markov"));
        var a = run.Trainer; var b = resumed.Trainer;
        Assert.Equal(a.Step, b.Step);
        Assert.Equal(a.Optimizer.Step, b.Optimizer.Step);
        Assert.Equal(a.BatchRng.GetState(), b.BatchRng.GetState());
        Assert.Equal(a.DropoutRng.GetState(), b.DropoutRng.GetState());
        var pa = a.Model.NamedParameters().ToList(); var pb = b.Model.NamedParameters().ToList();
        Assert.Equal(pa.Select(p => p.Name), pb.Select(p => p.Name));
        for (int i = 0; i < pa.Count; i++)
        {
            Assert.Equal(pa[i].Parameter.Data.ToArray(), pb[i].Parameter.Data.ToArray());
            Assert.Equal(a.Optimizer.M[i].ToArray(), b.Optimizer.M[i].ToArray());
            Assert.Equal(a.Optimizer.V[i].ToArray(), b.Optimizer.V[i].ToArray());
        }
        Assert.Equal(tok.Encode("abcabc"), resumed.Tokenizer.Encode("abcabc"));
        Assert.Equal(((Gpt)a.Model).Config, ((Gpt)b.Model).Config);
    }

    [Fact]
    public void TruncatedOrCorruptCheckpointsAreRejectedNamingTheFile()
    {
        var (tok, tokens) = Corpus();
        string dir = Path.Combine(_root, "bad");
        TrainingRun.Start(dir, NewModel(tok.VocabSize), tok, tokens, 0.1, Options with { MaxSteps = 1 }, "markov").Run();

        string model = Path.Combine(dir, GptHuggingFace.WeightsFile);
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
        var e1 = Assert.ThrowsAny<Exception>(() => TrainingRun.Resume(dir, _ => (tokens, "markov")));
        Assert.IsType<InvalidDataException>(e1);
        Assert.Contains("model.safetensors", e1.Message);
        File.WriteAllBytes(model, bytes);

        string state = Path.Combine(dir, TrainerState.FileName);
        var json = File.ReadAllText(state);
        File.WriteAllText(state, json[..(json.Length / 2)]);
        var e2 = Assert.Throws<InvalidDataException>(() => TrainingRun.Resume(dir, _ => (tokens, "markov")));
        Assert.Contains(TrainerState.FileName, e2.Message);
        File.WriteAllText(state, json);

        string optimizer = Path.Combine(dir, Checkpoint.OptimizerFile);
        var ob = File.ReadAllBytes(optimizer);
        File.WriteAllBytes(optimizer, ob[..(ob.Length - 100)]);
        var e3 = Assert.Throws<InvalidDataException>(() => TrainingRun.Resume(dir, _ => (tokens, "markov")));
        Assert.Contains(Checkpoint.OptimizerFile, e3.Message);
        File.WriteAllBytes(optimizer, ob);

        var e4 = Assert.Throws<ArgumentException>(() => TrainingRun.Resume(dir, _ => (tokens[..^7], "other")));
        Assert.Contains("not the data", e4.Message);
        TrainingRun.Resume(dir, _ => (tokens, "markov")); // intact again: loads
    }

    [Fact]
    public void ResumeRefusesARunTrainedWithAnotherObjective()
    {
        var (tok, tokens) = Corpus();
        string dir = Path.Combine(_root, "objective");
        TrainingRun.Start(dir, NewModel(tok.VocabSize), tok, tokens, 0.1, Options with { MaxSteps = 1 }, "markov").Run();
        string state = Path.Combine(dir, TrainerState.FileName);
        var json = File.ReadAllText(state);
        Assert.Contains("\"objective\": \"causal-lm\"", json);
        File.WriteAllText(state, json.Replace("\"causal-lm\"", "\"mlm-nsp\""));
        var e = Assert.Throws<ArgumentException>(() => TrainingRun.Resume(dir, _ => (tokens, "markov")));
        Assert.Contains("mlm-nsp", e.Message);
    }

    [Fact]
    public void EvaluationMetricsAreLoggedAndReadBack()
    {
        string path = Path.Combine(_root, "metrics.jsonl");
        Directory.CreateDirectory(_root);
        var log = new MetricsLog(path);
        log.Reset();
        log.Append(new MetricsRecord { Step = 3, ValLoss = 1.5, ValMetrics = new Dictionary<string, double> { ["mlm_accuracy"] = 0.25, ["nsp_accuracy"] = 0.75 } });
        var line = File.ReadAllText(path);
        Assert.Contains("\"val_mlm_accuracy\":0.25", line);
        var back = Assert.Single(log.ReadAll());
        Assert.Equal(1.5, back.ValLoss);
        Assert.Equal(0.25, back.ValMetrics!["mlm_accuracy"]);
        Assert.Equal(0.75, back.ValMetrics["nsp_accuracy"]);
        Assert.Equal(2, back.ValMetrics.Count);
    }
}
