using SharpLM.Autograd;
using SharpLM.Models.Recurrent;
using SharpLM.Tensors;
using SharpLM.Tests.Autograd;

namespace SharpLM.Tests.Experiments;

/// <summary>The fused RNN and LSTM sequence ops: forward against a step-by-step reference, backward (BPTT) against finite differences.</summary>
public class RecurrentSequenceTests
{
    [Theory]
    [InlineData(2, 5, 3)]
    [InlineData(3, 7, 4)]
    public void RnnGradientsMatchFiniteDifferences(int b, int t, int h)
    {
        var a = new Variable(Tensor.RandomNormal([b, t, h], 0f, 0.8f, 1), requiresGrad: true, name: "a");
        var w = new Variable(Tensor.RandomNormal([h, h], 0f, 0.6f, 2), requiresGrad: true, name: "w");
        var dy = Tensor.RandomNormal([b, t, h], 0f, 1f, 3);
        GradCheck.AssertGradients(tape => GradCheck.WeightedSum(tape, tape.RnnSequence(a, w), dy), [a, w]);
    }

    [Theory]
    [InlineData(2, 5, 3)]
    [InlineData(3, 6, 2)]
    public void LstmGradientsMatchFiniteDifferences(int b, int t, int h)
    {
        var a = new Variable(Tensor.RandomNormal([b, t, 4 * h], 0f, 0.8f, 4), requiresGrad: true, name: "a");
        var w = new Variable(Tensor.RandomNormal([4 * h, h], 0f, 0.6f, 5), requiresGrad: true, name: "w");
        var dy = Tensor.RandomNormal([b, t, h], 0f, 1f, 6);
        GradCheck.AssertGradients(tape => GradCheck.WeightedSum(tape, tape.LstmSequence(a, w), dy), [a, w]);
    }

    [Fact]
    public void LstmForwardMatchesStepByStepReference()
    {
        int b = 2, t = 4, h = 3;
        var a = Tensor.RandomNormal([b, t, 4 * h], 0f, 1f, 7);
        var w = Tensor.RandomNormal([4 * h, h], 0f, 0.5f, 8);
        var y = new Tape(recordGradients: false).LstmSequence(new Variable(a), new Variable(w)).Data;
        static double S(double x) => 1 / (1 + Math.Exp(-x));
        for (int i = 0; i < b; i++)
        {
            var hp = new double[h]; var cp = new double[h];
            for (int s = 0; s < t; s++)
            {
                var z = new double[4 * h];
                for (int r = 0; r < 4 * h; r++)
                {
                    z[r] = a[i, s, r];
                    for (int k = 0; k < h; k++) z[r] += w[r, k] * hp[k];
                }
                var hn = new double[h];
                for (int j = 0; j < h; j++)
                {
                    cp[j] = S(z[h + j]) * cp[j] + S(z[j]) * Math.Tanh(z[2 * h + j]);
                    hn[j] = S(z[3 * h + j]) * Math.Tanh(cp[j]);
                    Assert.Equal(hn[j], y[i, s, j], 5);
                }
                hp = hn;
            }
        }
    }

    [Theory]
    [InlineData(RecurrentCell.Rnn)]
    [InlineData(RecurrentCell.Lstm)]
    public void LanguageModelLearnsARepeatingSequence(RecurrentCell cell)
    {
        var model = new RecurrentLm(new RecurrentConfig { VocabSize = 5, EmbeddingWidth = 8, Hidden = 16, Cell = cell, Layers = 2 }, 11);
        var optimizer = new SharpLM.Training.AdamW(model.NamedParameters(), weightDecay: 0f);
        int b = 4, t = 12;
        var ids = new int[b * t]; var targets = new int[b * t];
        for (int i = 0; i < b; i++)
            for (int s = 0; s < t; s++) { ids[i * t + s] = (i + s) % 5; targets[i * t + s] = (i + s + 1) % 5; }
        var tape = new Tape();
        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            tape.Reset();
            optimizer.ZeroGradients();
            var loss = model.Loss(tape, ids, targets, b, t);
            tape.Backward(loss);
            optimizer.Update(0.02f);
            if (step == 0) first = loss.Data[0];
            last = loss.Data[0];
        }
        Assert.True(last < 0.2f * first, $"{cell}: loss {first} → {last}");
    }
}
