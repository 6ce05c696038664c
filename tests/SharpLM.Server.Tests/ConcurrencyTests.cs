using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using OpenAI;
using OpenAI.Chat;
using SharpLM.Generation;
using SharpLM.Serving;

namespace SharpLM.Server.Tests;

/// <summary>
/// Slots, the bounded queue and client disconnects: a request beyond the queue gets a 429 in
/// OpenAI's error shape, a queued one is served when a slot frees, and a streaming client that
/// goes away mid-generation frees its slot at once for the next request.
/// </summary>
public sealed class ConcurrencyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static object Body(int maxTokens, bool stream = false) => new
    {
        model = ServerFixture.ModelName, messages = new[] { new { role = "user", content = "the cat" } }, temperature = 0, max_tokens = maxTokens, stream,
    };

    private async Task WaitFor(Func<EngineLoad, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition(server.Service.Engine.Load))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}; load {server.Service.Engine.Load}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task BeyondTheQueueLimitTheServerAnswers429AndAQueuedRequestIsServedWhenASlotFrees()
    {
        await WaitFor(l => l.Busy == 0 && l.Queued == 0, "the server is idle");
        using var hold = new CancellationTokenSource();
        // Hold every slot: sequences that stall after their first token until cancelled.
        var held = Enumerable.Range(0, ServerFixture.Slots).Select(_ =>
        {
            var e = server.Service.StreamAsync(server.Service.EncodePrompt("the dog"), new GenerationOptions { MaxTokens = ServerFixture.StallingMaxTokens }, null, hold.Token).GetAsyncEnumerator(hold.Token);
            return (Enumerator: e, Moving: Task.Run(async () => { try { while (await e.MoveNextAsync()) { } } catch (OperationCanceledException) { } }));
        }).ToList();
        await WaitFor(l => l.Busy == ServerFixture.Slots, "every slot is busy");

        using var http = ApiAssert.Http(server.BaseAddress);
        var queued = http.PostAsync("/v1/chat/completions", ApiAssert.Json(Body(4)));
        await WaitFor(l => l.Queued == ServerFixture.QueueLimit, "a request waits in the queue");

        var error = await ApiAssert.AssertError(await http.PostAsync("/v1/chat/completions", ApiAssert.Json(Body(4))), HttpStatusCode.TooManyRequests, "server_busy");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("type").GetString());
        var noRetry = new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };
        var client = new ChatClient(ServerFixture.ModelName, new ApiKeyCredential(ServerFixture.ApiKey), noRetry);
        Assert.Equal(429, (await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")]))).Status);
        Assert.False(queued.IsCompleted, "the queued request must wait while every slot is busy");

        hold.Cancel();
        foreach (var (e, moving) in held) { await moving; await e.DisposeAsync(); }
        using var served = await queued.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        await WaitFor(l => l.Busy == 0 && l.Queued == 0, "the server is idle again");
    }

    [Fact]
    public async Task AStreamingClientThatDisconnectsFreesItsSlotAndTheNextRequestIsServedAtOnce()
    {
        await WaitFor(l => l.Busy == 0 && l.Queued == 0, "the server is idle");
        // Both slots run stalling streams, certainly mid-generation.
        var streams = new List<(HttpClient Http, HttpResponseMessage Response)>();
        for (int i = 0; i < ServerFixture.Slots; i++)
        {
            var http = ApiAssert.Http(server.BaseAddress);
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = ApiAssert.Json(Body(ServerFixture.StallingMaxTokens, stream: true)) };
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync()); // the role chunk: generation has begun
            streams.Add((http, response));
        }
        Assert.Equal(ServerFixture.Slots, server.Service.Engine.Load.Busy);

        // The first client goes away: its generation is cancelled and its slot freed.
        streams[0].Response.Dispose();
        streams[0].Http.Dispose();
        await WaitFor(l => l.Busy == ServerFixture.Slots - 1, "the disconnected client's slot is free");

        using var next = ApiAssert.Http(server.BaseAddress);
        using var answer = await next.PostAsync("/v1/chat/completions", ApiAssert.Json(Body(4))).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(ServerFixture.Slots - 1, server.Service.Engine.Load.Busy); // the other stalled stream still holds its slot

        streams[1].Response.Dispose();
        streams[1].Http.Dispose();
        await WaitFor(l => l.Busy == 0, "every slot is free");
    }
}
