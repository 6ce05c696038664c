using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class LayerNormTests
{
    [Theory]
    [InlineData(3, 7)]
    [InlineData(5, 33)]
    [InlineData(2, 1)]
    public void ForwardMatchesReference(int rows, int c)
    {
        var x = Tensor.RandomNormal([rows, c], 0.5f, 2, 1);
        var g = Tensor.RandomNormal([c], 1, 0.3f, 2);
        var b = Tensor.RandomNormal([c], 0, 0.3f, 3);
        var tape = new Tape();
        var y = tape.LayerNorm(tape.Input(x), tape.Input(g), tape.Input(b), 1e-5f);
        for (int r = 0; r < rows; r++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < c; i++) m += x[r * c + i];
            m /= c;
            for (int i = 0; i < c; i++) v += (x[r * c + i] - m) * (x[r * c + i] - m);
            v /= c;
            for (int i = 0; i < c; i++)
                Assert.Equal((x[r * c + i] - m) / Math.Sqrt(v + 1e-5) * g[i] + b[i], y.Data[r * c + i], 1e-4);
        }
    }

    [Theory]
    [InlineData(4, 7)]
    [InlineData(9, 33)]
    public void GradientsMatchFiniteDifferences(int rows, int c)
    {
        var x = new Variable(Tensor.RandomNormal([rows, c], 0, 1, 4), requiresGrad: true);
        var g = new Variable(Tensor.RandomNormal([c], 1, 0.3f, 5), requiresGrad: true);
        var b = new Variable(Tensor.RandomNormal([c], 0, 0.3f, 6), requiresGrad: true);
        var m = Tensor.RandomNormal([rows, c], 0, 1, 7);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.LayerNorm(x, g, b), m), [x, g, b], step: 1e-2f);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.LayerNorm(x, g, null), m), [x, g]);
    }
}
