using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class SoftmaxTests
{
    [Fact]
    public void RowsSumToOneAndMatchReference()
    {
        var x = Tensor.RandomNormal([4, 33], 0, 4, 1);
        var tape = new Tape();
        var y = tape.Softmax(tape.Input(x));
        for (int r = 0; r < 4; r++)
        {
            double max = Enumerable.Range(0, 33).Max(j => x[r * 33 + j]);
            double sum = Enumerable.Range(0, 33).Sum(j => Math.Exp(x[r * 33 + j] - max));
            for (int j = 0; j < 33; j++) Assert.Equal(Math.Exp(x[r * 33 + j] - max) / sum, y.Data[r * 33 + j], 1e-6);
        }
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        var x = new Variable(Tensor.RandomNormal([3, 2, 17], 0, 2, 2), requiresGrad: true);
        var m = Tensor.RandomNormal([3, 2, 17], 0, 1, 3);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Softmax(x), m), [x]);
    }
}
