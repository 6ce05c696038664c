using System.Text.RegularExpressions;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Tokenizers;

public class PreTokenizerTests
{
    [Fact]
    public void Gpt2SplitsAsThePatternSays()
    {
        Assert.Equal(["Hello", ",", " world", "!!!", "  ", " 123", "'s", " don", "'t", "   "],
            PreTokenizer.Gpt2.SplitToStrings("Hello, world!!!   123's don't   "));
        Assert.Equal(["a", "\n", "\n", "b"], PreTokenizer.Gpt2.SplitToStrings("a\n\nb"));
        Assert.Equal(["a", "\n\n"], PreTokenizer.Gpt2.SplitToStrings("a\n\n"));
        Assert.Equal(["x", " 𝐀𝐁", " 😀😀"], PreTokenizer.Gpt2.SplitToStrings("x 𝐀𝐁 😀😀")); // astral letters are letters
        Assert.Equal(["'", "S"], PreTokenizer.Gpt2.SplitToStrings("'S")); // contractions are case-sensitive
    }

    [Fact]
    public void HandWrittenGpt2ScannerAgreesWithTheRegexOnBmpText()
    {
        // .NET Regex sees UTF-16 units, so the cross-check uses Basic Multilingual Plane text only.
        var regex = new RegexPreTokenizer(PreTokenizer.Gpt2Pattern);
        var rng = new Random(7);
        for (int trial = 0; trial < 2000; trial++)
        {
            var text = new string(RandomText.Valid(rng, rng.Next(0, 40)).Where(c => !char.IsSurrogate(c)).ToArray());
            Assert.Equal(regex.SplitToStrings(text), PreTokenizer.Gpt2.SplitToStrings(text));
        }
    }

    [Fact]
    public void HandWrittenCl100kScannerAgreesWithTheRegexOnBmpText()
    {
        var regex = new RegexPreTokenizer(PreTokenizer.Cl100kPattern);
        var rng = new Random(17);
        for (int trial = 0; trial < 2000; trial++)
        {
            var text = new string(RandomText.Valid(rng, rng.Next(0, 40)).Where(c => !char.IsSurrogate(c)).ToArray());
            Assert.Equal(regex.SplitToStrings(text), PreTokenizer.Cl100k.SplitToStrings(text));
        }
        Assert.Equal(["'S", "'LL", "'ſ", " 𝐀𝐁", "𝟙𝟚𝟛", "𝟜"], PreTokenizer.Cl100k.SplitToStrings("'S'LL'ſ 𝐀𝐁𝟙𝟚𝟛𝟜")); // astral letters and digits count
    }

    [Fact]
    public void PiecesCoverTheTextWithoutGaps()
    {
        var rng = new Random(8);
        for (int trial = 0; trial < 500; trial++)
        {
            var text = RandomText.Valid(rng, rng.Next(0, 50));
            Assert.Equal(text, string.Concat(PreTokenizer.Gpt2.SplitToStrings(text)));
            Assert.Equal(text, string.Concat(PreTokenizer.Cl100k.SplitToStrings(text)));
        }
    }

    [Fact]
    public void PossessiveQuantifiersBecomeAtomicGroups()
    {
        Assert.Equal(@"(?>[^\r\n\p{L}\p{N}]?)\p{L}+", RegexPreTokenizer.ToDotNet(@"[^\r\n\p{L}\p{N}]?+\p{L}+"));
        Assert.Equal(@" ?(?>[^\s\p{L}\p{N}]+)[\r\n]*", RegexPreTokenizer.ToDotNet(@" ?[^\s\p{L}\p{N}]++[\r\n]*"));
        Assert.Equal(PreTokenizer.Gpt2Pattern, RegexPreTokenizer.ToDotNet(PreTokenizer.Gpt2Pattern));
        _ = new Regex(RegexPreTokenizer.ToDotNet(PreTokenizer.Cl100kPattern));
    }

    [Fact]
    public void Cl100kSplitsDigitsInThreesAndKeepsNewlinesWithPunctuation()
    {
        Assert.Equal(["123", "456", "7", " abc", "'LL", ".\n\n", "x"], PreTokenizer.Cl100k.SplitToStrings("1234567 abc'LL.\n\nx"));
        Assert.Equal(["Hello", ",", " world", "!\n", "  ", " foo"], PreTokenizer.Cl100k.SplitToStrings("Hello, world!\n   foo"));
    }
}
