using SharpLM.Generation;
using SharpLM.Serving;

namespace SharpLM.Tests.Generation;

/// <summary>
/// The serving engine with continuous batching: concurrent requests decoded together get the tokens
/// (and logprobs) the one-generator-per-slot engine gives them, cancellation frees a slot, a full
/// queue is refused.
/// </summary>
public class BatchEngineTests
{
    private static readonly int[][] Prompts = [[5, 17, 3], [42], [7, 7, 8, 1, 60, 0, 11, 23, 9, 30, 2, 15], [33, 4, 12, 50, 6], [19, 28]];

    private static DecodeRequest Request(int i) => new()
    {
        PromptIds = Prompts[i],
        MaxTokens = 4 + 3 * i,
        Sampling = i % 2 == 0 ? SamplerOptions.Greedy : new SamplerOptions { Temperature = 0.8f, TopK = 12, FrequencyPenalty = 0.3f, Seed = 40 + (ulong)i },
        StopToken = i == 3 ? 13 : null,
        Logprobs = true,
        TopLogprobs = 3,
    };

    private static async Task<List<DecodedToken>> Collect(IDecodeEngine engine, DecodeRequest request)
    {
        var tokens = new List<DecodedToken>();
        await foreach (var t in engine.GenerateAsync(request)) tokens.Add(t);
        return tokens;
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public async Task ConcurrentRequestsDecodedInOneBatchGetTheTokensOfSeparateGenerators(string family)
    {
        var config = family == "gpt2" ? TestModels.Tiny(block: 40) : TestModels.TinyLlama(block: 40) with { KvHeads = 2 };
        var model = TestModels.Random(config, seed: 12);
        using var alone = GeneratorSlotEngine.SharingWeightsOf(new Generator(model), slots: 1);
        var expected = new List<List<DecodedToken>>();
        for (int i = 0; i < Prompts.Length; i++) expected.Add(await Collect(alone, Request(i)));

        using var batched = new ContinuousBatchEngine(model, slots: 3, queueLimit: 8);
        var got = await Task.WhenAll(Enumerable.Range(0, Prompts.Length).Select(i => Task.Run(() => Collect(batched, Request(i)))));
        for (int i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(expected[i].Select(t => t.Id), got[i].Select(t => t.Id));
            Assert.Equal(expected[i].Select(t => t.Finish), got[i].Select(t => t.Finish));
            for (int k = 0; k < got[i].Count; k++)
            {
                Assert.Equal(expected[i][k].Logprob, got[i][k].Logprob, 3);
                Assert.Equal(expected[i][k].Top.Select(a => a.Id), got[i][k].Top.Select(a => a.Id));
            }
        }
        Assert.True(batched.LargestBatch >= 2, $"the requests should have shared steps (largest batch {batched.LargestBatch})");
        Assert.Equal(0, batched.Load.Busy);
    }

    [Fact]
    public async Task ACancelledRequestFreesItsSlotForTheNext()
    {
        var model = TestModels.Random(TestModels.Tiny(block: 200), seed: 2);
        using var engine = new ContinuousBatchEngine(model, slots: 1, queueLimit: 0);
        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in engine.GenerateAsync(new DecodeRequest { PromptIds = [1, 2], MaxTokens = 150 }, cts.Token))
                if (++seen == 3) cts.Cancel();
        });
        Assert.Equal(3, seen);
        // The slot comes back (the decode thread drops the sequence before its next step): the next request runs at once.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (engine.Load.Busy > 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        var next = await Collect(engine, new DecodeRequest { PromptIds = [3], MaxTokens = 5 });
        Assert.Equal(5, next.Count);
        Assert.Equal(FinishReason.Length, next[^1].Finish);
    }

    [Fact]
    public async Task AFullQueueIsRefusedWhileASlowReaderHoldsTheSlot()
    {
        var model = TestModels.Random(TestModels.Tiny(block: 200), seed: 3);
        using var engine = new ContinuousBatchEngine(model, slots: 1, queueLimit: 0);
        await using var first = engine.GenerateAsync(new DecodeRequest { PromptIds = [1, 2, 3], MaxTokens = 100 }).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync()); // holds the only slot, and pauses once its unread tokens pile up
        await Task.Delay(200);
        await Assert.ThrowsAsync<EngineBusyException>(async () => await Collect(engine, new DecodeRequest { PromptIds = [4] }));
        int count = 1;
        var last = first.Current;
        while (await first.MoveNextAsync()) { count++; last = first.Current; }
        Assert.Equal(100, count);
        Assert.Equal(FinishReason.Length, last.Finish);
    }

    [Fact]
    public async Task AFullContextEndsTheSequence()
    {
        var model = TestModels.Random(TestModels.Tiny(block: 12), seed: 3);
        using var engine = new ContinuousBatchEngine(model, slots: 2);
        var tokens = await Collect(engine, new DecodeRequest { PromptIds = [1, 2, 3], MaxTokens = 100 });
        Assert.Equal(FinishReason.ContextFull, tokens[^1].Finish);
        Assert.Equal(12 - 3 + 1, tokens.Count); // the window fills at 12 tokens; the token sampled then is the last
        await Assert.ThrowsAsync<ArgumentException>(async () => await Collect(engine, new DecodeRequest { PromptIds = new int[12] }));
    }
}
