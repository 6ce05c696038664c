using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

public class WordPieceTests
{
    private static readonly string[] Vocab =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "play", "##ing", "##ed", "##s", "un", "##want", "the", "cafe", ",", "!", "中", "国", "p", "##l", "##a", "##y"];

    private static WordPieceTokenizer Small() => new(Vocab);

    [Fact]
    public void BasicNormalizationLowercasesStripsAccentsSplitsPunctuationAndCjk()
    {
        var n = new BertNormalizer();
        Assert.Equal(["cafe", ",", "naive", "!", "中", "国", "x"], n.SplitWords("Café,  NAÏVE!中国x"));
        Assert.Equal(["hello", "world"], n.SplitWords("hello\u0000\u200b \tworld\u00ad")); // control/format characters dropped
        Assert.Equal(["$", "5", "^", "2"], n.SplitWords("$5^2")); // BERT counts ASCII symbols as punctuation
        var cased = new BertNormalizer(Lowercase: false);
        Assert.Equal(["Café", "NAÏVE"], cased.SplitWords("Café NAÏVE"));
        Assert.Equal("\u1112\u1161\u11ab", BertNormalizer.RemoveAccents("한")); // NFD splits Hangul into jamo
    }

    [Fact]
    public void GreedyLongestMatchWithContinuationPieces()
    {
        var tok = Small();
        Assert.Equal(["play", "##ing"], tok.Encode("Playing").Select(tok.TokenPiece));
        Assert.Equal(["un", "##want", "##ed", "!"], tok.Encode("unwanted!").Select(tok.TokenPiece));
        Assert.Equal(["[UNK]", "the"], tok.Encode("unwantedx the").Select(tok.TokenPiece)); // one gap → whole word unknown
        Assert.Equal(["play", "##s"], tok.Encode("plays").Select(tok.TokenPiece));
        Assert.Equal(["p", "##l", "##a"], tok.Encode("pla").Select(tok.TokenPiece));
        Assert.Equal("playing the cafe !", tok.Decode(tok.Encode("Playing the café!")));
    }

    [Fact]
    public void SpecialTokensOnlyWhenAllowedAndModelInputHasClsSep()
    {
        var tok = Small();
        Assert.Equal([2, 11, 3], tok.Encode("[CLS] the [SEP]", allowSpecial: true));
        Assert.DoesNotContain(2, tok.Encode("[CLS] the"));
        Assert.Equal([2, 11, 3, 12, 3], tok.EncodeForModel("the", "cafe"));
        Assert.Equal(1, tok.SpecialTokens["[UNK]"]);
        Assert.Equal(0, tok.SpecialTokens["[PAD]"]);
        Assert.Equal(4, tok.SpecialTokens["[MASK]"]);
    }

    [Fact]
    public void TrainingLearnsWholeWordsAndContinuationPieces()
    {
        var text = string.Concat(Enumerable.Repeat("Playing played plays PLAYER, the player's café. 東京!\n", 50));
        var tok = WordPieceTrainer.Train([text], 1000);
        // Training stops early once every word is a single piece.
        Assert.True(tok.VocabSize < 1000);
        foreach (var word in new BertNormalizer().SplitWords(text)) Assert.Single(tok.Encode(word));
        var limited = WordPieceTrainer.Train([text], 36);
        Assert.Equal(36, limited.VocabSize);
        Assert.Equal("playing played", limited.Decode(limited.Encode("playing played")));
        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], tok.Vocabulary.Take(5));
        Assert.Contains(tok.Vocabulary, p => p.StartsWith("##") && p.Length > 3); // a learned continuation piece
        Assert.Equal(["playing"], tok.Encode("PLAYING").Select(tok.TokenPiece));
        // Decoding gives back the normalized words.
        Assert.Equal("the player ' s cafe . 東 京 !", tok.Decode(tok.Encode("The player's café. 東京!")));
        Assert.Equal(["[UNK]"], tok.Encode("zzz").Select(tok.TokenPiece));
    }

    [Fact]
    public void StreamingDecodeMatchesBatchDecode()
    {
        var tok = Small();
        var ids = tok.Encode("playing the unwanted cafe");
        var stream = tok.CreateStreamingDecoder();
        Assert.Equal(tok.Decode(ids), string.Concat(ids.Select(stream.Push)) + stream.Flush());
    }
}
