using System.CommandLine;
using System.Text;
using System.Text.Json;
using SharpLM.Chat;
using SharpLM.Cli;
using SharpLM.Cli.Commands;

namespace SharpLM.Tests.Chat;

/// <summary>`sharplm chat` renders turns with the model's chat template: a model trained on ChatML conversations answers in that format and stops at its end-of-turn marker.</summary>
[Collection("Console")]
public sealed class ChatCommandTemplateTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sharplm-chatcli-" + Guid.NewGuid().ToString("N"));

    public ChatCommandTemplateTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static int Invoke(params string[] args) => CliInvocation.Invoke(args);

    private static (string Out, string Err) RunChat(string input, params string[] args)
    {
        var (oldIn, oldOut, oldErr) = (Console.In, Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetIn(new StringReader(input)); Console.SetOut(o); Console.SetError(e);
            Assert.Equal(0, Invoke(["chat", .. args]));
        }
        finally { Console.SetIn(oldIn); Console.SetOut(oldOut); Console.SetError(oldErr); }
        return (o.ToString(), e.ToString());
    }

    [Fact]
    public void AModelTrainedOnChatMlAnswersThroughItsTemplateAndStopsAtTheEndOfTurn()
    {
        // Conversations in ChatML where the assistant always answers "ok, <the user's word>".
        var words = new[] { "red", "blue", "green", "cat", "dog", "sun", "moon", "tree" };
        var template = ChatTemplates.Get("chatml");
        var text = new StringBuilder();
        var rng = new Random(7);
        for (int i = 0; i < 400; i++)
        {
            string w = words[rng.Next(words.Length)];
            text.Append(template.Render([new ChatMessage(ChatMessage.User, w), new ChatMessage(ChatMessage.Assistant, "ok " + w)], addGenerationPrompt: false));
        }
        string data = Path.Combine(_root, "chats.txt"), run = Path.Combine(_root, "run");
        File.WriteAllText(data, text.ToString());
        Assert.Equal(0, Invoke("train", "--data", data, "--out", run, "--layers", "2", "--heads", "2", "--width", "48", "--block-size", "64",
            "--batch-size", "8", "--max-steps", "300", "--warmup", "20", "--eval-every", "300", "--eval-batches", "2", "--lr", "3e-3", "--threads", "1"));
        File.WriteAllText(Path.Combine(run, "tokenizer_config.json"), JsonSerializer.Serialize(new { chat_template = ChatTemplateSources.ChatMl }));

        var (reply, log) = RunChat("cat\ndog\n/quit\n", "--model", run, "--temperature", "0", "--max-tokens", "40", "--threads", "1");
        Assert.Contains("chat template: chatml", log);
        // Two turns, each an answer in the trained format, ended at <|im_end|> (not run on to max-tokens).
        var answers = reply.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, answers.Length);
        Assert.All(answers, a => Assert.Contains(a, words.Select(w => "ok " + w)));

        // Without the template the same model sees plain text and does not answer in the format.
        var (plain, _) = RunChat("cat\n/quit\n", "--model", run, "--template", "none", "--temperature", "0", "--max-tokens", "12", "--threads", "1");
        Assert.DoesNotContain(plain.Split('\n', StringSplitOptions.RemoveEmptyEntries), a => words.Select(w => "ok " + w).Contains(a));
    }

    [Fact]
    public void TemplateOptionNamesAKnownTemplateOrFailsClearly()
    {
        Assert.Null(ChatCommand.ResolveTemplate("none", null));
        Assert.Null(ChatCommand.ResolveTemplate("auto", Path.Combine(_root, "missing")));
        Assert.Null(ChatCommand.ResolveTemplate("auto", _root));
        Assert.Equal("llama3", ChatCommand.ResolveTemplate("Llama3", null)!.Name);
        var e = Assert.Throws<CliException>(() => ChatCommand.ResolveTemplate("vicuna", null));
        Assert.Contains("--template", e.Message);
        Assert.Contains("chatml", e.Message);
        File.WriteAllText(Path.Combine(_root, "tokenizer_config.json"), "{ not json");
        Assert.Contains("tokenizer_config.json", Assert.Throws<CliException>(() => ChatCommand.ResolveTemplate("auto", _root)).Message);
    }
}
