using Microsoft.AspNetCore.Builder;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Serving;
using SharpLM.Tensors;
using SharpLM.Tokenizers;

namespace SharpLM.Server.Tests;

/// <summary>
/// A tiny random GPT and a small BPE tokenizer saved to a temp run folder, plus a tiny random BERT
/// for embeddings, served on a loopback port the OS picks with <see cref="Slots"/> slots and a
/// queue of <see cref="QueueLimit"/>. Requests with <see cref="StallingMaxTokens"/> stall after
/// their first token until the client goes away (see <see cref="StallingEngine"/>).
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string ModelName = "tiny-test";
    public const string EmbeddingModelName = "tiny-bert";
    public const string ApiKey = "test-key";
    public const int Slots = 2, QueueLimit = 1, StallingMaxTokens = 77;

    public string Folder { get; } = Directory.CreateTempSubdirectory("sharplm-serve-").FullName;
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The service the server runs on (tests hold slots through it).</summary>
    public LanguageModelService Service { get; private set; } = null!;

    /// <summary>The embedding generator behind /v1/embeddings.</summary>
    public SharpLMEmbeddingGenerator Embeddings { get; private set; } = null!;

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

        var wordPiece = WordPieceTrainer.Train(["the cat sat on the mat while the dog slept on the log near the old barn"], 120);
        var bert = new Bert(new BertConfig { VocabSize = wordPiece.VocabSize, Width = 24, Layers = 1, Heads = 2, Intermediate = 48, MaxPositions = 32, Dropout = 0 }, BertTask.PreTraining, seed: 5);
        Embeddings = new SharpLMEmbeddingGenerator(bert, wordPiece, EmbeddingModelName);

        var (served, servedTokenizer) = Load();
        var engine = new StallingEngine(GeneratorSlotEngine.SharingWeightsOf(new Generator(served), Slots, QueueLimit), StallingMaxTokens);
        Service = new LanguageModelService(engine, servedTokenizer, ChatTemplates.ForModel(Folder), ModelName);
        _app = SharpLMServer.Build(Service, new ServerOptions { ModelName = ModelName, Port = 0, ApiKey = ApiKey }, Embeddings);
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

/// <summary>
/// A test decorator over a real engine: a sequence whose request asks for exactly
/// <paramref name="stallingMaxTokens"/> tokens delivers its first token, then waits until it is
/// cancelled — a generation that is certainly still running when its client disconnects.
/// Everything else (slots, queue, release) is the wrapped engine's.
/// </summary>
public sealed class StallingEngine(IDecodeEngine inner, int stallingMaxTokens) : IDecodeEngine
{
    public int ContextLength => inner.ContextLength;
    public int VocabSize => inner.VocabSize;
    public int Slots => inner.Slots;
    public EngineLoad Load => inner.Load;

    public async IAsyncEnumerable<DecodedToken> GenerateAsync(DecodeRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await foreach (var token in inner.GenerateAsync(request, cancellation))
        {
            yield return token;
            if (request.MaxTokens == stallingMaxTokens) await Task.Delay(Timeout.Infinite, cancellation);
        }
    }

    public void Dispose() => inner.Dispose();
}
