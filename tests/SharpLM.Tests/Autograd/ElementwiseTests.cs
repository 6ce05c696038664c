using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class ElementwiseTests
{
    private static Variable Param(int[] shape, ulong seed, float std = 1) => new(Tensor.RandomNormal(shape, 0, std, seed), requiresGrad: true);

    [Fact]
    public void MultiplyAndScale()
    {
        var a = Param([3, 7], 1);
        var b = Param([3, 7], 2);
        var tape = new Tape();
        var y = tape.Scale(tape.Multiply(a, b), -2.5f);
        for (int i = 0; i < 21; i++) Assert.Equal(-2.5f * a.Data[i] * b.Data[i], y.Data[i], 1e-5);
        var m = Tensor.RandomNormal([3, 7], 0, 1, 3);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Scale(t.Multiply(a, b), -2.5f), m), [a, b]);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Multiply(a, a), m), [a]); // same input twice
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(257)]
    public void SiluAndSwiGluForwardMatchReference(int n)
    {
        var a = Tensor.RandomNormal([n], 0, 3, (ulong)n);
        var b = Tensor.RandomNormal([n], 0, 1, (ulong)n + 1);
        var tape = new Tape();
        var s = tape.Silu(tape.Input(a));
        var g = tape.SwiGlu(tape.Input(a), tape.Input(b));
        for (int i = 0; i < n; i++)
        {
            double silu = a[i] / (1 + Math.Exp(-a[i]));
            Assert.True(Math.Abs(silu - s.Data[i]) <= 1e-5 * (1 + Math.Abs(silu)), $"silu({a[i]})");
            Assert.True(Math.Abs(silu * b[i] - g.Data[i]) <= 1e-5 * (1 + Math.Abs(silu * b[i])), $"swiglu({a[i]})");
        }
    }

    [Fact]
    public void SiluAndSwiGluGradients()
    {
        var a = Param([4, 37], 4, 2);
        var b = Param([4, 37], 5);
        var m = Tensor.RandomNormal([4, 37], 0, 1, 6);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Silu(a), m), [a], step: 1e-3f);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.SwiGlu(a, b), m), [a, b], step: 1e-3f);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.SwiGlu(a, a), m), [a], step: 1e-3f); // gate and up share one gradient buffer
    }

    [Fact]
    public void ShapeMismatchesAreRejected()
    {
        var tape = new Tape();
        Assert.Throws<ArgumentException>(() => tape.Multiply(tape.Input(new Tensor(2, 3)), tape.Input(new Tensor(3, 2))));
        Assert.Throws<ArgumentException>(() => tape.SwiGlu(tape.Input(new Tensor(2, 3)), tape.Input(new Tensor(6))));
    }
}
