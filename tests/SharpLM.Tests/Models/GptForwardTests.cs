using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tests.Autograd;

namespace SharpLM.Tests.Models;

public class GptForwardTests
{
    private static readonly GptConfig Small = new() { VocabSize = 11, BlockSize = 8, Layers = 2, Heads = 2, Width = 16, VocabMultiple = 8 };

    private static int[] Ids(int n, int vocab, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextInt(vocab)).ToArray();
    }

    [Fact]
    public void LogitsHavePaddedVocabularyShape()
    {
        var model = new Gpt(Small, seed: 1);
        var logits = model.Forward(new Tape(recordGradients: false), Ids(2 * 5, 11, 2), 2, 5);
        Assert.Equal([2, 5, 16], logits.Data.ShapeArray);
    }

    [Fact]
    public void LossGradientMatchesFiniteDifferences()
    {
        var model = new Gpt(Small, seed: 3);
        // Move weights off their init so every path (biases, norms) carries gradient.
        var rng = new Rng(4);
        foreach (var p in model.Parameters()) { var s = p.Data.Span; for (int i = 0; i < s.Length; i++) s[i] += 0.05f * (float)rng.NextNormal(); }
        foreach (var row in Enumerable.Range(11, 5)) model.TokenEmbedding.Weight.Data.Span.Slice(row * 16, 16).Clear();
        int b = 2, t = 6;
        var ids = Ids(b * t, 11, 5);
        var targets = Ids(b * t, 11, 6);
        targets[3] = -1; // ignored position
        var named = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var checkedParams = new[] { "wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.attn.c_attn.weight", "h.1.attn.c_proj.bias", "h.1.mlp.c_fc.weight", "ln_f.bias" }
            .Select(n => { var v = named[n]; v.Name = n; return v; }).ToArray();
        GradCheck.AssertGradients(tape => model.Loss(tape, ids, targets, b, t), checkedParams, step: 1e-2f, atol: 1e-3, rtol: 3e-2, maxChecksPerInput: 24);
    }

    [Fact]
    public void PaddingColumnsNeverAffectTheLossOrReceiveGradient()
    {
        var model = new Gpt(Small, seed: 7);
        var ids = Ids(8, 11, 8);
        var targets = Ids(8, 11, 9);
        var tape = new Tape();
        var loss = model.Loss(tape, ids, targets, 1, 8);
        tape.Backward(loss);
        var wteGrad = model.TokenEmbedding.Weight.Grad!.Span;
        Assert.True(wteGrad[(11 * 16)..].ToArray().All(g => g == 0f), "padding rows of the tied head got a gradient");

        // Make the padding rows huge: with a softmax over Vp the loss would explode; over V it is unchanged.
        model.TokenEmbedding.Weight.Data.Span[(11 * 16)..].Fill(50f);
        var again = model.Loss(new Tape(recordGradients: false), ids, targets, 1, 8);
        Assert.Equal(loss.Data[0], again.Data[0]);
    }

    [Fact]
    public void EarlierLogitsDoNotSeeLaterTokens()
    {
        var model = new Gpt(Small, seed: 10);
        var ids = Ids(8, 11, 11);
        var a = model.Forward(new Tape(false), ids, 1, 8).Data.ToArray();
        ids[5] = (ids[5] + 1) % 11;
        var b = model.Forward(new Tape(false), ids, 1, 8).Data.ToArray();
        int vp = 16;
        Assert.Equal(a[..(5 * vp)], b[..(5 * vp)]);
        Assert.NotEqual(a[(5 * vp)..(6 * vp)], b[(5 * vp)..(6 * vp)]);
    }

    [Fact]
    public void BadInputsGetClearErrors()
    {
        var model = new Gpt(Small, seed: 1);
        var e1 = Assert.Throws<ArgumentException>(() => model.Forward(new Tape(false), new int[9], 1, 9));
        Assert.Contains("block size", e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new Tape(false), [1, 2, 11], 1, 3));
        Assert.Contains("outside the vocabulary", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => model.Forward(new Tape(false), [1, 2, 3], 2, 2));
        Assert.Contains("B=2", e3.Message);
    }

    [Fact]
    public void SinusoidalPositionsAndDropoutRun()
    {
        var config = Small with { Positions = PositionEncoding.Sinusoidal, Dropout = 0.2f };
        var model = new Gpt(config, seed: 2);
        Assert.DoesNotContain(model.NamedParameters(), p => p.Name == "wpe.weight");
        var ids = Ids(8, 11, 3);
        var tape = new Tape();
        var train1 = model.Forward(tape, ids, 1, 8, new Rng(1)).Data.ToArray();
        var train2 = model.Forward(tape, ids, 1, 8, new Rng(2)).Data.ToArray();
        var eval1 = model.Forward(new Tape(false) { Training = false }, ids, 1, 8, new Rng(1)).Data.ToArray();
        var eval2 = model.Forward(new Tape(false) { Training = false }, ids, 1, 8, new Rng(2)).Data.ToArray();
        Assert.NotEqual(train1, train2);   // different dropout masks
        Assert.Equal(eval1, eval2);        // no dropout at evaluation
    }
}

public class GptNormVariantTests
{
    [Theory]
    [InlineData(SharpLM.Nn.NormKind.RmsNorm, true)]
    [InlineData(SharpLM.Nn.NormKind.DyT, true)]
    [InlineData(SharpLM.Nn.NormKind.DyT, false)]
    public void NormVariantsHaveCorrectGradients(SharpLM.Nn.NormKind kind, bool bias)
    {
        var config = new GptConfig { VocabSize = 9, BlockSize = 6, Layers = 1, Heads = 2, Width = 8, VocabMultiple = 4, Norm = kind, Bias = bias };
        var model = new Gpt(config, seed: 1);
        var rng = new Rng(2);
        foreach (var p in model.Parameters()) { var s = p.Data.Span; for (int i = 0; i < s.Length; i++) s[i] += 0.05f * (float)rng.NextNormal(); }
        model.TokenEmbedding.Weight.Data.Span[(9 * 8)..].Clear();
        int[] ids = [1, 4, 2, 8, 0, 3], targets = [4, 2, 8, 0, 3, 5];
        var checkedParams = model.NamedParameters().Where(p => p.Name.StartsWith("h.0.ln_1") || p.Name.StartsWith("ln_f") || p.Name == "h.0.mlp.c_fc.weight")
            .Select(p => { p.Parameter.Name = p.Name; return p.Parameter; }).ToArray();
        GradCheck.AssertGradients(tape => model.Loss(tape, ids, targets, 1, 6), checkedParams, step: 1e-2f, atol: 1e-3, rtol: 3e-2, maxChecksPerInput: 16);
    }
}

public class GptActivationTests
{
    [Fact]
    public void ExactGeluModelMatchesNaiveReferenceAndDiffersFromTanh()
    {
        // Same weights, two activations: the training forward must follow the config's choice.
        var config = SharpLM.Tests.Generation.TestModels.Tiny() with { Activation = MlpActivation.Gelu };
        var exact = SharpLM.Tests.Generation.TestModels.Random(config, seed: 8);
        var tanh = SharpLM.Tests.Generation.TestModels.Random(config with { Activation = MlpActivation.GeluTanh }, seed: 8);
        int[] ids = [3, 14, 15, 9, 26, 5, 35, 8];
        var reference = SharpLM.Tests.Generation.ReferenceForward.Logits(exact, ids);
        var exactLogits = exact.Forward(new Tape(recordGradients: false), ids, 1, ids.Length).Data;
        var tanhLogits = tanh.Forward(new Tape(recordGradients: false), ids, 1, ids.Length).Data;
        int vp = config.PaddedVocabSize;
        double worstExact = 0, worstTanh = 0;
        for (int t = 0; t < ids.Length; t++)
            for (int v = 0; v < config.VocabSize; v++)
            {
                worstExact = Math.Max(worstExact, Math.Abs(reference[t][v] - exactLogits[t * vp + v]));
                worstTanh = Math.Max(worstTanh, Math.Abs(reference[t][v] - tanhLogits[t * vp + v]));
            }
        Assert.True(worstExact < 1e-4, $"exact-GELU forward is {worstExact} from the reference");
        Assert.True(worstTanh > 10 * worstExact, $"tanh model ({worstTanh}) is not distinguishable from the exact one ({worstExact})");
    }

    [Fact]
    public void ExactGeluModelHasCorrectGradients()
    {
        var config = new GptConfig { VocabSize = 9, BlockSize = 6, Layers = 1, Heads = 2, Width = 8, VocabMultiple = 4, Activation = MlpActivation.Gelu };
        var model = new Gpt(config, seed: 1);
        var rng = new Rng(2);
        foreach (var p in model.Parameters()) { var s = p.Data.Span; for (int i = 0; i < s.Length; i++) s[i] += 0.3f * (float)rng.NextNormal(); }
        model.TokenEmbedding.Weight.Data.Span[(9 * 8)..].Clear();
        int[] ids = [1, 4, 2, 8, 0, 3], targets = [4, 2, 8, 0, 3, 5];
        var checkedParams = model.NamedParameters().Where(p => p.Name is "h.0.mlp.c_fc.weight" or "h.0.mlp.c_fc.bias" or "h.0.ln_2.weight")
            .Select(p => { p.Parameter.Name = p.Name; return p.Parameter; }).ToArray();
        GradCheck.AssertGradients(tape => model.Loss(tape, ids, targets, 1, 6), checkedParams, step: 1e-2f, atol: 1e-3, rtol: 3e-2, maxChecksPerInput: 16);
    }
}
