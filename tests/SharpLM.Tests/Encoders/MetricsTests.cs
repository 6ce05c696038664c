using SharpLM.Training;

namespace SharpLM.Tests.Encoders;

public class MetricsTests
{
    [Fact]
    public void EntityMetricsFollowConllevalOnHandComputedExamples()
    {
        string[][] gold =
        [
            ["B-PER", "I-PER", "O", "B-LOC"],          // PER(0-1), LOC(3)
            ["O", "B-ORG", "I-ORG", "I-ORG", "O"],     // ORG(1-3)
            ["B-PER", "O"],                            // PER(0)
        ];
        string[][] predicted =
        [
            ["I-PER", "I-PER", "O", "B-LOC"],          // an I- without a B- starts the entity: PER(0-1) ✓, LOC(3) ✓
            ["O", "B-ORG", "I-ORG", "O", "O"],         // ORG(1-2): wrong end ✗
            ["O", "I-PER"],                            // a B- after O… here an I- after O: PER(1) ✗
        ];
        var m = new EntityMetrics(gold, predicted);
        Assert.Equal(4, m.GoldEntities);
        Assert.Equal(4, m.PredictedEntities);
        Assert.Equal(2, m.CorrectEntities);
        Assert.Equal(0.5, m.Precision, 12);
        Assert.Equal(0.5, m.Recall, 12);
        Assert.Equal(0.5, m.F1, 12);
        var per = m.ForType("PER");
        Assert.Equal((2, 2, 1), (per.Gold, per.Predicted, per.Correct));
        Assert.Equal(1.0, m.ForType("LOC").F1, 12);
        Assert.Equal(0.0, m.ForType("ORG").F1, 12);
        Assert.Equal(7.0 / 11, m.TokenAccuracy, 12);   // 3/4 + 4/5 + 0/2 tags right
    }

    [Fact]
    public void ChunkBoundariesAtTypeChangesAndRepeatedBegins()
    {
        Assert.Equal([(0, 0, "PER"), (1, 1, "LOC")], EntityMetrics.Chunks(["B-PER", "I-LOC"]).Order());        // I- of another type starts a new chunk
        Assert.Equal([(0, 0, "PER"), (1, 2, "PER")], EntityMetrics.Chunks(["B-PER", "B-PER", "I-PER"]).Order()); // B- after B- of the same type: two
        Assert.Equal([(1, 2, "X")], EntityMetrics.Chunks(["O", "B-X", "I-X", "O"]).Order());                    // B- after O
        Assert.Equal([(0, 1, "X")], EntityMetrics.Chunks(["I-X", "I-X"]).Order());
        Assert.Empty(EntityMetrics.Chunks(["O", "O"]));
    }

    [Fact]
    public void NoPredictionsMeansZeroNotNaN()
    {
        var m = new EntityMetrics([["B-X", "O"]], [["O", "O"]]);
        Assert.Equal(0, m.Precision);
        Assert.Equal(0, m.F1);
    }

    [Fact]
    public void ClassificationMetricsOnAHandComputedExample()
    {
        // gold:      a a a b b c
        // predicted: a a b b c c
        var m = new ClassificationMetrics(["a", "b", "c"], [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]);
        Assert.Equal(4.0 / 6, m.Accuracy, 12);
        // a: P 2/2, R 2/3 → F1 0.8; b: P 1/2, R 1/2 → 0.5; c: P 1/2, R 1/1 → 2/3
        Assert.Equal(0.8, m.F1[0], 12);
        Assert.Equal(0.5, m.F1[1], 12);
        Assert.Equal(2.0 / 3, m.F1[2], 12);
        Assert.Equal((0.8 + 0.5 + 2.0 / 3) / 3, m.MacroF1, 12);
        Assert.Equal(1, m.Confusion[0, 1]);
        Assert.Equal(1, m.Confusion[1, 2]);
        Assert.Contains("confusion matrix", m.Report());
    }
}
