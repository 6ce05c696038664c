using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Tests.Kernels;

public unsafe class SoftmaxKernelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(257)]
    [InlineData(50_257)]
    public void RowsLogRowsAndLogSumExpMatchNaive(int n)
    {
        int rows = 3;
        var x = Tensor.RandomNormal([rows, n], 1, 5, (ulong)n);
        var y = new Tensor(rows, n);
        var logY = new Tensor(rows, n);
        Softmax.Rows(x.Pointer, y.Pointer, rows, n);
        Softmax.LogRows(x.Pointer, logY.Pointer, rows, n);
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < n; j++) max = Math.Max(max, x[r * n + j]);
            for (int j = 0; j < n; j++) sum += Math.Exp(x[r * n + j] - max);
            double lse = max + Math.Log(sum);
            Assert.Equal(lse, Softmax.LogSumExp(x.Pointer + r * n, n), 1e-3);
            for (int j = 0; j < n; j += Math.Max(1, n / 50))
            {
                double p = Math.Exp(x[r * n + j] - lse);
                Assert.True(Math.Abs(p - y[r * n + j]) <= 1e-6 + 1e-5 * p, $"softmax row {r} col {j}");
                Assert.True(Math.Abs(x[r * n + j] - lse - logY[r * n + j]) <= 1e-4 * (1 + Math.Abs(lse)), $"log-softmax row {r} col {j}");
            }
        }
    }

    [Fact]
    public void BackwardRowMatchesJacobianProduct()
    {
        int n = 19;
        var x = Tensor.RandomNormal([n], 0, 2, 1);
        var dy = Tensor.RandomNormal([n], 0, 1, 2);
        var y = new Tensor(n);
        var dx = Tensor.Full(1f, n);
        Softmax.Row(x.Pointer, y.Pointer, n);
        Softmax.BackwardRow(y.Pointer, dy.Pointer, dx.Pointer, n, accumulate: true);
        for (int i = 0; i < n; i++)
        {
            double expected = 1;
            for (int j = 0; j < n; j++) expected += ((i == j ? y[i] : 0) - (double)y[i] * y[j]) * dy[j];
            Assert.Equal(expected, dx[i], 1e-5);
        }
    }
}
