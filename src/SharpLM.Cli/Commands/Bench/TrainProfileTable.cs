using System.Globalization;
using SharpLM.Autograd;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>Prints a <see cref="TapeProfiler"/>'s totals as tables: per category, then per op, slowest first, in ms per step and % of the step.</summary>
public static class TrainProfileTable
{
    /// <summary>
    /// Writes the profile of <paramref name="steps"/> steps that took <paramref name="stepMs"/> on average;
    /// <paramref name="matmulFlops"/> (per step) gives the matmuls' achieved GFLOP/s.
    /// </summary>
    public static void Print(TapeProfiler profiler, int steps, double stepMs, double matmulFlops, double peakGflops, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        double profiled = profiler.TotalMilliseconds / steps;
        output.WriteLine();
        output.WriteLine(string.Format(inv, "Profile: mean of {0} step(s), {1:F1} ms per step", steps, stepMs));
        output.WriteLine($"{"category",-28}{"ms/step",10}{"% step",9}");
        foreach (var (category, ms) in profiler.Categories())
            output.WriteLine(string.Format(inv, "{0,-28}{1,10:F1}{2,8:F1}%", category, ms / steps, 100 * ms / steps / stepMs));
        output.WriteLine(string.Format(inv, "{0,-28}{1,10:F1}{2,8:F1}%", "other (untimed glue)", stepMs - profiled, 100 * (stepMs - profiled) / stepMs));
        double matmulMs = profiler.Entries().Where(e => e.Category == "matmul").Sum(e => e.Milliseconds) / steps;
        double gflops = matmulFlops / (matmulMs * 1e6);
        output.WriteLine(string.Format(inv, "matmuls: {0:F1} GFLOP/s ({1:F1}% of the {2} GFLOP/s fp32 peak)", gflops, 100 * gflops / peakGflops, peakGflops));
        output.WriteLine();
        output.WriteLine($"{"op [output shape]",-40}{"pass",-8}{"calls/step",11}{"ms/step",10}{"% step",9}");
        foreach (var e in profiler.Entries())
            output.WriteLine(string.Format(inv, "{0,-40}{1,-8}{2,11:F0}{3,10:F2}{4,8:F1}%", e.Name, e.Phase, (double)e.Calls / steps, e.Milliseconds / steps, 100 * e.Milliseconds / steps / stepMs));
    }
}
