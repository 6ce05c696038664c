using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Tests.Models;

public class LlamaConfigTests
{
    [Theory]
    // Published parameter counts (Hugging Face's num_parameters of the checkpoints).
    [InlineData("smollm-135m", 134_515_008L)]
    [InlineData("tinyllama-1.1b", 1_100_048_384L)]
    [InlineData("llama-3.2-1b", 1_235_814_400L)]
    // llama2.c's stories models: tied head, 32000-token vocabulary.
    [InlineData("stories15M", 15_191_712L)]
    public void PresetParameterCountsAreThePublishedOnes(string preset, long expected) =>
        Assert.Equal(expected, GptBudget.Parameters(GptConfig.Preset(preset)));

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("stories15M")]
    [InlineData("stories42M")]
    public void BudgetFormulaMatchesTheBuiltModel(string preset)
    {
        var c = GptConfig.Preset(preset);
        Assert.Equal(new Gpt(c with { BlockSize = 32 }, seed: 1).ParameterCount(), GptBudget.Parameters(c with { BlockSize = 32 }));
    }

    [Fact]
    public void BudgetFormulaMatchesGqaSwiGluAndQkvBiasModels()
    {
        var c = GptConfig.Preset("llama-tiny") with { VocabSize = 100, KvHeads = 1, QkvBias = true, MlpHidden = 40 };
        Assert.Equal(new Gpt(c, seed: 1).ParameterCount(), GptBudget.Parameters(c));
        var biased = c with { Bias = true, Norm = NormKind.LayerNorm };
        Assert.Equal(new Gpt(biased, seed: 1).ParameterCount(), GptBudget.Parameters(biased));
    }

    [Fact]
    public void PresetsHaveThePublishedShapes()
    {
        var s = GptConfig.Preset("stories110M");
        Assert.Equal((768, 12, 12, 12, 2048, 32000, 1024), (s.Width, s.Layers, s.Heads, s.KvHeadCount, s.MlpWidth, s.VocabSize, s.BlockSize));
        Assert.True(s.IsLlamaStyle && s.TiedEmbeddings && !s.Bias && s.Norm == NormKind.RmsNorm);
        var l = GptConfig.Preset("llama-3.2-1b");
        Assert.Equal((2048, 16, 32, 8, 8192, 128256, 500000f), (l.Width, l.Layers, l.Heads, l.KvHeadCount, l.MlpWidth, l.VocabSize, l.RopeTheta));
        Assert.Equal(new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 32, LowFreqFactor = 1, HighFreqFactor = 4, OriginalContext = 8192 }, l.RopeScaling);
        Assert.False(GptConfig.Preset("tinyllama-1.1b").TiedEmbeddings);
        Assert.Equal(4, GptConfig.Preset("tinyllama-1.1b").KvHeadCount);
        Assert.Equal(3, GptConfig.Preset("smollm-135m").KvHeadCount);
        foreach (var name in GptConfig.PresetNames) GptConfig.Preset(name).Validate();
        Assert.Equal(768, GptConfig.LlamaMlpHidden(288));
        Assert.Equal(1376, GptConfig.LlamaMlpHidden(512));
        Assert.Equal(2048, GptConfig.LlamaMlpHidden(768));
    }

    [Fact]
    public void KvCacheBytesPerTokenShrinkWithKeyValueHeads()
    {
        // 2 (keys and values) · L · Hkv · D · 4 bytes.
        Assert.Equal(2L * 16 * 8 * 64 * 4, GptBudget.KvCacheBytesPerToken(GptConfig.Preset("llama-3.2-1b")));
        Assert.Equal(2L * 6 * 6 * 48 * 4, GptBudget.KvCacheBytesPerToken(GptConfig.Preset("stories15M")));
        Assert.Equal(2L * 12 * 768 * 4, GptBudget.KvCacheBytesPerToken(GptConfig.Preset("gpt2")));
    }

    [Fact]
    public void FlopsCountGqaAndSwiGluProjections()
    {
        var c = GptConfig.Preset("llama-tiny");   // untied: the embedding lookup is no matrix product, the head is
        int d = c.HeadSize;
        long matrices = (long)c.PaddedVocabSize * c.Width
            + c.Layers * ((long)c.Width * (c.Heads + 2 * c.KvHeadCount) * d + (long)c.Heads * d * c.Width + 3L * c.Width * c.MlpWidth);
        long norms = (long)c.Width * (2 * c.Layers + 1);
        Assert.Equal(matrices + norms, GptBudget.MatmulParameters(c));
        Assert.Equal(6.0 * (matrices + norms) + 12.0 * c.Layers * c.Heads * d * 256, GptBudget.TrainingFlopsPerToken(c, 256));
        // Tied (stories): the one matrix is both the lookup and the head, counted once.
        var s = GptConfig.Preset("stories15M");
        Assert.Equal(GptBudget.Parameters(s), GptBudget.MatmulParameters(s));
    }

    [Theory]
    [InlineData(6, 4, "not divisible by kv heads")]
    [InlineData(4, 8, "exceed heads")]
    [InlineData(4, -1, "kv heads must be")]
    public void BadKeyValueHeadsAreRejectedClearly(int heads, int kvHeads, string message)
    {
        var c = GptConfig.Preset("llama-tiny") with { Heads = heads, Width = 96, KvHeads = kvHeads };
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => c.Validate()).Message);
    }

    [Fact]
    public void OtherBadLlamaSettingsAreRejectedClearly()
    {
        var c = GptConfig.Preset("llama-tiny");
        Assert.Contains("even head size", Assert.Throws<ArgumentException>(() => (c with { Width = 36, Heads = 4, KvHeads = 0 }).Validate()).Message);
        Assert.Contains("rope theta", Assert.Throws<ArgumentException>(() => (c with { RopeTheta = 0 }).Validate()).Message);
        Assert.Contains("MLP hidden", Assert.Throws<ArgumentException>(() => (c with { MlpHidden = -3 }).Validate()).Message);
        Assert.Contains("factor", Assert.Throws<ArgumentException>(() => (c with { RopeScaling = new RopeScaling { Factor = 0 } }).Validate()).Message);
        Assert.Contains("high_freq_factor", Assert.Throws<ArgumentException>(() =>
            (c with { RopeScaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 8, LowFreqFactor = 4, HighFreqFactor = 1 } }).Validate()).Message);
        Assert.Contains("heads 4 are not divisible by kv heads 3", Assert.Throws<ArgumentException>(() => new Gpt(c with { KvHeads = 3 }, seed: 1)).Message);
    }

    [Fact]
    public void ModuleLayoutIsTheContractsFusedQkvAndGatedMlp()
    {
        var c = GptConfig.Preset("llama-tiny") with { VocabSize = 100, QkvBias = true };   // 4 heads, 2 kv heads, D = 32, F = 352
        var model = new Gpt(c, seed: 1);
        var p = model.NamedParameters().ToDictionary(x => x.Name, x => x.Parameter.Data.ShapeArray);
        Assert.Equal([(4 + 2 * 2) * 32, 128], p["h.0.attn.c_attn.weight"]);
        Assert.Equal([(4 + 2 * 2) * 32], p["h.0.attn.c_attn.bias"]);
        Assert.False(p.ContainsKey("h.0.attn.c_proj.bias"));
        Assert.Equal([352, 128], p["h.0.mlp.gate.weight"]);
        Assert.Equal([352, 128], p["h.0.mlp.c_fc.weight"]);
        Assert.Equal([128, 352], p["h.0.mlp.c_proj.weight"]);
        Assert.Equal([128], p["h.0.ln_1.weight"]);
        Assert.False(p.ContainsKey("h.0.ln_1.bias"));
        Assert.False(p.ContainsKey("wpe.weight"));
        Assert.True(p.ContainsKey("lm_head.weight"));
        Assert.NotNull(model.Rotary);
        Assert.Null(model.PositionEmbedding);
    }
}
