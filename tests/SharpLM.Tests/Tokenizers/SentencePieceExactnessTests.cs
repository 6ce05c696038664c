using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

/// <summary>Our SentencePiece encoder against the sentencepiece library's ids on its own models (see <see cref="SentencePieceFixtures"/>).</summary>
public class SentencePieceExactnessTests
{
    public static TheoryData<string> Models => new() { "bpe_bf", "bpe_unk", "unigram_bf", "unigram_id", "llama_style" };

    [Theory]
    [MemberData(nameof(Models))]
    public void StressStringsGiveTheLibrarysIdsAndDecode(string name)
    {
        var tok = SentencePieceTokenizer.Load(SentencePieceFixtures.Model(name));
        var failures = new List<string>();
        foreach (var c in SentencePieceFixtures.Reference(name).GetProperty("stress").EnumerateArray())
        {
            string text = c.GetProperty("text").GetString()!;
            var expected = SentencePieceFixtures.Ids(c.GetProperty("ids"));
            var actual = tok.Encode(text);
            if (!expected.SequenceEqual(actual)) failures.Add($"encode {Show(text)}: expected [{string.Join(",", expected)}] got [{string.Join(",", actual)}]");
            string decoded = c.GetProperty("decoded").GetString()!;
            if (tok.Decode(expected) != decoded) failures.Add($"decode {Show(text)}: expected {Show(decoded)} got {Show(tok.Decode(expected))}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DocsLinesGiveTheLibrarysIds(string name)
    {
        var tok = SentencePieceTokenizer.Load(SentencePieceFixtures.Model(name));
        var lines = File.ReadAllText(Path.Combine(SentencePieceFixtures.Folder(), "docs.txt")).Split('\n');
        var expected = SentencePieceFixtures.Reference(name).GetProperty("docs").EnumerateArray().Select(SentencePieceFixtures.Ids).ToArray();
        Assert.Equal(expected.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++)
            Assert.True(expected[i].SequenceEqual(tok.Encode(lines[i])), $"line {i} {Show(lines[i])}: expected [{string.Join(",", expected[i])}] got [{string.Join(",", tok.Encode(lines[i]))}]");
    }

    [SharedDataTheory]
    [MemberData(nameof(Models))]
    public void TinyShakespeareGivesTheLibrarysIds(string name)
    {
        var tok = SentencePieceTokenizer.Load(SentencePieceFixtures.Model(name));
        var reference = SentencePieceFixtures.Reference(name).GetProperty("shakespeare");
        var paragraphs = File.ReadAllText(SharedData.DataFile("tinyshakespeare.txt")!).Split("\n\n");
        var encoded = paragraphs.Select(p => tok.Encode(p)).ToArray();
        Assert.Equal(SentencePieceFixtures.Ids(reference.GetProperty("first")), encoded[0]);
        var (hash, count) = SentencePieceFixtures.Fnv(encoded);
        Assert.Equal(reference.GetProperty("ids").GetInt64(), count);
        Assert.Equal(reference.GetProperty("fnv1a64").GetString(), hash.ToString("x16"));
        if (reference.GetProperty("decode_roundtrip").GetBoolean())
            for (int i = 0; i < 200; i++) Assert.Equal(paragraphs[i], tok.Decode(encoded[i]));
    }

    internal static string Show(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
