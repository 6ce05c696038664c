using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Tests.Encoders;

public class SentencePairsTests
{
    /// <summary>Documents whose every token says which document and sentence it came from: 1000·doc + 10·sentence + position.</summary>
    private static int[][][] Documents(int count, int offset) =>
        Enumerable.Range(offset, count).Select(d => Enumerable.Range(0, 2 + d % 4)
            .Select(s => Enumerable.Range(0, 3 + (d + s) % 5).Select(p => 1000 * d + 10 * s + p).ToArray()).ToArray()).ToArray();

    [Fact]
    public void HalfArePairsOfConsecutiveSentencesAndHalfComeFromAnotherDocument()
    {
        var pairs = new SentencePairs(Documents(50, 0), "train");
        var rng = new Rng(3);
        int next = 0, n = 20000;
        for (int i = 0; i < n; i++)
        {
            var (a, b, isNext, da, db) = pairs.Sample(rng);
            int docA = a[0] / 1000, sentA = a[0] % 1000 / 10, docB = b[0] / 1000, sentB = b[0] % 1000 / 10;
            Assert.Equal((da, db), (docA, docB));
            if (isNext) { next++; Assert.Equal(docA, docB); Assert.Equal(sentA + 1, sentB); }
            else Assert.NotEqual(docA, docB);
        }
        Assert.InRange(next / (double)n, 0.48, 0.52);
    }

    [Fact]
    public void PairsNeverReachIntoHeldOutDocuments()
    {
        var all = Documents(60, 0);
        var (train, validation) = SentencePairs.SplitDocuments(all, 0.2, seed: 11);
        Assert.Equal(60, train.Length + validation.Length);
        var trainDocs = train.Select(d => d[0][0] / 1000).ToHashSet();
        var heldDocs = validation.Select(d => d[0][0] / 1000).ToHashSet();
        Assert.Empty(trainDocs.Intersect(heldDocs));
        Assert.Equal(12, heldDocs.Count);

        var trainPairs = new SentencePairs(train, "train");
        var heldPairs = new SentencePairs(validation, "validation");
        var rng = new Rng(4);
        for (int i = 0; i < 5000; i++)
        {
            var (a, b, _, _, _) = trainPairs.Sample(rng);
            Assert.Contains(a[0] / 1000, trainDocs);
            Assert.Contains(b[0] / 1000, trainDocs);
            (a, b, _, _, _) = heldPairs.Sample(rng);
            Assert.Contains(a[0] / 1000, heldDocs);
            Assert.Contains(b[0] / 1000, heldDocs);
        }
    }

    [Fact]
    public void JoinAddsSpecialTokensSegmentsAndTrimsTheLongerSide()
    {
        var (ids, types) = SentencePairs.Join([10, 11], [20, 21, 22], cls: 2, sep: 3, maxLength: 16);
        Assert.Equal([2, 10, 11, 3, 20, 21, 22, 3], ids);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], types);

        (ids, types) = SentencePairs.Join([10, 11, 12, 13, 14, 15, 16, 17], [20, 21, 22], 2, 3, maxLength: 9);
        Assert.Equal([2, 10, 11, 12, 3, 20, 21, 22, 3], ids);     // A (8) lost 5 tokens, B (3) kept
        (ids, _) = SentencePairs.Join([10, 11, 12, 13], [20, 21, 22, 23, 24], 2, 3, maxLength: 7);
        Assert.Equal([2, 10, 11, 3, 20, 21, 3], ids);            // trimmed alternately, longer side first
    }

    [Fact]
    public void TooFewDocumentsIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => new SentencePairs(Documents(1, 0), "validation"));
        Assert.Contains("validation", e.Message);
        Assert.Contains("at least 2 documents", e.Message);
    }
}
