using SharpLM.Training.Metrics;

namespace SharpLM.Tests.Seq2Seq;

/// <summary>chrF, BLEU, ROUGE-L and exact match against sacreBLEU's documented examples and hand-computed values.</summary>
public class MetricsTests
{
    // sacreBLEU's README example: three system sentences, two reference sets.
    private static readonly string[] System = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
    private static readonly string[] RefsA = ["The dog bit the man.", "It was not unexpected.", "The man bit him first."];
    private static readonly string[] RefsB = ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."];

    private static IReadOnlyList<IReadOnlyList<string>> Transpose(params string[][] sets) =>
        Enumerable.Range(0, sets[0].Length).Select(i => (IReadOnlyList<string>)sets.Select(s => s[i]).ToList()).ToList();

    [Fact]
    public void BleuMatchesSacreBleusReadme()
    {
        var score = Bleu.Corpus(System, Transpose(RefsA, RefsB));
        // "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"
        Assert.Equal(48.53, score.Score, 2);
        Assert.Equal([82.4, 50.0, 45.5, 37.5], score.Precisions.Select(p => Math.Round(p, 1)));
        Assert.Equal(0.943, score.BrevityPenalty, 3);
        Assert.Equal((17L, 18L), (score.HypothesisLength, score.ReferenceLength));
    }

    [Fact]
    public void BleuWithAMissingReferenceMatchesSacreBleusReadme()
    {
        string[] refsA = ["", RefsA[1], RefsA[2]];
        var score = Bleu.Corpus(System, Transpose(refsA, RefsB));
        // "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)"
        Assert.Equal(29.44, score.Score, 2);
        Assert.Equal([82.4, 42.9, 27.3, 12.5], score.Precisions.Select(p => Math.Round(p, 1)));
        Assert.Equal(19L, score.ReferenceLength);
    }

    [Fact]
    public void BleuBrevityPenaltyByHand()
    {
        // Every n-gram of the 5-token output matches; the reference has 6 tokens: BLEU = 100·e^(1 − 6/5).
        var score = Bleu.Corpus(["the cat sat on the"], ["the cat sat on the mat"]);
        Assert.Equal(100 * Math.Exp(-0.2), score.Score, 6);
        Assert.Equal(100, Bleu.Corpus(["a b c d e"], ["a b c d e"]).Score, 9);
        Assert.Equal(0, Bleu.Corpus(["x y"], ["a b c d e"]).Score);
    }

    [Fact]
    public void Tokenizer13aSplitsPunctuationButNotNumbers() =>
        Assert.Equal("Hello , world ! It's 3.5 - 4 km .", Tokenizer13a.Tokenize("Hello, world! It's 3.5-4 km."));

    [Fact]
    public void ChrFMatchesSacreBleusDocumentedExamples()
    {
        // The Hugging Face metric card (sacreBLEU underneath): 61.576379378113785 and 84.64214891738334.
        Assert.Equal(61.576379378113785, ChrF.Corpus(["The relationship between Obama and Netanyahu is not exactly friendly."],
            ["The ties between Obama and Netanyahu are not particularly friendly."]), 9);
        Assert.Equal(84.64214891738334, ChrF.Corpus(
            ["The relationship between cats and dogs is not exactly friendly.", "a good bookshop is just a genteel black hole that knows how to read."],
            ["The relationship between dogs and cats is not exactly friendly.", "A good bookshop is just a genteel Black Hole that knows how to read."]), 9);
        // sacreBLEU's README: "chrF2 = 59.73".
        Assert.Equal(59.73, ChrF.Corpus(System, Transpose(RefsA, RefsB)), 2);
    }

    [Fact]
    public void ChrFByHand()
    {
        Assert.Equal(100, ChrF.Sentence("ab c", "abc"), 9);          // whitespace is removed
        // "ab" vs "ac": unigrams P = R = 1/2; bigrams P = R = 0 → average P = R = 1/4 → F = 25.
        Assert.Equal(25, ChrF.Sentence("ab", "ac"), 9);
        // "a" vs "ab": unigram P = 1, R = 1/2 (the only order both have) → F2 = 5·0.5 / (4 + 0.5) = 55.5…
        Assert.Equal(100 * 5 * 0.5 / 4.5, ChrF.Sentence("a", "ab"), 9);
        Assert.Equal(0, ChrF.Sentence("", "abc"));
    }

    [Fact]
    public void RougeLByHand()
    {
        // LCS("the cat was found under the bed", "the cat was under the bed") = 6: P = 6/7, R = 1, F = 12/13.
        Assert.Equal(12.0 / 13, RougeL.F("the cat was found under the bed", "the cat was under the bed"), 9);
        Assert.Equal(1, RougeL.F("List directory contents.", "list directory contents"), 9);
        Assert.Equal(0, RougeL.F("", "anything"));
        Assert.Equal(50 * (1 + 12.0 / 13), RougeL.Corpus(["a b", "the cat was found under the bed"], ["a b", "the cat was under the bed"]), 9);
        Assert.Equal(3, RougeL.LongestCommonSubsequence(["a", "b", "c", "d"], ["b", "x", "c", "d"]));
    }

    [Fact]
    public void ExactMatchCountsTrimmedEqualPairs() =>
        Assert.Equal(50, ExactMatch.Corpus(["a ", "b", "c", "d"], ["a", "B", "c ", "e"]));
}
