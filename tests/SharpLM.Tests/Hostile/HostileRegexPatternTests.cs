using SharpLM.Tokenizers;
using Xunit;

namespace SharpLM.Tests.Hostile;

/// <summary>A tokenizer file's pre-tokenizer regex is a stranger's code: bounded before compiling, and timed out while matching.</summary>
public sealed class HostileRegexPatternTests
{
    [Fact]
    public void CatastrophicBacktrackingPatternTimesOutWithAClearError()
    {
        var pre = PreTokenizer.FromPattern("(a+)+$", "hostile/tokenizer.json");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<TokenizerFormatException>(() => pre.SplitToStrings(new string('a', 40) + "!"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Contains("hostile/tokenizer.json", e.Message);
        Assert.Contains("backtracks", e.Message);
    }

    [Theory]
    [InlineData("a{5000}", "repeats")]
    [InlineData("x{1,99999999999999999999}", "repeats")]
    [InlineData("", "empty")]
    [InlineData("(((((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))))", "nest")]
    [InlineData("(unclosed", "not a valid regex")]
    public void PatternOutsideTheLimitsIsRefused(string pattern, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => PreTokenizer.FromPattern(pattern, "t.json"));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void TooLongPatternIsRefused() =>
        Assert.Contains("limit", Assert.Throws<ArgumentException>(() => new RegexPreTokenizer(new string('a', RegexPatternLimits.MaxPatternLength + 1))).Message);

    [Fact]
    public void RealPatternsAndLiteralBracesPass()
    {
        Assert.Null(RegexPatternLimits.Problem(PreTokenizer.Cl100kPattern));
        Assert.Null(RegexPatternLimits.Problem(PreTokenizer.Llama3Pattern));
        Assert.Null(RegexPatternLimits.Problem(@"\{x\}|[{]9999[}]| ?\p{L}+"));
        Assert.Equal(["ab", " cd"], new RegexPreTokenizer(@" ?\p{L}{1,1000}").SplitToStrings("ab cd"));
    }
}
