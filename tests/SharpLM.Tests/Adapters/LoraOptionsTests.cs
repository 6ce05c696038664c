using SharpLM.Adapters;

namespace SharpLM.Tests.Adapters;

public class LoraOptionsTests
{
    [Fact]
    public void ParsesTheIssuesSpec()
    {
        var o = LoraOptions.Parse("r=16,alpha=32,targets=c_attn,dropout=0.05");
        Assert.Equal(16, o.Rank);
        Assert.Equal(32f, o.Alpha);
        Assert.Equal(0.05f, o.Dropout);
        Assert.Equal(["c_attn"], o.Targets);
        Assert.Equal(2f, o.Alpha / o.Rank);
        Assert.Equal(o, LoraOptions.Parse(o.ToString()) with { Targets = o.Targets }); // ToString reads back
    }

    [Theory]
    [InlineData("r=8,targets=q_proj,v_proj", new[] { "q_proj", "v_proj" })]
    [InlineData("targets=query+value,r=4", new[] { "query", "value" })]
    [InlineData("target_modules=all-linear", new[] { "all-linear" })]
    [InlineData("rank=2, lora_alpha=4, targets = attn.c_proj , mlp.c_fc", new[] { "attn.c_proj", "mlp.c_fc" })]
    public void ReadsTargetLists(string spec, string[] expected) =>
        Assert.Equal(expected, LoraOptions.Parse(spec).Targets);

    [Fact]
    public void AlphaDefaultsToTheRankAndPatternsUseRe()
    {
        var o = LoraOptions.Parse("r=4,targets=re:.*\\.(q|v)");
        Assert.Equal(4f, o.Alpha);
        Assert.Empty(o.Targets);
        Assert.Equal(@".*\.(q|v)", o.TargetPattern);
        Assert.True(o.Matches("encoder.block.0.layer.0.SelfAttention.q", o.Targets));
        Assert.False(o.Matches("encoder.block.0.layer.0.SelfAttention.k", o.Targets));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("r=0", "r must be a whole number ≥ 1")]
    [InlineData("r=two", "r must be a whole number")]
    [InlineData("r=8,alpha=-1", "alpha must be a positive number")]
    [InlineData("dropout=1", "dropout must be a number in [0, 1)")]
    [InlineData("r=8,rank=4", "given twice")]
    [InlineData("r=8,,alpha=2", "empty part")]
    [InlineData("c_attn", "is not key=value")]
    [InlineData("r=8,lr=3", "unknown key 'lr'")]
    [InlineData("targets=all-linear,c_attn", "stands alone")]
    [InlineData("bias=all", "bias 'all' is not supported")]
    [InlineData("targets=re:(", "not a valid regular expression")]
    [InlineData("targets=", "has no value")]
    public void BadSpecsGetClearErrors(string spec, string expected)
    {
        var e = Assert.Throws<FormatException>(() => LoraOptions.Parse(spec));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void TargetsMatchWholeNamesOrDottedTails()
    {
        var o = new LoraOptions { Targets = ["c_attn", "mlp.c_proj"] };
        Assert.True(o.Matches("transformer.h.0.attn.c_attn", o.Targets));
        Assert.True(o.Matches("transformer.h.3.mlp.c_proj", o.Targets));
        Assert.False(o.Matches("transformer.h.3.attn.c_proj", o.Targets));
        Assert.False(o.Matches("transformer.h.0.attn.xc_attn", o.Targets));
    }
}
