using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

/// <summary>SentencePiece tokenizers through Hugging Face tokenizer.json (Llama 2 BPE form, T5 Unigram form) and TokenizerFiles.</summary>
public class SentencePieceJsonTests
{
    public static TheoryData<string> Models => new() { "bpe_bf", "bpe_unk", "unigram_bf", "unigram_id", "llama_style" };

    [Theory]
    [MemberData(nameof(Models))]
    public void TokenizerJsonRoundTripKeepsTheLibrarysIds(string name)
    {
        var original = SentencePieceTokenizer.Load(SentencePieceFixtures.Model(name));
        var dir = Directory.CreateTempSubdirectory("spjson-");
        try
        {
            var path = Path.Combine(dir.FullName, "tokenizer.json");
            TokenizerFiles.Save(original, path);
            var loaded = Assert.IsType<SentencePieceTokenizer>(TokenizerFiles.Load(path));
            Assert.Equal(original.ModelKind, loaded.ModelKind);
            Assert.Equal(original.VocabSize, loaded.VocabSize);
            Assert.Equal(original.ByteFallback, loaded.ByteFallback);
            Assert.Equal(original.SpecialTokens.OrderBy(kv => kv.Value), loaded.SpecialTokens.OrderBy(kv => kv.Value));
            var reference = SentencePieceFixtures.Reference(name);
            foreach (var c in reference.GetProperty("stress").EnumerateArray())
            {
                var text = c.GetProperty("text").GetString()!;
                var ids = SentencePieceFixtures.Ids(c.GetProperty("ids"));
                Assert.True(ids.SequenceEqual(loaded.Encode(text)), $"{SentencePieceExactnessTests.Show(text)}: [{string.Join(",", loaded.Encode(text))}] expected [{string.Join(",", ids)}]");
                Assert.Equal(c.GetProperty("decoded").GetString(), loaded.Decode(ids));
            }
            var lines = File.ReadAllText(Path.Combine(SentencePieceFixtures.Folder(), "docs.txt")).Split('\n');
            var docs = reference.GetProperty("docs").EnumerateArray().Select(SentencePieceFixtures.Ids).ToArray();
            for (int i = 0; i < lines.Length; i++) Assert.Equal(docs[i], loaded.Encode(lines[i]));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void TokenizerFilesLoadsModelBinAndFolders()
    {
        var dir = Directory.CreateTempSubdirectory("spfiles-");
        try
        {
            var sp = TokenizerFiles.Load(SentencePieceFixtures.Model("llama_style"));
            Assert.IsType<SentencePieceTokenizer>(sp);
            Assert.IsType<Llama2cTokenizer>(TokenizerFiles.Load(Path.Combine(SentencePieceFixtures.Folder(), "llama_style.bin")));
            TokenizerFiles.Save(sp, Path.Combine(dir.FullName, "tokenizer.model"));
            Assert.IsType<SentencePieceTokenizer>(TokenizerFiles.Load(dir.FullName));
            TokenizerFiles.Save(sp, Path.Combine(dir.FullName, "tokenizer.bin"));
            Assert.Equal(File.ReadAllBytes(Path.Combine(SentencePieceFixtures.Folder(), "llama_style.bin")), File.ReadAllBytes(Path.Combine(dir.FullName, "tokenizer.bin")));
            Assert.Throws<ArgumentException>(() => TokenizerFiles.Save(new CharTokenizer(["a", "b"]), Path.Combine(dir.FullName, "x.model")));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Llama3StyleByteLevelFileKeepsItsPatternAndScanner()
    {
        var bpe = BpeTrainer.Train(["Hello world, it's 2024!\nThe model's weights... don't  change."], 300, ["<|begin_of_text|>"], 1, PreTokenizer.Llama3);
        var dir = Directory.CreateTempSubdirectory("l3-");
        try
        {
            var path = Path.Combine(dir.FullName, "tokenizer.json");
            TokenizerFiles.Save(bpe, path);
            Assert.Contains("(?i:'s|'t|'re|'ve|'m|'ll|'d)", File.ReadAllText(path));
            var loaded = Assert.IsType<BpeTokenizer>(TokenizerFiles.Load(path));
            Assert.Same(PreTokenizer.Llama3, loaded.PreTokenizer);
            const string text = "It's 12345 tokens\n\n  and   'LL more";
            Assert.Equal(bpe.Encode(text), loaded.Encode(text));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Llama3ScannerAgreesWithLlama3sRegexOnBmpText()
    {
        var regex = new RegexPreTokenizer(PreTokenizer.Llama3Pattern);
        Assert.Same(PreTokenizer.Llama3, PreTokenizer.FromPattern(PreTokenizer.Llama3Pattern));
        var rng = new Random(33);
        for (int trial = 0; trial < 3000; trial++)
        {
            var text = new string(RandomText.Valid(rng, rng.Next(0, 40)).Where(c => !char.IsSurrogate(c)).ToArray());
            Assert.Equal(regex.SplitToStrings(text), PreTokenizer.Llama3.SplitToStrings(text));
        }
    }
}
