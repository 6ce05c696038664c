using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// RMS normalization over the last dim (LLaMA): x <c>[..., C]</c>, γ <c>[C]</c>;
    /// <c>y = x/√(mean(x²) + eps)·γ</c>. Backward (x̂ = x·rstd, g = dy·γ):
    /// <c>dx = rstd·(g − x̂·mean(g·x̂))</c>, <c>dγ = Σ dy·x̂</c>.
    /// </summary>
    public static unsafe Variable RmsNorm(this Tape tape, Variable x, Variable gamma, float eps = 1e-5f)
    {
        int c = x.Data.Dim(-1);
        gamma.Data.ExpectShape("RmsNorm gamma", c);
        int rows = x.Data.Length / Math.Max(1, c);
        var y = tape.NewTensor(x.Data.ShapeArray);
        var rstd = tape.NewTensor([rows]);
        RmsNormKernel.Forward(x.Data.Pointer, gamma.Data.Pointer, y.Pointer, rstd.Pointer, rows, c, eps);
        return tape.Record(y, r =>
        {
            float* dx = null;
            bool acc = false;
            if (x.RequiresGrad) dx = x.GradBuffer(tape, out acc).Pointer;
            float* dg = gamma.RequiresGrad ? gamma.GradOrZeros(tape).Pointer : null;
            RmsNormKernel.Backward(x.Data.Pointer, gamma.Data.Pointer, rstd.Pointer, r.Grad!.Pointer, dx, acc, dg, rows, c);
        }, x, gamma);
    }
}
