using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class NormTests
{
    [Theory]
    [InlineData(3, 7)]
    [InlineData(6, 33)]
    public void RmsNormForwardMatchesReference(int rows, int c)
    {
        var x = Tensor.RandomNormal([rows, c], 0.3f, 2, 1);
        var g = Tensor.RandomNormal([c], 1, 0.3f, 2);
        var tape = new Tape();
        var y = tape.RmsNorm(tape.Input(x), tape.Input(g), 1e-6f);
        for (int r = 0; r < rows; r++)
        {
            double ms = 0;
            for (int i = 0; i < c; i++) ms += (double)x[r * c + i] * x[r * c + i];
            double rstd = 1 / Math.Sqrt(ms / c + 1e-6);
            for (int i = 0; i < c; i++) Assert.Equal(x[r * c + i] * rstd * g[i], y.Data[r * c + i], 1e-4);
        }
    }

    [Fact]
    public void RmsNormGradients()
    {
        var x = new Variable(Tensor.RandomNormal([9, 33], 0, 1, 3), requiresGrad: true);
        var g = new Variable(Tensor.RandomNormal([33], 1, 0.3f, 4), requiresGrad: true);
        var m = Tensor.RandomNormal([9, 33], 0, 1, 5);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.RmsNorm(x, g), m), [x, g]);
    }

    [Fact]
    public void DyTForwardMatchesReference()
    {
        var x = Tensor.RandomNormal([5, 7], 0, 2, 6);
        var g = Tensor.RandomNormal([7], 1, 0.3f, 7);
        var b = Tensor.RandomNormal([7], 0, 0.3f, 8);
        var tape = new Tape();
        var y = tape.DyT(tape.Input(x), tape.Input(Tensor.FromArray([0.7f], 1)), tape.Input(g), tape.Input(b));
        for (int i = 0; i < 35; i++) Assert.Equal(g[i % 7] * Math.Tanh(0.7 * x[i]) + b[i % 7], y.Data[i], 1e-5);
    }

    [Fact]
    public void DyTGradientsIncludingTheScalarAlpha()
    {
        var x = new Variable(Tensor.RandomNormal([6, 11], 0, 1.5f, 9), requiresGrad: true);
        var alpha = new Variable(Tensor.FromArray([0.6f], 1), requiresGrad: true);
        var g = new Variable(Tensor.RandomNormal([11], 1, 0.3f, 10), requiresGrad: true);
        var b = new Variable(Tensor.RandomNormal([11], 0, 0.3f, 11), requiresGrad: true);
        var m = Tensor.RandomNormal([6, 11], 0, 1, 12);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.DyT(x, alpha, g, b), m), [x, alpha, g, b], step: 1e-3f);
    }
}
