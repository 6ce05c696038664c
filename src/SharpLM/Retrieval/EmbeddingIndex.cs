using System.Numerics.Tensors;
using System.Text;
using SharpLM.Formats;

namespace SharpLM.Retrieval;

/// <summary>
/// The dense half of retrieval-augmented generation: passages with their L2-normalized embedding
/// vectors, searched by cosine similarity (a dot product of unit vectors). Saved as one binary file
/// (little-endian): magic <c>SLMRIDX1</c>, int32 version, dimension, chunk words, overlap words,
/// document count, chunk count; then per document (UTF-8 path, int64 size, int64 mtime ticks), per
/// chunk (UTF-8 source, int32 start, int32 length, UTF-8 text) and finally count × dimension float32
/// vectors. Strings are an int32 byte length then the bytes. Every count is checked against the
/// bytes left in the file before anything is allocated.
/// </summary>
public sealed class EmbeddingIndex
{
    /// <summary>The index file's name when it sits next to the documents it indexes.</summary>
    public const string DefaultFileName = ".sharplm-index.bin";

    /// <summary>Format version written and accepted.</summary>
    public const int FormatVersion = 1;

    /// <summary>Largest vector length accepted on load.</summary>
    public const int MaxDimension = 1 << 16;

    private static ReadOnlySpan<byte> Magic => "SLMRIDX1"u8;
    private readonly float[] _vectors;

    private EmbeddingIndex(int dimension, IReadOnlyList<TextChunk> chunks, float[] vectors,
        IReadOnlyList<DocumentFingerprint> documents, int chunkWords, int overlapWords)
    {
        Dimension = dimension;
        Chunks = chunks;
        _vectors = vectors;
        Documents = documents;
        ChunkWords = chunkWords;
        OverlapWords = overlapWords;
    }

    /// <summary>Embedding vector length.</summary>
    public int Dimension { get; }

    /// <summary>The indexed passages; vector i belongs to chunk i.</summary>
    public IReadOnlyList<TextChunk> Chunks { get; }

    /// <summary>The source documents as they were when the index was built (empty if built from loose chunks).</summary>
    public IReadOnlyList<DocumentFingerprint> Documents { get; }

    /// <summary>Chunk size the passages were cut with (0 if unknown).</summary>
    public int ChunkWords { get; }

    /// <summary>Chunk overlap the passages were cut with (0 if unknown).</summary>
    public int OverlapWords { get; }

    /// <summary>Passages indexed.</summary>
    public int Count => Chunks.Count;

    /// <summary>The unit-length vector of chunk <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Vector(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the index holds {Count} chunks.");
        return _vectors.AsSpan(index * Dimension, Dimension);
    }

    /// <summary>
    /// Embeds every chunk with <paramref name="embed"/> and normalizes the vectors. <paramref name="documents"/>
    /// and the chunk options are remembered so a later load can tell whether the index is stale.
    /// </summary>
    /// <exception cref="ArgumentException">The embedder returned vectors of differing or zero length, or non-finite values.</exception>
    public static EmbeddingIndex Build(IReadOnlyList<TextChunk> chunks, Func<string, float[]> embed,
        IReadOnlyList<DocumentFingerprint>? documents = null, DocumentChunker? chunker = null)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(embed);
        int dimension = -1;
        float[] vectors = [];
        for (int i = 0; i < chunks.Count; i++)
        {
            float[] v = embed(chunks[i].Text) ?? throw new ArgumentException($"the embedder returned null for chunk {i}.", nameof(embed));
            if (dimension < 0)
            {
                if (v.Length == 0) throw new ArgumentException("the embedder returned an empty vector.", nameof(embed));
                dimension = v.Length;
                vectors = new float[checked(chunks.Count * dimension)];
            }
            else if (v.Length != dimension)
                throw new ArgumentException($"the embedder returned {v.Length} values for chunk {i}, {dimension} for chunk 0.", nameof(embed));
            var target = vectors.AsSpan(i * dimension, dimension);
            v.CopyTo(target);
            Normalize(target, $"chunk {i} ({chunks[i].Source})");
        }
        if (dimension < 0) dimension = embed("").Length;
        if (dimension <= 0) throw new ArgumentException("the embedder returned an empty vector.", nameof(embed));
        return new EmbeddingIndex(dimension, chunks.ToList(), vectors, documents?.ToList() ?? [],
            chunker?.ChunkWords ?? 0, chunker?.OverlapWords ?? 0);
    }

    /// <summary>Scales <paramref name="v"/> to unit length in place (a zero vector stays zero: it matches nothing).</summary>
    /// <exception cref="ArgumentException">A NaN or infinite component.</exception>
    public static void Normalize(Span<float> v, string what)
    {
        for (int i = 0; i < v.Length; i++)
            if (!float.IsFinite(v[i])) throw new ArgumentException($"the embedding of {what} has a non-finite value at {i}.");
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }

    /// <summary>The <paramref name="k"/> chunks most similar to <paramref name="query"/> (a raw, unnormalized vector): (index, cosine), best first, ties by index.</summary>
    public IReadOnlyList<(int Index, float Score)> Search(ReadOnlySpan<float> query, int k)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
        if (query.Length != Dimension)
            throw new ArgumentException($"the query vector has {query.Length} values, the index {Dimension}.", nameof(query));
        float[] q = query.ToArray();
        Normalize(q, "the query");
        var scores = new (int Index, float Score)[Count];
        for (int i = 0; i < Count; i++) scores[i] = (i, TensorPrimitives.Dot(q, Vector(i)));
        return scores.OrderByDescending(s => s.Score).ThenBy(s => s.Index).Take(k).ToList();
    }

    /// <summary>True when <paramref name="folder"/>'s documents are exactly those the index was built from (same paths, sizes and write times).</summary>
    public bool IsCurrentFor(string folder) => DocumentFingerprint.OfFolder(folder).SequenceEqual(Documents);

    /// <summary>Writes the index to <paramref name="path"/> atomically.</summary>
    public void Save(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(Dimension);
            w.Write(ChunkWords);
            w.Write(OverlapWords);
            w.Write(Documents.Count);
            w.Write(Count);
            foreach (var d in Documents) { WriteString(w, d.Path); w.Write(d.Size); w.Write(d.LastWriteUtcTicks); }
            foreach (var c in Chunks) { WriteString(w, c.Source); w.Write(c.Start); w.Write(c.Length); WriteString(w, c.Text); }
            foreach (float x in _vectors) w.Write(x);
        });
    }

    /// <summary>Reads an index written by <see cref="Save"/>; with <paramref name="expectedDimension"/>, also checks it matches the embedder's.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not an index file, a corrupt or truncated one, or the wrong dimension — the message names the file.</exception>
    public static EmbeddingIndex Load(string path, int? expectedDimension = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"embedding index '{path}' does not exist.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        InvalidDataException Bad(string why) => new($"embedding index '{path}': {why}");
        long Left() => stream.Length - stream.Position;
        try
        {
            if (Left() < Magic.Length + 6 * sizeof(int)) throw Bad($"{stream.Length} bytes is too short for the header.");
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw Bad("not a SharpLM embedding index (bad magic).");
            int version = r.ReadInt32();
            if (version != FormatVersion) throw Bad($"format version {version} is not supported (expected {FormatVersion}).");
            int dimension = r.ReadInt32();
            if (dimension is <= 0 or > MaxDimension) throw Bad($"dimension {dimension} is out of range [1, {MaxDimension}].");
            if (expectedDimension is int e && e != dimension)
                throw Bad($"its vectors have {dimension} dimensions but the embedder produces {e}; rebuild the index with this embedder.");
            int chunkWords = r.ReadInt32(), overlapWords = r.ReadInt32();
            if (chunkWords < 0 || overlapWords < 0 || (chunkWords > 0 && overlapWords >= chunkWords))
                throw Bad($"chunk options {chunkWords} words / {overlapWords} overlap are invalid.");
            int documentCount = r.ReadInt32(), count = r.ReadInt32();
            const long minDocumentBytes = sizeof(int) + 2 * sizeof(long);
            if (documentCount < 0 || documentCount * minDocumentBytes > Left())
                throw Bad($"it claims {documentCount} documents but only {Left()} bytes follow.");
            long minChunkBytes = 4 * sizeof(int) + (long)dimension * sizeof(float);
            if (count < 0 || count * minChunkBytes > Left() - documentCount * minDocumentBytes)
                throw Bad($"it claims {count} chunks of dimension {dimension} but only {Left()} bytes follow.");
            var documents = new List<DocumentFingerprint>(documentCount);
            for (int i = 0; i < documentCount; i++)
                documents.Add(new DocumentFingerprint(ReadString(r, stream, Bad, $"document {i} path"), r.ReadInt64(), r.ReadInt64()));
            var chunks = new List<TextChunk>(count);
            for (int i = 0; i < count; i++)
            {
                string source = ReadString(r, stream, Bad, $"chunk {i} source");
                int start = r.ReadInt32(), length = r.ReadInt32();
                if (start < 0 || length < 0) throw Bad($"chunk {i} has a negative offset or length.");
                string text = ReadString(r, stream, Bad, $"chunk {i} text");
                chunks.Add(new TextChunk(source, start, length, text));
            }
            if ((long)count * dimension > Array.MaxLength) throw Bad($"{count} chunks × {dimension} dimensions is more vectors than one index can hold.");
            long vectorBytes = (long)count * dimension * sizeof(float);
            if (Left() != vectorBytes) throw Bad($"{Left()} bytes remain for the vectors, {vectorBytes} expected.");
            var vectors = new float[count * dimension];
            for (int i = 0; i < vectors.Length; i++)
            {
                vectors[i] = r.ReadSingle();
                if (!float.IsFinite(vectors[i])) throw Bad($"vector value {i} is not finite.");
            }
            return new EmbeddingIndex(dimension, chunks, vectors, documents, chunkWords, overlapWords);
        }
        catch (EndOfStreamException) { throw Bad("the file is truncated."); }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static string ReadString(BinaryReader r, Stream s, Func<string, InvalidDataException> bad, string what)
    {
        int length = r.ReadInt32();
        if (length < 0 || length > s.Length - s.Position) throw bad($"{what} claims {length} bytes but only {s.Length - s.Position} follow.");
        try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(r.ReadBytes(length)); }
        catch (DecoderFallbackException) { throw bad($"{what} is not valid UTF-8."); }
    }
}
