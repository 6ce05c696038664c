namespace SharpLM.Retrieval;

/// <summary>A passage a retriever found for a query: the chunk (text, source file, offsets) and its similarity score.</summary>
/// <param name="Chunk">The passage and where it came from.</param>
/// <param name="Score">Cosine similarity to the query (dense) or BM25 score (lexical); higher is better.</param>
public sealed record RetrievedPassage(TextChunk Chunk, double Score);
