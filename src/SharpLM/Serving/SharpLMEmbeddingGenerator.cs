using Microsoft.Extensions.AI;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Serving;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over a BERT
/// encoder: each text becomes its mean-pooled sentence vector, computed by
/// <see cref="BertPipeline.Embed"/> (what <c>sharplm embed</c> prints). Thread-safe: the encoder
/// runs one text at a time behind a lock. The HTTP server's <c>/v1/embeddings</c> runs on it.
/// </summary>
public sealed class SharpLMEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly Lock _lock = new();

    /// <summary>Embeds with <paramref name="pipeline"/>'s model, answering to <paramref name="modelName"/>.</summary>
    public SharpLMEmbeddingGenerator(BertPipeline pipeline, string modelName = "sharplm-embed")
    {
        Pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        ModelName = string.IsNullOrWhiteSpace(modelName) ? throw new ArgumentException("the model needs a name.", nameof(modelName)) : modelName;
        Metadata = new EmbeddingGeneratorMetadata("sharplm", null, ModelName, Dimensions);
    }

    /// <summary>Embeds with <paramref name="model"/> and its WordPiece <paramref name="tokenizer"/>.</summary>
    public SharpLMEmbeddingGenerator(Bert model, WordPieceTokenizer tokenizer, string modelName = "sharplm-embed")
        : this(new BertPipeline(model, tokenizer), modelName) { }

    /// <summary>The encoder pipeline that computes the vectors.</summary>
    public BertPipeline Pipeline { get; }

    /// <summary>The model id.</summary>
    public string ModelName { get; }

    /// <summary>Vector length (the encoder's width).</summary>
    public int Dimensions => Pipeline.Model.Config.Width;

    /// <summary>Provider "sharplm", the model id and the vector length.</summary>
    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <summary>Tokens the encoder reads for <paramref name="text"/> ([CLS] and [SEP] included, cut at the model's limit).</summary>
    public int CountTokens(string text) => Math.Min(Pipeline.Tokenizer.EncodeForModel(text).Length, Pipeline.MaxLength);

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A null text, or <see cref="EmbeddingGenerationOptions.Dimensions"/> other than the model's width.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is int d && d != Dimensions)
            throw new ArgumentException($"this model's embeddings have {Dimensions} dimensions, {d} were asked for.", nameof(options));
        if (options?.ModelId is { } model && model != ModelName)
            throw new ArgumentException($"EmbeddingGenerationOptions.ModelId '{model}' is not this generator's model '{ModelName}'.", nameof(options));
        var texts = values.ToList();
        for (int i = 0; i < texts.Count; i++)
            if (texts[i] is null) throw new ArgumentException($"input {i} is null.", nameof(values));
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        long tokens = 0;
        foreach (var text in texts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] vector;
            lock (_lock) vector = Pipeline.Embed(text);
            tokens += CountTokens(text);
            result.Add(new Embedding<float>(vector) { ModelId = ModelName, CreatedAt = DateTimeOffset.UtcNow });
        }
        result.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return Task.FromResult(result);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return Metadata;
        if (serviceType.IsInstanceOfType(Pipeline)) return Pipeline;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release: the model is the caller's.</summary>
    public void Dispose() { }
}
