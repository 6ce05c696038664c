namespace SharpLM.Tests;

/// <summary>
/// Double-precision error function and exact GELU, written independently of the float kernel:
/// the Maclaurin series of erf for small arguments, Laplace's continued fraction of erfc for
/// large ones (both ≲1e-13 here). The reference the exact-GELU kernel is checked against.
/// </summary>
internal static class ReferenceErf
{
    public static double Erf(double x)
    {
        double a = Math.Abs(x);
        double r;
        if (a < 2.5)
        {
            // erf(a) = 2/√π · Σ (−1)ⁿ a^(2n+1) / (n!·(2n+1))
            double term = a, sum = a;
            for (int n = 1; n < 100 && Math.Abs(term) > 1e-17; n++)
            {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else r = 1 - Erfc(a);
        return x < 0 ? -r : r;
    }

    /// <summary>erfc(a) for a ≥ 2.5: e^(−a²)/√π · 1/(a + ½/(a + 1/(a + (3/2)/(a + …)))).</summary>
    public static double Erfc(double a)
    {
        double t = a;
        for (int k = 200; k >= 1; k--) t = a + k * 0.5 / t;
        return Math.Exp(-a * a) / (Math.Sqrt(Math.PI) * t);
    }

    /// <summary>Standard normal CDF Φ(x), accurate also far in the left tail.</summary>
    public static double NormalCdf(double x)
    {
        double a = Math.Abs(x) / Math.Sqrt(2);
        double upperTail = a < 2.5 ? 0.5 * (1 - Erf(a)) : 0.5 * Erfc(a);   // Φ(−|x|)
        return x >= 0 ? 1 - upperTail : upperTail;
    }

    /// <summary>Exact GELU x·Φ(x).</summary>
    public static double Gelu(double x) => x * NormalCdf(x);

    /// <summary>d/dx x·Φ(x) = Φ(x) + x·φ(x).</summary>
    public static double GeluDerivative(double x) => NormalCdf(x) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
}
