using Microsoft.Extensions.AI;

namespace SharpLM.Retrieval;

/// <summary>
/// Adapts embedding sources to the plain <c>Func&lt;string, float[]&gt;</c> the retrieval types
/// use: any Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>
/// (for example <see cref="Serving.SharpLMEmbeddingGenerator"/> over a BERT encoder).
/// </summary>
public static class TextEmbedder
{
    /// <summary>A function that embeds one text with <paramref name="generator"/> (waiting for it).</summary>
    public static Func<string, float[]> From(IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return text =>
        {
            var result = generator.GenerateAsync([text]).GetAwaiter().GetResult();
            if (result.Count != 1)
                throw new InvalidOperationException($"the embedding generator returned {result.Count} embeddings for one text.");
            return result[0].Vector.ToArray();
        };
    }
}
