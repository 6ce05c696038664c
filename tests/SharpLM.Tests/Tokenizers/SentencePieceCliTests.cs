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
    public void NormalizerFromAModelTrainsWithItsCharacterMap()
    {
        var corpus = Path.Combine(_dir, "nfkc.txt");
        File.WriteAllText(corpus, string.Concat(Enumerable.Range(0, 120).Select(i => $"ＦＵＬＬ width ﬁ and ① text, plain   text {(char)('a' + i % 26)}{(char)('a' + i * 7 % 26)} more words\n")));
        var json = Path.Combine(_dir, "nfkc.json");
        Assert.Equal(0, Run("tokenizer", "train", "--data", corpus, "--kind", "unigram", "--vocab-size", "40", "--out", json,
            "--normalizer-from", SentencePieceFixtures.Model("unigram_bf")));
        var tok = Assert.IsType<SentencePieceTokenizer>(TokenizerFiles.Load(Path.ChangeExtension(json, ".model")));
        Assert.NotEmpty(tok.Normalizer.PrecompiledCharsMap);
        Assert.Equal("\u2581FULL\u2581width\u2581fi", tok.Normalize("ＦＵＬＬ width ﬁ"));
        Assert.Equal("FULL width fi and 1 text, plain text", tok.Decode(tok.Encode("ＦＵＬＬ width ﬁ and ① text, plain   text")));
        Assert.Throws<CliException>(() => Run("tokenizer", "train", "--data", corpus, "--kind", "unigram", "--out", json, "--normalizer-from", Path.Combine(_dir, "missing.model")));
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
