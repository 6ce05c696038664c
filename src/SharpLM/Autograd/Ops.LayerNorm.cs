using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Layer normalization over the last dim: x <c>[..., C]</c>, γ <c>[C]</c>, optional β <c>[C]</c>;
    /// <c>y = (x − μ)/√(σ² + eps)·γ + β</c> per row. Backward (x̂ normalized x, g = dy·γ):
    /// <c>dx = rstd·(g − mean(g) − x̂·mean(g·x̂))</c>, <c>dγ = Σ dy·x̂</c>, <c>dβ = Σ dy</c>.
    /// </summary>
    public static unsafe Variable LayerNorm(this Tape tape, Variable x, Variable gamma, Variable? beta, float eps = 1e-5f)
    {
        int c = x.Data.Dim(-1);
        gamma.Data.ExpectShape("LayerNorm gamma", c);
        beta?.Data.ExpectShape("LayerNorm beta", c);
        int rows = x.Data.Length / Math.Max(1, c);
        var y = tape.NewTensor(x.Data.ShapeArray);
        var mean = tape.NewTensor([rows]);
        var rstd = tape.NewTensor([rows]);
        LayerNormKernel.Forward(x.Data.Pointer, gamma.Data.Pointer, beta is null ? null : beta.Data.Pointer,
            y.Pointer, mean.Pointer, rstd.Pointer, rows, c, eps);

        return tape.Record(y, r =>
        {
            float* dx = null;
            bool acc = false;
            if (x.RequiresGrad) dx = x.GradBuffer(tape, out acc).Pointer;
            float* dg = gamma.RequiresGrad ? gamma.GradOrZeros(tape).Pointer : null;
            float* db = beta is not null && beta.RequiresGrad ? beta.GradOrZeros(tape).Pointer : null;
            LayerNormKernel.Backward(x.Data.Pointer, gamma.Data.Pointer, mean.Pointer, rstd.Pointer, r.Grad!.Pointer,
                dx, acc, dg, db, rows, c);
        }, x, gamma, beta!);
    }
}
