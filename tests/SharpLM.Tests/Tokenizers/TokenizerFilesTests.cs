using System.Text;
using System.Text.Json;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

public sealed class TokenizerFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private const string Sample = "The quick brown fox's 12 jumps — naïve café 東京 😀!\n  tabs\tand spaces  ";

    private static void AssertSameBehaviour(ITokenizer expected, ITokenizer actual, string text)
    {
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.VocabSize, actual.VocabSize);
        Assert.Equal(expected.SpecialTokens.OrderBy(kv => kv.Value), actual.SpecialTokens.OrderBy(kv => kv.Value));
        Assert.Equal(expected.Encode(text), actual.Encode(text));
        for (int id = 0; id < expected.VocabSize; id++) Assert.Equal(expected.TokenPiece(id), actual.TokenPiece(id));
    }

    [Fact]
    public void BpeRoundTripsThroughTokenizerJsonAndVocabMerges()
    {
        var tok = BpeTrainer.Train([string.Concat(Enumerable.Repeat(Sample, 30))], 400, ["<|endoftext|>"], minFrequency: 1);
        TokenizerFiles.Save(tok, PathOf("tokenizer.json"));
        AssertSameBehaviour(tok, TokenizerFiles.Load(PathOf("tokenizer.json")), Sample);
        AssertSameBehaviour(tok, TokenizerFiles.Load(_dir), Sample); // a folder with tokenizer.json

        var folder = PathOf("gpt2style");
        Gpt2VocabFiles.Save(tok, folder);
        File.WriteAllText(Path.Combine(folder, "special_tokens.json"), $"{{\"<|endoftext|>\": {tok.SpecialTokens["<|endoftext|>"]}}}");
        AssertSameBehaviour(tok, TokenizerFiles.Load(folder), Sample);

        TiktokenRankFile.Save(tok, PathOf("ranks.tiktoken"));
        var ranks = TiktokenRankFile.Load(PathOf("ranks.tiktoken"), tok.SpecialTokens);
        Assert.Equal(tok.Encode(Sample), ranks.Encode(Sample));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories)); // atomic writes leave no temporaries
    }

    [Fact]
    public void TokenizerJsonUsesTheHuggingFaceSchema()
    {
        var tok = BpeTrainer.Train([Sample], 300, ["<|endoftext|>"], minFrequency: 1);
        TokenizerFiles.Save(tok, PathOf("bpe.json"));
        using var doc = JsonDocument.Parse(File.ReadAllText(PathOf("bpe.json")));
        var root = doc.RootElement;
        Assert.Equal("BPE", root.GetProperty("model").GetProperty("type").GetString());
        Assert.Equal("ByteLevel", root.GetProperty("pre_tokenizer").GetProperty("type").GetString());
        Assert.Equal("ByteLevel", root.GetProperty("decoder").GetProperty("type").GetString());
        Assert.Equal(256, root.GetProperty("model").GetProperty("vocab").GetProperty("Ġ").GetInt32() + 224); // space is byte 0x20 = id 32
        var added = root.GetProperty("added_tokens")[0];
        Assert.Equal("<|endoftext|>", added.GetProperty("content").GetString());
        Assert.True(added.GetProperty("special").GetBoolean());
        Assert.Equal(tok.Merges.Count, root.GetProperty("model").GetProperty("merges").GetArrayLength());
        Assert.Contains(' ', root.GetProperty("model").GetProperty("merges")[0].GetString()!);
    }

    [Fact]
    public void Cl100kPatternSurvivesTheFile()
    {
        var tok = BpeTrainer.Train([string.Concat(Enumerable.Repeat(Sample, 5))], 300, preTokenizer: PreTokenizer.Cl100k, minFrequency: 1);
        TokenizerFiles.Save(tok, PathOf("cl.json"));
        var back = (BpeTokenizer)TokenizerFiles.Load(PathOf("cl.json"));
        Assert.Equal(PreTokenizer.Cl100kPattern, back.PreTokenizer.Pattern);
        Assert.Equal(tok.Encode("12345 abc"), back.Encode("12345 abc"));
    }

    [Fact]
    public void WordPieceAndCharRoundTripThroughTokenizerJson()
    {
        var text = string.Concat(Enumerable.Repeat(Sample, 20));
        var wp = WordPieceTrainer.Train([text], 120, new BertNormalizer(Lowercase: false, StripAccents: true));
        TokenizerFiles.Save(wp, PathOf("wp.json"));
        var wpBack = (WordPieceTokenizer)TokenizerFiles.Load(PathOf("wp.json"));
        AssertSameBehaviour(wp, wpBack, Sample);
        Assert.Equal(wp.Normalizer, wpBack.Normalizer);
        using (var doc = JsonDocument.Parse(File.ReadAllText(PathOf("wp.json"))))
        {
            Assert.Equal("WordPiece", doc.RootElement.GetProperty("model").GetProperty("type").GetString());
            Assert.Equal("BertNormalizer", doc.RootElement.GetProperty("normalizer").GetProperty("type").GetString());
            Assert.Equal("BertPreTokenizer", doc.RootElement.GetProperty("pre_tokenizer").GetProperty("type").GetString());
        }

        var ch = CharTokenizer.Train([text], ["<eos>"]);
        TokenizerFiles.Save(ch, PathOf("char.json"));
        AssertSameBehaviour(ch, TokenizerFiles.Load(PathOf("char.json")), Sample);
    }

    [Fact]
    public void CorruptFilesNameTheFileAndLineOrField()
    {
        var tok = BpeTrainer.Train([Sample], 270, minFrequency: 1);
        var folder = PathOf("bad");
        Gpt2VocabFiles.Save(tok, folder);
        var merges = Path.Combine(folder, "merges.txt");
        var lines = File.ReadAllLines(merges).ToList();
        lines[3] = "Ġ nosuchtoken";
        File.WriteAllLines(merges, lines);
        var e = Assert.Throws<TokenizerFormatException>(() => TokenizerFiles.Load(folder));
        Assert.Equal(merges, e.FilePath);
        Assert.Equal("line 4", e.Where);
        Assert.Contains("nosuchtoken", e.Message);

        File.WriteAllText(PathOf("ranks.tiktoken"), "IQ== 0\nnot-base64! 1\n");
        e = Assert.Throws<TokenizerFormatException>(() => TokenizerFiles.Load(PathOf("ranks.tiktoken")));
        Assert.Equal("line 2", e.Where);

        File.WriteAllText(PathOf("short.tiktoken"), "IQ== 0\n");
        e = Assert.Throws<TokenizerFormatException>(() => TokenizerFiles.Load(PathOf("short.tiktoken")));
        Assert.Contains("0x00", e.Message); // byte-level BPE needs all 256 bytes

        File.WriteAllText(PathOf("t.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"x\"}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}");
        e = Assert.Throws<TokenizerFormatException>(() => TokenizerFiles.Load(PathOf("t.json")));
        Assert.Equal("model.vocab.\"a\"", e.Where);

        File.WriteAllText(PathOf("u.json"), "{\"model\": {\"type\": \"Unigram\"}}");
        e = Assert.Throws<TokenizerFormatException>(() => TokenizerFiles.Load(PathOf("u.json")));
        Assert.Equal("model.vocab", e.Where);   // a Unigram model needs its scored pieces

        File.WriteAllText(PathOf("w.json"), "{\"model\": {\"type\": \"Trigram\"}}");
        e = Assert.Throws<TokenizerFormatException>(() => TokenizerFiles.Load(PathOf("w.json")));
        Assert.Equal("model.type", e.Where);

        File.WriteAllText(PathOf("v.json"), "{\"model\": {\"type\": \"BPE\",\n \"vocab\": {");
        e = Assert.Throws<TokenizerFormatException>(() => TokenizerFiles.Load(PathOf("v.json")));
        Assert.StartsWith("line ", e.Where);

        Assert.Throws<FileNotFoundException>(() => TokenizerFiles.Load(PathOf("missing.json")));
    }

    [SharedDataFact]
    public void Gpt2SavedAsTokenizerJsonLoadsBackIdentical()
    {
        var gpt2 = Gpt2ExactnessTests.VocabMerges;
        TokenizerFiles.Save(gpt2, PathOf("gpt2.json"));
        var back = TokenizerFiles.Load(PathOf("gpt2.json"));
        var (text, ids) = Gpt2ExactnessTests.Stress["emoji and astral"];
        Assert.Equal(ids, back.Encode(text));
        Assert.Equal(50257, back.VocabSize);
        Assert.Equal(50256, back.SpecialTokens["<|endoftext|>"]);
        // The shared folder itself loads through the factory (vocab.json + merges.txt + special_tokens.json).
        Assert.Equal([31373, 995], TokenizerFiles.Load(SharedData.DataFile("gpt2")!).Encode("hello world"));
        Assert.Equal([31373, 995], TokenizerFiles.Load(SharedData.DataFile("gpt2/r50k_base.tiktoken")!).Encode("hello world"));
        Assert.Equal([31373, 995], TokenizerFiles.Load(SharedData.DataFile("gpt2/vocab.json")!).Encode("hello world"));
        // A rank-file tokenizer keeps tiktoken's whole-word rule through tokenizer.json (ignore_merges).
        TokenizerFiles.Save(Gpt2ExactnessTests.Ranks, PathOf("ranks.json"));
        var ranks = (BpeTokenizer)TokenizerFiles.Load(PathOf("ranks.json"));
        Assert.True(ranks.WholeWordShortcut);
        Assert.False(((BpeTokenizer)back).WholeWordShortcut);
        Assert.Equal(ids, ranks.Encode(text));
    }
}
