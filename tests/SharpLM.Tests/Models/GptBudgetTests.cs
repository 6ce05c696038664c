using SharpLM.Cli.Commands;
using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Tests.Models;

public class GptBudgetTests
{
    public static TheoryData<GptConfig> Configs => new()
    {
        new GptConfig { VocabSize = 65, BlockSize = 64, Layers = 2, Heads = 2, Width = 32 },
        new GptConfig { VocabSize = 65, BlockSize = 64, Layers = 2, Heads = 2, Width = 32, Bias = false },
        new GptConfig { VocabSize = 300, BlockSize = 16, Layers = 3, Heads = 4, Width = 16, Norm = NormKind.RmsNorm },
        new GptConfig { VocabSize = 300, BlockSize = 16, Layers = 1, Heads = 2, Width = 16, Norm = NormKind.DyT, TiedEmbeddings = false },
        new GptConfig { VocabSize = 100, BlockSize = 32, Layers = 1, Heads = 1, Width = 8, Positions = PositionEncoding.Sinusoidal, Bias = false, Norm = NormKind.DyT },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void ParameterFormulaMatchesTheBuiltModel(GptConfig config) =>
        Assert.Equal(new Gpt(config, seed: 1).ParameterCount(), GptBudget.Parameters(config));

    [Fact]
    public void Gpt2FiguresAreGpt2s()
    {
        var c = GptConfig.Preset("gpt2");
        Assert.Equal(124_475_904, GptBudget.Parameters(c));
        Assert.Equal(4L * 124_475_904, GptBudget.WeightBytes(c));
        Assert.Equal(8L * 124_475_904, GptBudget.OptimizerBytes(c));
        Assert.Equal(20L * 124_475_904, GptBudget.ChinchillaTokens(c));
        // 6·N (N without the position table) + 12·L·C·T: PaLM's / nanoGPT's estimate_mfu count.
        Assert.Equal(6.0 * (124_475_904 - 1024 * 768) + 12.0 * 12 * 768 * 1024, GptBudget.TrainingFlopsPerToken(c, 1024));
        var lines = InfoCommand.Describe(c, 4, 64).ToList();
        Assert.Contains(lines, l => l.Contains("124,475,904"));
        Assert.Contains(lines, l => l.Contains("Chinchilla"));
    }
}
