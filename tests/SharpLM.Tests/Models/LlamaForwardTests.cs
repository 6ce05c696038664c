using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tests.Autograd;
using SharpLM.Tests.Generation;
using SharpLM.Training;

namespace SharpLM.Tests.Models;

public class LlamaForwardTests
{
    private static int[] Ids(int n, int vocab, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextInt(vocab)).ToArray();
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    public void LossGradientMatchesFiniteDifferencesThroughRopeGqaAndSwiGlu(int kvHeads, bool qkvBias)
    {
        var cfg = new GptConfig { VocabSize = 11, BlockSize = 8, Layers = 2, Heads = 2, Width = 16, VocabMultiple = 8 }.AsLlama()
            with { KvHeads = kvHeads, QkvBias = qkvBias, MlpHidden = 24, RopeTheta = 50f };
        var model = new Gpt(cfg, seed: 3);
        var rng = new Rng(4);
        foreach (var p in model.Parameters()) { var s = p.Data.Span; for (int i = 0; i < s.Length; i++) s[i] += 0.05f * (float)rng.NextNormal(); }
        foreach (var w in new[] { model.TokenEmbedding.Weight, model.OutputWeight }) w.Data.Span[(11 * 16)..].Clear();
        int b = 2, t = 6;
        var ids = Ids(b * t, 11, 5);
        var targets = Ids(b * t, 11, 6);
        var named = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var names = new List<string> { "wte.weight", "h.0.ln_1.weight", "h.0.attn.c_attn.weight", "h.1.attn.c_proj.weight", "h.0.mlp.gate.weight", "h.1.mlp.c_fc.weight", "h.1.mlp.c_proj.weight", "lm_head.weight" };
        if (qkvBias) names.Add("h.1.attn.c_attn.bias");
        var checkedParams = names.Select(n => { var v = named[n]; v.Name = n; return v; }).ToArray();
        GradCheck.AssertGradients(tape => model.Loss(tape, ids, targets, b, t), checkedParams, step: 1e-2f, atol: 1e-3, rtol: 3e-2, maxChecksPerInput: 24);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(1)]
    public void TrainingForwardEqualsTheDoublePrecisionReference(int kvHeads)
    {
        var cfg = TestModels.TinyLlama() with { KvHeads = kvHeads, QkvBias = kvHeads == 2 };
        var model = TestModels.Random(cfg, seed: 12);
        var ids = Ids(20, cfg.VocabSize, 13);
        var reference = ReferenceForward.Logits(model, ids);
        var logits = model.Forward(new Tape(recordGradients: false), ids, 1, ids.Length).Data;
        int vp = cfg.PaddedVocabSize;
        for (int t = 0; t < ids.Length; t++)
            KvCacheTests.AssertClose(reference[t], logits.Span.Slice(t * vp, cfg.VocabSize).ToArray(), $"Gpt.Forward position {t}");
    }

    [Fact]
    public void LlamaTinyLearnsToCopyTheTokenTwoBack()
    {
        // A stream where each token repeats the one two positions earlier (10% of tokens are fresh noise):
        // predicting it needs attention to a fixed relative offset, i.e. working rotary positions.
        const int vocab = 8, t = 16, batch = 8, Lag = 2;
        const float lr = 5e-3f;
        double noise = 0.1;
        int[] Stream(int n, ulong seed)
        {
            var rng = new Rng(seed);
            var s = new int[n];
            for (int i = 0; i < n; i++) s[i] = i < Lag || rng.NextDouble() < noise ? rng.NextInt(vocab) : s[i - Lag];
            return s;
        }
        var train = Stream(40_000, 1);
        var val = Stream(4_000, 2);
        var cfg = GptConfig.Preset("llama-tiny") with { VocabSize = vocab, BlockSize = t, Layers = 1, Width = 64, Heads = 4, KvHeads = 2, MlpHidden = 128 };
        var model = new Gpt(cfg, seed: 3);
        var adam = new AdamW(model.NamedParameters(), beta2: 0.99f, weightDecay: 0f);
        var tape = new Tape();
        var rng = new Rng(9);
        float Evaluate()
        {
            var eval = new Tape(recordGradients: false) { Training = false };
            double sum = 0; int windows = 0;
            for (int s = 0; s + t + 1 <= val.Length && windows < 64; s += 61, windows++)
            {
                var x = val.AsSpan(s, t).ToArray(); var y = val.AsSpan(s + 1, t).ToArray();
                y.AsSpan(0, Lag).Fill(-1);                 // the first targets have no copy source inside the window
                sum += model.Loss(eval, x, y, 1, t).Data[0];
                eval.Reset();
            }
            return (float)(sum / windows);
        }
        float before = Evaluate();
        for (int step = 0; step < 300; step++)
        {
            var x = new int[batch * t]; var y = new int[batch * t];
            for (int b = 0; b < batch; b++)
            {
                int s = rng.NextInt(train.Length - t - 1);
                train.AsSpan(s, t).CopyTo(x.AsSpan(b * t)); train.AsSpan(s + 1, t).CopyTo(y.AsSpan(b * t));
            }
            var loss = model.Loss(tape, x, y, batch, t);
            tape.Backward(loss);
            adam.Update(step < 20 ? lr * (step + 1) / 20 : lr, releaseGradients: true);
            tape.Reset();
        }
        float after = Evaluate();
        // The best possible loss: the copied token has probability 0.9 + 0.1/V, each other 0.1/V.
        double pHit = 1 - noise + noise / vocab, pMiss = noise / vocab;
        double optimum = -(pHit * Math.Log(pHit) + (vocab - 1) * pMiss * Math.Log(pMiss));
        Assert.True(Math.Abs(before - Math.Log(vocab)) < 0.3, $"untrained loss {before:F3} should be near ln {vocab} = {Math.Log(vocab):F3}");
        // Purely positional attention ("look 3 back whatever the tokens") is learned more slowly through rotations
        // than through a learned position table (measured: 0.73 vs 0.59 after these steps); the bound leaves
        // room for that while still requiring most of the way from uniform (2.08) to the optimum (0.47).
                Assert.True(after < optimum + 0.35, $"held-out loss {after:F3} after training should approach the copy task's optimum {optimum:F3} (uniform {Math.Log(vocab):F3})");
    }
}
