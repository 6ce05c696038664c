using System.Text.Json;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

/// <summary>
/// llama2.c's tokenizer.bin and encoder against llama2.c itself. The fixtures NAME.llama2c.json were
/// made outside the project by compiling llama2.c's run.c (its encode) into a small harness and
/// encoding with bos = 1, eos = 0 (what <c>run</c> does): llama_style.bin is llama_style.model (a
/// python3-sentencepiece BPE model, byte fallback, no user symbols) exported in llama2.c's layout by
/// a script checked to reproduce llama2.c's own tokenizer.bin byte for byte from Llama 2's model;
/// llama2 is llama2.c's shipped tokenizer.bin (not committed; tested when present).
/// </summary>
public class Llama2cTokenizerTests
{
    private static void AssertMatchesLlama2c(Llama2cTokenizer tok, string reference)
    {
        var root = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SentencePieceFixtures.Folder(), reference + ".llama2c.json"))).RootElement;
        foreach (var c in root.GetProperty("stress").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            Assert.True(SentencePieceFixtures.Ids(c.GetProperty("ids")).SequenceEqual(tok.Encode(text, bos: true, eos: false)),
                $"{SentencePieceExactnessTests.Show(text)}: [{string.Join(",", tok.Encode(text, true, false))}]");
        }
        var lines = File.ReadAllText(Path.Combine(SentencePieceFixtures.Folder(), "docs.txt")).Split('\n');
        var docs = root.GetProperty("docs").EnumerateArray().Select(SentencePieceFixtures.Ids).ToArray();
        for (int i = 0; i < lines.Length; i++) Assert.Equal(docs[i], tok.Encode(lines[i], bos: true, eos: false));
        if (SharedData.Directory is null) return;
        var paragraphs = File.ReadAllText(SharedData.DataFile("tinyshakespeare.txt")!).Split("\n\n")[..1000];
        var encoded = paragraphs.Select(p => tok.Encode(p, true, false)).ToArray();
        var (hash, count) = SentencePieceFixtures.Fnv(encoded);
        Assert.Equal(root.GetProperty("shakespeare1000").GetProperty("ids").GetInt64(), count);
        Assert.Equal(root.GetProperty("shakespeare1000").GetProperty("fnv1a64").GetString(), hash.ToString("x16"));
        for (int i = 0; i < 50; i++) Assert.Equal(paragraphs[i], tok.Decode(encoded[i]));
    }

    [Fact]
    public void EncodesAsLlama2cOnTheCommittedModel() =>
        AssertMatchesLlama2c(Llama2cTokenizer.Load(Path.Combine(SentencePieceFixtures.Folder(), "llama_style.bin")), "llama_style");

    [Fact]
    public void ConvertedFromSentencePieceItIsTheSameFileAndEncoder()
    {
        var sp = SentencePieceTokenizer.Load(SentencePieceFixtures.Model("llama_style"));
        var converted = Llama2cTokenizer.FromSentencePiece(sp);
        var dir = Directory.CreateTempSubdirectory("l2c-");
        try
        {
            var path = Path.Combine(dir.FullName, "tokenizer.bin");
            converted.Save(path);
            Assert.Equal(File.ReadAllBytes(Path.Combine(SentencePieceFixtures.Folder(), "llama_style.bin")), File.ReadAllBytes(path));
        }
        finally { dir.Delete(true); }
        AssertMatchesLlama2c(converted, "llama_style");
    }

    [Llama2BinFact]
    public void EncodesAsLlama2cOnLlama2sTokenizerBin() => AssertMatchesLlama2c(Llama2cTokenizer.Load(Llama2BinFactAttribute.Path), "llama2");

    [Fact]
    public void TruncatedTokenizerBinIsAClearError()
    {
        var bytes = File.ReadAllBytes(Path.Combine(SentencePieceFixtures.Folder(), "llama_style.bin"));
        var dir = Directory.CreateTempSubdirectory("l2c-");
        try
        {
            foreach (int keep in new[] { 2, 9, bytes.Length - 2 })
            {
                var path = Path.Combine(dir.FullName, $"t{keep}.bin");
                File.WriteAllBytes(path, bytes[..keep]);
                var e = Assert.Throws<TokenizerFormatException>(() => Llama2cTokenizer.Load(path));
                Assert.Contains(path, e.Message);
            }
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void EmptyTextIsJustBos()
    {
        var tok = Llama2cTokenizer.Load(Path.Combine(SentencePieceFixtures.Folder(), "llama_style.bin"));
        Assert.Equal([Llama2cTokenizer.BosId], tok.Encode("", bos: true, eos: false));
        Assert.Equal([Llama2cTokenizer.BosId, Llama2cTokenizer.EosId], tok.Encode("", bos: true, eos: true));
    }
}

/// <summary>A fact that needs llama2.c's tokenizer.bin (SHARPLM_LLAMA2C_TOKENIZER, else llama2.c beside the project); skipped when absent.</summary>
public sealed class Llama2BinFactAttribute : FactAttribute
{
    /// <summary>Where the file is looked for.</summary>
    public static string Path => Environment.GetEnvironmentVariable("SHARPLM_LLAMA2C_TOKENIZER") ?? "/work/peers/llama2.c/tokenizer.bin";

    /// <summary>Skips when the file is absent.</summary>
    public Llama2BinFactAttribute()
    {
        if (!File.Exists(Path)) Skip = $"needs llama2.c's tokenizer.bin at {Path} (set SHARPLM_LLAMA2C_TOKENIZER)";
    }
}
