using SharpLM.Retrieval;

namespace SharpLM.Tests.Retrieval;

public class Bm25IndexTests
{
    [Fact]
    public void Score_matches_a_hand_computed_example()
    {
        // N = 3, lengths 3, 2, 1 → avg 2. Query "cat": df = 2, idf = ln(1 + 1.5/2.5) = ln 1.6.
        var index = new Bm25Index(["the cat sat", "cat cat", "dog"], k1: 1.2, b: 0.75);
        double idf = Math.Log(1.6);
        double doc0 = idf * 1 * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 3 / 2.0));
        double doc1 = idf * 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 2 / 2.0));
        Assert.Equal(doc0, index.Score("Cat", 0), 12);
        Assert.Equal(doc1, index.Score("Cat", 1), 12);
        Assert.Equal(0, index.Score("cat", 2));
        var top = index.Search("cat", 5);
        Assert.Equal([1, 0], top.Select(t => t.Index));
    }
}
