using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class DropoutTests
{
    [Fact]
    public void DropsAboutPAndScalesSurvivors()
    {
        var x = Tensor.Full(1f, 100_000);
        var tape = new Tape();
        var y = tape.Dropout(tape.Input(x), 0.25f, new Rng(1));
        int zeros = y.Data.ToArray().Count(v => v == 0f);
        Assert.InRange(zeros, 24_000, 26_000);
        Assert.All(y.Data.ToArray(), v => Assert.True(v == 0f || Math.Abs(v - 4f / 3f) < 1e-6));
        Assert.Equal(1.0, y.Data.ToArray().Average(), 1e-2);
    }

    [Fact]
    public void SameSeedSameMaskAndIdentityInEvaluation()
    {
        var x = new Variable(Tensor.RandomNormal([7, 9], 0, 1, 2), requiresGrad: true);
        var a = new Tape().Dropout(x, 0.5f, new Rng(3)).Data.ToArray();
        var b = new Tape().Dropout(x, 0.5f, new Rng(3)).Data.ToArray();
        Assert.Equal(a, b);
        var eval = new Tape { Training = false };
        Assert.Same(x, eval.Dropout(x, 0.5f, new Rng(3)));
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        var x = new Variable(Tensor.RandomNormal([5, 13], 0, 1, 4), requiresGrad: true);
        var m = Tensor.RandomNormal([5, 13], 0, 1, 5);
        // A fresh Rng with the same seed each evaluation, so every forward draws the same mask.
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Dropout(x, 0.3f, new Rng(6)), m), [x]);
    }

    [Fact]
    public void BadProbabilityIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tape().Dropout(new Variable(new Tensor(2)), 1f, new Rng(1)));
}
