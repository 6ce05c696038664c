using System.Diagnostics;
using System.Net;
using System.Text.Json;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Serving;
using Xunit.Abstractions;

namespace SharpLM.Server.Tests;

/// <summary>
/// Many concurrent streaming clients against servers with 1 and 8 slots: every stream is well
/// formed (role first, content, finish reason, usage, [DONE]) and none errors; time to first token
/// (p50/p99) and aggregate tokens/s are printed. SHARPLM_LOAD_REQUESTS sets requests per client
/// (default 2, the figure is 20).
/// </summary>
public sealed class LoadTests(ServerFixture server, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const int Clients = 32, MaxTokens = 16;

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task ConcurrentStreamingClientsAllGetWellFormedStreams(int parallel)
    {
        int perClient = int.TryParse(Environment.GetEnvironmentVariable("SHARPLM_LOAD_REQUESTS"), out int n) && n > 0 ? n : 2;
        var (model, tokenizer) = server.Load();
        using var service = LanguageModelService.Create(new TextGenerator(model, tokenizer), ChatTemplates.ForModel(server.Folder), ServerFixture.ModelName, parallel, queueLimit: Clients);
        await using var app = SharpLMServer.Build(service, new ServerOptions { ModelName = ServerFixture.ModelName, Port = 0 });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromMinutes(5) };

        var ttft = new System.Collections.Concurrent.ConcurrentBag<double>();
        long tokens = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            for (int r = 0; r < perClient; r++)
            {
                var body = new
                {
                    model = ServerFixture.ModelName, messages = new[] { new { role = "user", content = $"the cat {client} sat {r}" } },
                    max_tokens = MaxTokens, temperature = 0.8, seed = client * 100 + r, stream = true, stream_options = new { include_usage = true },
                };
                var start = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = ApiAssert.Json(body) };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var events = new List<string>();
                for (string? line; (line = await reader.ReadLineAsync()) is not null;)
                {
                    if (line.Length == 0) continue;
                    Assert.StartsWith("data: ", line);
                    if (events.Count == 1) ttft.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds); // the first content chunk
                    events.Add(line["data: ".Length..]);
                }
                Assert.Equal("[DONE]", events[^1]);
                var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
                Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
                Assert.Contains(chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString(), new[] { "stop", "length" });
                var usage = chunks[^1].GetProperty("usage");
                Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 0, MaxTokens);
                Interlocked.Add(ref tokens, usage.GetProperty("completion_tokens").GetInt32());
            }
        })));
        double seconds = clock.Elapsed.TotalSeconds;
        var sorted = ttft.Order().ToArray();
        Assert.Equal(Clients * perClient, sorted.Length);
        Assert.Equal(0, service.Engine.Load.Busy);
        output.WriteLine($"--parallel {parallel}: {Clients} clients × {perClient} requests, {tokens} tokens in {seconds:F2} s = {tokens / seconds:F0} tok/s; " +
            $"TTFT p50 {sorted[sorted.Length / 2]:F1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F1} ms");
        await app.StopAsync();
    }
}
