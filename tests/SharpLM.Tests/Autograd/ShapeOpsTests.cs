using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class ShapeOpsTests
{
    private static Variable Param(int[] shape, ulong seed) => new(Tensor.RandomNormal(shape, 0, 1, seed), requiresGrad: true);

    [Fact]
    public void ReshapeIsAViewAndPassesGradientBack()
    {
        var x = Param([2, 6], 1);
        var tape = new Tape();
        var y = tape.Reshape(x, 3, -1);
        Assert.Equal([3, 4], y.Data.ShapeArray);
        Assert.Equal(x.Data.ToArray(), y.Data.ToArray());
        var m = Tensor.RandomNormal([3, 4], 0, 1, 2);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Reshape(x, 3, 4), m), [x]);
    }

    [Fact]
    public void PermuteMatchesTensorPermuteAndHasGradient()
    {
        var x = Param([2, 3, 4, 5], 3);
        var tape = new Tape();
        var y = tape.Permute(x, 0, 2, 1, 3);
        Assert.Equal(x.Data.Permute(0, 2, 1, 3).ToArray(), y.Data.ToArray());
        Assert.Equal(x.Data.Permute(3, 1, 0, 2).ToArray(), tape.Permute(x, 3, 1, 0, 2).Data.ToArray());
        var m = Tensor.RandomNormal([5, 3, 2, 4], 0, 1, 4);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Permute(x, 3, 1, 0, 2), m), [x], maxChecksPerInput: 120);
        Assert.Throws<ArgumentException>(() => tape.Permute(x, 0, 0, 1, 2));
    }

    [Fact]
    public void ConcatAndSplitRoundTripWithGradients()
    {
        var a = Param([2, 3, 4], 5);
        var b = Param([2, 1, 4], 6);
        var tape = new Tape();
        var y = tape.Concat([a, b], 1);
        Assert.Equal(Tensor.Concat([a.Data, b.Data], 1).ToArray(), y.Data.ToArray());
        var parts = tape.Split(y, 1, 3, 1);
        Assert.Equal(a.Data.ToArray(), parts[0].Data.ToArray());
        Assert.Equal(b.Data.ToArray(), parts[1].Data.ToArray());

        var m = Tensor.RandomNormal([2, 4, 4], 0, 1, 7);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Concat([a, b], 1), m), [a, b]);
        var x = Param([3, 7], 8);
        var m1 = Tensor.RandomNormal([3, 2], 0, 1, 9);
        var m2 = Tensor.RandomNormal([3, 5], 0, 1, 10);
        GradCheck.AssertGradients(t =>
        {
            var p = t.Split(x, -1, 2, 5);
            return t.Add(GradCheck.WeightedSum(t, p[0], m1), GradCheck.WeightedSum(t, p[1], m2));
        }, [x]);
    }

    [Fact]
    public void SumMeanAndSumAxis()
    {
        var x = Param([2, 3, 4], 11);
        var tape = new Tape();
        double total = x.Data.ToArray().Sum(v => (double)v);
        Assert.Equal(total, tape.Sum(x).Data[0], 1e-4);
        Assert.Equal(total / 24, tape.Mean(x).Data[0], 1e-5);
        var s = tape.SumAxis(x, 1);
        Assert.Equal([2, 4], s.Data.ShapeArray);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(x.Data[i * 12 + j] + x.Data[i * 12 + 4 + j] + x.Data[i * 12 + 8 + j], s.Data[i * 4 + j], 1e-5);

        GradCheck.AssertGradients(t => t.Sum(t.Multiply(x, x)), [x]);
        GradCheck.AssertGradients(t => t.Mean(t.Multiply(x, x)), [x]);
        var m = Tensor.RandomNormal([2, 4], 0, 1, 12);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.SumAxis(x, 1, mean: true), m), [x]);
        var m2 = Tensor.RandomNormal([2, 3], 0, 1, 13);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.SumAxis(x, -1), m2), [x]);
    }
}
