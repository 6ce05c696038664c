using Microsoft.AspNetCore.Builder;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tokenizers;

namespace SharpLM.Server.Tests;

/// <summary>A tiny random GPT and a small BPE tokenizer saved to a temp run folder, served on a loopback port the OS picks.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string ModelName = "tiny-test";
    public const string ApiKey = "test-key";

    public string Folder { get; } = Directory.CreateTempSubdirectory("sharplm-serve-").FullName;
    public Uri BaseAddress { get; private set; } = null!;
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        var tokenizer = BpeTrainer.Train(["the cat sat on the mat. the dog sat on the log. <|im_start|>user hello<|im_end|>"], vocabSize: 300, specialTokens: ["<|endoftext|>"]);
        var config = new GptConfig { VocabSize = tokenizer.VocabSize, BlockSize = 96, Layers = 2, Heads = 4, Width = 32, VocabMultiple = 16 };
        var model = new Gpt(config, seed: 7);
        var rng = new Rng(8);
        foreach (var (name, p) in model.NamedParameters())
            if (!name.Contains("ln")) rng.FillNormal(p.Data.Span, 0f, 0.3f); // peaked logits, so greedy text is varied
        GptHuggingFace.Save(model, Folder);
        TokenizerFiles.Save(tokenizer, Path.Combine(Folder, "tokenizer.json"));

        var (served, servedTokenizer) = Load();
        _app = SharpLMServer.Build(new TextGenerator(served, servedTokenizer), ChatTemplates.ForModel(Folder),
            new ServerOptions { ModelName = ModelName, Port = 0, ApiKey = ApiKey });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
    }

    /// <summary>An independent copy of the saved model and tokenizer (the reference the server must match).</summary>
    public (Gpt Model, ITokenizer Tokenizer) Load() => (GptHuggingFace.Load(Folder), TokenizerFiles.Load(Folder));

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}
