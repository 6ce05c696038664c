using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SharpLM.Chat;
using SharpLM.Generation;

namespace SharpLM.Server.Tests;

/// <summary>The playground's page and its extension routes: the page is served from the assembly, attention maps are the model's real ones.</summary>
public sealed class PlaygroundApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Text = "the cat sat on the mat. the dog";

    [Theory]
    [InlineData("/", "text/html", "SharpLM playground")]
    [InlineData("/chat.js", "text/javascript", "logprobs: true")]
    [InlineData("/attention.js", "text/javascript", "/playground/attention")]
    [InlineData("/playground.css", "text/css", "#conversation")]
    public async Task PageAndItsFilesAreServedWithoutAKeyOrAnyFileOnDisk(string path, string mediaType, string contains)
    {
        using var bare = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await bare.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Contains(contains, body);
        Assert.DoesNotContain("https://", body); // nothing fetched from elsewhere: the page works offline
    }

    [Fact]
    public async Task InfoDescribesTheServedModel()
    {
        using var bare = new HttpClient { BaseAddress = server.BaseAddress };
        var info = JsonDocument.Parse(await bare.GetStringAsync("/playground/info")).RootElement;
        var (model, _) = server.Load();
        Assert.Equal(ServerFixture.ModelName, info.GetProperty("model").GetString());
        Assert.Equal(model.Config.Layers, info.GetProperty("layers").GetInt32());
        Assert.Equal(model.Config.Heads, info.GetProperty("heads").GetInt32());
        Assert.Equal(model.Config.BlockSize, info.GetProperty("context_length").GetInt32());
        Assert.Equal(ChatTemplates.ForModel(server.Folder).Name, info.GetProperty("template").GetString());
        Assert.True(info.GetProperty("api_key_required").GetBoolean());
    }

    [Fact]
    public async Task AttentionIsTheModelsOwnPerLayerAndHeadAndRowsSumToOne()
    {
        var (model, tokenizer) = server.Load();
        var ids = tokenizer.Encode(Text);
        var expected = new Generator(model).CaptureAttention(ids).Span.ToArray(); // [L, H, T, T]
        var answer = await PostOk("/playground/attention", new { text = Text });

        Assert.Equal(ids, answer.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(ids.Select(tokenizer.TokenPiece), answer.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()));
        var layers = answer.GetProperty("attention");
        int t = ids.Length, heads = model.Config.Heads;
        Assert.Equal(model.Config.Layers, layers.GetArrayLength());
        bool anyOffDiagonal = false;
        for (int l = 0; l < model.Config.Layers; l++)
        {
            Assert.Equal(heads, layers[l].GetArrayLength());
            for (int h = 0; h < heads; h++)
            {
                var rows = layers[l][h];
                Assert.Equal(t, rows.GetArrayLength());
                for (int q = 0; q < t; q++)
                {
                    var row = rows[q].EnumerateArray().Select(e => e.GetSingle()).ToArray();
                    Assert.Equal(q + 1, row.Length); // the causal triangle: keys 0..q
                    Assert.Equal(1.0, row.Sum(), 2);
                    for (int k = 0; k <= q; k++)
                    {
                        float want = expected[((l * heads + h) * t + q) * t + k];
                        Assert.True(Math.Abs(want - row[k]) <= 6e-5f, $"layer {l} head {h} [{q},{k}]: {row[k]} vs {want}");
                        if (k < q && row[k] > 0.05f) anyOffDiagonal = true;
                    }
                }
            }
        }
        Assert.True(anyOffDiagonal, "a random model still spreads attention over earlier tokens");
    }

    [Fact]
    public async Task AttentionRequestsDuringStreamedChatsDoNotChangeTheirAnswers()
    {
        var body = new
        {
            model = ServerFixture.ModelName, messages = new[] { new { role = "user", content = "the cat sat on" } },
            temperature = 0, max_tokens = 40, stream = true,
        };
        string alone = Content(await (await Post("/v1/chat/completions", body)).Content.ReadAsStringAsync());
        Assert.NotEmpty(alone);

        // Attention maps are requested over and over while the same chat is streamed again: they run on a
        // generator of their own, so the chat's KV cache is never touched and every answer stays the same.
        using var done = new CancellationTokenSource();
        int captures = 0;
        var meddler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested) { await PostOk("/playground/attention", new { text = Text }); captures++; }
        });
        for (int i = 0; i < 6; i++)
            Assert.Equal(alone, Content(await (await Post("/v1/chat/completions", body)).Content.ReadAsStringAsync()));
        done.Cancel();
        await meddler;
        Assert.True(captures > 0);
    }

    [Fact]
    public async Task PromptShowsTheConversationRenderedWithTheChatTemplate()
    {
        var answer = await PostOk("/playground/prompt", new
        {
            model = ServerFixture.ModelName,
            messages = new object[] { new { role = "system", content = "be brief" }, new { role = "user", content = "hello" } },
        });
        string expected = ChatTemplates.ForModel(server.Folder).Render([new(Chat.ChatMessage.System, "be brief"), new(Chat.ChatMessage.User, "hello")], addGenerationPrompt: true);
        Assert.Equal(expected, answer.GetProperty("prompt").GetString());
    }

    [Theory]
    [InlineData("""{"text": ""}""", HttpStatusCode.BadRequest, "missing_required_parameter")]
    [InlineData("""{"prompt": "hi"}""", HttpStatusCode.BadRequest, "missing_required_parameter")]
    [InlineData("""{"text": 3}""", HttpStatusCode.BadRequest, "missing_required_parameter")]
    [InlineData("""{not json""", HttpStatusCode.BadRequest, "invalid_json")]
    public async Task BadAttentionRequestsGetAnOpenAIErrorNamingTheProblem(string body, HttpStatusCode status, string code)
    {
        using var http = Http();
        var response = await http.PostAsync("/playground/attention", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertError(response, status, code);
    }

    [Fact]
    public async Task AttentionOverTheTokenLimitIs400AndWithoutTheKeyIs401()
    {
        string longText = string.Join(' ', Enumerable.Repeat("the cat sat on the mat", 40));
        var error = await AssertError(await Post("/playground/attention", new { text = longText }), HttpStatusCode.BadRequest, "too_many_tokens");
        Assert.Equal("text", error.GetProperty("param").GetString());
        using var bare = new HttpClient { BaseAddress = server.BaseAddress };
        await AssertError(await bare.PostAsync("/playground/attention", Json(new { text = "hi" })), HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    // The text of an SSE chat stream: its content deltas joined.
    private static string Content(string sse)
    {
        var text = new StringBuilder();
        foreach (var line in sse.Split('\n'))
        {
            if (!line.StartsWith("data: {")) continue;
            var choices = JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("choices");
            if (choices.GetArrayLength() > 0 && choices[0].GetProperty("delta").TryGetProperty("content", out var c))
                text.Append(c.GetString());
        }
        return text.ToString();
    }

    private HttpClient Http()
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerFixture.ApiKey);
        return http;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private async Task<HttpResponseMessage> Post(string path, object body)
    {
        using var http = Http();
        return await http.PostAsync(path, Json(body));
    }

    private async Task<JsonElement> PostOk(string path, object body)
    {
        var response = await Post(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    private static async Task<JsonElement> AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error;
    }
}
