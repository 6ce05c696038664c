using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Serving;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace SharpLM.Server.Tests;

/// <summary>
/// <see cref="SharpLMChatClient"/> as an app sees it (Microsoft.Extensions.AI's <see cref="IChatClient"/>):
/// streaming updates, ChatOptions mapped onto the sampler, concurrent calls equal serial ones; and the
/// server seen through Microsoft.Extensions.AI's OpenAI adapter gives the same answers and embeddings.
/// </summary>
public sealed class ChatClientTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerFixture _server;
    private readonly SharpLMChatClient _client;

    public ChatClientTests(ServerFixture server)
    {
        _server = server;
        var (model, tokenizer) = server.Load();
        _client = new SharpLMChatClient(new TextGenerator(model, tokenizer), ChatTemplates.ForModel(server.Folder), ServerFixture.ModelName, parallel: 3);
    }

    public void Dispose() => _client.Dispose();

    private static readonly AiChatMessage[] Conversation = [new(ChatRole.System, "be brief"), new(ChatRole.User, "the cat sat on")];

    private static ChatOptions Greedy(int max = 16) => new() { Temperature = 0f, MaxOutputTokens = max };

    [Fact]
    public async Task TheAnswerEqualsDirectGenerationAndStreamsAsRoleTextFinishAndUsage()
    {
        var (model, tokenizer) = _server.Load();
        var template = ChatTemplates.ForModel(_server.Folder);
        string prompt = template.Render([new(Chat.ChatMessage.System, "be brief"), new(Chat.ChatMessage.User, "the cat sat on")], addGenerationPrompt: true);
        string expected = new TextGenerator(model, tokenizer).Generate(prompt, new GenerationOptions { MaxTokens = 16, Sampling = SamplerOptions.Greedy, StopSequences = template.StopStrings });

        IChatClient client = _client;
        var response = await client.GetResponseAsync(Conversation, Greedy());
        Assert.Equal(expected, response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal(ServerFixture.ModelName, response.ModelId);
        Assert.NotNull(response.FinishReason);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync(Conversation, Greedy())) updates.Add(u);
        Assert.True(updates.Count > 2);
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.Equal(expected, string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates[..^1], u => Assert.Null(u.FinishReason));
        Assert.Equal(response.FinishReason, updates[^1].FinishReason);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal(response.Usage!.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(response.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);

        // The updates gather back into the same response with M.E.AI's own helper.
        Assert.Equal(expected, updates.ToChatResponse().Text);
        Assert.Equal("sharplm", client.GetService<ChatClientMetadata>()!.ProviderName);
    }

    [Fact]
    public async Task ChatOptionsMapOntoTheSampler()
    {
        IChatClient client = _client;
        string full = (await client.GetResponseAsync(Conversation, Greedy(24))).Text;
        Assert.True(full.Length > 8, $"the greedy answer is too short to test with: '{full}'");

        var limited = await client.GetResponseAsync(Conversation, Greedy(3));
        Assert.Equal(3, limited.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, limited.FinishReason);

        int cut = Enumerable.Range(3, full.Length - 6).First(k => full.IndexOf(full.Substring(k, 3), StringComparison.Ordinal) == k);
        var stopped = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0f, MaxOutputTokens = 24, StopSequences = [full.Substring(cut, 3)] });
        Assert.Equal(full[..cut], stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);

        var seeded = new ChatOptions { Temperature = 1.2f, MaxOutputTokens = 24, Seed = 42 };
        Assert.Equal((await client.GetResponseAsync(Conversation, seeded)).Text, (await client.GetResponseAsync(Conversation, seeded.Clone())).Text);
        var others = new HashSet<string>();
        for (long s = 1; s <= 4; s++) others.Add((await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 1.2f, MaxOutputTokens = 24, Seed = s })).Text);
        Assert.True(others.Count > 1, "different seeds must be able to give different answers");

        var topK1 = new ChatOptions { Temperature = 1.5f, TopK = 1, MaxOutputTokens = 24, Seed = 9 };
        Assert.Equal(full, (await client.GetResponseAsync(Conversation, topK1)).Text);
        var tinyTopP = new ChatOptions { Temperature = 1.5f, TopP = 1e-6f, MaxOutputTokens = 24, Seed = 9 };
        Assert.Equal(full, (await client.GetResponseAsync(Conversation, tinyTopP)).Text);
    }

    [Fact]
    public async Task PresenceAndFrequencyPenaltiesCountEveryGeneratedTokenAsOpenAIDefinesThem()
    {
        const int max = 40;
        const float frequency = 0.7f, presence = 0.4f;
        // By hand: greedy over logits minus frequency × count + presence × [count > 0], counts over the new tokens only.
        var (model, tokenizer) = _server.Load();
        var template = ChatTemplates.ForModel(_server.Folder);
        var ids = _client.Service.EncodeChat([new(Chat.ChatMessage.System, "be brief"), new(Chat.ChatMessage.User, "the cat sat on")]);
        var generator = new Generator(model);
        var logits = generator.Prefill(ids).ToArray();
        var counts = new Dictionary<int, int>();
        var answer = new List<int>();
        int eot = tokenizer.SpecialTokens["<|endoftext|>"];
        for (int step = 0; step < max; step++)
        {
            foreach (var (id, c) in counts) logits[id] -= c * frequency + presence;
            int chosen = Array.IndexOf(logits, logits.Max());
            if (chosen == eot) break;
            counts[chosen] = counts.GetValueOrDefault(chosen) + 1;
            answer.Add(chosen);
            if (step + 1 < max) logits = generator.Decode(chosen).ToArray();
        }
        string expected = tokenizer.Decode(answer.ToArray());
        foreach (var stop in template.StopStrings)
            if (expected.IndexOf(stop, StringComparison.Ordinal) is int at and >= 0) expected = expected[..at];

        var penalized = await ((IChatClient)_client).GetResponseAsync(Conversation,
            new ChatOptions { Temperature = 0f, MaxOutputTokens = max, FrequencyPenalty = frequency, PresencePenalty = presence });
        Assert.Equal(expected, penalized.Text);
        Assert.NotEqual((await ((IChatClient)_client).GetResponseAsync(Conversation, Greedy(max))).Text, penalized.Text);
    }

    [Fact]
    public async Task ConcurrentCallsGiveTheSameAnswersAsSerialOnes()
    {
        IChatClient client = _client;
        var calls = Enumerable.Range(0, 6).Select(i => (
            Messages: new[] { new AiChatMessage(ChatRole.User, i % 2 == 0 ? "the dog sat" : "hello the cat") },
            Options: new ChatOptions { Temperature = i < 3 ? 0f : 0.9f, Seed = 100 + i, MaxOutputTokens = 20 })).ToList();
        var serial = new List<string>();
        foreach (var (m, o) in calls) serial.Add((await client.GetResponseAsync(m, o)).Text);
        var parallel = await Task.WhenAll(calls.Select(c => Task.Run(() => client.GetResponseAsync(c.Messages, c.Options))));
        Assert.Equal(serial, parallel.Select(r => r.Text));
        var streamed = await Task.WhenAll(calls.Select(c => Task.Run(async () =>
        {
            var text = new System.Text.StringBuilder();
            await foreach (var u in client.GetStreamingResponseAsync(c.Messages, c.Options)) text.Append(u.Text);
            return text.ToString();
        })));
        Assert.Equal(serial, streamed);
    }

    [Fact]
    public async Task WhatTheModelCannotTakeIsAnArgumentException()
    {
        IChatClient client = _client;
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new AiChatMessage(ChatRole.Tool, "42")]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Conversation, new ChatOptions { ModelId = "gpt-9" }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Conversation, new ChatOptions { TopP = 0f }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 0 }));
    }

    [Fact]
    public async Task MicrosoftExtensionsAIsOpenAIAdapterOverTheServerGivesTheSameAnswersAndEmbeddings()
    {
        var openAI = ApiAssert.OpenAI(_server.BaseAddress);
        IChatClient remote = openAI.GetChatClient(ServerFixture.ModelName).AsIChatClient();
        IChatClient local = new SharpLMChatClient(_server.Service);
        var options = Greedy(14);

        var direct = await local.GetResponseAsync(Conversation, options);
        var overHttp = await remote.GetResponseAsync(Conversation, options);
        Assert.Equal(direct.Text, overHttp.Text);
        Assert.Equal(direct.FinishReason, overHttp.FinishReason);
        Assert.Equal(direct.Usage!.OutputTokenCount, overHttp.Usage!.OutputTokenCount);
        Assert.Equal(direct.Usage.InputTokenCount, overHttp.Usage.InputTokenCount);

        var streamed = new System.Text.StringBuilder();
        await foreach (var u in remote.GetStreamingResponseAsync(Conversation, options)) streamed.Append(u.Text);
        Assert.Equal(direct.Text, streamed.ToString());

        IEmbeddingGenerator<string, Embedding<float>> remoteEmbeddings = openAI.GetEmbeddingClient(ServerFixture.EmbeddingModelName).AsIEmbeddingGenerator();
        string[] texts = ["the cat sat", "near the old barn"];
        var overHttpVectors = await remoteEmbeddings.GenerateAsync(texts);
        var directVectors = await ((IEmbeddingGenerator<string, Embedding<float>>)_server.Embeddings).GenerateAsync(texts);
        Assert.Equal(directVectors.Select(v => v.Vector.ToArray()), overHttpVectors.Select(v => v.Vector.ToArray()));
    }
}
