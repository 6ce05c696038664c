using System.Numerics;
using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class RopeTests
{
    [Theory]
    [InlineData(8, 10000f)]      // scalar tail only (D/2 = 4)
    [InlineData(48, 10000f)]     // stories15M's head size: 8-wide SIMD + 16-wide SIMD
    [InlineData(64, 500000f)]    // Llama 3's θ
    public void ForwardEqualsComplexMultiplication(int d, float theta)
    {
        // Each pair (x_i, x_{i+D/2}) is the complex number x_i + i·x_{i+D/2}, multiplied by e^{i·p·θ^(−2i/D)}.
        int b = 2, t = 7, heads = 3, extra = 5, w = heads * d + extra;
        var rotary = new RotaryEmbedding(d, t, theta);
        var x = Tensor.RandomNormal([b, t, w], 0, 1, 11);
        var y = new Tape(recordGradients: false).Rope(new Variable(x), d, heads, rotary.Cos, rotary.Sin).Data;
        for (int bi = 0; bi < b; bi++)
            for (int p = 0; p < t; p++)
            {
                int row = (bi * t + p) * w;
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < d / 2; i++)
                    {
                        var z = new Complex(x[row + h * d + i], x[row + h * d + i + d / 2]);
                        var r = z * Complex.FromPolarCoordinates(1, p * Math.Pow(theta, -2.0 * i / d));
                        Assert.Equal(r.Real, y[row + h * d + i], 1e-5);
                        Assert.Equal(r.Imaginary, y[row + h * d + i + d / 2], 1e-5);
                    }
                for (int j = heads * d; j < w; j++) Assert.Equal(x[row + j], y[row + j]); // channels past the rotated heads pass through
            }
    }

    [Fact]
    public void RotatedDotProductsDependOnlyOnTheOffset()
    {
        // The point of RoPE: q at position m and k at position n score q·k through a rotation by (m − n).
        int d = 16;
        var rotary = new RotaryEmbedding(d, 32, 100f);
        var q = Tensor.RandomNormal([1, 1, d], 0, 1, 1);
        var k = Tensor.RandomNormal([1, 1, d], 0, 1, 2);
        double Score(int m, int n)
        {
            var qs = new Tensor(1, 32, d); var ks = new Tensor(1, 32, d);
            q.Span.CopyTo(qs.Span.Slice(m * d, d)); k.Span.CopyTo(ks.Span.Slice(n * d, d));
            var tape = new Tape(recordGradients: false);
            var qr = tape.Rope(new Variable(qs), d, 1, rotary.Cos, rotary.Sin).Data.Span.Slice(m * d, d);
            var kr = tape.Rope(new Variable(ks), d, 1, rotary.Cos, rotary.Sin).Data.Span.Slice(n * d, d);
            double s = 0;
            for (int i = 0; i < d; i++) s += qr[i] * kr[i];
            return s;
        }
        Assert.Equal(Score(5, 2), Score(20, 17), 4);
        Assert.Equal(Score(9, 9), Score(0, 0), 4);
        Assert.NotEqual(Score(5, 2), Score(5, 4), 2);
    }

    [Theory]
    [InlineData(8, 2, 1)]   // q and k heads of a fused qkv, v passes through
    [InlineData(48, 1, 0)]
    public void GradientMatchesFiniteDifferences(int d, int heads, int passHeads)
    {
        int b = 2, t = 5, w = (heads + passHeads) * d;
        var rotary = new RotaryEmbedding(d, 8, 50f);
        var x = new Variable(Tensor.RandomNormal([b, t, w], 0, 1, 3), requiresGrad: true) { Name = "x" };
        var m = Tensor.RandomNormal([b, t, w], 0, 1, 4);
        GradCheck.AssertGradients(tape => GradCheck.WeightedSum(tape, tape.Rope(x, d, heads, rotary.Cos, rotary.Sin), m), [x], maxChecksPerInput: 120);
    }

    [Fact]
    public void GradientAccumulatesWhenTheInputIsUsedTwice()
    {
        int d = 8, b = 1, t = 4, w = 2 * d;
        var rotary = new RotaryEmbedding(d, t, 10f);
        var x = new Variable(Tensor.RandomNormal([b, t, w], 0, 1, 5), requiresGrad: true) { Name = "x" };
        var m = Tensor.RandomNormal([b, t, w], 0, 1, 6);
        // x feeds the sum directly (its gradient is written first) and through RoPE (accumulated).
        GradCheck.AssertGradients(tape => GradCheck.WeightedSum(tape, tape.Add(tape.Rope(x, d, 2, rotary.Cos, rotary.Sin), x), m), [x]);
    }

    [Fact]
    public void BadArgumentsAreRejectedWithTheirName()
    {
        var rotary = new RotaryEmbedding(8, 4, 10000f);
        var tape = new Tape();
        var x = tape.Input(new Tensor(1, 5, 16));
        Assert.Contains("sequence length 5", Assert.Throws<ArgumentException>(() => tape.Rope(x, 8, 2, rotary.Cos, rotary.Sin)).Message);
        var y = tape.Input(new Tensor(1, 4, 16));
        Assert.Contains("do not fit", Assert.Throws<ArgumentException>(() => tape.Rope(y, 8, 3, rotary.Cos, rotary.Sin)).Message);
        Assert.Contains("even", Assert.Throws<ArgumentException>(() => tape.Rope(y, 7, 1, rotary.Cos, rotary.Sin)).Message);
        Assert.Contains("[positions, 2]", Assert.Throws<ArgumentException>(() => tape.Rope(y, 4, 1, rotary.Cos, rotary.Sin)).Message);
    }

    [Fact]
    public void Llama3ScalingKeepsHighFrequenciesAndDividesLowOnes()
    {
        var scaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 32, LowFreqFactor = 1, HighFreqFactor = 4, OriginalContext = 8192 };
        var plain = RotaryEmbedding.Frequencies(64, 500000f, null);
        var scaled = RotaryEmbedding.Frequencies(64, 500000f, scaling);
        for (int i = 0; i < plain.Length; i++)
        {
            double wavelength = 2 * Math.PI / plain[i];
            if (wavelength < 8192 / 4.0) Assert.Equal(plain[i], scaled[i]);
            else if (wavelength > 8192) Assert.Equal(plain[i] / 32, scaled[i], plain[i] * 1e-6);
            else Assert.InRange(scaled[i], plain[i] / 32, plain[i]);
        }
        Assert.Contains(plain.Select(f => 2 * Math.PI / f), wl => wl > 2048 && wl < 8192); // the blend band is exercised
        var linear = RotaryEmbedding.Frequencies(16, 10000f, new RopeScaling { Kind = RopeScalingKind.Linear, Factor = 4 });
        var base16 = RotaryEmbedding.Frequencies(16, 10000f, null);
        for (int i = 0; i < linear.Length; i++) Assert.Equal(base16[i] / 4, linear[i], 1e-9);
    }
}
