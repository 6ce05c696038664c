using SharpLM.Cli;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

/// <summary><c>sharplm tokenizer train --kind sentencepiece|unigram</c> and the other tokenizer commands on SentencePiece files.</summary>
public sealed class SentencePieceCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-spcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int Run(params string[] args) =>
        Program.BuildRoot().Parse(args).Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false });

    [Theory]
    [InlineData("sentencepiece", "320")]
    [InlineData("unigram", "40")]
    public void TrainWritesJsonAndModelThatEncodeAndDecode(string kind, string size)
    {
        var corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat("To be, or not to be: that is the question.\nWhether 'tis nobler in the mind to suffer 2 slings\n", 40)));
        var json = Path.Combine(_dir, $"{kind}.json");
        Assert.Equal(0, Run("tokenizer", "train", "--data", corpus, "--kind", kind, "--vocab-size", size, "--out", json));
        var model = Path.ChangeExtension(json, ".model");
        Assert.True(File.Exists(json) && File.Exists(model));
        var fromJson = Assert.IsType<SentencePieceTokenizer>(TokenizerFiles.Load(json));
        var fromModel = Assert.IsType<SentencePieceTokenizer>(TokenizerFiles.Load(model));
        Assert.Equal(int.Parse(size), fromModel.VocabSize);
        Assert.Equal(kind == "sentencepiece", fromModel.ByteFallback);
        const string text = "To be, or not to be";
        Assert.Equal(fromModel.Encode(text), fromJson.Encode(text));
        var ids = Path.Combine(_dir, "ids.txt");
        Assert.Equal(0, Run("tokenizer", "encode", "--tokenizer", model, "--text", text, "--output", ids));
        Assert.Equal(fromModel.Encode(text), File.ReadAllLines(ids).Select(int.Parse).ToArray());
        var back = Path.Combine(_dir, "back.txt");
        Assert.Equal(0, Run("tokenizer", "decode", "--tokenizer", json, "--input", ids, "--output", back));
        Assert.Equal(text, File.ReadAllText(back));
    }

    [Fact]
    public void BadCoverageOrTooLargeVocabularyIsACliError()
    {
        var corpus = Path.Combine(_dir, "c.txt");
        File.WriteAllText(corpus, "abc");
        var e = Assert.Throws<CliException>(() => Run("tokenizer", "train", "--data", corpus, "--kind", "sentencepiece", "--vocab-size", "1000", "--out", Path.Combine(_dir, "t.json")));
        Assert.Contains("at most", e.Message);
        Assert.Throws<CliException>(() => Run("tokenizer", "train", "--data", corpus, "--kind", "unigram", "--character-coverage", "1.5", "--out", Path.Combine(_dir, "t.json")));
    }
}
