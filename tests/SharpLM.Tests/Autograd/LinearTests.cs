using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class LinearTests
{
    [Fact]
    public void ForwardMatchesReference()
    {
        var x = Tensor.RandomNormal([2, 3, 5], 0, 1, 1);
        var w = Tensor.RandomNormal([7, 5], 0, 1, 2);
        var b = Tensor.RandomNormal([7], 0, 1, 3);
        var tape = new Tape();
        var y = tape.Linear(tape.Input(x), new Variable(w), new Variable(b));
        Assert.Equal([2, 3, 7], y.Data.ShapeArray);
        for (int r = 0; r < 6; r++)
            for (int o = 0; o < 7; o++)
            {
                double s = b[o];
                for (int i = 0; i < 5; i++) s += (double)x[r * 5 + i] * w[o * 5 + i];
                Assert.Equal(s, y.Data[r * 7 + o], 1e-4);
            }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var x = new Variable(Tensor.RandomNormal([2, 3, 5], 0, 1, 4), requiresGrad: true);
        var w = new Variable(Tensor.RandomNormal([7, 5], 0, 1, 5), requiresGrad: true);
        var b = new Variable(Tensor.RandomNormal([7], 0, 1, 6), requiresGrad: true);
        var m = Tensor.RandomNormal([2, 3, 7], 0, 1, 7);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Linear(x, w, b), m), [x, w, b]);
    }

    [Fact]
    public void WithoutBiasAndUsedTwiceGradientsAccumulate()
    {
        var x = new Variable(Tensor.RandomNormal([4, 3], 0, 1, 8), requiresGrad: true);
        var w = new Variable(Tensor.RandomNormal([3, 3], 0, 1, 9), requiresGrad: true);
        var m = Tensor.RandomNormal([4, 3], 0, 1, 10);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Linear(t.Linear(x, w), w), m), [x, w]);
    }

    [Fact]
    public void WrongShapeIsRejected()
    {
        var tape = new Tape();
        var ex = Assert.Throws<ArgumentException>(() => tape.Linear(tape.Input(new Tensor(2, 4)), new Variable(new Tensor(3, 5))));
        Assert.Contains("5 features", ex.Message);
    }
}
