namespace SharpLM.Experiments;

/// <summary>
/// Singular values of a small dense matrix by one-sided Jacobi (Hestenes): plane rotations
/// orthogonalize the columns pairwise until every pair is orthogonal; the column norms are
/// then the singular values. Managed, double precision, accurate for the small ill-conditioned
/// matrices the experiments look at (attention matrices of a few hundred rows), which is what
/// a numerical rank needs.
/// </summary>
public static class SingularValues
{
    /// <summary>The singular values of the row-major <paramref name="rows"/> × <paramref name="cols"/> matrix, largest first.</summary>
    public static double[] Compute(ReadOnlySpan<float> matrix, int rows, int cols)
    {
        if (rows < 1 || cols < 1) throw new ArgumentException($"singular values: matrix {rows}×{cols} must be at least 1×1.");
        if (matrix.Length != rows * cols) throw new ArgumentException($"singular values: {matrix.Length} entries for a {rows}×{cols} matrix.", nameof(matrix));
        // Work on the columns of A (or of Aᵀ when it is wide: same singular values, fewer columns).
        bool transpose = cols > rows;
        int m = transpose ? cols : rows, n = transpose ? rows : cols;
        var a = new double[n][];
        for (int j = 0; j < n; j++)
        {
            a[j] = new double[m];
            for (int i = 0; i < m; i++) a[j][i] = transpose ? matrix[j * cols + i] : matrix[i * cols + j];
        }
        const double eps = 1e-15;
        for (int sweep = 0; sweep < 60; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double[] x = a[p], y = a[q];
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < m; i++) { alpha += x[i] * x[i]; beta += y[i] * y[i]; gamma += x[i] * y[i]; }
                    if (Math.Abs(gamma) <= eps * Math.Sqrt(alpha * beta) || gamma == 0) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta == 0 ? 1 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    double c = 1 / Math.Sqrt(1 + t * t), s = c * t;
                    for (int i = 0; i < m; i++)
                    {
                        double xi = x[i], yi = y[i];
                        x[i] = c * xi - s * yi;
                        y[i] = s * xi + c * yi;
                    }
                }
            if (!rotated) break;
        }
        var sigma = new double[n];
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            foreach (double v in a[j]) s += v * v;
            sigma[j] = Math.Sqrt(s);
        }
        Array.Sort(sigma, (u, v) => v.CompareTo(u));
        return sigma;
    }

    /// <summary>How many singular values exceed <paramref name="relativeTolerance"/> × the largest (0 for the zero matrix).</summary>
    public static int Rank(IReadOnlyList<double> sigma, double relativeTolerance)
    {
        if (sigma.Count == 0 || sigma[0] <= 0) return 0;
        double cut = sigma[0] * relativeTolerance;
        int r = 0;
        foreach (double s in sigma) if (s > cut) r++;
        return r;
    }

    /// <summary>NumPy's <c>matrix_rank</c> default tolerance for a float32 matrix: <c>max(rows, cols) · ε_float32</c> relative to the largest singular value.</summary>
    public static double Float32Tolerance(int rows, int cols) => Math.Max(rows, cols) * 1.1920928955078125e-7;
}
