using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

/// <summary>
/// Checks an op's backward against central finite differences of its forward:
/// ∂L/∂x ≈ (L(x+h) − L(x−h)) / 2h, with L accumulated in double precision.
/// </summary>
public static class GradCheck
{
    /// <summary>L = Σ y·w computed in double, as a scalar variable on the tape (its backward seeds dy = w).</summary>
    public static Variable WeightedSum(Tape tape, Variable y, Tensor w)
    {
        double sum = 0;
        var ys = y.Data.Span; var ws = w.Span;
        for (int i = 0; i < ys.Length; i++) sum += (double)ys[i] * ws[i];
        var loss = tape.NewTensor([1]);
        loss[0] = (float)sum;
        return tape.Record(loss, r =>
        {
            float g = r.Grad![0];
            var dy = y.GradOrZeros(tape).Span;
            var wv = w.Span;
            for (int i = 0; i < dy.Length; i++) dy[i] += g * wv[i];
        }, y);
    }

    /// <summary>
    /// Runs <paramref name="loss"/> forward and backward, then compares each input's
    /// gradient with central differences. Tolerance: |analytic − numeric| ≤ atol + rtol·|numeric|;
    /// the defaults sit ~10× above the float rounding noise of the numeric estimate for these sizes.
    /// </summary>
    public static void AssertGradients(Func<Tape, Variable> loss, Variable[] inputs,
        float step = 1e-2f, double atol = 2e-3, double rtol = 2e-2, int maxChecksPerInput = 64)
    {
        foreach (var v in inputs) v.Grad = null;
        var tape = new Tape();
        var l = loss(tape);
        tape.Backward(l);
        var analytic = inputs.Select(v => v.Grad?.ToArray() ?? new float[v.Data.Length]).ToArray();

        for (int k = 0; k < inputs.Length; k++)
        {
            var data = inputs[k].Data;
            foreach (int i in Indices(data.Length, maxChecksPerInput, (ulong)k))
            {
                float saved = data[i];
                data[i] = saved + step;
                double plus = Evaluate(loss);
                data[i] = saved - step;
                double minus = Evaluate(loss);
                data[i] = saved;
                double numeric = (plus - minus) / (2.0 * step);
                double err = Math.Abs(analytic[k][i] - numeric);
                Assert.True(err <= atol + rtol * Math.Abs(numeric),
                    $"input {k} ({inputs[k].Name ?? "unnamed"}) element {i}: analytic {analytic[k][i]:G6}, numeric {numeric:G6}, error {err:G3}");
            }
        }
    }

    /// <summary>
    /// Every index when there are few; otherwise the first, the last and a seeded random sample,
    /// so no fixed stride can line up with a dimension and skip whole columns (e.g. all of k in qkv).
    /// </summary>
    private static IEnumerable<int> Indices(int n, int max, ulong seed)
    {
        if (n <= max) return Enumerable.Range(0, n);
        var rng = new Rng(1000 + seed);
        var chosen = new SortedSet<int> { 0, n - 1 };
        while (chosen.Count < max) chosen.Add(rng.NextInt(n));
        return chosen;
    }

    private static double Evaluate(Func<Tape, Variable> loss)
    {
        var tape = new Tape(recordGradients: false);
        return loss(tape).Data[0];
    }
}
