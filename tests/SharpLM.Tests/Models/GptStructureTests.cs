using SharpLM.Models;

namespace SharpLM.Tests.Models;

public class GptStructureTests
{
    [Fact]
    public void Gpt2PresetHasGpt2ParameterCountWithPaddedVocabulary()
    {
        var model = new Gpt(GptConfig.Preset("gpt2"), seed: 1);
        // llm.c's figure for GPT-2 124M with the vocabulary padded to 50304 rows.
        Assert.Equal(124_475_904, model.ParameterCount());
        var names = model.NamedParameters().Select(p => p.Name).ToList();
        Assert.Equal("wte.weight", names[0]);
        Assert.Contains("h.11.attn.c_attn.weight", names);
        Assert.Contains("ln_f.bias", names);
        Assert.Equal(12 * 12 + 4, names.Count); // 12 tensors per layer × 12 layers + wte, wpe, ln_f.{weight,bias}
    }

    [Fact]
    public void WidthNotDivisibleByHeadsIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new GptConfig { Width = 100, Heads = 3 }.Validate());
        Assert.Contains("divisible", e.Message);
    }
}
