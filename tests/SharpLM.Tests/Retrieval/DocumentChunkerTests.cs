using SharpLM.Retrieval;

namespace SharpLM.Tests.Retrieval;

public class DocumentChunkerTests
{
    [Fact]
    public void Chunks_have_exact_offsets_and_overlap()
    {
        const string text = "  alpha beta\tgamma\n\ndelta epsilon zeta eta ";
        var chunks = new DocumentChunker(chunkWords: 3, overlapWords: 1).ChunkText("doc.txt", text);
        Assert.Equal(
            [new("doc.txt", 2, 16, "alpha beta\tgamma"), new("doc.txt", 13, 20, "gamma\n\ndelta epsilon"), new TextChunk("doc.txt", 26, 16, "epsilon zeta eta")],
            chunks);
        foreach (var c in chunks) Assert.Equal(c.Text, text.Substring(c.Start, c.Length));
    }

    [Fact]
    public void A_window_that_reaches_the_end_is_the_last_and_short_texts_give_one_or_no_chunk()
    {
        var chunker = new DocumentChunker(chunkWords: 3, overlapWords: 1);
        Assert.Equal(["a b c", "c d e"], chunker.ChunkText("x", "a b c d e").Select(c => c.Text));
        Assert.Equal(["a b c", "c d e", "e f"], chunker.ChunkText("x", "a b c d e f").Select(c => c.Text));
        Assert.Equal(["a"], chunker.ChunkText("x", " a ").Select(c => c.Text));
        Assert.Empty(chunker.ChunkText("x", " \n\t "));
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DocumentChunker(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DocumentChunker(4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DocumentChunker(4, -1));
    }

    [Fact]
    public void A_folder_gives_its_txt_and_md_files_in_path_order_with_relative_sources()
    {
        string dir = Directory.CreateTempSubdirectory("sharplm-chunk-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "sub"));
            File.WriteAllText(Path.Combine(dir, "b.txt"), "one two three");
            File.WriteAllText(Path.Combine(dir, "sub", "a.md"), "four five");
            File.WriteAllText(Path.Combine(dir, "c.json"), "{\"ignored\": true}");
            var chunks = new DocumentChunker(2, 0).ChunkFolder(dir, out var docs);
            Assert.Equal(["b.txt", "sub/a.md"], docs.Select(d => d.Path));
            Assert.Equal([13L, 9L], docs.Select(d => d.Size));
            Assert.Equal([("b.txt", "one two"), ("b.txt", "three"), ("sub/a.md", "four five")], chunks.Select(c => (c.Source, c.Text)));
            Assert.Throws<DirectoryNotFoundException>(() => new DocumentChunker().ChunkFolder(Path.Combine(dir, "missing"), out _));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
