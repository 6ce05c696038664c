using System.Diagnostics;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Tests.Encoders;

public class BertPretrainingLearnsTests
{
    private const int Specials = 5, Symbols = 40; // [PAD] [UNK] [CLS] [SEP] [MASK], then 40 symbols

    /// <summary>
    /// Documents of "counting" sentences: each sentence is a run of consecutive symbols (mod 40)
    /// and the next sentence of a document continues the count. So a masked symbol follows from
    /// its neighbours, and B follows A exactly when B starts where A stopped.
    /// </summary>
    public static int[][][] CountingDocuments(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var docs = new int[count][][];
        for (int d = 0; d < count; d++)
        {
            int at = rng.NextInt(Symbols);
            docs[d] = new int[3 + rng.NextInt(4)][];
            for (int s = 0; s < docs[d].Length; s++)
            {
                int length = 5 + rng.NextInt(5);
                docs[d][s] = Enumerable.Range(0, length).Select(i => Specials + (at + i) % Symbols).ToArray();
                at += length;
            }
        }
        return docs;
    }

    [Fact]
    public void BertTinyLearnsMaskedTokensAndSentenceOrderOnHeldOutDocuments()
    {
        var (train, held) = SentencePairs.SplitDocuments(CountingDocuments(400, 1), 0.2, seed: 2);
        var config = BertConfig.Preset("bert-tiny", Specials + Symbols) with { MaxPositions = 32, Dropout = 0 };
        var model = new Bert(config, BertTask.PreTraining, seed: 3);
        var masker = new MlmMasker(config.VocabSize, maskId: 4, specialIds: [0, 1, 2, 3, 4]);
        var objective = new MlmNspObjective(model, new SentencePairs(train, "train"), new SentencePairs(held, "validation"),
            masker, cls: 2, sep: 3, batchSize: 32, maxLength: 24, evalBatches: 8);
        var options = new TrainingOptions { BatchSize = 32, BlockSize = 24, MaxSteps = 240, LearningRate = 2e-3f, MinLearningRate = 2e-4f, WarmupSteps = 20, WeightDecay = 0.01f, Beta2 = 0.99f };
        var trainer = new Trainer(objective, options);

        var before = trainer.EvaluateValidation();
        var clock = Stopwatch.StartNew();
        while (trainer.Step < options.MaxSteps) trainer.TrainStep();
        var after = trainer.EvaluateValidation();

        double mlm = after.Metrics["mlm_accuracy"], nsp = after.Metrics["nsp_accuracy"];
        Assert.True(before.Metrics["mlm_accuracy"] < 0.1, $"untrained MLM accuracy {before.Metrics["mlm_accuracy"]:F3}");
        Assert.True(mlm > 0.5, $"held-out MLM accuracy {mlm:F3} (chance 1/40) after {clock.Elapsed.TotalSeconds:F1} s; loss {before.Loss:F3} → {after.Loss:F3}");
        Assert.True(nsp > 0.7, $"held-out NSP accuracy {nsp:F3} (chance 0.5); MLM accuracy {mlm:F3}");
        Assert.True(after.Metrics["mlm_loss"] < before.Metrics["mlm_loss"] / 2);
    }
}
