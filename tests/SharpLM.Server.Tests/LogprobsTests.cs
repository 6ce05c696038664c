using System.Net;
using System.Text.Json;
using OpenAI.Chat;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Tokenizers;

namespace SharpLM.Server.Tests;

/// <summary>
/// <c>logprobs</c> / <c>top_logprobs</c> on chat completions, through the OpenAI client: each token's
/// log-probability and alternatives equal a log-softmax of the model's own logits computed directly,
/// whole and streamed alike.
/// </summary>
public sealed class LogprobsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const int MaxTokens = 12, Top = 5;

    private static readonly OpenAI.Chat.ChatMessage[] Conversation = [new UserChatMessage("the dog sat on")];

    /// <summary>Greedy decoding done by hand: for each step the chosen id, its log-probability and the top-5 (id, log-probability).</summary>
    private List<(int Id, double Logprob, (int Id, double Logprob)[] Top)> Reference()
    {
        var (model, tokenizer) = server.Load();
        string prompt = ChatTemplates.ForModel(server.Folder).Render([new(Chat.ChatMessage.User, "the dog sat on")], addGenerationPrompt: true);
        var generator = new Generator(model);
        var logits = generator.Prefill(tokenizer.Encode(prompt)).ToArray();
        var steps = new List<(int, double, (int, double)[])>();
        for (int step = 0; step < MaxTokens; step++)
        {
            double max = logits.Max(), logZ = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
            var ranked = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).ToArray();
            int chosen = ranked[0];
            steps.Add((chosen, logits[chosen] - logZ, ranked.Take(Top).Select(i => (i, logits[i] - logZ)).ToArray()));
            if (tokenizer.SpecialTokens.TryGetValue("<|endoftext|>", out int eot) && chosen == eot) break;
            logits = generator.Decode(chosen).ToArray();
        }
        return steps;
    }

    private ChatClient Client() => ApiAssert.OpenAI(server.BaseAddress).GetChatClient(ServerFixture.ModelName);

    private static ChatCompletionOptions Options() => new() { Temperature = 0f, MaxOutputTokenCount = MaxTokens, IncludeLogProbabilities = true, TopLogProbabilityCount = Top };

    [Fact]
    public void EachTokenCarriesItsLogprobAndTheTopAlternativesOfTheModelsDistribution()
    {
        var expected = Reference();
        var bytesOf = (BpeTokenizer)server.Load().Tokenizer;
        ChatCompletion done = Client().CompleteChat(Conversation, Options());
        var tokens = done.ContentTokenLogProbabilities;
        Assert.Equal(done.Usage.OutputTokenCount, tokens.Count);
        Assert.True(tokens.Count > 0);
        for (int i = 0; i < tokens.Count; i++)
        {
            var (id, logprob, top) = expected[i];
            Assert.Equal(bytesOf.TokenBytes(id), tokens[i].Utf8Bytes!.Value.ToArray());
            Assert.Equal(logprob, tokens[i].LogProbability, 3);
            Assert.True(tokens[i].LogProbability <= 0);
            Assert.Equal(Top, tokens[i].TopLogProbabilities.Count);
            for (int k = 0; k < Top; k++)
            {
                Assert.Equal(bytesOf.TokenBytes(top[k].Id), tokens[i].TopLogProbabilities[k].Utf8Bytes!.Value.ToArray());
                Assert.Equal(top[k].Logprob, tokens[i].TopLogProbabilities[k].LogProbability, 3);
            }
            Assert.Equal(tokens[i].Token, tokens[i].TopLogProbabilities[0].Token); // greedy takes the most likely token
        }
    }

    [Fact]
    public void StreamedChunksCarryTheSameLogprobsAsTheWholeAnswer()
    {
        ChatCompletion done = Client().CompleteChat(Conversation, Options());
        var whole = done.ContentTokenLogProbabilities;
        var streamed = new List<ChatTokenLogProbabilityDetails>();
        var text = new System.Text.StringBuilder();
        foreach (var update in Client().CompleteChatStreaming(Conversation, Options()))
        {
            streamed.AddRange(update.ContentTokenLogProbabilities);
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
        }
        Assert.Equal(whole.Select(t => (t.Token, t.LogProbability, t.TopLogProbabilities.Count)), streamed.Select(t => (t.Token, t.LogProbability, t.TopLogProbabilities.Count)));
        Assert.Equal(done.Content.Single().Text, text.ToString());
    }

    [Fact]
    public async Task RawJsonHasOpenAIsShapeAndNoLogprobsWhenNotAsked()
    {
        using var http = ApiAssert.Http(server.BaseAddress);
        var body = new { model = ServerFixture.ModelName, messages = new[] { new { role = "user", content = "the cat" } }, temperature = 0, max_tokens = 3, logprobs = true, top_logprobs = 2 };
        var choice = JsonDocument.Parse(await (await http.PostAsync("/v1/chat/completions", ApiAssert.Json(body))).Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0];
        var first = choice.GetProperty("logprobs").GetProperty("content")[0];
        Assert.Equal(JsonValueKind.String, first.GetProperty("token").ValueKind);
        Assert.Equal(JsonValueKind.Number, first.GetProperty("logprob").ValueKind);
        Assert.All(first.GetProperty("bytes").EnumerateArray(), b => Assert.InRange(b.GetInt32(), 0, 255));
        Assert.Equal(2, first.GetProperty("top_logprobs").GetArrayLength());
        Assert.True(first.GetProperty("top_logprobs")[0].TryGetProperty("bytes", out _));

        var plain = new { model = ServerFixture.ModelName, messages = new[] { new { role = "user", content = "the cat" } }, max_tokens = 2 };
        var plainChoice = JsonDocument.Parse(await (await http.PostAsync("/v1/chat/completions", ApiAssert.Json(plain))).Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0];
        Assert.Equal(JsonValueKind.Null, plainChoice.GetProperty("logprobs").ValueKind);
    }

    [Theory]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21}""", "top_logprobs")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"top_logprobs":3}""", "top_logprobs")]
    [InlineData("""{"model":"tiny-test","messages":[{"role":"user","content":"hi"}],"logprobs":"yes"}""", "logprobs")]
    public async Task BadLogprobRequestsAre400(string body, string param)
    {
        using var http = ApiAssert.Http(server.BaseAddress);
        var error = await ApiAssert.AssertError(await http.PostAsync("/v1/chat/completions", ApiAssert.Json(body)), HttpStatusCode.BadRequest, "invalid_value");
        Assert.Equal(param, error.GetProperty("param").GetString());
    }
}
