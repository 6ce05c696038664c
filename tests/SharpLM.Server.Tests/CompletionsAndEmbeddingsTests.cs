using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Embeddings;
using SharpLM.Generation;

namespace SharpLM.Server.Tests;

/// <summary>
/// <c>/v1/completions</c> (text, arrays, token ids, streaming, legacy logprobs) and <c>/v1/embeddings</c>
/// (through the OpenAI client's embedding client), with the documented errors: 400 bad fields and
/// unknown fields, 400 over the context, 401 without the key, 404 unknown model, 413 too-large body.
/// </summary>
public sealed class CompletionsAndEmbeddingsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int MaxTokens = 10;

    /// <summary>Greedy continuation of a plain prompt, done directly.</summary>
    private string Reference(string prompt, out GenerationStats stats)
    {
        var (model, tokenizer) = server.Load();
        var generator = new TextGenerator(model, tokenizer);
        string text = generator.Generate(prompt, new GenerationOptions { MaxTokens = MaxTokens, Sampling = SamplerOptions.Greedy });
        stats = generator.LastStats!;
        return text;
    }

    private async Task<JsonElement> Post(string route, object body)
    {
        using var http = ApiAssert.Http(server.BaseAddress);
        using var response = await http.PostAsync(route, ApiAssert.Json(body));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task TextCompletionEqualsDirectGreedyGenerationForEachPromptOfAnArray()
    {
        string[] prompts = ["the cat sat", "the dog"];
        var answer = await Post("/v1/completions", new { model = ServerFixture.ModelName, prompt = prompts, temperature = 0, max_tokens = MaxTokens });
        Assert.Equal("text_completion", answer.GetProperty("object").GetString());
        var choices = answer.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal(2, choices.Count);
        int promptTokens = 0, completionTokens = 0;
        for (int i = 0; i < 2; i++)
        {
            string expected = Reference(prompts[i], out var stats);
            Assert.Equal(i, choices[i].GetProperty("index").GetInt32());
            Assert.Equal(expected, choices[i].GetProperty("text").GetString());
            Assert.Equal(stats.Finish == FinishReason.StopToken ? "stop" : "length", choices[i].GetProperty("finish_reason").GetString());
            Assert.Equal(JsonValueKind.Null, choices[i].GetProperty("logprobs").ValueKind);
            promptTokens += stats.PromptTokens;
            completionTokens += stats.GeneratedTokens - (stats.Finish == FinishReason.StopToken ? 1 : 0);
        }
        var usage = answer.GetProperty("usage");
        Assert.Equal(promptTokens, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(completionTokens, usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task ATokenIdPromptGivesTheSameCompletionAsItsText()
    {
        var ids = server.Load().Tokenizer.Encode("the cat sat");
        var byText = await Post("/v1/completions", new { model = ServerFixture.ModelName, prompt = "the cat sat", temperature = 0, max_tokens = MaxTokens });
        var byIds = await Post("/v1/completions", new { model = ServerFixture.ModelName, prompt = ids, temperature = 0, max_tokens = MaxTokens });
        Assert.Equal(byText.GetProperty("choices")[0].GetProperty("text").GetString(), byIds.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task StreamedCompletionConcatenatesToTheWholeOneWithFinishUsageAndDone()
    {
        var whole = (await Post("/v1/completions", new { model = ServerFixture.ModelName, prompt = "the dog sat", temperature = 0, max_tokens = MaxTokens })).GetProperty("choices")[0];
        using var http = ApiAssert.Http(server.BaseAddress);
        var body = new { model = ServerFixture.ModelName, prompt = "the dog sat", temperature = 0, max_tokens = MaxTokens, stream = true, stream_options = new { include_usage = true } };
        using var response = await http.PostAsync("/v1/completions", ApiAssert.Json(body));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        var withChoices = chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0).Select(c => c.GetProperty("choices")[0]).ToList();
        Assert.Equal(whole.GetProperty("text").GetString(), string.Concat(withChoices.Select(c => c.GetProperty("text").GetString())));
        Assert.True(withChoices.Count > 2, "the text must arrive in several chunks");
        Assert.Equal(whole.GetProperty("finish_reason").GetString(), withChoices[^1].GetProperty("finish_reason").GetString());
        Assert.All(withChoices[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        Assert.True(chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task LegacyLogprobsListEveryTokenWithItsAlternatives()
    {
        var choice = (await Post("/v1/completions", new { model = ServerFixture.ModelName, prompt = "the cat", temperature = 0, max_tokens = MaxTokens, logprobs = 3 })).GetProperty("choices")[0];
        var lp = choice.GetProperty("logprobs");
        var tokens = lp.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToList();
        var logprobs = lp.GetProperty("token_logprobs").EnumerateArray().Select(t => t.GetDouble()).ToList();
        var tops = lp.GetProperty("top_logprobs").EnumerateArray().ToList();
        var offsets = lp.GetProperty("text_offset").EnumerateArray().Select(t => t.GetInt32()).ToList();
        Assert.NotEmpty(tokens);
        Assert.Equal(tokens.Count, logprobs.Count);
        Assert.Equal(tokens.Count, tops.Count);
        Assert.Equal(tokens.Count, offsets.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            Assert.True(logprobs[i] <= 0);
            var alternatives = tops[i].EnumerateObject().ToList();
            Assert.InRange(alternatives.Count, 1, 3);
            // Greedy: the chosen token is the most likely one, so it heads its alternatives with the same logprob.
            Assert.Equal(logprobs[i], alternatives.Max(a => a.Value.GetDouble()), 5);
            if (i > 0) Assert.True(offsets[i] >= offsets[i - 1]);
        }
    }

    [Fact]
    public void EmbeddingsThroughTheOpenAIClientEqualTheEncodersMeanPooledVectors()
    {
        var client = ApiAssert.OpenAI(server.BaseAddress).GetEmbeddingClient(ServerFixture.EmbeddingModelName);
        string[] texts = ["the cat sat on the mat", "the dog slept", "the cat sat on the mat"];
        OpenAIEmbeddingCollection vectors = client.GenerateEmbeddings(texts); // the .NET client asks for base64
        Assert.Equal(3, vectors.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            var expected = server.Embeddings.Pipeline.Embed(texts[i]);
            var got = vectors[i].ToFloats().ToArray();
            Assert.Equal(server.Embeddings.Dimensions, got.Length);
            Assert.Equal(expected, got);
        }
        Assert.NotEqual(vectors[0].ToFloats().ToArray(), vectors[1].ToFloats().ToArray());
        Assert.Equal(texts.Sum(server.Embeddings.CountTokens), vectors.Usage.InputTokenCount);
    }

    [Fact]
    public async Task TheEmbeddingGeneratorIsThreadSafeAndRefusesOtherDimensions()
    {
        Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>> generator = server.Embeddings;
        var texts = Enumerable.Range(0, 12).Select(i => $"the cat {i} sat near the barn").ToArray();
        var serial = texts.Select(t => server.Embeddings.Pipeline.Embed(t)).ToList();
        var parallel = await Task.WhenAll(texts.Select(t => Task.Run(() => generator.GenerateAsync([t]))));
        Assert.Equal(serial, parallel.Select(g => g.Single().Vector.ToArray()));
        Assert.Equal(server.Embeddings.Dimensions, generator.GetService<Microsoft.Extensions.AI.EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["hi"], new Microsoft.Extensions.AI.EmbeddingGenerationOptions { Dimensions = 3 }));
    }

    [Fact]
    public async Task EmbeddingsAsFloatsHaveOpenAIsShape()
    {
        var answer = await Post("/v1/embeddings", new { model = ServerFixture.EmbeddingModelName, input = "the old barn" });
        Assert.Equal("list", answer.GetProperty("object").GetString());
        var first = Assert.Single(answer.GetProperty("data").EnumerateArray());
        Assert.Equal("embedding", first.GetProperty("object").GetString());
        Assert.Equal(server.Embeddings.Pipeline.Embed("the old barn"), first.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()));
    }

    [Fact]
    public async Task WithoutAnEmbeddingModelEmbeddingsAre400ForTheChatModelAnd404ForOthers()
    {
        await using var bare = SharpLMServer.Build(server.Service, new ServerOptions { ModelName = ServerFixture.ModelName, Port = 0 });
        await bare.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(bare.Urls.Single()) };
        await ApiAssert.AssertError(await http.PostAsync("/v1/embeddings", ApiAssert.Json(new { model = ServerFixture.ModelName, input = "hi" })), HttpStatusCode.BadRequest, "model_not_embedding");
        await ApiAssert.AssertError(await http.PostAsync("/v1/embeddings", ApiAssert.Json(new { model = "text-embedding-3-small", input = "hi" })), HttpStatusCode.NotFound, "model_not_found");
        await bare.StopAsync();
    }

    [Theory]
    [InlineData("/v1/completions", """{"model":"tiny-test","prompt":"hi","max_tokens":-1}""", HttpStatusCode.BadRequest, "max_tokens", "invalid_value")]
    [InlineData("/v1/completions", """{"model":"tiny-test","prompt":"hi","logprobs":30}""", HttpStatusCode.BadRequest, "logprobs", "invalid_value")]
    [InlineData("/v1/completions", """{"model":"tiny-test","prompt":"hi","echo":true}""", HttpStatusCode.BadRequest, "echo", "unsupported_value")]
    [InlineData("/v1/completions", """{"model":"tiny-test","prompt":[[1,2],[-4]]}""", HttpStatusCode.BadRequest, "prompt", "invalid_value")]
    [InlineData("/v1/completions", """{"model":"tiny-test","prompt":[99999]}""", HttpStatusCode.BadRequest, "prompt", "invalid_value")]
    [InlineData("/v1/completions", """{"model":"tiny-test"}""", HttpStatusCode.BadRequest, "prompt", "missing_required_parameter")]
    [InlineData("/v1/completions", """{"model":"gpt-9","prompt":"hi"}""", HttpStatusCode.NotFound, "model", "model_not_found")]
    [InlineData("/v1/completions", """{"model":"tiny-test","prompt":"hi","frobnicate":1}""", HttpStatusCode.BadRequest, "frobnicate", "unknown_parameter")]
    [InlineData("/v1/chat/completions", """{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"tools":[]}""", HttpStatusCode.BadRequest, "tools", "unknown_parameter")]
    [InlineData("/v1/embeddings", """{"model":"tiny-bert","input":[]}""", HttpStatusCode.BadRequest, "input", "invalid_value")]
    [InlineData("/v1/embeddings", """{"model":"tiny-bert","input":"hi","dimensions":7}""", HttpStatusCode.BadRequest, "dimensions", "invalid_value")]
    [InlineData("/v1/embeddings", """{"model":"tiny-bert","input":"hi","encoding_format":"int8"}""", HttpStatusCode.BadRequest, "encoding_format", "invalid_value")]
    [InlineData("/v1/embeddings", """{"model":"nope","input":"hi"}""", HttpStatusCode.NotFound, "model", "model_not_found")]
    // Text that is not valid Unicode (an escaped lone surrogate) is the client's 400 on every route, not a 500.
    [InlineData("/v1/chat/completions", """{"model":"tiny-test","messages":[{"role":"user","content":"hi \ud800"}]}""", HttpStatusCode.BadRequest, "messages[0].content", "invalid_value")]
    [InlineData("/v1/chat/completions", """{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"stop":["\udfff"]}""", HttpStatusCode.BadRequest, "stop", "invalid_value")]
    [InlineData("/v1/completions", """{"model":"tiny-test","prompt":"\ud800"}""", HttpStatusCode.BadRequest, "prompt", "invalid_value")]
    [InlineData("/v1/completions", """{"model":"tiny-test","prompt":["ok","\ud800"]}""", HttpStatusCode.BadRequest, "prompt[1]", "invalid_value")]
    [InlineData("/v1/embeddings", """{"model":"tiny-bert","input":["\ud800"]}""", HttpStatusCode.BadRequest, "input", "invalid_value")]
    public async Task BadRequestsGetOpenAIErrorsNamingTheField(string route, string body, HttpStatusCode status, string param, string code)
    {
        using var http = ApiAssert.Http(server.BaseAddress);
        var error = await ApiAssert.AssertError(await http.PostAsync(route, ApiAssert.Json(body)), status, code);
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("/v1/completions")]
    [InlineData("/v1/embeddings")]
    public async Task BadJsonIs400AndAMissingOrWrongKeyIs401(string route)
    {
        using var http = ApiAssert.Http(server.BaseAddress);
        await ApiAssert.AssertError(await http.PostAsync(route, ApiAssert.Json("{\"model\": ")), HttpStatusCode.BadRequest, "invalid_json");
        using var wrong = ApiAssert.Http(server.BaseAddress, key: "wrong");
        await ApiAssert.AssertError(await wrong.PostAsync(route, ApiAssert.Json("{}")), HttpStatusCode.Unauthorized, "invalid_api_key");
        using var none = new HttpClient { BaseAddress = server.BaseAddress };
        await ApiAssert.AssertError(await none.PostAsync(route, ApiAssert.Json("{}")), HttpStatusCode.Unauthorized, "invalid_api_key");
        var e = Assert.Throws<ClientResultException>(() => ApiAssert.OpenAI(server.BaseAddress, key: "wrong").GetEmbeddingClient(ServerFixture.EmbeddingModelName).GenerateEmbedding("hi"));
        Assert.Equal(401, e.Status);
    }

    [Fact]
    public async Task APromptOverTheContextIs400()
    {
        using var http = ApiAssert.Http(server.BaseAddress);
        string longText = string.Join(' ', Enumerable.Repeat("the cat sat on the mat", 40));
        var error = await ApiAssert.AssertError(await http.PostAsync("/v1/completions", ApiAssert.Json(new { model = ServerFixture.ModelName, prompt = longText })),
            HttpStatusCode.BadRequest, "context_length_exceeded");
        Assert.Equal("prompt", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task ABodyOverTheSizeLimitIs413()
    {
        using var http = ApiAssert.Http(server.BaseAddress);
        http.DefaultRequestHeaders.ExpectContinue = true; // the server can refuse before the body is sent, as a well-behaved large upload asks
        string huge = "{\"model\":\"tiny-test\",\"prompt\":\"" + new string('a', 5 * 1024 * 1024) + "\"}";
        using var content = new StringContent(huge, Encoding.UTF8, "application/json");
        await ApiAssert.AssertError(await http.PostAsync("/v1/completions", content), HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }
}
