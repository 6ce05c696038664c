using SharpLM.Cli;

namespace SharpLM.Tests.Tokenizers;

public sealed class TokenizerCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-tokcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    // The default handler would print exceptions and return 1; tests want to see the CliException itself.
    private static int Run(params string[] args) =>
        Program.BuildRoot().Parse(args).Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false });

    [Fact]
    public void TrainEncodeDecodeShowRoundTripForEveryKind()
    {
        var corpus = PathOf("corpus");
        Directory.CreateDirectory(corpus);
        File.WriteAllText(Path.Combine(corpus, "a.txt"), string.Concat(Enumerable.Repeat("To be, or not to be: that is the question.\n", 40)));
        File.WriteAllText(Path.Combine(corpus, "b.txt"), string.Concat(Enumerable.Repeat("Whether 'tis nobler in the mind to suffer\n", 40)));
        const string text = "To be, or not to be";
        foreach (var (kind, size) in new[] { ("bpe", "300"), ("wordpiece", "80"), ("char", "0") })
        {
            var tok = PathOf($"{kind}.json");
            Assert.Equal(0, Run("tokenizer", "train", "--data", corpus, "--kind", kind, "--vocab-size", size, "--out", tok));
            Assert.True(File.Exists(tok));
            Assert.Equal(0, Run("tokenizer", "encode", "--tokenizer", tok, "--text", text, "--output", PathOf("ids.txt")));
            var ids = File.ReadAllLines(PathOf("ids.txt"));
            Assert.NotEmpty(ids);
            Assert.All(ids, line => Assert.True(int.TryParse(line, out _)));
            Assert.Equal(0, Run("tokenizer", "decode", "--tokenizer", tok, "--input", PathOf("ids.txt"), "--output", PathOf("back.txt")));
            var back = File.ReadAllText(PathOf("back.txt"));
            Assert.Equal(kind == "wordpiece" ? "to be , or not to be" : text, back);
            Assert.Equal(0, Run("tokenizer", "show", "--tokenizer", tok, "--text", text, "--output", PathOf("show.txt")));
            var show = File.ReadAllLines(PathOf("show.txt"));
            Assert.Equal(ids.Length + 2, show.Length); // header + one line per token + summary
            Assert.Contains(ids[0], show[1]);
        }
    }

    [SharedDataFact]
    public void EncodeWritesTheReferenceIdsForTinyShakespeare()
    {
        Assert.Equal(0, Run("tokenizer", "encode", "--tokenizer", SharedData.DataFile("gpt2/r50k_base.tiktoken")!,
            "--input", SharedData.DataFile("tinyshakespeare.txt")!, "--output", PathOf("ts.ids")));
        Assert.Equal(File.ReadAllBytes(SharedData.DataFile("tinyshakespeare.gpt2.ids")!), File.ReadAllBytes(PathOf("ts.ids")));
        Assert.Equal(0, Run("tokenizer", "show", "--tokenizer", SharedData.DataFile("gpt2")!, "--text", "hello world", "--output", PathOf("show.txt")));
        Assert.Contains("31373  \"hello\"", File.ReadAllText(PathOf("show.txt")));
        Assert.Contains("995  \"␣world\"", File.ReadAllText(PathOf("show.txt")));
        Assert.Equal(0, Run("tokenizer", "encode", "--tokenizer", SharedData.DataFile("gpt2/vocab.json")!, SharedData.DataFile("gpt2/merges.txt")!,
            "--text", "hello world", "--output", PathOf("hw.ids")));
        Assert.Equal(["31373", "995"], File.ReadAllLines(PathOf("hw.ids")));
    }

    [Fact]
    public void BadInputGetsACliErrorNamingTheOption()
    {
        var e = Assert.Throws<CliException>(() => Run("tokenizer", "encode", "--tokenizer", PathOf("nope.json"), "--text", "x"));
        Assert.Contains("--tokenizer", e.Message);
        File.WriteAllText(PathOf("c.txt"), "abc");
        Assert.Equal(0, Run("tokenizer", "train", "--data", PathOf("c.txt"), "--kind", "char", "--out", PathOf("c.json")));
        e = Assert.Throws<CliException>(() => Run("tokenizer", "decode", "--tokenizer", PathOf("c.json"), "--ids", "0 1 7"));
        Assert.Contains("'7'", e.Message);
        e = Assert.Throws<CliException>(() => Run("tokenizer", "train", "--data", PathOf("c.txt"), "--kind", "wordlevel", "--out", PathOf("u.json")));
        Assert.Contains("--kind", e.Message);
    }
}
