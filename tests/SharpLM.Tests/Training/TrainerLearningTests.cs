using SharpLM.Models;
using SharpLM.Training;

namespace SharpLM.Tests.Training;

public class TrainerLearningTests
{
    internal static GptConfig TinyConfig(int vocab, int block = 16) => new()
    {
        VocabSize = vocab, BlockSize = block, Layers = 1, Heads = 2, Width = 32, Bias = false,
    };

    internal static TrainingOptions TinyOptions(int steps) => new()
    {
        BatchSize = 8, BlockSize = 16, MaxSteps = steps, LearningRate = 1e-2f, MinLearningRate = 1e-3f,
        WarmupSteps = 10, EvalBatches = 8, EvalEvery = 50, Seed = 7,
    };

    [Fact]
    public void TinyGptLearnsAMarkovChainDownToItsEntropy()
    {
        var corpus = new MarkovCorpus(symbols: 6, seed: 3);
        var tokens = corpus.Sample(30_000, seed: 4);
        var options = TinyOptions(steps: 250);
        var data = new TokenDataset(tokens, 0.1, options.BlockSize);
        var trainer = new Trainer(new Gpt(TinyConfig(corpus.Symbols), seed: 5), data, options);

        float before = trainer.EvaluateValidation().Loss;
        for (int i = 0; i < options.MaxSteps; i++) trainer.TrainStep();
        float after = trainer.EvaluateValidation().Loss;

        // The loss a perfect model (the chain itself) scores on the very windows evaluated.
        var val = data.Validation.ToArray();
        var starts = CausalLmObjective.EvaluationWindowStarts(val.Length, options.BlockSize, options.EvalBatches * options.BatchSize);
        var inputs = starts.SelectMany(s => val.AsSpan(s, options.BlockSize).ToArray()).ToArray();
        var targets = starts.SelectMany(s => val.AsSpan(s + 1, options.BlockSize).ToArray()).ToArray();
        double optimum = corpus.OracleLoss(inputs, targets);
        double uniform = Math.Log(corpus.Symbols);
        Assert.True(Math.Abs(before - uniform) < 0.3, $"an untrained model should be near uniform ln {corpus.Symbols} = {uniform:F3}, got {before:F3}");
        Assert.True(corpus.ConditionalEntropy < uniform - 0.4, "the chain must have real structure for this test to mean anything");
        Assert.True(after < optimum + 0.03, $"held-out loss {after:F4} should approach the true chain's loss {optimum:F4} (entropy rate {corpus.ConditionalEntropy:F4}) (uniform {uniform:F3})");
        Assert.True(after > optimum - 0.03, $"held-out loss {after:F4} is well below the true chain's loss {optimum:F4}: impossible unless the future leaks into the prediction");
    }
}
