using SharpLM.Tensors;

namespace SharpLM.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public unsafe void StorageIsAligned()
    {
        for (int n = 1; n < 100; n += 7)
            Assert.Equal(0, (long)new Tensor(n).Pointer % Tensor.Alignment);
    }

    [Fact]
    public void PermuteMatchesIndexing()
    {
        var t = Tensor.RandomNormal([2, 3, 4, 5], 0, 1, 7);
        var p = t.Permute(0, 2, 1, 3);
        Assert.Equal(new[] { 2, 4, 3, 5 }, p.ShapeArray);
        for (int b = 0; b < 2; b++) for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) for (int d = 0; d < 5; d++)
            Assert.Equal(t[b, i, j, d], p[b, j, i, d]);
    }

    [Fact]
    public void ConcatThenSplitRoundTrips()
    {
        var a = Tensor.RandomNormal([2, 3, 4], 0, 1, 1);
        var b = Tensor.RandomNormal([2, 5, 4], 0, 1, 2);
        var c = Tensor.Concat([a, b], axis: 1);
        Assert.Equal(new[] { 2, 8, 4 }, c.ShapeArray);
        var parts = c.Split(1, 3, 5);
        Assert.Equal(a.ToArray(), parts[0].ToArray());
        Assert.Equal(b.ToArray(), parts[1].ToArray());
    }

    [Fact]
    public void RowsIsAViewAndReshapeInfers()
    {
        var t = new Tensor(4, 3);
        t.Rows(2, 1).Span.Fill(5);
        Assert.Equal(5, t[2, 1]);
        Assert.Equal(0, t[1, 1]);
        Assert.Equal(new[] { 2, 6 }, t.Reshape(2, -1).ShapeArray);
        Assert.Throws<ArgumentException>(() => t.Reshape(5, -1));
    }

    [Fact]
    public void SameSeedSameNumbers()
    {
        Assert.Equal(Tensor.RandomNormal([100], 0, 1, 42).ToArray(), Tensor.RandomNormal([100], 0, 1, 42).ToArray());
        Assert.NotEqual(Tensor.RandomNormal([100], 0, 1, 42).ToArray(), Tensor.RandomNormal([100], 0, 1, 43).ToArray());
    }

    [Fact]
    public void RngStateRestoresTheStream()
    {
        var r = new Rng(9);
        r.NextNormal();
        var state = r.GetState();
        var expected = Enumerable.Range(0, 10).Select(_ => r.NextNormal()).ToArray();
        var r2 = Rng.FromState(state);
        Assert.Equal(expected, Enumerable.Range(0, 10).Select(_ => r2.NextNormal()).ToArray());
    }
}
