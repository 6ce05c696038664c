using Microsoft.Extensions.AI;
using SharpLM.Retrieval;

namespace SharpLM.Tests.Retrieval;

/// <summary>A deterministic test embedder: term counts hashed (FNV-1a) into a fixed number of buckets.</summary>
internal sealed class BagOfWordsEmbedder(int dimension = 1024) : IEmbeddingGenerator<string, Embedding<float>>
{
    public int Calls { get; private set; }

    public float[] Embed(string text)
    {
        Calls++;
        var v = new float[dimension];
        foreach (var term in Bm25Index.Terms(text))
        {
            uint h = 2166136261;
            foreach (char c in term) { h ^= c; h *= 16777619; }
            v[h % (uint)dimension] += 1;
        }
        return v;
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(t => new Embedding<float>(Embed(t)))));

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}
