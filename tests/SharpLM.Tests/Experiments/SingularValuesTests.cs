using SharpLM.Experiments;
using SharpLM.Tensors;

namespace SharpLM.Tests.Experiments;

public class SingularValuesTests
{
    /// <summary>A random n×n orthogonal matrix (Gram–Schmidt on Gaussian columns), row-major.</summary>
    private static double[,] Orthogonal(int n, Rng rng)
    {
        var q = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < n; i++) q[i, j] = rng.NextNormal();
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += q[i, j] * q[i, k];
                for (int i = 0; i < n; i++) q[i, j] -= dot * q[i, k];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += q[i, j] * q[i, j];
            for (int i = 0; i < n; i++) q[i, j] /= Math.Sqrt(norm);
        }
        return q;
    }

    [Theory]
    [InlineData(12, 12)]
    [InlineData(20, 9)]
    [InlineData(7, 15)]
    public void RecoversTheSingularValuesOfAConstructedMatrix(int rows, int cols)
    {
        var rng = new Rng(5);
        int r = Math.Min(rows, cols);
        var u = Orthogonal(rows, rng);
        var v = Orthogonal(cols, rng);
        // Spread over six orders of magnitude, as an ill-conditioned attention matrix.
        var sigma = Enumerable.Range(0, r).Select(i => Math.Pow(10, -6.0 * i / (r - 1)) * 3).ToArray();
        var a = new float[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double s = 0;
                for (int k = 0; k < r; k++) s += u[i, k] * sigma[k] * v[j, k];
                a[i * cols + j] = (float)s;
            }
        var got = SingularValues.Compute(a, rows, cols);
        Assert.Equal(r, got.Length);
        for (int k = 0; k < r; k++)
            Assert.True(Math.Abs(got[k] - sigma[k]) <= 1e-6 * sigma[0] + 1e-3 * sigma[k], $"σ{k}: {got[k]} vs {sigma[k]}");
    }

    [Fact]
    public void RankCountsTheValuesAboveTheTolerance()
    {
        // Rank 2: the third row is the sum of the first two.
        float[] a = [1, 2, 3, 0, 1, 4, 1, 3, 7];
        var s = SingularValues.Compute(a, 3, 3);
        Assert.Equal(2, SingularValues.Rank(s, SingularValues.Float32Tolerance(3, 3)));
        Assert.Equal(0, SingularValues.Rank(SingularValues.Compute(new float[4], 2, 2), 1e-6));
        // A lower-triangular matrix with a positive diagonal is full rank, however small that diagonal (within float32 resolution).
        float[] tri = [1, 0, 0, 0.5f, 1e-3f, 0, 0.2f, 0.3f, 0.5f];
        Assert.Equal(3, SingularValues.Rank(SingularValues.Compute(tri, 3, 3), SingularValues.Float32Tolerance(3, 3)));
    }

    [Fact]
    public void BadShapesAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => SingularValues.Compute(new float[5], 2, 3));
        Assert.Contains("2×3", e.Message);
    }
}
