using SharpLM.Adapters;
using SharpLM.Autograd;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Tests.Adapters;

public class LoraTrainingTests
{
    private static float TrainSteps(Gpt model, AdamW adam, int steps, int[] ids, int[] next, int b, int t, float lr = 1e-2f)
    {
        var tape = new Tape();
        float loss = 0;
        for (int s = 0; s < steps; s++)
        {
            tape.Reset();
            var l = model.Loss(tape, ids, next, b, t);
            tape.Backward(l);
            adam.Update(lr, releaseGradients: true);
            loss = l.Data[0];
        }
        tape.Reset();
        return loss;
    }

    [Fact]
    public void FrozenWeightsStayBitIdenticalGetNoGradientBuffersAndNoMoments()
    {
        var model = new Gpt(LoraTestModels.Gpt2(), seed: 1);
        var before = LoraTestModels.Snapshot(model);
        var summary = Lora.Apply(model, LoraOptions.Parse("r=4,alpha=8,targets=c_attn,c_fc,dropout=0.1"), new Rng(2));
        var adam = new AdamW(model.TrainableParameters());
        // Only A and B of the 2 layers × 2 modules reach the optimizer; its state is two moments of those.
        Assert.Equal(8, adam.Names.Length);
        Assert.All(adam.Names, n => Assert.Matches(@"^base_model\.model\.transformer\.h\.\d\.(attn\.c_attn|mlp\.c_fc)\.lora_[AB]\.default\.weight$", n));
        long expected = 2 * (4 * 16 + 48 * 4 + 4 * 16 + 64 * 4);
        Assert.Equal(expected, adam.ParameterCount);
        Assert.Equal(expected, summary.TrainableParameters);
        Assert.Equal(expected * 8, adam.StateBytes);
        Assert.Equal(adam.StateBytes, summary.OptimizerStateBytes);
        Assert.Equal(model.ParameterCount(), summary.TotalParameters);

        var ids = LoraTestModels.Ids(24, 23, 3); var next = LoraTestModels.Ids(24, 23, 4);
        TrainSteps(model, adam, 5, ids, next, 2, 12);
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad is null, $"{name} got a gradient buffer");
            Assert.True(before[name].AsSpan().SequenceEqual(p.Data.Span), $"{name} changed");
        }
        Assert.Contains(Lora.AllAdapters(model), a => a.B.Data.Span.ContainsAnyExcept(0f)); // the adapters did learn
        Assert.Contains("trainable params: " + expected.ToString("N0"), summary.ToString());
    }

    [Fact]
    public void TrainerBuildsItsOptimizerFromTrainableParametersOnly()
    {
        var model = new Gpt(LoraTestModels.Gpt2(), seed: 1);
        Lora.Apply(model, LoraOptions.Parse("r=2,targets=c_attn"), new Rng(2));
        var ids = LoraTestModels.Ids(400, 23, 3);
        var data = new TokenDataset(ids, 0.1, blockSize: 8);
        var trainer = new Trainer(model, data, new TrainingOptions { BatchSize = 2, BlockSize = 8, MaxSteps = 3, LearningRate = 1e-2f, WarmupSteps = 0 });
        Assert.Equal(4, trainer.Optimizer.Names.Length);
        trainer.TrainStep();
        Assert.All(model.NamedParameters(), p => Assert.Null(p.Parameter.Grad));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MergedLogitsEqualBasePlusAdapterAndUnmergeRestoresTheBase(bool llama)
    {
        var model = new Gpt(llama ? LoraTestModels.Llama() : LoraTestModels.Gpt2(), seed: 5);
        var baseWeights = LoraTestModels.Snapshot(model);
        var ids = LoraTestModels.Ids(12, 23, 6);
        var baseLogits = LoraTestModels.Logits(model, ids, 1, 12);
        Lora.Apply(model, LoraOptions.Parse("r=3,alpha=6,targets=all-linear"), new Rng(7));
        LoraTestModels.RandomizeB(model, 8);
        var adapted = LoraTestModels.Logits(model, ids, 1, 12);   // base + adapter on the tape
        Assert.True(MaxDiff(adapted, baseLogits) > 1e-2, "the adapter must change the logits for this test to mean anything");

        Lora.Merge(model);
        Assert.All(Lora.AllAdapters(model), a => Assert.True(a.IsMerged));
        var merged = LoraTestModels.Logits(model, ids, 1, 12);
        Assert.True(MaxDiff(merged, adapted) <= 1e-5, $"merged logits differ from base + adapter by {MaxDiff(merged, adapted):G3}");

        Lora.Unmerge(model);
        foreach (var (name, p) in model.NamedParameters())
            Assert.True(MaxDiff(p.Data.ToArray(), baseWeights[name]) <= 1e-6, $"{name} differs from the base after unmerge by {MaxDiff(p.Data.ToArray(), baseWeights[name]):G3}");
        Assert.True(MaxDiff(LoraTestModels.Logits(model, ids, 1, 12), adapted) <= 1e-5);
        Lora.SetActive(model, null);
        Assert.True(MaxDiff(LoraTestModels.Logits(model, ids, 1, 12), baseLogits) <= 1e-5);
    }

    [Fact]
    public void LlamaQProjAdapterTouchesOnlyTheQueryRowsOfTheFusedProjection()
    {
        var model = new Gpt(LoraTestModels.Llama(), seed: 5);
        var before = model.Blocks[0].Attention.QkvProjection.Weight.Data.ToArray();
        Lora.Apply(model, LoraOptions.Parse("r=2,targets=q_proj"), new Rng(1));
        LoraTestModels.RandomizeB(model, 2);
        Lora.Merge(model);
        var after = model.Blocks[0].Attention.QkvProjection.Weight.Data.ToArray();
        int c = 16, q = 16; // 2 heads of 8 query rows; then 1 key/value head of 8 rows each
        for (int i = 0; i < after.Length; i++)
            if (i / c < q) Assert.NotEqual(before[i], after[i]);
            else Assert.Equal(before[i], after[i]);
    }

    private static int[] Greedy(Generator g, int[] prompt, int count)
    {
        g.Reset();
        var logits = g.Prefill(prompt);
        var result = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int best = 0;
            for (int j = 1; j < logits.Length; j++) if (logits[j] > logits[best]) best = j;
            result.Add(best);
            if (i + 1 < count) logits = g.Decode(best);
        }
        return result.ToArray();
    }

    [Fact]
    public void SwitchingAdaptersChangesGenerationAndSwitchingBackRestoresIt()
    {
        var model = Generation.TestModels.Random(LoraTestModels.Gpt2() with { BlockSize = 24 }, seed: 3);
        Lora.Apply(model, LoraOptions.Parse("r=4,alpha=16,targets=c_attn,c_fc"), new Rng(4), "poems");
        LoraTestModels.RandomizeB(model, 5, std: 0.5f);
        Lora.Apply(model, LoraOptions.Parse("r=2,alpha=8,targets=c_proj"), new Rng(6), "code");
        foreach (var a in Lora.AdaptersOf(model, "code")) new Rng(7).FillNormal(a.B.Data.Span, 0, 0.5f);
        Assert.Equal(["poems", "code"], Lora.Names(model));
        var generator = new Generator(model);
        int[] prompt = [1, 2, 3, 4];

        var baseline = Greedy(generator, prompt, 12);
        Lora.UseForGeneration(model, "poems");
        var poems = Greedy(generator, prompt, 12);
        Lora.UseForGeneration(model, "code");
        Assert.Equal("code", Lora.ActiveName(model));
        var code = Greedy(generator, prompt, 12);
        Assert.NotEqual(baseline, poems);
        Assert.NotEqual(poems, code);
        Lora.UseForGeneration(model, "poems");
        Assert.Equal(poems, Greedy(generator, prompt, 12));
        Lora.UseForGeneration(model, null);
        Assert.Equal(baseline, Greedy(generator, prompt, 12));
    }

    [Fact]
    public void LoraFineTuneLowersHeldOutLossOnANewTask()
    {
        const int v = 23, b = 8, t = 12;
        int step = 1;
        var model = new Gpt(LoraTestModels.Gpt2() with { Width = 32, Heads = 4 }, seed: 9);
        int[] Sequence(Rng rng, int n) { var s = new int[n + 1]; s[0] = rng.NextInt(v); for (int i = 1; i <= n; i++) s[i] = (s[i - 1] + step) % v; return s; }
        (int[] Ids, int[] Next) Batch(Rng rng)
        {
            var ids = new int[b * t]; var next = new int[b * t];
            for (int r = 0; r < b; r++) { var s = Sequence(rng, t); Array.Copy(s, 0, ids, r * t, t); Array.Copy(s, 1, next, r * t, t); }
            return (ids, next);
        }
        (int[] Ids, int[] Next) heldOut = default;
        float HeldOutLoss() => model.Loss(new Tape(recordGradients: false) { Training = false }, heldOut.Ids, heldOut.Next, b, t).Data[0];
        var tape = new Tape();
        void Train(AdamW adam, int steps, float lr, Rng rng)
        {
            for (int s = 0; s < steps; s++)
            {
                var (ids, next) = Batch(rng);
                tape.Reset();
                tape.Backward(model.Loss(tape, ids, next, b, t));
                adam.Update(lr, releaseGradients: true);
            }
        }
        // "Pretrain" the whole model on a related task (next = token + 1), then LoRA-tune the frozen base to token + 3.
        step = 1;
        Train(new AdamW(model.TrainableParameters(), weightDecay: 0f), 60, 1e-2f, new Rng(5));
        step = 3;
        heldOut = Batch(new Rng(1000));
        float before = HeldOutLoss();
        var summary = Lora.Apply(model, LoraOptions.Parse("r=4,alpha=16,targets=all-linear"), new Rng(2));
        Assert.True(summary.TrainableParameters < model.ParameterCount() / 4);
        Train(new AdamW(model.TrainableParameters(), weightDecay: 0f), 80, 1e-2f, new Rng(3));
        float after = HeldOutLoss();
        Assert.True(after < 0.3f * before && after < 0.5f, $"held-out loss went from {before:F3} to {after:F3}; LoRA should learn (token + 3) mod {v}");
    }

    private static double MaxDiff(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
