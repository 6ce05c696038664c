using SharpLM.Autograd;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Tests.Seq2Seq;

/// <summary>The encoder-decoder learns: reversing sequences is impossible without cross-attention, and held-out pairs are solved after training.</summary>
public class Seq2SeqLearningTests
{
    private static List<Seq2SeqExample> ReversalPairs(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var pairs = new List<Seq2SeqExample>();
        for (int i = 0; i < count; i++)
        {
            var seq = Enumerable.Range(0, 4).Select(_ => 2 + rng.NextInt(8)).ToArray();
            pairs.Add(new Seq2SeqExample([.. seq, 1], [.. seq.Reverse(), 1]));    // id 1 = EOS, 0 = pad / start
        }
        return pairs;
    }

    [Theory]
    [InlineData(EncoderDecoderFamily.T5)]
    [InlineData(EncoderDecoderFamily.Bart)]
    public void LearnsToReverseHeldOutSequences(EncoderDecoderFamily family)
    {
        var baseConfig = family == EncoderDecoderFamily.T5 ? EncoderDecoderConfig.Preset("t5-tiny", 10) : EncoderDecoderConfig.Preset("bart-tiny", 10);
        var config = baseConfig with { Width = 48, Heads = 4, HeadSize = 12, FeedForwardWidth = 96, EncoderLayers = 2, DecoderLayers = 2, MaxPositions = 16, PadTokenId = 0, EosTokenId = 1, DecoderStartTokenId = 0 };
        var model = new EncoderDecoder(config, 5);
        var train = ReversalPairs(1500, 1);
        var heldOut = ReversalPairs(60, 99).Where(p => !train.Any(t => t.Source.SequenceEqual(p.Source))).ToList();
        var options = new TrainingOptions { BatchSize = 32, BlockSize = 5, LearningRate = 4e-3f, MinLearningRate = 4e-4f, WarmupSteps = 20, MaxSteps = 250, EvalEvery = 250, WeightDecay = 0, Beta2 = 0.99f };
        var objective = new Seq2SeqObjective(model, train, heldOut, options.BatchSize, 5, 5);
        var trainer = new Trainer(objective, options);
        float before = objective.ValidationLoss(new Tape(recordGradients: false) { Training = false });
        for (int s = 0; s < options.MaxSteps; s++) trainer.TrainStep();
        float after = objective.ValidationLoss(new Tape(recordGradients: false) { Training = false });
        Assert.True(after < before / 4, $"held-out loss {before:F3} → {after:F3}");
        var generator = new Seq2SeqGenerator(model);
        int exact = heldOut.Count(p => generator.Generate(p.Source, 6).SequenceEqual(p.Target[..^1]));
        Assert.True(exact >= heldOut.Count * 0.8, $"only {exact}/{heldOut.Count} held-out sequences reversed exactly");
        int beamExact = heldOut.Take(10).Count(p => generator.GenerateBeam(p.Source, new BeamSearchOptions { Beams = 3, MaxLength = 6 }).SequenceEqual(p.Target[..^1]));
        Assert.True(beamExact >= 8, $"beam search reversed only {beamExact}/10");
    }
}
