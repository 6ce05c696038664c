using SharpLM.Models;
using SharpLM.Retrieval;
using SharpLM.Serving;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Retrieval;

public class RetrieverTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-retriever-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void WriteCorpus()
    {
        File.WriteAllText(Path.Combine(_dir, "cats.txt"), "Cats are small furry pets. A cat sleeps most of the day and purrs when happy.");
        File.WriteAllText(Path.Combine(_dir, "rockets.md"), "# Rockets\nA rocket engine burns fuel and oxidizer to make thrust. Liquid fuel rockets pump propellant into the engine.");
        File.WriteAllText(Path.Combine(_dir, "bread.txt"), "Bread is baked from flour, water, salt and yeast. The dough rises before it is baked in a hot oven.");
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "Meeting notes: the project codename is zephyrine and the review is on Friday.");
    }

    [Fact]
    public void Top_k_finds_the_document_about_the_query()
    {
        WriteCorpus();
        var embedder = new BagOfWordsEmbedder();
        var retriever = Retriever.ForFolder(_dir, embedder.Embed, new DocumentChunker(12, 4));
        var hits = retriever.Retrieve("how does a rocket engine use fuel", 2);
        Assert.Equal(2, hits.Count);
        Assert.Equal("rockets.md", hits[0].Chunk.Source);
        Assert.True(hits[0].Score > hits[1].Score);
        Assert.Equal("bread.txt", retriever.Retrieve("baked dough in the oven", 1)[0].Chunk.Source);
    }

    [Fact]
    public void Bm25_and_the_embedding_retriever_both_find_an_exact_keyword()
    {
        WriteCorpus();
        var chunker = new DocumentChunker(12, 4);
        var chunks = chunker.ChunkFolder(_dir, out _);
        var bm25 = new Bm25Index(chunks.Select(c => c.Text));
        Assert.Equal("notes.txt", chunks[bm25.Search("zephyrine", 1)[0].Index].Source);
        var dense = Retriever.ForFolder(_dir, new BagOfWordsEmbedder(), chunker); // through IEmbeddingGenerator
        var hit = dense.Retrieve("zephyrine", 1)[0];
        Assert.Equal("notes.txt", hit.Chunk.Source);
        Assert.Contains("zephyrine", hit.Chunk.Text);
    }

    [Fact]
    public void The_index_file_is_reused_while_fresh_and_rebuilt_when_documents_change()
    {
        WriteCorpus();
        var chunker = new DocumentChunker(12, 4);
        var first = new BagOfWordsEmbedder();
        int chunkCount = Retriever.ForFolder(_dir, first.Embed, chunker).Index.Count;
        string indexPath = Path.Combine(_dir, EmbeddingIndex.DefaultFileName);
        Assert.True(File.Exists(indexPath));
        Assert.Equal(chunkCount, first.Calls);

        var second = new BagOfWordsEmbedder();
        Retriever.ForFolder(_dir, second.Embed, chunker);
        Assert.Equal(1, second.Calls); // only the dimension probe: the saved index was loaded

        File.AppendAllText(Path.Combine(_dir, "cats.txt"), " Kittens chase nebula toys.");
        var e = Assert.Throws<InvalidDataException>(() => Retriever.ForFolder(_dir, new BagOfWordsEmbedder().Embed, chunker, rebuildIfStale: false));
        Assert.Contains("documents changed", e.Message);
        Assert.Contains(indexPath, e.Message);
        Assert.Equal("cats.txt", Retriever.ForFolder(_dir, new BagOfWordsEmbedder().Embed, chunker).Retrieve("nebula", 1)[0].Chunk.Source);
        Assert.True(EmbeddingIndex.Load(indexPath).IsCurrentFor(_dir));

        var wider = Assert.Throws<InvalidDataException>(() => Retriever.ForFolder(_dir, new BagOfWordsEmbedder(64).Embed, chunker, rebuildIfStale: false));
        Assert.Contains("1024 dimensions but the embedder produces 64", wider.Message);
        var recut = Assert.Throws<InvalidDataException>(() => Retriever.ForFolder(_dir, new BagOfWordsEmbedder().Embed, new DocumentChunker(20, 5), rebuildIfStale: false));
        Assert.Contains("12-word chunks", recut.Message);
        Assert.Equal(64, Retriever.ForFolder(_dir, new BagOfWordsEmbedder(64).Embed, chunker).Index.Dimension);
    }

    [Fact]
    public void A_bert_embedding_generator_indexes_a_folder_and_finds_a_chunk_by_its_own_text()
    {
        WriteCorpus();
        var wordPiece = WordPieceTrainer.Train([string.Join(' ', Directory.GetFiles(_dir).Select(File.ReadAllText))], 200);
        var bert = new Bert(new BertConfig { VocabSize = wordPiece.VocabSize, Width = 24, Layers = 1, Heads = 2, Intermediate = 48, MaxPositions = 64, Dropout = 0 }, BertTask.PreTraining, seed: 5);
        var generator = new SharpLMEmbeddingGenerator(bert, wordPiece, "tiny-bert");
        var chunker = new DocumentChunker(12, 4);
        var built = Retriever.ForFolder(_dir, generator, chunker);
        Assert.Equal(24, built.Index.Dimension);
        var loaded = Retriever.ForFolder(_dir, generator, chunker, rebuildIfStale: false); // from the saved file
        var target = loaded.Index.Chunks[3];
        var hit = loaded.Retrieve(target.Text, 1)[0];
        Assert.Equal(target, hit.Chunk);
        Assert.Equal(1.0, hit.Score, 4);
    }

    [Fact]
    public void The_prompt_puts_numbered_passages_with_sources_before_the_user_message()
    {
        var passages = new List<RetrievedPassage>
        {
            new(new TextChunk("a.md", 0, 9, "First one"), 0.9),
            new(new TextChunk("dir/b.txt", 40, 12, " Second one\n"), 0.5),
        };
        Assert.Equal(
            RetrievalPrompt.Instruction + "\n\n[1] a.md (characters 0-9)\nFirst one\n\n[2] dir/b.txt (characters 40-52)\nSecond one\n\nUser: What is first?",
            RetrievalPrompt.Build(passages, "What is first?"));
        Assert.Equal("hi", RetrievalPrompt.Build([], "hi"));
    }
}
