using System.Text.Json;
using SharpLM.Chat;

namespace SharpLM.Tests.Chat;

/// <summary>
/// Chat templates render what the published Jinja templates render (reference strings in
/// Fixtures/chat/chat_templates.json, made by make_chat_fixtures.py with jinja2 in
/// transformers' apply_chat_template environment), and their assistant spans are exactly the
/// answers plus the end-of-turn marker.
/// </summary>
public class ChatTemplateTests
{
    private static JsonElement Fixture()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "chat", "chat_templates.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    private static List<ChatMessage> Messages(JsonElement array) =>
        array.EnumerateArray().Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList();

    [Fact]
    public void Render_EqualsJinjaReference_ForEveryCase()
    {
        int checkedCases = 0;
        foreach (var c in Fixture().GetProperty("cases").EnumerateArray())
        {
            var t = ChatTemplates.Create(c.GetProperty("template").GetString()!, c.GetProperty("bos_token").GetString(), c.GetProperty("eos_token").GetString());
            string actual = t.Render(Messages(c.GetProperty("messages")), c.GetProperty("add_generation_prompt").GetBoolean());
            Assert.Equal(c.GetProperty("rendered").GetString(), actual);
            checkedCases++;
        }
        Assert.Equal(40, checkedCases);
    }

    [Fact]
    public void PublishedSources_AreRecognized_AsTheirTemplate()
    {
        foreach (var s in Fixture().GetProperty("sources").EnumerateObject())
        {
            Assert.Equal(s.Name, ChatTemplates.Recognize(s.Value.GetString()!)?.Name);
            Assert.Equal(s.Value.GetString(), ChatTemplates.Get(s.Name).JinjaSource);
        }
        Assert.Equal("chatml", ChatTemplates.RecognizeName(ChatTemplateSources.ChatMlWithPrelude));
        Assert.Null(ChatTemplates.Recognize("{% for m in messages %}{{ m['content'] }}{% endfor %}"));
    }

    [Theory]
    [InlineData("chatml", "<|im_end|>")]
    [InlineData("llama2", "</s>")]
    [InlineData("llama3", "<|eot_id|>")]
    [InlineData("alpaca", "</s>")]
    public void AssistantSpans_AreExactlyTheAnswersAndTheirEndMarker(string name, string end)
    {
        var t = ChatTemplates.Get(name);
        var conv = new List<ChatMessage>
        {
            new("system", "sys"), new("user", "question one"), new("assistant", "answer one"),
            new("user", "question two"), new("assistant", "answer two"),
        };
        var spans = t.RenderSpans(conv, addGenerationPrompt: false);
        Assert.Equal(t.Render(conv, false), string.Concat(spans.Select(s => s.Text)));
        var assistant = spans.Where(s => s.IsAssistant).Select(s => s.Text).ToList();
        string lead = name == "llama2" ? " " : "", gap = name == "llama2" ? " " : "";
        Assert.Equal([lead + "answer one" + gap + end, lead + "answer two" + gap + end], assistant);
        Assert.DoesNotContain(spans.Where(s => !s.IsAssistant), s => s.Text.Contains("answer"));
        Assert.Contains(end, t.StopStrings);
    }

    [Fact]
    public void Llama2_RolesThatDoNotAlternate_AreAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => ChatTemplates.Get("llama2").Render([new("user", "a"), new("user", "b")], false));
        Assert.Contains("alternate", e.Message);
        var r = Assert.Throws<ArgumentException>(() => ChatTemplates.Get("chatml").Render([new("tool", "x")], false));
        Assert.Contains("'tool'", r.Message);
        var n = Assert.Throws<ArgumentException>(() => ChatTemplates.Get("vicuna"));
        Assert.Contains("chatml, llama2, llama3, alpaca", n.Message);
    }

    [Fact]
    public void ForModel_ReadsTokenizerConfigTemplateAndTokens_ElseChatMl()
    {
        var dir = Directory.CreateTempSubdirectory("chat-template-").FullName;
        try
        {
            Assert.Equal("chatml", ChatTemplates.ForModel(dir).Name);
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["chat_template"] = ChatTemplateSources.Llama2,
                ["bos_token"] = new Dictionary<string, object> { ["content"] = "<BOS>" },
                ["eos_token"] = "<EOS>",
            }));
            var t = ChatTemplates.ForModel(Path.Combine(dir, "model.safetensors"));
            Assert.Equal("llama2", t.Name);
            Assert.Equal("<BOS>[INST] hi [/INST] yo <EOS>", t.Render([new("user", "hi"), new("assistant", "yo")], false));
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{ broken");
            var e = Assert.Throws<InvalidDataException>(() => ChatTemplates.ForModel(dir));
            Assert.Contains("tokenizer_config.json", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
