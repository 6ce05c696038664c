using SharpLM.Autograd;
using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public unsafe class GeluExactTests
{
    [Fact]
    public void ReferenceErfHitsKnownValues()
    {
        // The double reference itself, against tabulated erf values, so the kernel tests below rest on something checked.
        Assert.Equal(0.8427007929497149, ReferenceErf.Erf(1), 1e-14);
        Assert.Equal(0.9953222650189527, ReferenceErf.Erf(2), 1e-14);
        Assert.Equal(0.9999779095030014, ReferenceErf.Erf(3), 1e-14);
        Assert.Equal(-0.5204998778130465, ReferenceErf.Erf(-0.5), 1e-14);
        Assert.Equal(2.209049699858544e-5, ReferenceErf.Erfc(3), 1e-18);
        Assert.Equal(0.0013498980316301, ReferenceErf.NormalCdf(-3), 1e-15);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(257)]
    [InlineData(100_003)]   // several threads' chunks
    public void ForwardMatchesDoublePrecisionReference(int n)
    {
        var x = Tensor.RandomNormal([n], 0, 3, (ulong)n);
        var tape = new Tape();
        var y = tape.GeluExact(tape.Input(x));
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            double expected = ReferenceErf.Gelu(x[i]);
            double error = Math.Abs(expected - y.Data[i]);
            worst = Math.Max(worst, error / (1 + Math.Abs(x[i])));
            Assert.True(error <= 3e-7 * (1 + Math.Abs(x[i])), $"x={x[i]}: {y.Data[i]} vs {expected}");
        }
        // Far tighter than the tanh form's distance from the exact GELU (up to ~4.7e-4 near |x| ≈ 2.7).
        Assert.True(worst < 3e-7, $"worst scaled error {worst}");
    }

    [Fact]
    public void DiffersFromTanhApproximationWhereTheyDisagree()
    {
        var tape = new Tape();
        var x = tape.Input(Tensor.FromArray([2.7f], 1));
        // The two GELUs differ most, by ~4.7e-4, near |x| = 2.7; the kernel must give the exact one.
        Assert.Equal(ReferenceErf.Gelu(2.7f), tape.GeluExact(x).Data[0], 1e-6);
        Assert.True(Math.Abs(tape.Gelu(x).Data[0] - ReferenceErf.Gelu(2.7f)) > 4e-4);
    }

    [Fact]
    public void ExtremeInputsStayFinite()
    {
        var tape = new Tape();
        var y = tape.GeluExact(tape.Input(Tensor.FromArray([-100f, -30f, -8f, 30f, 100f], 5)));
        Assert.Equal([0f, 0f, 0f, 30f, 100f], y.Data.ToArray().Select(v => MathF.Abs(v) < 1e-12f ? 0f : v).ToArray());
    }

    [Fact]
    public void BackwardMatchesAnalyticDerivativeAndAccumulates()
    {
        int n = 1001;
        var x = Tensor.RandomNormal([n], 0, 3, 5);
        var dy = Tensor.RandomNormal([n], 0, 1, 6);
        var dx = Tensor.Full(0.5f, n);
        GeluExact.Backward(x.Pointer, dy.Pointer, dx.Pointer, n, accumulate: true);
        for (int i = 0; i < n; i++)
        {
            double expected = 0.5 + dy[i] * ReferenceErf.GeluDerivative(x[i]);
            Assert.True(Math.Abs(expected - dx[i]) <= 1e-6 * (1 + Math.Abs(expected)), $"x={x[i]}: {dx[i]} vs {expected}");
        }
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        var x = new Variable(Tensor.RandomNormal([5, 37], 0, 2, 1), requiresGrad: true);
        var m = Tensor.RandomNormal([5, 37], 0, 1, 2);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.GeluExact(x), m), [x], step: 1e-3f, maxChecksPerInput: 185);
    }
}
