using System.Numerics.Tensors;
using SharpLM.Nn;

namespace SharpLM.Generation;

/// <summary>
/// The per-row pieces of the inference forward that are not matrix products: the three
/// normalizations, GELU and a numerically stable softmax. Each works on one row of C
/// numbers, in place or into a destination, and allocates nothing (the decode loop calls
/// them once per layer per token).
/// </summary>
internal static unsafe class InferenceMath
{
    /// <summary>Normalizes one row <c>x[C] → y[C]</c> as the norm layer describes (LayerNorm, RMSNorm or DyT).</summary>
    public static void NormalizeRow(NormPointers norm, float* x, float* y, int c)
    {
        var xs = new ReadOnlySpan<float>(x, c);
        var ys = new Span<float>(y, c);
        var g = new ReadOnlySpan<float>(norm.Gamma, c);
        switch (norm.Kind)
        {
            case NormKind.LayerNorm:
            {
                float mean = TensorPrimitives.Sum(xs) / c;
                float var = 0;
                for (int i = 0; i < c; i++) { float d = x[i] - mean; var += d * d; }
                float rstd = 1f / MathF.Sqrt(var / c + norm.Eps);
                TensorPrimitives.Subtract(xs, mean, ys);
                TensorPrimitives.Multiply(ys, rstd, ys);
                break;
            }
            case NormKind.RmsNorm:
            {
                float ms = TensorPrimitives.SumOfSquares(xs) / c;
                TensorPrimitives.Multiply(xs, 1f / MathF.Sqrt(ms + norm.Eps), ys);
                break;
            }
            default: // DyT: tanh(α·x)
                TensorPrimitives.Multiply(xs, *norm.Alpha, ys);
                TensorPrimitives.Tanh(ys, ys);
                break;
        }
        if (norm.Beta is null) TensorPrimitives.Multiply(ys, g, ys);
        else TensorPrimitives.FusedMultiplyAdd(ys, g, new ReadOnlySpan<float>(norm.Beta, c), ys);
    }

    /// <summary>GELU (tanh approximation, GPT-2's <c>gelu_new</c>) in place over n numbers.</summary>
    public static void GeluInPlace(float* x, int n)
    {
        const float k0 = 0.7978845608028654f, k1 = 0.044715f;
        for (int i = 0; i < n; i++)
        {
            float v = x[i];
            x[i] = 0.5f * v * (1f + MathF.Tanh(k0 * (v + k1 * v * v * v)));
        }
    }

    /// <summary>Softmax in place over n scores: subtract the max, exponentiate, divide by the sum.</summary>
    public static void SoftmaxInPlace(float* x, int n)
    {
        var s = new Span<float>(x, n);
        float max = TensorPrimitives.Max(s);
        TensorPrimitives.Subtract(s, max, s);
        TensorPrimitives.Exp(s, s);
        float sum = TensorPrimitives.Sum(s);
        TensorPrimitives.Multiply(s, 1f / sum, s);
    }
}
