using SharpLM.Chat;
using SharpLM.Training;

namespace SharpLM.Tests.Sft;

/// <summary>Instruction-tuning data: chat "messages" and Alpaca records parse into conversations; bad records fail naming file:line.</summary>
public sealed class InstructionDataTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-sftdata-" + Guid.NewGuid().ToString("N"));

    public InstructionDataTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Write(params string[] lines)
    {
        string path = Path.Combine(_root, Guid.NewGuid().ToString("N") + ".jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void ChatMessagesAndAlpacaRecordsBecomeConversations()
    {
        string path = Write(
            """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}""",
            "",
            """{"instruction":"Translate to French","input":"cat","output":"chat"}""",
            """{"instruction":"Name a colour","output":"red","system":"You are terse."}""",
            """{"messages":[{"role":"user","content":"1?"},{"role":"assistant","content":"one"},{"role":"user","content":"2?"},{"role":"assistant","content":"two"}]}""");
        var rows = InstructionFile.Read(path);
        Assert.Equal(4, rows.Count);
        Assert.Equal([1, 3, 4, 5], rows.Select(r => r.Line));
        Assert.Equal(["system", "user", "assistant"], rows[0].Messages.Select(m => m.Role));
        Assert.Equal("Hello.", rows[0].Messages[2].Content);
        // Alpaca: the input follows the instruction after a blank line; the output is the answer.
        Assert.Equal(new ChatMessage("user", "Translate to French\n\ncat"), rows[1].Messages[0]);
        Assert.Equal(new ChatMessage("assistant", "chat"), rows[1].Messages[1]);
        Assert.Equal(new ChatMessage("system", "You are terse."), rows[2].Messages[0]);
        Assert.Equal(4, rows[3].Messages.Count);

        // Written back as messages JSONL, the same conversations come out.
        string copy = Path.Combine(_root, "copy.jsonl");
        InstructionFile.Write(copy, rows);
        var again = InstructionFile.Read(copy);
        Assert.Equal(rows.Count, again.Count);
        for (int i = 0; i < rows.Count; i++) Assert.Equal(rows[i].Messages, again[i].Messages);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}]}""", "must end with the assistant")]
    [InlineData("""{"messages":[{"role":"bot","content":"Hi"}]}""", "role 'bot'")]
    [InlineData("""{"messages":[{"role":"user"}]}""", "has no 'content'")]
    [InlineData("""{"messages":[{"role":"assistant","content":"a"},{"role":"user","content":"b"}]}""", "'user' was expected")]
    [InlineData("""{"messages":[{"role":"user","content":"a"},{"role":"system","content":"b"}]}""", "a system message may only come first")]
    [InlineData("""{"messages":"hello"}""", "must be an array")]
    [InlineData("""{"messages":[]}""", "is empty")]
    [InlineData("""{"instruction":"Do it"}""", "needs 'output'")]
    [InlineData("""{"instruction":5,"output":"x"}""", "field 'instruction' must be a string")]
    [InlineData("""{"prompt":"a","completion":"b"}""", "'prompt', 'completion'")]
    [InlineData("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":""}]}""", "is empty: there is nothing to learn")]
    [InlineData("""{"messages": [""", "not valid JSON")]
    [InlineData("""[1,2]""", "expected a JSON object")]
    public void ABadRecordIsAnErrorNamingFileAndLine(string bad, string expected)
    {
        string path = Write("""{"instruction":"ok","output":"fine"}""", bad);
        var e = Assert.Throws<InvalidDataException>(() => InstructionFile.Read(path));
        Assert.StartsWith($"{path}:2:", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AnEmptyOrMissingFileIsAClearError()
    {
        Assert.Contains("no conversations", Assert.Throws<InvalidDataException>(() => InstructionFile.Read(Write("", "  "))).Message);
        Assert.Throws<FileNotFoundException>(() => InstructionFile.Read(Path.Combine(_root, "missing.jsonl")));
    }
}
