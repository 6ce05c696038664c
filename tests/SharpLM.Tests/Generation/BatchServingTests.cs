using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Serving;
using SharpLM.Tensors;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Generation;

/// <summary>
/// The serving path with several slots (what <c>sharplm serve --parallel N</c> and
/// <c>SharpLMChatClient(parallel: N)</c> build) decodes concurrent requests together in batched steps
/// and answers each exactly as one slot would.
/// </summary>
public class BatchServingTests
{
    [Fact]
    public async Task AParallelServiceBatchesConcurrentRequestsAndAnswersAsOneSlotDoes()
    {
        var tokenizer = BpeTrainer.Train(["the cat sat on the mat. the dog sat on the log. a bird sang in the tree."], vocabSize: 300, specialTokens: ["<|endoftext|>"]);
        var model = new Gpt(new GptConfig { VocabSize = tokenizer.VocabSize, BlockSize = 96, Layers = 2, Heads = 4, Width = 32, VocabMultiple = 16 }, seed: 7);
        var rng = new Rng(8);
        foreach (var (name, p) in model.NamedParameters())
            if (!name.Contains("ln")) rng.FillNormal(p.Data.Span, 0f, 0.3f);
        string[] prompts = ["the cat", "a bird sang", "the dog sat on the", "mat", "the log. the"];
        var options = prompts.Select((_, i) => new GenerationOptions
        {
            MaxTokens = 30, IgnoreStopToken = true,
            Sampling = i % 2 == 0 ? SamplerOptions.Greedy : new SamplerOptions { Temperature = 0.7f, Seed = (ulong)i, PresencePenalty = 0.5f },
        }).ToArray();

        using var one = LanguageModelService.Create(new TextGenerator(model, tokenizer), ChatTemplates.Get("chatml"), "m", parallel: 1);
        var expected = new List<string>();
        for (int i = 0; i < prompts.Length; i++) expected.Add((await LanguageModelService.Collect(one.StreamAsync(one.EncodePrompt(prompts[i]), options[i]))).Text);

        using var batched = LanguageModelService.Create(new TextGenerator(model, tokenizer), ChatTemplates.Get("chatml"), "m", parallel: 4);
        var engine = Assert.IsType<ContinuousBatchEngine>(batched.Engine);
        var got = await Task.WhenAll(prompts.Select((p, i) => Task.Run(async () => (await LanguageModelService.Collect(batched.StreamAsync(batched.EncodePrompt(p), options[i]))).Text)));
        Assert.Equal(expected, got);
        Assert.True(engine.LargestBatch >= 2, $"concurrent requests should share batched steps (largest batch {engine.LargestBatch})");
        Assert.True(engine.Steps < prompts.Length * 30, $"{engine.Steps} steps for {prompts.Length} × 30 tokens: the requests were not batched");
    }
}
