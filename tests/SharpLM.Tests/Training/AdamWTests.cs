using SharpLM.Autograd;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Tests.Training;

public class AdamWTests
{
    [Fact]
    public void UpdateMatchesTheAdamWFormulaAndDecaysOnlyMatrices()
    {
        var matrix = new Variable(Tensor.RandomNormal([3, 7], 0, 1, seed: 1), requiresGrad: true);
        var vector = new Variable(Tensor.RandomNormal([21], 0, 1, seed: 2), requiresGrad: true);
        var adam = new AdamW([("w", matrix), ("b", vector)], beta1: 0.9f, beta2: 0.99f, eps: 1e-8f, weightDecay: 0.1f);
        Assert.True(adam.Decays(0));
        Assert.False(adam.Decays(1));

        // Reference in double: PyTorch's AdamW (decay w·(1 − lr·wd), then the bias-corrected Adam step).
        var refW = matrix.Data.ToArray().Select(x => (double)x).ToArray();
        var refB = vector.Data.ToArray().Select(x => (double)x).ToArray();
        var m = new double[2][] { new double[21], new double[21] };
        var v = new double[2][] { new double[21], new double[21] };
        var rng = new Rng(3);
        float[] lrs = [1e-2f, 5e-3f, 2e-3f];
        for (int t = 1; t <= lrs.Length; t++)
        {
            matrix.Grad = Tensor.RandomNormal([3, 7], 0, 1, seed: (ulong)(10 + t));
            vector.Grad = Tensor.RandomNormal([21], 0, 1, seed: (ulong)(20 + t));
            var grads = new[] { matrix.Grad.ToArray(), vector.Grad.ToArray() };
            adam.Update(lrs[t - 1]);
            var refs = new[] { refW, refB };
            for (int p = 0; p < 2; p++)
                for (int i = 0; i < 21; i++)
                {
                    double g = grads[p][i], lr = lrs[t - 1];
                    m[p][i] = 0.9 * m[p][i] + 0.1 * g;
                    v[p][i] = 0.99 * v[p][i] + 0.01 * g * g;
                    double mhat = m[p][i] / (1 - Math.Pow(0.9, t)), vhat = v[p][i] / (1 - Math.Pow(0.99, t));
                    if (p == 0) refs[p][i] *= 1 - lr * 0.1;
                    refs[p][i] -= lr * mhat / (Math.Sqrt(vhat) + 1e-8);
                }
        }
        var w = matrix.Data.ToArray(); var b = vector.Data.ToArray();
        for (int i = 0; i < 21; i++)
        {
            Assert.Equal(refW[i], w[i], 1e-5);
            Assert.Equal(refB[i], b[i], 1e-5);
        }
        Assert.Equal(3, adam.Step);
    }

    [Fact]
    public void GradientNormAndScalingClipTheGlobalNorm()
    {
        var a = new Variable(Tensor.FromArray([3f, 0f], 2), requiresGrad: true) { Grad = Tensor.FromArray([3f, 0f], 2) };
        var b = new Variable(Tensor.FromArray([4f], 1), requiresGrad: true) { Grad = Tensor.FromArray([4f], 1) };
        var adam = new AdamW([("a", a), ("b", b)]);
        Assert.Equal(5.0, adam.GradientNorm(), 1e-12);
        adam.ScaleGradients(0.2f);
        Assert.Equal(1.0, adam.GradientNorm(), 1e-6);
        adam.ZeroGradients();
        Assert.Equal(0.0, adam.GradientNorm());
    }

    [Fact]
    public void ScheduleWarmsUpLinearlyThenDecaysByCosineToTheMinimum()
    {
        var s = new LearningRateSchedule(MaxLr: 1e-3f, MinLr: 1e-4f, WarmupSteps: 100, DecaySteps: 2000);
        Assert.Equal(1e-5f, s.At(0), 1e-9f);
        Assert.Equal(5e-4f, s.At(49), 1e-9f);
        Assert.Equal(1e-3f, s.At(100), 1e-7f);
        Assert.Equal(5.5e-4f, s.At(1050), 1e-7f);              // halfway through the decay: the midpoint
        Assert.Equal(1e-4f, s.At(2000), 1e-9f);
        Assert.Equal(1e-4f, s.At(5000), 1e-9f);
        for (int i = 101; i < 2000; i++) Assert.True(s.At(i) <= s.At(i - 1), $"lr rose at step {i}");
    }
}
