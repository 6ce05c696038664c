using System.Numerics.Tensors;
using SharpLM.Kernels;
using SharpLM.Nn;

namespace SharpLM.Generation;

/// <summary>
/// Applies a model's norm layer (LayerNorm, RMSNorm or DyT) to rows of the residual stream
/// with the engine's kernels; for one row (a decode step) they run inline and allocate nothing.
/// </summary>
internal static unsafe class InferenceNorm
{
    /// <summary>Normalizes <paramref name="rows"/> rows <c>x[rows, C] → y[rows, C]</c>; <paramref name="mean"/> and <paramref name="rstd"/> are scratch of one float per row.</summary>
    public static void Apply(in NormPointers norm, float* x, float* y, int rows, int c, float* mean, float* rstd)
    {
        switch (norm.Kind)
        {
            case NormKind.LayerNorm:
                LayerNormKernel.Forward(x, norm.Gamma, norm.Beta, y, mean, rstd, rows, c, norm.Eps);
                break;
            case NormKind.RmsNorm:
                RmsNormKernel.Forward(x, norm.Gamma, y, rstd, rows, c, norm.Eps);
                break;
            default:
                // DyT: y = γ·tanh(α·x) + β, row by row.
                float alpha = *norm.Alpha;
                var g = new ReadOnlySpan<float>(norm.Gamma, c);
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(x, rows * c), alpha, new Span<float>(y, rows * c));
                Activations.Tanh(y, y, rows * c);
                for (int r = 0; r < rows; r++)
                {
                    var yr = new Span<float>(y + (long)r * c, c);
                    if (norm.Beta is null) TensorPrimitives.Multiply(yr, g, yr);
                    else TensorPrimitives.FusedMultiplyAdd(yr, g, new ReadOnlySpan<float>(norm.Beta, c), yr);
                }
                break;
        }
    }
}
