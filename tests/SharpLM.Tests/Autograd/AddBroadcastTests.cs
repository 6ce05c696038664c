using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class AddBroadcastTests
{
    [Fact]
    public void PositionsAddToEveryBatchRow()
    {
        var a = Tensor.RandomNormal([2, 3, 4], 0, 1, 1);
        var b = Tensor.RandomNormal([3, 4], 0, 1, 2);
        var tape = new Tape();
        var y = tape.AddBroadcast(tape.Input(a), tape.Input(b));
        for (int i = 0; i < 24; i++) Assert.Equal(a[i] + b[i % 12], y.Data[i]);
    }

    [Theory]
    [InlineData(new[] { 3, 4 })]
    [InlineData(new[] { 1, 3, 4 })]
    [InlineData(new[] { 4 })]
    public void GradientsMatchFiniteDifferences(int[] bShape)
    {
        var a = new Variable(Tensor.RandomNormal([2, 3, 4], 0, 1, 3), requiresGrad: true);
        var b = new Variable(Tensor.RandomNormal(bShape, 0, 1, 4), requiresGrad: true);
        var m = Tensor.RandomNormal([2, 3, 4], 0, 1, 5);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.AddBroadcast(a, b), m), [a, b]);
    }

    [Fact]
    public void MismatchedShapeIsRejected()
    {
        var tape = new Tape();
        Assert.Throws<ArgumentException>(() => tape.AddBroadcast(tape.Input(new Tensor(2, 3, 4)), tape.Input(new Tensor(4, 3))));
    }
}
