using SharpLM.Adapters;
using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Tests.Adapters;

public class FreezingTests
{
    [Fact]
    public void NamePatternsMatchGlobsAndWholeModules()
    {
        Assert.True(new NamePattern("ln_f").Matches("ln_f.weight"));
        Assert.True(new NamePattern("h.1").Matches("h.1.attn.c_attn.weight"));
        Assert.False(new NamePattern("h.1").Matches("h.10.attn.c_attn.weight"));
        Assert.True(new NamePattern("*.bias").Matches("h.0.mlp.c_fc.bias"));
        Assert.False(new NamePattern("*.bias").Matches("h.0.mlp.c_fc.weight"));
        Assert.True(new NamePattern("h.?.attn.*").Matches("h.3.attn.c_proj.weight"));
    }

    [Fact]
    public void TrainOnlyTheLastBlockTheFinalNormAndTheHead()
    {
        var model = new Gpt(LoraTestModels.Gpt2() with { TiedEmbeddings = false }, seed: 1);
        var before = LoraTestModels.Snapshot(model);
        model.TrainOnlyLastBlocks(1);
        var adam = new AdamW(model.TrainableParameters(), weightDecay: 0.1f);
        Assert.All(adam.Names, n => Assert.True(n.StartsWith("h.1.") || n.StartsWith("ln_f.") || n.StartsWith("lm_head."), n));
        Assert.Contains("lm_head.weight", adam.Names);
        var ids = LoraTestModels.Ids(24, 23, 3); var next = LoraTestModels.Ids(24, 23, 4);
        var tape = new Tape();
        for (int s = 0; s < 3; s++) { tape.Reset(); tape.Backward(model.Loss(tape, ids, next, 2, 12)); adam.Update(1e-2f, releaseGradients: true); }
        foreach (var (name, p) in model.NamedParameters())
        {
            bool trains = adam.Names.Contains(name);
            Assert.Equal(trains, !before[name].AsSpan().SequenceEqual(p.Data.Span));
            if (!trains) Assert.Null(p.Grad);
        }
    }

    [Fact]
    public void FreezeByPatternAndUnfreeze()
    {
        var model = new Gpt(LoraTestModels.Gpt2(), seed: 1);
        int frozen = model.Freeze("wte", "wpe", "*.bias");
        Assert.Equal(2 + 2 * 6 + 1, frozen); // embeddings, 6 biases per block, ln_f.bias
        Assert.DoesNotContain(model.TrainableParameters(), p => p.Name.EndsWith(".bias"));
        model.Unfreeze("*.bias");
        Assert.Contains(model.TrainableParameters(), p => p.Name == "ln_f.bias");
        Assert.Contains("matches no parameter", Assert.Throws<ArgumentException>(() => model.Freeze("transformer.h.0")).Message);
    }

    [Fact]
    public void ParameterGroupsScaleTheLearningRateAndSetTheirOwnDecay()
    {
        var model = new Gpt(LoraTestModels.Gpt2(), seed: 1);
        var groups = new[]
        {
            new ParameterGroup("embeddings", ["wte", "wpe"], learningRateScale: 0f),
            new ParameterGroup("last block", ["h.1"], learningRateScale: 10f, weightDecay: 0f),
        };
        var adam = new AdamW(model.TrainableParameters(), weightDecay: 0.1f, groups: groups);
        int wte = Array.IndexOf(adam.Names, "wte.weight"), h1 = Array.IndexOf(adam.Names, "h.1.mlp.c_fc.weight"), h0 = Array.IndexOf(adam.Names, "h.0.mlp.c_fc.weight");
        Assert.Equal(0f, adam.LearningRateScale(wte));
        Assert.Equal(10f, adam.LearningRateScale(h1));
        Assert.Equal(0f, adam.WeightDecayOf(h1));
        Assert.Equal(0.1f, adam.WeightDecayOf(h0));
        Assert.Equal(0f, adam.WeightDecayOf(Array.IndexOf(adam.Names, "h.0.mlp.c_fc.bias")));

        var before = LoraTestModels.Snapshot(model);
        var ids = LoraTestModels.Ids(24, 23, 3); var next = LoraTestModels.Ids(24, 23, 4);
        var tape = new Tape();
        tape.Backward(model.Loss(tape, ids, next, 2, 12));
        adam.Update(1e-3f);
        Assert.Equal(before["wte.weight"], model.TokenEmbedding.Weight.Data.ToArray()); // lr × 0
        // The first Adam step moves each weight by about lr·scale (m̂/√v̂ ≈ ±1): 10× as far in the last block.
        double Step(string name, SharpLM.Autograd.Variable p) => before[name].Zip(p.Data.ToArray(), (x, y) => Math.Abs(x - y)).Max();
        var named = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Assert.InRange(Step("h.1.mlp.c_fc.weight", named["h.1.mlp.c_fc.weight"]), 9e-3, 1.1e-2);
        Assert.InRange(Step("h.0.mlp.c_fc.weight", named["h.0.mlp.c_fc.weight"]), 9e-4, 1.1e-3);
    }
}
