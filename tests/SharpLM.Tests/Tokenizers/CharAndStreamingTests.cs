using System.Text;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

public class CharAndStreamingTests
{
    [Fact]
    public void CharVocabularyIsTheSortedSetOfCodePoints()
    {
        var tok = CharTokenizer.Train(["hello 😀 world\n", "é"], ["<eos>"]);
        Assert.Equal(["\n", " ", "d", "e", "h", "l", "o", "r", "w", "é", "😀"], Enumerable.Range(0, 11).Select(tok.TokenPiece));
        Assert.Equal(12, tok.VocabSize);
        Assert.Equal(11, tok.SpecialTokens["<eos>"]);
        Assert.Equal([4, 3, 5, 5, 6, 1, 10], tok.Encode("hello 😀"));
        Assert.Equal("hello 😀", tok.Decode(tok.Encode("hello 😀")));
        Assert.Equal([3, 11], tok.Encode("e<eos>", allowSpecial: true));
        var e = Assert.Throws<ArgumentException>(() => tok.Encode("hex"));
        Assert.Contains("U+0078", e.Message);
    }

    [Fact]
    public void StreamingHoldsBackSplitUtf8Characters()
    {
        // A tokenizer whose tokens are single bytes: "é" (C3 A9) and "😀" (F0 9F 98 80) arrive in pieces.
        var tok = BpeTrainer.Train(["abc"], 256);
        var ids = tok.Encode("aé😀z");
        Assert.Equal(8, ids.Length);
        var stream = tok.CreateStreamingDecoder();
        var outputs = ids.Select(stream.Push).ToList();
        Assert.Equal(["a", "", "é", "", "", "", "😀", "z"], outputs);
        Assert.Equal("", stream.Flush());
        // An unfinished character at the end of the stream becomes U+FFFD on Flush.
        var cut = tok.CreateStreamingDecoder();
        Assert.Equal("", cut.Push(0xF0));
        Assert.Equal("\uFFFD", cut.Flush());
    }

    [Fact]
    public void StreamingEqualsBatchDecodingOnRandomText()
    {
        var tok = BpeTrainer.Train([string.Concat(Enumerable.Repeat("héllo wörld 東京 😀😀 ", 20))], 320, minFrequency: 1);
        var rng = new Random(11);
        for (int trial = 0; trial < 100; trial++)
        {
            var text = RandomText.Valid(rng, rng.Next(0, 40));
            var ids = tok.Encode(text);
            var stream = tok.CreateStreamingDecoder();
            var sb = new StringBuilder();
            foreach (var id in ids)
            {
                var piece = stream.Push(id);
                Assert.False(piece.Length > 0 && char.IsHighSurrogate(piece[^1])); // never half a surrogate pair
                sb.Append(piece);
            }
            sb.Append(stream.Flush());
            Assert.Equal(text, sb.ToString());
        }
    }

    [Fact]
    public void TokenPieceShowsPartialBytesAsHex()
    {
        var tok = BpeTrainer.Train(["abc"], 256);
        Assert.Equal("a", tok.TokenPiece('a'));
        Assert.Equal("<0xC3>", tok.TokenPiece(0xC3));
    }

    [Fact]
    public void RandomRoundTripWithTrainedBpeIncludingAstralCharacters()
    {
        var rng = new Random(99);
        var corpus = string.Concat(Enumerable.Range(0, 200).Select(_ => RandomText.Valid(rng, 20)));
        var tok = BpeTrainer.Train([corpus], 600, minFrequency: 1);
        for (int trial = 0; trial < 300; trial++)
        {
            var text = RandomText.Valid(rng, rng.Next(0, 80));
            Assert.Equal(text, tok.Decode(tok.Encode(text)));
        }
    }
}
