using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class AddTests
{
    [Fact]
    public void AddGradientMatchesFiniteDifferences()
    {
        var a = new Variable(Tensor.RandomNormal([3, 5], 0, 1, 1), requiresGrad: true);
        var b = new Variable(Tensor.RandomNormal([3, 5], 0, 1, 2), requiresGrad: true);
        var w = Tensor.RandomNormal([3, 5], 0, 1, 3);
        GradCheck.AssertGradients(tape => GradCheck.WeightedSum(tape, tape.Add(a, b), w), [a, b]);
    }

    [Fact]
    public void AddingAVariableToItselfDoublesItsGradient()
    {
        var a = new Variable(Tensor.RandomNormal([4, 3], 0, 1, 4), requiresGrad: true);
        var w = Tensor.RandomNormal([4, 3], 0, 1, 5);
        GradCheck.AssertGradients(tape => GradCheck.WeightedSum(tape, tape.Add(a, a), w), [a]);
        for (int i = 0; i < 12; i++) Assert.Equal(2 * w[i], a.Grad![i], 1e-6);
    }
}
