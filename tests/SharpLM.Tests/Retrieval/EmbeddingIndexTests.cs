using System.Buffers.Binary;
using SharpLM.Retrieval;

namespace SharpLM.Tests.Retrieval;

public class EmbeddingIndexTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-index-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static EmbeddingIndex Sample()
    {
        var rng = new Random(7);
        var chunks = new List<TextChunk> { new("a.txt", 0, 5, "hello"), new("ü/b.md", 3, 9, "naïve 🙂 x"), new("a.txt", 6, 5, "world") };
        var docs = new List<DocumentFingerprint> { new("a.txt", 11, 638_000_000_000_000_000), new("ü/b.md", 20, 1) };
        return EmbeddingIndex.Build(chunks, _ => Enumerable.Range(0, 5).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), docs, new DocumentChunker(8, 2));
    }

    [Fact]
    public void Vectors_are_unit_length_and_cosine_search_ranks_them()
    {
        var index = EmbeddingIndex.Build([new("x", 0, 1, "a"), new("x", 0, 1, "b"), new("x", 0, 1, "c")],
            t => t switch { "a" => [3, 0], "b" => [1, 1], _ => [0, -2] });
        Assert.Equal(1f, index.Vector(0)[0]);
        Assert.Equal(MathF.Sqrt(0.5f), index.Vector(1)[1], 6);
        var top = index.Search([10, 1], 2);
        Assert.Equal([0, 1], top.Select(t => t.Index));
        Assert.Equal(10 / MathF.Sqrt(101), top[0].Score, 5);
        Assert.Throws<ArgumentException>(() => index.Search([1, 2, 3], 1));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Build([new("x", 0, 1, "a"), new("x", 0, 1, "bb")], t => new float[t.Length]));
    }

    [Fact]
    public void Save_then_load_is_bit_exact()
    {
        var index = Sample();
        string path = Path.Combine(_dir, EmbeddingIndex.DefaultFileName);
        index.Save(path);
        var loaded = EmbeddingIndex.Load(path, expectedDimension: 5);
        Assert.Equal(index.Dimension, loaded.Dimension);
        Assert.Equal(index.Chunks, loaded.Chunks);
        Assert.Equal(index.Documents, loaded.Documents);
        Assert.Equal((8, 2), (loaded.ChunkWords, loaded.OverlapWords));
        for (int i = 0; i < index.Count; i++)
            Assert.Equal(index.Vector(i).ToArray().Select(BitConverter.SingleToInt32Bits), loaded.Vector(i).ToArray().Select(BitConverter.SingleToInt32Bits));
        string again = Path.Combine(_dir, "again.bin");
        loaded.Save(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.Contains(".tmp-"));
    }

    private string Corrupt(Action<byte[]> patch, int? truncateTo = null)
    {
        string path = Path.Combine(_dir, "good.bin");
        Sample().Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        patch(bytes);
        string bad = Path.Combine(_dir, "hostile.bin");
        File.WriteAllBytes(bad, truncateTo is int n ? bytes[..n] : bytes);
        return bad;
    }

    private static InvalidDataException LoadFails(string path, int? expectedDimension = null)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => EmbeddingIndex.Load(path, expectedDimension));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20, "a hostile index file must not make the loader allocate what it claims");
        Assert.Contains(path, e.Message);
        return e;
    }

    private static string AppendByte(string path)
    {
        File.AppendAllText(path, "!");
        return path;
    }

    // Header layout: magic 0..7, version 8, dimension 12, chunk words 16, overlap 20, documents 24, chunks 28, first path length 32.
    [Fact]
    public void Hostile_files_get_clear_errors_without_huge_allocations()
    {
        Assert.Contains("bad magic", LoadFails(Corrupt(b => b[0] = (byte)'X')).Message);
        Assert.Contains("version 9", LoadFails(Corrupt(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), 9))).Message);
        Assert.Contains("dimension 0", LoadFails(Corrupt(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(12), 0))).Message);
        Assert.Contains("dimension 2147483647", LoadFails(Corrupt(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(12), int.MaxValue))).Message);
        Assert.Contains("claims 2147483647 chunks", LoadFails(Corrupt(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(28), int.MaxValue))).Message);
        Assert.Contains("claims 2000000000 documents", LoadFails(Corrupt(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(24), 2_000_000_000))).Message);
        Assert.Contains("document 0 path claims 1000000000 bytes", LoadFails(Corrupt(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(32), 1_000_000_000))).Message);
        Assert.Contains("5 dimensions but the embedder produces 3", LoadFails(Corrupt(_ => { }), expectedDimension: 3).Message);
        Assert.Contains("too short", LoadFails(Corrupt(_ => { }, truncateTo: 10)).Message);
        Assert.Contains("remain for the vectors", LoadFails(Corrupt(_ => { }, truncateTo: File.ReadAllBytes(Corrupt(_ => { })).Length - 4)).Message);
        Assert.Contains("remain for the vectors", LoadFails(AppendByte(Corrupt(_ => { }))).Message);
        int length = File.ReadAllBytes(Corrupt(_ => { })).Length;
        for (int n = 0; n < length; n++) LoadFails(Corrupt(_ => { }, truncateTo: n)); // every truncation is a clear error
        Assert.Throws<FileNotFoundException>(() => EmbeddingIndex.Load(Path.Combine(_dir, "none.bin")));
    }
}
