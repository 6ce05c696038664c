using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

/// <summary>The encoder-decoder ops: ReLU, T5's relative position bias lookup and attention with an additive score bias.</summary>
public class RelativeAttentionTests
{
    [Fact]
    public void ReluGradientMatchesFiniteDifferences()
    {
        // Keep inputs away from 0, where ReLU has no derivative.
        var data = Tensor.RandomNormal([3, 7], 0, 1, 21);
        for (int i = 0; i < data.Length; i++) if (MathF.Abs(data[i]) < 0.05f) data[i] = 0.3f;
        var x = new Variable(data, requiresGrad: true);
        var w = Tensor.RandomNormal([3, 7], 0, 1, 22);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Relu(x), w), [x], step: 1e-3f);
        var y = new Tape().Relu(x).Data;
        for (int i = 0; i < y.Length; i++) Assert.Equal(MathF.Max(data[i], 0), y[i]);
    }

    [Fact]
    public void RelativePositionBiasLooksUpAndScatters()
    {
        var table = new Variable(Tensor.RandomNormal([5, 2], 0, 1, 23), requiresGrad: true);
        int[] buckets = [0, 1, 4, 1, 1, 3];                      // [Tq=2, Tk=3], bucket 1 used three times
        var tape = new Tape();
        var bias = tape.RelativePositionBias(table, buckets, 2, 3);
        Assert.Equal([2, 2, 3], bias.Data.ShapeArray);
        for (int h = 0; h < 2; h++)
            for (int p = 0; p < 6; p++) Assert.Equal(table.Data[buckets[p] * 2 + h], bias.Data[h * 6 + p]);
        var w = Tensor.RandomNormal([2, 2, 3], 0, 1, 24);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.RelativePositionBias(table, buckets, 2, 3), w), [table]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tape().RelativePositionBias(table, [0, 5], 1, 2));
    }

    [Theory]
    [InlineData(false, false, 5, 7)]
    [InlineData(true, false, 6, 6)]
    [InlineData(false, true, 4, 9)]
    [InlineData(true, false, 1, 5)]
    public void BiasedAttentionGradientsMatchFiniteDifferences(bool causal, bool lengths, int tq, int tk)
    {
        int b = 2, h = 2, d = 4;
        var q = new Variable(Tensor.RandomNormal([b, h, tq, d], 0, 1, 25), requiresGrad: true);
        var k = new Variable(Tensor.RandomNormal([b, h, tk, d], 0, 1, 26), requiresGrad: true);
        var v = new Variable(Tensor.RandomNormal([b, h, tk, d], 0, 1, 27), requiresGrad: true);
        var bias = new Variable(Tensor.RandomNormal([h, tq, tk], 0, 1, 28), requiresGrad: true);
        var m = Tensor.RandomNormal([b, h, tq, d], 0, 1, 29);
        int[]? len = lengths ? [tk, tk / 2] : null;
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.ScaledDotProductAttention(q, k, v, causal, len, scoreBias: bias, scale: 1f), m),
            [q, k, v, bias], maxChecksPerInput: 80);
    }

    [Fact]
    public void BiasedAttentionEqualsSoftmaxOfScoresPlusBias()
    {
        int h = 2, tq = 3, tk = 4, d = 3;
        var q = Tensor.RandomNormal([1, h, tq, d], 0, 1, 30);
        var k = Tensor.RandomNormal([1, h, tk, d], 0, 1, 31);
        var v = Tensor.RandomNormal([1, h, tk, d], 0, 1, 32);
        var bias = Tensor.RandomNormal([h, tq, tk], 0, 1, 33);
        const float scale = 0.7f;
        var tape = new Tape();
        var y = tape.ScaledDotProductAttention(tape.Input(q), tape.Input(k), tape.Input(v), causal: true, scoreBias: tape.Input(bias), scale: scale).Data;
        for (int hh = 0; hh < h; hh++)
            for (int i = 0; i < tq; i++)
            {
                int visible = i + 1 + tk - tq;
                var s = new double[visible];
                for (int j = 0; j < visible; j++)
                {
                    double dot = 0;
                    for (int x = 0; x < d; x++) dot += q[(hh * tq + i) * d + x] * k[(hh * tk + j) * d + x];
                    s[j] = scale * dot + bias[(hh * tq + i) * tk + j];
                }
                double max = s.Max(), sum = s.Sum(z => Math.Exp(z - max));
                for (int x = 0; x < d; x++)
                {
                    double o = 0;
                    for (int j = 0; j < visible; j++) o += Math.Exp(s[j] - max) / sum * v[(hh * tk + j) * d + x];
                    Assert.Equal(o, y[(hh * tq + i) * d + x], 1e-5);
                }
            }
    }
}
