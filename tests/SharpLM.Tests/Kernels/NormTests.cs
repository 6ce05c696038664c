using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Tests.Kernels;

public unsafe class NormKernelTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 33)]
    [InlineData(33, 257)]
    [InlineData(64, 768)]
    public void LayerNormForwardAndBackwardMatchNaive(int rows, int c)
    {
        var x = Tensor.RandomNormal([rows, c], 0.2f, 1.5f, 1);
        var g = Tensor.RandomNormal([c], 1, 0.2f, 2);
        var b = Tensor.RandomNormal([c], 0, 0.2f, 3);
        var dy = Tensor.RandomNormal([rows, c], 0, 1, 4);
        var y = new Tensor(rows, c); var mean = new Tensor(rows); var rstd = new Tensor(rows);
        var dx = new Tensor(rows, c); var dg = Tensor.Full(1f, c); var db = new Tensor(c);
        LayerNormKernel.Forward(x.Pointer, g.Pointer, b.Pointer, y.Pointer, mean.Pointer, rstd.Pointer, rows, c, 1e-5f);
        LayerNormKernel.Backward(x.Pointer, g.Pointer, mean.Pointer, rstd.Pointer, dy.Pointer, dx.Pointer, false, dg.Pointer, db.Pointer, rows, c);

        var dgRef = Enumerable.Repeat(1.0, c).ToArray();
        var dbRef = new double[c];
        for (int r = 0; r < rows; r++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < c; i++) m += x[r * c + i];
            m /= c;
            for (int i = 0; i < c; i++) v += (x[r * c + i] - m) * (x[r * c + i] - m);
            double s = 1 / Math.Sqrt(v / c + 1e-5);
            double meanG = 0, meanGx = 0;
            for (int i = 0; i < c; i++)
            {
                double xh = (x[r * c + i] - m) * s, gi = dy[r * c + i] * g[i];
                Assert.Equal(xh * g[i] + b[i], y[r * c + i], 1e-4);
                meanG += gi / c; meanGx += gi * xh / c;
                dgRef[i] += dy[r * c + i] * xh; dbRef[i] += dy[r * c + i];
            }
            for (int i = 0; i < c; i++)
            {
                double xh = (x[r * c + i] - m) * s;
                Assert.Equal(s * (dy[r * c + i] * g[i] - meanG - xh * meanGx), dx[r * c + i], 1e-3);
            }
        }
        for (int i = 0; i < c; i++) { Assert.Equal(dgRef[i], dg[i], 1e-3); Assert.Equal(dbRef[i], db[i], 1e-3); }
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(33, 257)]
    public void RmsNormForwardAndBackwardMatchNaive(int rows, int c)
    {
        var x = Tensor.RandomNormal([rows, c], 0.2f, 1.5f, 5);
        var g = Tensor.RandomNormal([c], 1, 0.2f, 6);
        var dy = Tensor.RandomNormal([rows, c], 0, 1, 7);
        var y = new Tensor(rows, c); var rstd = new Tensor(rows); var dx = Tensor.Full(2f, rows, c); var dg = new Tensor(c);
        RmsNormKernel.Forward(x.Pointer, g.Pointer, y.Pointer, rstd.Pointer, rows, c, 1e-6f);
        RmsNormKernel.Backward(x.Pointer, g.Pointer, rstd.Pointer, dy.Pointer, dx.Pointer, true, dg.Pointer, rows, c);
        var dgRef = new double[c];
        for (int r = 0; r < rows; r++)
        {
            double ms = 0;
            for (int i = 0; i < c; i++) ms += (double)x[r * c + i] * x[r * c + i] / c;
            double s = 1 / Math.Sqrt(ms + 1e-6), meanGx = 0;
            for (int i = 0; i < c; i++)
            {
                double xh = x[r * c + i] * s;
                Assert.Equal(xh * g[i], y[r * c + i], 1e-4);
                meanGx += dy[r * c + i] * g[i] * xh / c;
                dgRef[i] += dy[r * c + i] * xh;
            }
            for (int i = 0; i < c; i++)
                Assert.Equal(2 + s * (dy[r * c + i] * g[i] - x[r * c + i] * s * meanGx), dx[r * c + i], 1e-3);
        }
        for (int i = 0; i < c; i++) Assert.Equal(dgRef[i], dg[i], 1e-3);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 33)]
    [InlineData(300, 257)]
    public void SumColumnsMatchesNaive(int rows, int cols)
    {
        var x = Tensor.RandomNormal([rows, cols], 0, 1, 8);
        var s = Tensor.Full(1f, cols);
        Reductions.SumColumns(x.Pointer, rows, cols, s.Pointer, accumulate: true);
        for (int c = 0; c < cols; c++)
        {
            double expected = 1;
            for (int r = 0; r < rows; r++) expected += x[r * cols + c];
            Assert.Equal(expected, s[c], 1e-3);
        }
        Assert.Equal(x.ToArray().Sum(v => (double)v), Reductions.Sum(x.Span), 1e-6);
    }
}
