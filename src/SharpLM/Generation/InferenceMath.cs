using System.Numerics.Tensors;
using SharpLM.Nn;

namespace SharpLM.Generation;

/// <summary>
/// The per-row pieces of the decode step that are not matrix products: the three
/// normalizations of one token's vector and GELU of one number. They allocate nothing (the
/// decode loop calls them once per layer per token; the engine's multi-row kernels in
/// <c>SharpLM.Kernels</c>, used by prefill, allocate a closure per call).
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

    /// <summary>GELU (tanh approximation, GPT-2's <c>gelu_new</c>) of one number, for the decode step's fused up-projection.</summary>
    public static float Gelu(float v) => 0.5f * v * (1f + MathF.Tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
}
