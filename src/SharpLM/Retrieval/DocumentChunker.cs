namespace SharpLM.Retrieval;

/// <summary>
/// Splits documents into overlapping word windows, the passages a retriever indexes: chunk i
/// holds words [i·(size − overlap), i·(size − overlap) + size), so consecutive chunks share
/// <see cref="OverlapWords"/> words and a fact cut by a boundary is whole in one of them.
/// Words are maximal runs of non-whitespace characters. A folder's <c>.txt</c> and <c>.md</c>
/// files (recursively, in ordinal path order) are chunked by <see cref="ChunkFolder"/>.
/// </summary>
public sealed class DocumentChunker
{
    /// <summary>The file extensions <see cref="ChunkFolder"/> reads.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".txt", ".md"];

    /// <summary>Chunks of <paramref name="chunkWords"/> words, consecutive chunks sharing <paramref name="overlapWords"/>.</summary>
    public DocumentChunker(int chunkWords = 200, int overlapWords = 40)
    {
        if (chunkWords <= 0) throw new ArgumentOutOfRangeException(nameof(chunkWords), chunkWords, "a chunk needs at least one word.");
        if (overlapWords < 0 || overlapWords >= chunkWords)
            throw new ArgumentOutOfRangeException(nameof(overlapWords), overlapWords, $"the overlap must be in [0, {chunkWords - 1}] (less than the chunk size).");
        ChunkWords = chunkWords;
        OverlapWords = overlapWords;
    }

    /// <summary>Words per chunk (the last chunk of a document may hold fewer).</summary>
    public int ChunkWords { get; }

    /// <summary>Words shared by consecutive chunks.</summary>
    public int OverlapWords { get; }

    /// <summary>The chunks of one document's <paramref name="text"/>, labelled <paramref name="source"/>.</summary>
    public IReadOnlyList<TextChunk> ChunkText(string source, string text)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(text);
        var words = WordSpans(text);
        var chunks = new List<TextChunk>();
        int step = ChunkWords - OverlapWords;
        for (int first = 0; first < words.Count; first += step)
        {
            int last = Math.Min(first + ChunkWords, words.Count) - 1;
            int start = words[first].Start, end = words[last].Start + words[last].Length;
            chunks.Add(new TextChunk(source, start, end - start, text[start..end]));
            if (last == words.Count - 1) break;
        }
        return chunks;
    }

    /// <summary>
    /// The chunks of every <c>.txt</c>/<c>.md</c> file under <paramref name="folder"/>, files in
    /// ordinal order of their relative paths; <paramref name="documents"/> receives each file's
    /// fingerprint (for telling later whether an index built from them is stale).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public IReadOnlyList<TextChunk> ChunkFolder(string folder, out IReadOnlyList<DocumentFingerprint> documents)
    {
        documents = DocumentFingerprint.OfFolder(folder);
        var chunks = new List<TextChunk>();
        foreach (var doc in documents)
            chunks.AddRange(ChunkText(doc.Path, File.ReadAllText(Path.Combine(folder, doc.Path))));
        return chunks;
    }

    /// <summary>(start, length) of each maximal non-whitespace run of <paramref name="text"/>.</summary>
    public static List<(int Start, int Length)> WordSpans(string text)
    {
        var spans = new List<(int, int)>();
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool inWord = i < text.Length && !char.IsWhiteSpace(text[i]);
            if (inWord && start < 0) start = i;
            else if (!inWord && start >= 0) { spans.Add((start, i - start)); start = -1; }
        }
        return spans;
    }
}
