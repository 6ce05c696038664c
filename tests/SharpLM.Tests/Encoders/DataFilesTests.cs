using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Tests.Encoders;

public sealed class DataFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void ConllReadsSentencesTagLastAndSkipsDocstart()
    {
        var path = Write("a.conll", "-DOCSTART- O\n\nThe DT O\nString NN B-TYPE\nclass NN O\n\nReturns O\nnull B-KEYWORD\n");
        var s = ConllFile.Read(path);
        Assert.Equal(2, s.Count);
        Assert.Equal(["The", "String", "class"], s[0].Words);
        Assert.Equal(["O", "B-TYPE", "O"], s[0].Tags);
        ConllFile.Write(Path.Combine(_dir, "b.conll"), s);
        Assert.Equal(s.Select(x => x.Tags), ConllFile.Read(Path.Combine(_dir, "b.conll")).Select(x => x.Tags));
    }

    [Fact]
    public void ConllLineWithoutATagIsAClearError()
    {
        var path = Write("bad.conll", "The O\nString\n");
        var e = Assert.Throws<InvalidDataException>(() => ConllFile.Read(path));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("no tag column", e.Message);
        Assert.Contains("not O, B-TYPE", Assert.Throws<InvalidDataException>(() => ConllFile.Read(Write("bad2.conll", "The X-Y\n"))).Message);
    }

    [Fact]
    public void CsvTsvAndJsonlGiveTheSameRows()
    {
        var csv = LabeledTextFile.Read(Write("a.csv", "text,text_pair,label\n\"Hello, world\",,greet\n\"say \"\"hi\"\"\",back,greet\nbye,,leave\n"));
        var tsv = LabeledTextFile.Read(Write("a.tsv", "label\ttext\ttext_pair\ngreet\tHello, world\t\ngreet\tsay \"hi\"\tback\nleave\tbye\t\n"));
        var jsonl = LabeledTextFile.Read(Write("a.jsonl", "{\"text\":\"Hello, world\",\"label\":\"greet\"}\n{\"text\":\"say \\\"hi\\\"\",\"text_pair\":\"back\",\"label\":\"greet\"}\n\n{\"text\":\"bye\",\"label\":\"leave\"}\n"));
        foreach (var rows in new[] { tsv, jsonl })
            Assert.Equal(csv.Select(r => (r.Text, r.Pair, r.Label)), rows.Select(r => (r.Text, r.Pair, r.Label)));
        Assert.Equal(("say \"hi\"", "back"), (csv[1].Text, csv[1].Pair));
    }

    [Fact]
    public void MissingColumnsAndFieldsAreNamed()
    {
        Assert.Contains("'text' and a 'label' column", Assert.Throws<InvalidDataException>(() => LabeledTextFile.Read(Write("b.csv", "sentence,label\nx,y\n"))).Message);
        var e = Assert.Throws<InvalidDataException>(() => LabeledTextFile.Read(Write("b.jsonl", "{\"text\":\"x\",\"label\":\"y\"}\n{\"text\":\"x\"}\n")));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("'label'", e.Message);
    }

    private static WordPieceTokenizer Tokenizer() =>
        new(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "string", "class", "str", "##ing", "returns", "null", "a", "b"]);

    [Fact]
    public void AnEvaluationLabelThatTrainingNeverSawIsAClearError()
    {
        var ids = BertExamples.LabelSet(["pos", "neg"]).Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        var e = Assert.Throws<InvalidDataException>(() => BertExamples.LabelId(ids, "neutral", "eval.jsonl, line 7"));
        Assert.Contains("eval.jsonl, line 7", e.Message);
        Assert.Contains("'neutral' never occurs in the training data", e.Message);
    }

    [Fact]
    public void ATextPairLongerThanTheMaxLengthIsAClearErrorUnlessTruncating()
    {
        var row = new LabeledText("the string class", "returns null", "x", Line: 3);
        var e = Assert.Throws<InvalidDataException>(() => BertExamples.Classification(Tokenizer(), row, 0, maxLength: 6, truncate: false, "train.csv"));
        Assert.Contains("train.csv, line 3", e.Message);
        Assert.Contains("text pair is 8 tokens", e.Message);
        var cut = BertExamples.Classification(Tokenizer(), row, 0, maxLength: 6, truncate: true, "train.csv");
        Assert.Equal([2, 5, 3, 10, 11, 3], cut.Ids);   // budget 3: A 3→2→1 while it is the longer side, B keeps 2
        Assert.Equal([0, 0, 0, 1, 1, 1], cut.TypeIds);
    }

    [Fact]
    public void TagsGoOnEachWordsFirstPiece()
    {
        var tags = new Dictionary<string, int> { ["O"] = 0, ["B-TYPE"] = 1 };
        var ex = BertExamples.Tagged(Tokenizer(), new TaggedSentence(["the", "string", "class"], ["O", "B-TYPE", "O"]), tags, 16, "x");
        Assert.Equal([2, 5, 6, 7, 3], ex.Ids);
        Assert.Equal([-1, 0, 1, 0, -1], ex.Targets);
        var split = BertExamples.Tagged(Tokenizer(), new TaggedSentence(["string"], ["B-TYPE"]), tags, 16, "x");
        Assert.Equal([1], split.Targets.Where(t => t >= 0));
    }

    [Fact]
    public void BioTagsFromCharacterSpans()
    {
        const string text = "Gets the String.Split value";
        var words = new List<(int, int)> { (0, 4), (5, 3), (9, 6), (15, 1), (16, 5), (22, 5) };
        var tags = TaggedSentence.TagsFromSpans(words, [new EntitySpan(9, 12, "MEMBER")]);
        Assert.Equal(["O", "O", "B-MEMBER", "I-MEMBER", "I-MEMBER", "O"], tags);
        Assert.Equal("String.Split", text.Substring(9, 12));
    }

    [Fact]
    public void VocabTxtRoundTripsAndHonoursDoLowerCase()
    {
        var tok = Tokenizer();
        var dir = Path.Combine(_dir, "model");
        Directory.CreateDirectory(dir);
        WordPieceVocabFile.Write(tok, Path.Combine(dir, "vocab.txt"));
        var loaded = WordPieceVocabFile.LoadFolder(dir);
        Assert.Equal(tok.Vocabulary, loaded.Vocabulary);
        Assert.Equal(tok.Encode("The String"), loaded.Encode("The String"));      // uncased by default: "the string"
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"do_lower_case\": false}");
        Assert.Equal([1, 6], WordPieceVocabFile.LoadFolder(dir).Encode("The string"));   // cased: "The" is unknown
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), "[UNK]\n\nthe\n");
        Assert.Contains("line 2", Assert.Throws<TokenizerFormatException>(() => WordPieceVocabFile.Read(Path.Combine(dir, "vocab.txt"))).Message);
    }
}
