using SharpLM.Adapters;
using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tests.Autograd;

namespace SharpLM.Tests.Adapters;

public class LoraGradientTests
{
    [Theory]
    [InlineData(0, 7)]   // the whole output
    [InlineData(2, 3)]   // a row range, as LLaMA's q/k/v share one fused layer
    public void LowRankUpdateGradientsMatchFiniteDifferences(int rowOffset, int rows)
    {
        int n = 5, inF = 6, outF = 7, r = 3;
        var x = new Variable(Tensor.RandomNormal([n, inF], 0, 1, 1), requiresGrad: true) { Name = "x" };
        var w = new Variable(Tensor.RandomNormal([outF, inF], 0, 0.5f, 2), requiresGrad: true) { Name = "W" };
        var a = new Variable(Tensor.RandomNormal([r, inF], 0, 0.5f, 3), requiresGrad: true) { Name = "A" };
        var b = new Variable(Tensor.RandomNormal([rows, r], 0, 0.5f, 4), requiresGrad: true) { Name = "B" };
        var m = Tensor.RandomNormal([n, outF], 0, 1, 5);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.LowRankUpdate(t.Linear(x, w), x, a, b, scale: 1.5f, rowOffset), m), [x, w, a, b]);
    }

    [Fact]
    public void LowRankUpdateAddsScaledBATimesXToItsRowsOnly()
    {
        int n = 2, inF = 3, outF = 5, r = 2;
        var x = Tensor.RandomNormal([n, inF], 0, 1, 1);
        var w = Tensor.RandomNormal([outF, inF], 0, 1, 2);
        var a = Tensor.RandomNormal([r, inF], 0, 1, 3);
        var b = Tensor.RandomNormal([2, r], 0, 1, 4);
        var tape = new Tape(recordGradients: false);
        var y = tape.LowRankUpdate(tape.Linear(tape.Input(x), tape.Input(w)), tape.Input(x), tape.Input(a), tape.Input(b), scale: 0.5f, rowOffset: 1);
        for (int i = 0; i < n; i++)
            for (int o = 0; o < outF; o++)
            {
                double expected = 0;
                for (int k = 0; k < inF; k++) expected += w[o, k] * x[i, k];
                if (o is 1 or 2)
                    for (int j = 0; j < r; j++)
                        for (int k = 0; k < inF; k++) expected += 0.5 * b[o - 1, j] * a[j, k] * x[i, k];
                Assert.Equal(expected, y.Data[i, o], 1e-5);
            }
    }

    [Fact]
    public void DropoutOnlyActsWhileTrainingAndItsGradientMatches()
    {
        int n = 4, inF = 5, r = 2;
        var x = new Variable(Tensor.RandomNormal([n, inF], 0, 1, 1), requiresGrad: true) { Name = "x" };
        var w = new Variable(Tensor.RandomNormal([3, inF], 0, 0.5f, 2));
        var a = new Variable(Tensor.RandomNormal([r, inF], 0, 0.5f, 3), requiresGrad: true) { Name = "A" };
        var b = new Variable(Tensor.RandomNormal([3, r], 0, 0.5f, 4), requiresGrad: true) { Name = "B" };
        var m = Tensor.RandomNormal([n, 3], 0, 1, 5);
        // The same mask on every evaluation (a fresh generator with one seed), so finite differences see a fixed function.
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.LowRankUpdate(t.Linear(x, w), x, a, b, 2f, 0, 0.4f, new Rng(9)), m), [x, a, b]);
        var eval = new Tape(recordGradients: false) { Training = false };
        var plain = eval.LowRankUpdate(eval.Linear(x, w), x, a, b, 2f).Data.ToArray();
        var noDrop = eval.LowRankUpdate(eval.Linear(x, w), x, a, b, 2f, 0, 0.4f, new Rng(9)).Data.ToArray();
        Assert.Equal(plain, noDrop);
    }

    public static TheoryData<string, string> Families => new()
    {
        { "gpt2", "c_attn,c_proj" }, { "llama", "q_proj,v_proj,down_proj" }, { "bert", "query,value" }, { "t5", "q,v,wo" },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void ModelLossGradientsReachTheAdaptersAndMatchFiniteDifferences(string family, string targets)
    {
        var options = LoraOptions.Parse($"r=2,alpha=4,targets={targets}");
        Func<Tape, Variable> loss;
        SharpLM.Nn.Module model;
        switch (family)
        {
            case "gpt2" or "llama":
                var gpt = new Gpt(family == "gpt2" ? LoraTestModels.Gpt2() : LoraTestModels.Llama(), seed: 3);
                var ids = LoraTestModels.Ids(12, 23, 5); var next = LoraTestModels.Ids(12, 23, 6);
                loss = t => gpt.Loss(t, ids, next, 2, 6);
                model = gpt;
                break;
            case "bert":
                var bert = new Bert(LoraTestModels.Bert(), BertTask.SequenceClassification, seed: 3, labels: ["no", "yes"]);
                var batch = new BertBatch([2, 5, 6, 3, 7, 3, 2, 9, 3, 0, 0, 0], new int[12], [6, 3], 2, 6);
                loss = t => t.CrossEntropy(bert.ClassifierLogits(t, batch), [0, 1]);
                model = bert;
                break;
            default:
                var t5 = new EncoderDecoder(LoraTestModels.T5(), 7);
                var seq = SharpLM.Tests.Seq2Seq.EncoderDecoderModelTests.RandomBatch(t5.Config, 2, 5, 4, 8);
                loss = t => t5.Loss(t, seq);
                model = t5;
                break;
        }
        Lora.Apply(model, options, new Rng(11));
        LoraTestModels.RandomizeB(model, 12);
        var adapters = Lora.AllAdapters(model).ToList();
        Assert.All(options.Targets, t => Assert.Contains(adapters, a => a.ModuleName.EndsWith("." + t)));
        var inputs = adapters.Take(4).SelectMany(a => new[] { a.A, a.B }).ToArray();
        GradCheck.AssertGradients(loss, inputs, step: 1e-2f, atol: 2e-3, rtol: 3e-2, maxChecksPerInput: 8);
        // Every base weight is frozen: the backward pass never allocated a gradient buffer for it
        // (a classifier head is the exception: it is new, so it trains in full).
        foreach (var (name, p) in model.NamedParameters())
            if (!name.StartsWith("classifier.")) Assert.True(p.Grad is null, $"{name} got a gradient buffer");
    }
}
