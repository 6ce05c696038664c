using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class CrossEntropyTests
{
    private static double ReferenceRowLoss(Tensor logits, int row, int v, int target)
    {
        double max = double.NegativeInfinity, sum = 0;
        for (int j = 0; j < v; j++) max = Math.Max(max, logits[row * v + j]);
        for (int j = 0; j < v; j++) sum += Math.Exp(logits[row * v + j] - max);
        return max + Math.Log(sum) - logits[row * v + target];
    }

    [Theory]
    [InlineData(5, 7)]
    [InlineData(3, 257)]
    [InlineData(4, 1)]
    public void ForwardMatchesReferenceAndSkipsIgnored(int n, int v)
    {
        var logits = Tensor.RandomNormal([n, v], 0, 3, 1);
        var rng = new Rng(2);
        int[] targets = Enumerable.Range(0, n).Select(i => i == 1 ? -1 : rng.NextInt(v)).ToArray();
        var perRow = new float[n];
        var tape = new Tape();
        var loss = tape.CrossEntropy(tape.Input(logits), targets, perPositionLoss: perRow);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double expected = targets[i] == -1 ? 0 : ReferenceRowLoss(logits, i, v, targets[i]);
            Assert.Equal(expected, perRow[i], 1e-4);
            total += expected;
        }
        Assert.Equal(total / (n - 1), loss.Data[0], 1e-4);
    }

    [Fact]
    public void GradientMatchesFiniteDifferencesWithCustomIgnoreIndex()
    {
        var logits = new Variable(Tensor.RandomNormal([2, 3, 11], 0, 2, 3), requiresGrad: true);
        int[] targets = [3, 100, 0, 10, 100, 7];
        GradCheck.AssertGradients(t => t.CrossEntropy(logits, targets, ignoreIndex: 100), [logits], maxChecksPerInput: 66);
        // Ignored rows get exactly zero gradient; kept rows' gradients sum to zero (softmax − onehot).
        for (int j = 0; j < 11; j++) Assert.Equal(0f, logits.Grad![1 * 11 + j]);
        Assert.Equal(0, logits.Grad!.Span.Slice(0, 11).ToArray().Sum(), 1e-5);
    }

    [Fact]
    public void LargeLogitsDoNotOverflow()
    {
        var tape = new Tape();
        var loss = tape.CrossEntropy(tape.Input(Tensor.FromArray([1000f, 0f, -1000f], 1, 3)), [0]);
        Assert.Equal(0f, loss.Data[0], 1e-5);
    }

    [Fact]
    public void AllIgnoredGivesZeroLossAndGradient()
    {
        var logits = new Variable(Tensor.RandomNormal([2, 4], 0, 1, 4), requiresGrad: true);
        var tape = new Tape();
        var loss = tape.CrossEntropy(logits, [-1, -1]);
        Assert.Equal(0f, loss.Data[0]);
        tape.Backward(loss);
        Assert.All(logits.Grad!.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void OutOfRangeTargetIsRejected()
    {
        var tape = new Tape();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => tape.CrossEntropy(tape.Input(new Tensor(2, 4)), [1, 4]));
        Assert.Contains("target 4", ex.Message);
    }

    [Fact]
    public void PaddedVocabularyEqualsSlicedLogits()
    {
        // logits [4, 9] of which only the first 6 columns are real classes (a head padded to Vp = 9)
        var padded = new Variable(Tensor.RandomNormal([4, 9], 0, 2, 5), requiresGrad: true);
        var sliced = new Variable(Tensor.FromArray(Enumerable.Range(0, 36).Where(i => i % 9 < 6).Select(i => padded.Data[i]).ToArray(), 4, 6), requiresGrad: true);
        int[] targets = [5, -1, 0, 3];
        var perPadded = new float[4];
        var perSliced = new float[4];
        var t1 = new Tape();
        var l1 = t1.CrossEntropy(padded, targets, perPositionLoss: perPadded, classes: 6);
        t1.Backward(l1);
        var t2 = new Tape();
        var l2 = t2.CrossEntropy(sliced, targets, perPositionLoss: perSliced);
        t2.Backward(l2);
        Assert.Equal(l2.Data[0], l1.Data[0], 1e-6);
        Assert.Equal(perSliced, perPadded);
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 9; j++)
                Assert.Equal(j < 6 ? sliced.Grad![r * 6 + j] : 0f, padded.Grad![r * 9 + j], 1e-7);
        GradCheck.AssertGradients(t => t.CrossEntropy(padded, targets, classes: 6), [padded]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tape().CrossEntropy(padded, [6, 0, 0, 0], classes: 6));
    }
}
