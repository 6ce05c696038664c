using SharpLM.Training;

namespace SharpLM.Tests.Encoders;

public class BaselinesTests
{
    [Fact]
    public void DictionaryTaggerMatchesTheLongestKnownEntity()
    {
        var tagger = new DictionaryTagger([
            new TaggedSentence(["the", "String", "class"], ["O", "B-TYPE", "O"]),
            new TaggedSentence(["String", ".", "Split", "returns"], ["B-MEMBER", "I-MEMBER", "I-MEMBER", "O"]),
            new TaggedSentence(["is", "null"], ["O", "B-KEYWORD"]),
        ]);
        Assert.Equal(3, tagger.Count);
        Assert.Equal(["B-MEMBER", "I-MEMBER", "I-MEMBER", "O", "B-TYPE", "O", "B-KEYWORD"], tagger.Tag(["String", ".", "Split", "or", "String", "is", "null"]));
    }

    [Fact]
    public void NearestNeighbourTakesTheLabelOfTheMostSimilarText()
    {
        var rows = new List<LabeledText>
        {
            new("reads bytes from the file stream", null, "io"), new("writes text to a file", null, "io"),
            new("opens a tcp socket connection", null, "net"), new("sends an http request to the server", null, "net"),
        };
        for (int i = 0; i < 40; i++) rows.Add(new LabeledText($"filler{i} the a", null, "other"));   // makes "the"/"a" stop words
        var knn = new BagOfWordsNearestNeighbour(rows);
        Assert.Equal("net", knn.Predict("the socket connection was closed"));
        Assert.Equal("io", knn.Predict("flushes the file stream"));
    }
}
