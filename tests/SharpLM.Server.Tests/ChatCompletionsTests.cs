using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using SharpLM.Chat;
using SharpLM.Generation;

namespace SharpLM.Server.Tests;

/// <summary>The OpenAI-compatible API seen through the official OpenAI .NET client and raw HTTP: same text as direct generation, OpenAI error objects.</summary>
public sealed class ChatCompletionsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int MaxTokens = 16;

    private ChatClient Client(string key = ServerFixture.ApiKey, string model = ServerFixture.ModelName) =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });

    private static readonly OpenAI.Chat.ChatMessage[] Conversation =
        [new SystemChatMessage("be brief"), new UserChatMessage("the cat sat on")];

    /// <summary>The same greedy generation done directly: ChatML-rendered prompt, template stops, MaxTokens new tokens.</summary>
    private string Reference(out GenerationStats stats)
    {
        var (model, tokenizer) = server.Load();
        var template = ChatTemplates.ForModel(server.Folder);
        string prompt = template.Render([new(Chat.ChatMessage.System, "be brief"), new(Chat.ChatMessage.User, "the cat sat on")], addGenerationPrompt: true);
        var generator = new TextGenerator(model, tokenizer);
        string text = generator.Generate(prompt, new GenerationOptions { MaxTokens = MaxTokens, Sampling = SamplerOptions.Greedy, StopSequences = template.StopStrings });
        stats = generator.LastStats!;
        return text;
    }

    /// <summary>Usage counts the new tokens of the answer; an end-of-text token that closes it is not one of them.</summary>
    private static int CompletionTokens(GenerationStats s) => s.GeneratedTokens - (s.Finish == FinishReason.StopToken ? 1 : 0);

    [Fact]
    public void NonStreamingCompletionEqualsDirectGreedyGeneration()
    {
        string expected = Reference(out var stats);
        Assert.NotEmpty(expected);
        ChatCompletion done = Client().CompleteChat(Conversation, new ChatCompletionOptions { Temperature = 0f, MaxOutputTokenCount = MaxTokens });
        Assert.Equal(expected, done.Content.Single().Text);
        Assert.Equal(ChatMessageRole.Assistant, done.Role);
        Assert.Equal(stats.Finish == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop, done.FinishReason);
        Assert.Equal(stats.PromptTokens, done.Usage.InputTokenCount);
        Assert.Equal(CompletionTokens(stats), done.Usage.OutputTokenCount);
        Assert.Equal(ServerFixture.ModelName, done.Model);
    }

    [Fact]
    public void StreamingDeltasConcatenateToTheSameTextAndEndWithFinishReasonAndUsage()
    {
        string expected = Reference(out var stats);
        var options = new ChatCompletionOptions { Temperature = 0f, MaxOutputTokenCount = MaxTokens }; // the client always asks for stream_options.include_usage
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        int contentUpdates = 0;
        foreach (var update in Client().CompleteChatStreaming(Conversation, options))
        {
            foreach (var part in update.ContentUpdate) { text.Append(part.Text); contentUpdates++; }
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Equal(expected, text.ToString());
        Assert.True(contentUpdates > 1, "the answer must arrive in several deltas, not one");
        Assert.Equal(stats.Finish == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(stats.PromptTokens + CompletionTokens(stats), usage!.TotalTokenCount);
    }

    [Fact]
    public async Task RawStreamHasRoleFirstThenContentThenFinishThenDone()
    {
        using var http = Http();
        var body = new { model = ServerFixture.ModelName, messages = new[] { new { role = "user", content = "the dog" } }, stream = true, temperature = 0, max_tokens = 4 };
        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var last = chunks[^1].GetProperty("choices")[0];
        Assert.Equal("length", last.GetProperty("finish_reason").GetString());
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
    }

    [Fact]
    public async Task ModelsListsTheServedModelAndHealthAnswers()
    {
        using var http = Http();
        var models = JsonDocument.Parse(await http.GetStringAsync("/v1/models")).RootElement;
        Assert.Equal("list", models.GetProperty("object").GetString());
        var data = models.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([ServerFixture.ModelName, ServerFixture.EmbeddingModelName], data.Select(m => m.GetProperty("id").GetString()));
        Assert.All(data, m => Assert.Equal("model", m.GetProperty("object").GetString()));
        using var bare = new HttpClient { BaseAddress = server.BaseAddress }; // health needs no key
        Assert.Equal("ok", JsonDocument.Parse(await bare.GetStringAsync("/health")).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task MissingOrWrongKeyIs401()
    {
        using var bare = new HttpClient { BaseAddress = server.BaseAddress };
        await AssertError(await bare.GetAsync("/v1/models"), HttpStatusCode.Unauthorized, "invalid_api_key");
        bare.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        await AssertError(await bare.PostAsync("/v1/chat/completions", Json("{}")), HttpStatusCode.Unauthorized, "invalid_api_key");
        var e = Assert.Throws<ClientResultException>(() => Client(key: "wrong").CompleteChat(Conversation));
        Assert.Equal(401, e.Status);
    }

    [Fact]
    public async Task UnknownModelIs404()
    {
        using var http = Http();
        var error = await AssertError(await http.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}""")),
            HttpStatusCode.NotFound, "model_not_found");
        Assert.Contains("gpt-9", error.GetProperty("message").GetString());
        Assert.Equal(404, Assert.Throws<ClientResultException>(() => Client(model: "gpt-9").CompleteChat(Conversation)).Status);
    }

    [Theory]
    [InlineData("{not json", null, "invalid_json")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"max_tokens":-3}""", "max_tokens", "invalid_value")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"temperature":2.5}""", "temperature", "invalid_value")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"top_p":0}""", "top_p", "invalid_value")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"tool","content":"hi"}]}""", "messages[0].role", "invalid_value")]
    [InlineData("""{"model":"tiny-test","messages":[]}""", "messages", "missing_required_parameter")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model", "missing_required_parameter")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"stop":[1]}""", "stop", "invalid_value")]
    public async Task BadRequestsAre400NamingTheField(string body, string? param, string code)
    {
        using var http = Http();
        var error = await AssertError(await http.PostAsync("/v1/chat/completions", Json(body)), HttpStatusCode.BadRequest, code);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (param is null) Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        else Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PromptOverTheContextIs400(bool stream)
    {
        using var http = Http();
        string longText = string.Join(' ', Enumerable.Repeat("the cat sat on the mat", 40)); // far more than the 96-token window
        var body = JsonSerializer.Serialize(new { model = ServerFixture.ModelName, messages = new[] { new { role = "user", content = longText } }, stream });
        var error = await AssertError(await http.PostAsync("/v1/chat/completions", Json(body)), HttpStatusCode.BadRequest, "context_length_exceeded");
        Assert.Contains("96", error.GetProperty("message").GetString());
    }

    private HttpClient Http() => ApiAssert.Http(server.BaseAddress);

    private static StringContent Json(string body) => ApiAssert.Json(body);

    private static Task<JsonElement> AssertError(HttpResponseMessage response, HttpStatusCode status, string code) => ApiAssert.AssertError(response, status, code);
}
