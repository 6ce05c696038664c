using System.Text.Json;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

/// <summary>
/// Our SentencePiece trainers against the library's trainer on the same text. trainer_reference.json
/// was made outside the project with python3-sentencepiece 0.1.97 trained on the first 300,000
/// characters of tinyshakespeare, vocab_size 800: BPE (byte_fallback, identity normalizer, spaces
/// kept, split_digits) and Unigram (identity normalizer, other settings default). It holds each
/// model's pieces and how many tokens it gives on the next 100,000 characters (non-empty lines).
/// </summary>
public class SentencePieceTrainerTests
{
    private static (string Train, string[] HeldOut, JsonElement Reference) Data()
    {
        var text = File.ReadAllText(SharedData.DataFile("tinyshakespeare.txt")!);
        var reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SentencePieceFixtures.Folder(), "trainer_reference.json"))).RootElement;
        return (text[..300000], text[300000..400000].Split('\n').Where(l => l.Length > 0).ToArray(), reference);
    }

    [SharedDataFact]
    public void BpeTrainerLearnsTheLibrarysVocabulary()
    {
        var (train, heldOut, reference) = Data();
        var tok = SentencePieceBpeTrainer.Train([train], 800);
        Assert.Equal(800, tok.VocabSize);
        Assert.Equal(SentencePieceType.Unknown, tok.PieceType(0));
        Assert.Equal("<s>", tok.Piece(1));
        Assert.Equal("<0x00>", tok.Piece(3));
        Assert.Equal("<0xFF>", tok.Piece(258));
        for (int id = 260; id < 800; id++) Assert.True(tok.Score(id) < tok.Score(id - 1), "scores fall with id after the byte pieces");
        var ours = Enumerable.Range(0, 800).Select(tok.Piece).ToHashSet();
        var theirs = reference.GetProperty("sub_bpe").GetProperty("pieces").EnumerateArray().Select(e => e.GetString()!).ToList();
        int shared = theirs.Count(ours.Contains);
        Assert.True(shared >= 780, $"only {shared} of 800 pieces shared with the library's BPE trainer");
        long tokens = heldOut.Sum(l => (long)tok.Encode(l).Length);
        long libraryTokens = reference.GetProperty("sub_bpe").GetProperty("heldout_tokens").GetInt64();
        Assert.InRange(tokens, libraryTokens * 0.99, libraryTokens * 1.01);
        foreach (var line in heldOut.Take(300)) Assert.Equal(line, tok.Decode(tok.Encode(line)));
        Assert.Equal([.. tok.Encode("héllo 😀 1234")], tok.Encode("héllo 😀 1234"));
        Assert.DoesNotContain(tok.UnkId, tok.Encode("unseen: 😀 ☃ 한국어"));
    }

    [SharedDataFact]
    public void UnigramTrainerLearnsAsGoodAVocabularyAsTheLibrarys()
    {
        var (train, heldOut, reference) = Data();
        var tok = UnigramTrainer.Train([train], 800);
        Assert.Equal(800, tok.VocabSize);
        Assert.Equal(SentencePieceModelKind.Unigram, tok.ModelKind);
        for (int id = 4; id < 800; id++) Assert.True(tok.Score(id) <= tok.Score(id - 1), "pieces are sorted by log-probability");
        var ours = Enumerable.Range(0, 800).Select(tok.Piece).ToHashSet();
        var theirs = reference.GetProperty("sub_uni").GetProperty("pieces").EnumerateArray().Select(e => e.GetString()!).ToList();
        int shared = theirs.Count(ours.Contains);
        Assert.True(shared >= 560, $"only {shared} of 800 pieces shared with the library's Unigram trainer");
        long tokens = heldOut.Sum(l => (long)tok.Encode(l).Length);
        long libraryTokens = reference.GetProperty("sub_uni").GetProperty("heldout_tokens").GetInt64();
        // Held-out compression at least as good as the library's model, give or take 3%.
        Assert.True(tokens <= libraryTokens * 1.03, $"{tokens} held-out tokens vs the library's {libraryTokens}");
        // Without byte fallback a character never seen in training is <unk>; every other line decodes back (spaces collapsed).
        int checkedLines = 0;
        foreach (var line in heldOut.Take(300))
        {
            var ids = tok.Encode(line);
            if (ids.Contains(tok.UnkId)) continue;
            Assert.Equal(string.Join(" ", line.Split(' ', StringSplitOptions.RemoveEmptyEntries)), tok.Decode(ids));
            checkedLines++;
        }
        Assert.True(checkedLines > 250, $"{checkedLines} lines without <unk>");
    }

    [Fact]
    public void TrainedModelsSaveAndReloadWithTheSameIds()
    {
        string text = string.Join("\n", Enumerable.Range(0, 200).Select(i => $"line {i}: the quick brown fox {i % 7} jumps over the lazy dog {i * 31 % 11}"));
        foreach (var tok in new[] { SentencePieceBpeTrainer.Train([text], 320), UnigramTrainer.Train([text], 120) })
        {
            var dir = Directory.CreateTempSubdirectory("sptrain-");
            try
            {
                tok.SaveModel(Path.Combine(dir.FullName, "m.model"));
                TokenizerFiles.Save(tok, Path.Combine(dir.FullName, "tokenizer.json"));
                var fromModel = SentencePieceTokenizer.Load(Path.Combine(dir.FullName, "m.model"));
                var fromJson = TokenizerFiles.Load(Path.Combine(dir.FullName, "tokenizer.json"));
                const string probe = "line 9: the lazy fox jumps";
                Assert.Equal(tok.Encode(probe), fromModel.Encode(probe));
                Assert.Equal(tok.Encode(probe), fromJson.Encode(probe));
                Assert.Equal(probe, tok.Decode(tok.Encode(probe)));
            }
            finally { dir.Delete(true); }
        }
    }

    [Fact]
    public void TooSmallVocabularyIsAClearError()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SentencePieceBpeTrainer.Train(["abcdef"], 100));
        Assert.Contains("at least", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => UnigramTrainer.Train(["abcdef"], 5));
    }

    [Fact]
    public void DigammaMatchesKnownValues()
    {
        Assert.Equal(-0.5772156649015329, UnigramTrainer.Digamma(1), 9);
        Assert.Equal(2 - 0.5772156649015329 - 2 * Math.Log(2), UnigramTrainer.Digamma(1.5), 9);
        Assert.Equal(Math.Log(100) - 1 / 200.0 - 1 / 120000.0, UnigramTrainer.Digamma(100), 9);
    }
}

/// <summary>
/// The library reads the .model files we write: ours_bpe.model and ours_unigram.model were trained by
/// `sharplm tokenizer train --kind sentencepiece|unigram --vocab-size 1000` on tinyshakespeare and
/// then loaded by python3-sentencepiece 0.1.97 outside the project, whose encode()/decode() output is
/// in NAME.lib.json (stress strings; tinyshakespeare paragraphs as a count and FNV-1a-64 hash).
/// </summary>
public class SentencePieceWriterCompatibilityTests
{
    [Theory]
    [InlineData("ours_bpe")]
    [InlineData("ours_unigram")]
    public void TheLibraryEncodesOurModelsAsWeDo(string name)
    {
        var tok = SentencePieceTokenizer.Load(SentencePieceFixtures.Model(name));
        var root = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SentencePieceFixtures.Folder(), name + ".lib.json"))).RootElement;
        foreach (var c in root.GetProperty("stress").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            Assert.True(SentencePieceFixtures.Ids(c.GetProperty("ids")).SequenceEqual(tok.Encode(text)), SentencePieceExactnessTests.Show(text));
            Assert.Equal(c.GetProperty("decoded").GetString(), tok.Decode(SentencePieceFixtures.Ids(c.GetProperty("ids"))));
        }
        if (SharedData.Directory is null) return;
        var paragraphs = File.ReadAllText(SharedData.DataFile("tinyshakespeare.txt")!).Split("\n\n");
        var (hash, count) = SentencePieceFixtures.Fnv(paragraphs.Select(p => tok.Encode(p)));
        Assert.Equal(root.GetProperty("shakespeare").GetProperty("ids").GetInt64(), count);
        Assert.Equal(root.GetProperty("shakespeare").GetProperty("fnv1a64").GetString(), hash.ToString("x16"));
    }
}
