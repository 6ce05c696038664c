using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

/// <summary>The .model protobuf reader and writer: round trips, clear errors on truncated/corrupt files, the array constructor.</summary>
public class SentencePieceModelFileTests
{
    [Theory]
    [InlineData("bpe_bf")]
    [InlineData("unigram_bf")]
    public void SavedModelIsByteIdenticalAfterASecondRoundTripAndEncodesTheSame(string name)
    {
        var tok = SentencePieceTokenizer.Load(SentencePieceFixtures.Model(name));
        var dir = Directory.CreateTempSubdirectory("sp-");
        try
        {
            var path = Path.Combine(dir.FullName, "copy.model");
            tok.SaveModel(path);
            var again = SentencePieceTokenizer.Load(path);
            var path2 = Path.Combine(dir.FullName, "copy2.model");
            again.SaveModel(path2);
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(path2));
            Assert.Equal(tok.VocabSize, again.VocabSize);
            Assert.Equal(tok.Normalizer.PrecompiledCharsMap, again.Normalizer.PrecompiledCharsMap);
            foreach (var c in SentencePieceFixtures.Reference(name).GetProperty("stress").EnumerateArray())
                Assert.Equal(SentencePieceFixtures.Ids(c.GetProperty("ids")), again.Encode(c.GetProperty("text").GetString()!));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void TruncatedModelFileIsAClearError()
    {
        var bytes = File.ReadAllBytes(SentencePieceFixtures.Model("bpe_bf"));
        var dir = Directory.CreateTempSubdirectory("sp-");
        try
        {
            foreach (int keep in new[] { 1, 7, bytes.Length / 2, bytes.Length - 3 })
            {
                var path = Path.Combine(dir.FullName, $"tokenizer{keep}.model");
                File.WriteAllBytes(path, bytes[..keep]);
                var e = Assert.Throws<TokenizerFormatException>(() => SentencePieceTokenizer.Load(path));
                Assert.Contains(path, e.Message);
                Assert.Contains("truncated", e.Message);
            }
            var empty = Path.Combine(dir.FullName, "empty.model");
            File.WriteAllBytes(empty, []);
            Assert.Contains("empty", Assert.Throws<TokenizerFormatException>(() => SentencePieceTokenizer.Load(empty)).Message);
            var junk = Path.Combine(dir.FullName, "junk.model");
            File.WriteAllText(junk, "{\"this is\": \"not a protobuf\"}");
            Assert.Throws<TokenizerFormatException>(() => SentencePieceTokenizer.Load(junk));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void ArrayConstructorEqualsTheLoadedModel()
    {
        var file = SentencePieceTokenizer.Load(SentencePieceFixtures.Model("bpe_bf"));
        int n = file.VocabSize;
        var pieces = Enumerable.Range(0, n).Select(file.Piece).ToArray();
        var scores = Enumerable.Range(0, n).Select(file.Score).ToArray();
        var types = Enumerable.Range(0, n).Select(file.PieceType).ToArray();
        var arrays = new SentencePieceTokenizer(pieces, scores, types, SentencePieceModelKind.Bpe, file.Normalizer);
        Assert.True(arrays.ByteFallback);
        foreach (var c in SentencePieceFixtures.Reference("bpe_bf").GetProperty("stress").EnumerateArray())
            Assert.Equal(SentencePieceFixtures.Ids(c.GetProperty("ids")), arrays.Encode(c.GetProperty("text").GetString()!));
    }

    [Fact]
    public void ArrayConstructorRejectsInconsistentArrays()
    {
        Assert.Throws<ArgumentException>(() => new SentencePieceTokenizer(["<unk>", "a"], [0f], [SentencePieceType.Unknown, SentencePieceType.Normal], SentencePieceModelKind.Bpe));
        Assert.Throws<ArgumentException>(() => new SentencePieceTokenizer(["a", "b"], [0f, 0f], [SentencePieceType.Normal, SentencePieceType.Normal], SentencePieceModelKind.Bpe));
        Assert.Throws<ArgumentException>(() => new SentencePieceTokenizer(["<unk>", "a", "a"], [0f, 0f, 0f],
            [SentencePieceType.Unknown, SentencePieceType.Normal, SentencePieceType.Normal], SentencePieceModelKind.Bpe));
    }

    [Fact]
    public void SpecialTokensOnlyWhenAllowed()
    {
        var tok = SentencePieceTokenizer.Load(SentencePieceFixtures.Model("bpe_bf"));
        Assert.DoesNotContain(tok.BosId, tok.Encode("<s>hi</s>"));
        var ids = tok.Encode("<s>hi</s>", allowSpecial: true);
        Assert.Equal(tok.BosId, ids[0]);
        Assert.Equal(tok.EosId, ids[^1]);
        Assert.Equal("hi", tok.Decode(ids));
    }

    [Fact]
    public void StreamingDecodeEqualsDecode()
    {
        var tok = SentencePieceTokenizer.Load(SentencePieceFixtures.Model("bpe_bf"));
        foreach (var c in SentencePieceFixtures.Reference("bpe_bf").GetProperty("stress").EnumerateArray())
        {
            var ids = SentencePieceFixtures.Ids(c.GetProperty("ids"));
            var stream = tok.CreateStreamingDecoder();
            var text = string.Concat(ids.Select(stream.Push)) + stream.Flush();
            Assert.Equal(tok.Decode(ids), text);
        }
    }

    /// <summary>Llama 2's own tokenizer.model (not committed; llama2.c ships it) against ids the library gave.</summary>
    [Llama2TokenizerFact]
    public void Llama2TokenizerModelGivesTheLibrarysIds()
    {
        var path = Llama2TokenizerFactAttribute.Path;
        var tok = SentencePieceTokenizer.Load(path);
        Assert.Equal(32000, tok.VocabSize);
        var reference = SentencePieceFixtures.Reference("llama2");
        foreach (var c in reference.GetProperty("stress").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            Assert.True(SentencePieceFixtures.Ids(c.GetProperty("ids")).SequenceEqual(tok.Encode(text)), SentencePieceExactnessTests.Show(text));
            Assert.Equal(c.GetProperty("decoded").GetString(), tok.Decode(SentencePieceFixtures.Ids(c.GetProperty("ids"))));
        }
        var lines = File.ReadAllText(Path.Combine(SentencePieceFixtures.Folder(), "docs.txt")).Split('\n');
        var docs = reference.GetProperty("docs").EnumerateArray().Select(SentencePieceFixtures.Ids).ToArray();
        for (int i = 0; i < lines.Length; i++) Assert.Equal(docs[i], tok.Encode(lines[i]));
    }
}

/// <summary>A fact that needs Llama 2's tokenizer.model (SHARPLM_LLAMA2_TOKENIZER, else llama2.c's copy beside the project); skipped when absent.</summary>
public sealed class Llama2TokenizerFactAttribute : FactAttribute
{
    /// <summary>Where the model is looked for.</summary>
    public static string Path => Environment.GetEnvironmentVariable("SHARPLM_LLAMA2_TOKENIZER") ?? "/work/peers/llama2.c/tokenizer.model";

    /// <summary>Skips when the file is absent.</summary>
    public Llama2TokenizerFactAttribute()
    {
        if (!File.Exists(Path)) Skip = $"needs Llama 2's tokenizer.model at {Path} (set SHARPLM_LLAMA2_TOKENIZER)";
    }
}

/// <summary>The word-cut fast path of the BPE encoder gives what one segmentation of the whole text gives.</summary>
public class SentencePieceBpeCutTests
{
    [Theory]
    [InlineData("bpe_bf")]
    [InlineData("llama_style")]
    public void CuttingAtWordsEqualsSegmentingTheWholeText(string name)
    {
        var tok = SentencePieceTokenizer.Load(SentencePieceFixtures.Model(name));
        var lines = File.ReadAllText(Path.Combine(SentencePieceFixtures.Folder(), "docs.txt")).Split('\n');
        var text = string.Join("  \n ", lines[..120]) + "   trailing   spaces ▁▁ and ▁ marks";
        var normalized = tok.Normalize(text);
        var vocab = new SentencePieceVocabulary(Enumerable.Range(0, tok.VocabSize).Select(tok.Piece).ToArray(),
            Enumerable.Range(0, tok.VocabSize).Select(tok.Score).ToArray(), Enumerable.Range(0, tok.VocabSize).Select(tok.PieceType).ToArray());
        Assert.True(vocab.CutsBeforeSpace);
        var whole = new List<(int, int, int)>();
        SentencePieceBpe.Segment(normalized, vocab, whole);
        var expected = new List<int>();
        foreach (var (start, length, id) in whole)
        {
            if (id != tok.UnkId) { expected.Add(id); continue; }
            foreach (byte b in System.Text.Encoding.UTF8.GetBytes(normalized.Substring(start, length))) expected.Add(tok.PieceToId($"<0x{b:X2}>"));
        }
        Assert.Equal(expected, tok.Encode(text));
    }
}
