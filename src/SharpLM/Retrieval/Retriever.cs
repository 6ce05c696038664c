using Microsoft.Extensions.AI;

namespace SharpLM.Retrieval;

/// <summary>
/// Dense retrieval for retrieval-augmented generation: embeds the query with the same embedder as
/// the index and returns the top-k passages by cosine similarity, with their sources.
/// <see cref="ForFolder(string, Func{string, float[]}, DocumentChunker?, bool)"/> opens (or builds and saves) the index file next to a folder of documents.
/// </summary>
public sealed class Retriever
{
    private readonly Func<string, float[]> _embed;

    /// <summary>Searches <paramref name="index"/>, embedding queries with <paramref name="embed"/> (the embedder the index was built with).</summary>
    public Retriever(EmbeddingIndex index, Func<string, float[]> embed)
    {
        Index = index ?? throw new ArgumentNullException(nameof(index));
        _embed = embed ?? throw new ArgumentNullException(nameof(embed));
    }

    /// <summary>Searches <paramref name="index"/>, embedding queries with <paramref name="generator"/>.</summary>
    public Retriever(EmbeddingIndex index, IEmbeddingGenerator<string, Embedding<float>> generator)
        : this(index, TextEmbedder.From(generator)) { }

    /// <summary>The passages and vectors searched.</summary>
    public EmbeddingIndex Index { get; }

    /// <summary>The <paramref name="k"/> passages most similar to <paramref name="query"/>, best first.</summary>
    public IReadOnlyList<RetrievedPassage> Retrieve(string query, int k)
    {
        ArgumentNullException.ThrowIfNull(query);
        float[] q = _embed(query) ?? throw new InvalidOperationException("the embedder returned null for the query.");
        return Index.Search(q, k).Select(h => new RetrievedPassage(Index.Chunks[h.Index], h.Score)).ToList();
    }

    /// <summary>
    /// A retriever over the <c>.txt</c>/<c>.md</c> files of <paramref name="folder"/>. The index is
    /// kept in <see cref="EmbeddingIndex.DefaultFileName"/> inside the folder: it is loaded when it
    /// matches the documents (paths, sizes, write times), the chunk options and the embedder's
    /// dimension; otherwise it is rebuilt and saved (or, with <paramref name="rebuildIfStale"/> false,
    /// an <see cref="InvalidDataException"/> says why it is stale). A corrupt index file is an error, never silently replaced.
    /// </summary>
    public static Retriever ForFolder(string folder, Func<string, float[]> embed, DocumentChunker? chunker = null, bool rebuildIfStale = true)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(embed);
        chunker ??= new DocumentChunker();
        string path = Path.Combine(folder, EmbeddingIndex.DefaultFileName);
        if (File.Exists(path))
        {
            var index = EmbeddingIndex.Load(path);
            string? stale = WhyStale(index, folder, chunker, embed);
            if (stale is null) return new Retriever(index, embed);
            if (!rebuildIfStale) throw new InvalidDataException($"embedding index '{path}' is stale: {stale}.");
        }
        var chunks = chunker.ChunkFolder(folder, out var documents);
        var built = EmbeddingIndex.Build(chunks, embed, documents, chunker);
        built.Save(path);
        return new Retriever(built, embed);
    }

    /// <summary><see cref="ForFolder(string, Func{string, float[]}, DocumentChunker?, bool)"/> with a Microsoft.Extensions.AI embedding generator.</summary>
    public static Retriever ForFolder(string folder, IEmbeddingGenerator<string, Embedding<float>> generator, DocumentChunker? chunker = null, bool rebuildIfStale = true) =>
        ForFolder(folder, TextEmbedder.From(generator), chunker, rebuildIfStale);

    private static string? WhyStale(EmbeddingIndex index, string folder, DocumentChunker chunker, Func<string, float[]> embed)
    {
        if (index.ChunkWords != chunker.ChunkWords || index.OverlapWords != chunker.OverlapWords)
            return $"it was cut into {index.ChunkWords}-word chunks with {index.OverlapWords} overlap, {chunker.ChunkWords}/{chunker.OverlapWords} are asked for";
        int dimension = embed("dimension probe").Length;
        if (dimension != index.Dimension) return $"its vectors have {index.Dimension} dimensions but the embedder produces {dimension}";
        if (!index.IsCurrentFor(folder)) return "the documents changed since it was built";
        return null;
    }
}
