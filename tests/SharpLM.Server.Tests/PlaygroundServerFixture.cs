using Microsoft.AspNetCore.Builder;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tokenizers;

namespace SharpLM.Server.Tests;

/// <summary>
/// The server as <c>sharplm serve</c> builds it (<see cref="SharpLMServer.Build(TextGenerator, ChatTemplate, ServerOptions, Microsoft.Extensions.AI.IEmbeddingGenerator{string, Microsoft.Extensions.AI.Embedding{float}}?)"/>,
/// which adds the playground), over a tiny random GPT with peaked logits and a small BPE tokenizer,
/// on a loopback port the OS picks, with an API key.
/// </summary>
public sealed class PlaygroundServerFixture : IAsyncLifetime
{
    public const string ModelName = "tiny-playground";
    public const string ApiKey = "playground-key";

    /// <summary>The served model; its weights are only read, so tests compute references on it directly.</summary>
    public Gpt Model { get; }

    public ITokenizer Tokenizer { get; }

    public ChatTemplate Template { get; } = ChatTemplates.Get("chatml");

    public Uri BaseAddress { get; private set; } = null!;

    private WebApplication _app = null!;

    public PlaygroundServerFixture()
    {
        Tokenizer = BpeTrainer.Train(["the cat sat on the mat. the dog sat on the log. <|im_start|>user hello<|im_end|>"], vocabSize: 300, specialTokens: ["<|endoftext|>"]);
        Model = new Gpt(new GptConfig { VocabSize = Tokenizer.VocabSize, BlockSize = 96, Layers = 2, Heads = 4, Width = 32, VocabMultiple = 16 }, seed: 7);
        var rng = new Rng(8);
        foreach (var (name, p) in Model.NamedParameters())
            if (!name.Contains("ln")) rng.FillNormal(p.Data.Span, 0f, 0.3f); // peaked logits: varied greedy text, attention that is not uniform
    }

    public async Task InitializeAsync()
    {
        _app = SharpLMServer.Build(new TextGenerator(Model, Tokenizer), Template, new ServerOptions { ModelName = ModelName, Port = 0, ApiKey = ApiKey });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
