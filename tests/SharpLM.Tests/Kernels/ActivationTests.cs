using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Tests.Kernels;

public unsafe class ActivationTests
{
    public static TheoryData<int> Sizes => new() { 1, 7, 33, 257, 70_001 }; // the last one is split across threads

    private static void AssertClose(double expected, float actual, double tol, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tol * (1 + Math.Abs(expected)), $"{what}: {actual} vs {expected}");

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ForwardKernelsMatchScalarMath(int n)
    {
        var x = Tensor.RandomNormal([n], 0, 3, (ulong)n);
        var b = Tensor.RandomNormal([n], 0, 1, (ulong)n + 1);
        var gelu = new Tensor(n); var silu = new Tensor(n); var swi = new Tensor(n); var tanh = new Tensor(n); var exp = new Tensor(n);
        Activations.GeluForward(x.Pointer, gelu.Pointer, n);
        Activations.SiluForward(x.Pointer, silu.Pointer, n);
        Activations.SwiGluForward(x.Pointer, b.Pointer, swi.Pointer, n);
        Activations.Tanh(x.Pointer, tanh.Pointer, n);
        Activations.Exp(x.Pointer, exp.Pointer, n);
        for (int i = 0; i < n; i++)
        {
            double v = x[i], s = 1 / (1 + Math.Exp(-v));
            AssertClose(0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))), gelu[i], 1e-5, "gelu");
            AssertClose(v * s, silu[i], 1e-5, "silu");
            AssertClose(v * s * b[i], swi[i], 1e-5, "swiglu");
            AssertClose(Math.Tanh(v), tanh[i], 1e-5, "tanh");
            AssertClose(Math.Exp(v), exp[i], 1e-5, "exp");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void BackwardKernelsMatchAnalyticDerivatives(int n)
    {
        var x = Tensor.RandomNormal([n], 0, 3, (ulong)n + 2);
        var b = Tensor.RandomNormal([n], 0, 1, (ulong)n + 3);
        var dy = Tensor.RandomNormal([n], 0, 1, (ulong)n + 4);
        var dGelu = Tensor.Full(0.5f, n); var dSilu = new Tensor(n); var da = new Tensor(n); var db = Tensor.Full(0.25f, n);
        Activations.GeluBackward(x.Pointer, dy.Pointer, dGelu.Pointer, n, accumulate: true);
        Activations.SiluBackward(x.Pointer, dy.Pointer, dSilu.Pointer, n, accumulate: false);
        Activations.SwiGluBackward(x.Pointer, b.Pointer, dy.Pointer, da.Pointer, false, db.Pointer, true, n);
        for (int i = 0; i < n; i++)
        {
            double v = x[i], s = 1 / (1 + Math.Exp(-v));
            double k = Math.Sqrt(2 / Math.PI), u = k * (v + 0.044715 * v * v * v), th = Math.Tanh(u);
            double geluGrad = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * k * (1 + 3 * 0.044715 * v * v);
            double siluGrad = s * (1 + v * (1 - s));
            AssertClose(0.5 + dy[i] * geluGrad, dGelu[i], 1e-5, "gelu'");
            AssertClose(dy[i] * siluGrad, dSilu[i], 1e-5, "silu'");
            AssertClose(dy[i] * b[i] * siluGrad, da[i], 1e-5, "swiglu da");
            AssertClose(0.25 + dy[i] * v * s, db[i], 1e-5, "swiglu db");
        }
    }
}
