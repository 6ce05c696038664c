using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class GeluTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(257)]
    public void ForwardMatchesTanhFormula(int n)
    {
        var x = Tensor.RandomNormal([n], 0, 3, (ulong)n);
        var tape = new Tape();
        var y = tape.Gelu(tape.Input(x));
        for (int i = 0; i < n; i++)
        {
            double v = x[i];
            double expected = 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            Assert.True(Math.Abs(expected - y.Data[i]) <= 1e-5 + 1e-5 * Math.Abs(expected), $"x={v}: {y.Data[i]} vs {expected}");
        }
    }

    [Fact]
    public void ExtremeInputsStayFinite()
    {
        var tape = new Tape();
        var y = tape.Gelu(tape.Input(Tensor.FromArray([-100f, -30f, 30f, 100f], 4)));
        Assert.Equal([0f, 0f, 30f, 100f], y.Data.ToArray().Select(v => MathF.Abs(v)).ToArray());
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        var x = new Variable(Tensor.RandomNormal([5, 37], 0, 2, 1), requiresGrad: true);
        var m = Tensor.RandomNormal([5, 37], 0, 1, 2);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Gelu(x), m), [x], step: 1e-3f, maxChecksPerInput: 185);
    }
}
